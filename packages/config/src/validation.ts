// Settings of the TOTPRadius-compatible validation API (docs/validation-api.md), read with the rest of
// the environment and validated the same way.
import { z } from 'zod';

const wholeNumber = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`);

export const validationEnvSchema = z.object({
  VALIDATION_WINDOW_STEPS: wholeNumber('VALIDATION_WINDOW_STEPS', 0, 10).default(1),
  VALIDATION_MAX_FAILURES: wholeNumber('VALIDATION_MAX_FAILURES', 1, 1000).default(10),
  VALIDATION_LOCKOUT_CLEAR_MINUTES: wholeNumber('VALIDATION_LOCKOUT_CLEAR_MINUTES', 0, 525_600).default(30),
  VALIDATION_RATE_LIMIT: wholeNumber('VALIDATION_RATE_LIMIT', 1, 1_000_000).default(100),
  VALIDATION_DB_POOL_SIZE: wholeNumber('VALIDATION_DB_POOL_SIZE', 1, 100).default(2),
  VALIDATION_QR_TTL_SECONDS: wholeNumber('VALIDATION_QR_TTL_SECONDS', 10, 86_400).default(600),
  VALIDATION_ISSUER: z.string().trim().min(1).max(64).regex(/^[^:]+$/, 'VALIDATION_ISSUER may not contain ":"').default('Tokenfleet'),
  TOKENFLEET_PUBLIC_URL: z
    .string()
    .url('TOKENFLEET_PUBLIC_URL must be a URL such as https://tokenfleet.example.com')
    .refine((value) => /^https?:\/\//.test(value), 'TOKENFLEET_PUBLIC_URL must start with https:// or http://')
    .optional(),
});

export interface ValidationConfig {
  /** Steps either side of a token's known drift that a code may come from. */
  windowSteps: number;
  /** Consecutive failures that lock a user. */
  maxFailures: number;
  /** How long a lock holds by itself; 0: until an operator unlocks. */
  lockoutClearMs: number;
  /** Requests per second one validator key may make. */
  rateLimitPerSecond: number;
  /**
   * Connections of the validation routes' own PostgreSQL pool. Few on purpose: statements that arrive
   * together then share one socket write and one backend wake-up (docs/performance.md measured 2 against
   * 10), and the dashboard's or an import's long queries, on the main pool, never hold a validation back.
   */
  dbPoolSize: number;
  /** How long a `hashqr` link from createuser serves its QR image. */
  qrTtlMs: number;
  /** The issuer name mobile apps show beside a software token. */
  issuer: string;
  /** Where clients reach Tokenfleet, for the `hashqr` links; without it, the request's own host. */
  publicUrl?: string;
}

export function toValidationConfig(env: z.infer<typeof validationEnvSchema>): ValidationConfig {
  return {
    windowSteps: env.VALIDATION_WINDOW_STEPS,
    maxFailures: env.VALIDATION_MAX_FAILURES,
    lockoutClearMs: env.VALIDATION_LOCKOUT_CLEAR_MINUTES * 60_000,
    rateLimitPerSecond: env.VALIDATION_RATE_LIMIT,
    dbPoolSize: env.VALIDATION_DB_POOL_SIZE,
    qrTtlMs: env.VALIDATION_QR_TTL_SECONDS * 1000,
    issuer: env.VALIDATION_ISSUER,
    ...(env.TOKENFLEET_PUBLIC_URL ? { publicUrl: env.TOKENFLEET_PUBLIC_URL.replace(/\/+$/, '') } : {}),
  };
}
