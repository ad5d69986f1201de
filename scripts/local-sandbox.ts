// Starts the Entra sandbox for a local Tokenfleet (sandbox mode) and writes its connection file into the
// state directory, where the worker and the API find it. Shared by `npm start` and `npm run sandbox`.
import { join } from 'node:path';
import { writeSandboxConnection, type Config } from '@tokenfleet/config';
import { startSandbox, standaloneOptionsFromEnv, type Sandbox } from '@tokenfleet/entra-sandbox';
import type { Logger } from 'pino';

export async function startLocalSandbox(config: Config, env: NodeJS.ProcessEnv, logger: Logger): Promise<Sandbox> {
  const { options, problems } = await standaloneOptionsFromEnv(
    { SANDBOX_STATE_DIR: join(config.stateDir, 'sandbox'), SANDBOX_PORT: String(config.sandboxPort), ...env },
    process.cwd(),
  );
  if (problems.length > 0) throw new Error(`SANDBOX not started; fix these settings:\n  - ${problems.join('\n  - ')}`);
  const sandboxLogger = logger.child({ part: 'sandbox' });
  const sandbox = await startSandbox({
    ...options,
    logger: {
      info: (...args: unknown[]) => sandboxLogger.info(args.filter((arg) => typeof arg === 'string').join(' ')),
      warn: (...args: unknown[]) => sandboxLogger.warn(args.filter((arg) => typeof arg === 'string').join(' ')),
      error: (...args: unknown[]) => sandboxLogger.error(args.filter((arg) => typeof arg === 'string').join(' ')),
    },
  });
  writeSandboxConnection(config.stateDir, {
    origin: sandbox.origin,
    tenantId: sandbox.tenantId,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    caCertificatePath: sandbox.caCertificatePath,
  });
  return sandbox;
}
