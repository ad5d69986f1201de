// One logger factory for every process. Redaction is the safety net, not the plan: code never logs
// seeds, codes, keys or bearer tokens, and these paths catch the shapes that could carry one anyway.
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  // The API's request log at debug level.
  'headers.cookie',
  'headers["x-csrf-token"]',
  'responseHeaders["set-cookie"]',
  '*.secret',
  '*.secretKey',
  '*.secretBase32',
  '*.seed',
  '*.code',
  '*.verificationCode',
  '*.password',
  '*.apiKey',
  '*.key',
  '*.clientSecret',
  '*.accessToken',
  '*.authorization',
];

export function createLogger(options: { level: string; name: string; mode?: 'sandbox' | 'live' }, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Every line says whether it speaks of the simulator or a real tenant.
      base: options.mode === 'sandbox' ? { mode: 'SANDBOX' } : { mode: 'live' },
    },
    destination as pino.DestinationStream | undefined,
  );
}
