// `npm start`: the whole system in one process — migrations, the worker, the API serving the built
// dashboard, and, when no tenant is configured, the Entra sandbox with its seeded users, labelled
// SANDBOX everywhere. `npm run start:api` and `npm run start:worker` run the parts alone for scaling out.
import { ConfigError, createLogger, loadConfig } from '@tokenfleet/config';
import { sandboxBanner, type Sandbox } from '@tokenfleet/entra-sandbox';
import { printSetupLink } from '../apps/api/src/sign-in/setup-link';
import { startApi } from '../apps/api/src/start';
import { startWorker } from '../apps/worker/src/start-worker';
import { startLocalSandbox } from './local-sandbox';

try {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'tokenfleet', mode: config.mode });
  let sandbox: Sandbox | undefined;
  if (config.mode === 'sandbox') {
    sandbox = await startLocalSandbox(config, process.env, logger);
    console.log(sandboxBanner(sandbox));
  }
  const worker = await startWorker(config, { logger: logger.child({ part: 'worker' }) });
  const api = await startApi(config, {
    logger: logger.child({ part: 'api' }),
    skipMigrations: true,
    graph: worker.context.tenant.graph,
    writeBlockedForMs: () => worker.context.tenant.budget.blockedForMs(),
    announceSetupLink: printSetupLink,
  });
  console.log(`\nTokenfleet is running on ${api.url.replace('127.0.0.1', 'localhost')}${config.mode === 'sandbox' ? '  — SANDBOX: simulated Entra, no real tenant is touched' : ''}\n`);
  if (config.mode === 'sandbox') {
    console.log(`  Sign in with Microsoft (SANDBOX) at ${api.url.replace('127.0.0.1', 'localhost')}: the sandbox's demo users sign in at once with their roles`);
    console.log(`  (alice: admin, bob: operator, judy: viewer); every other demo user is an employee for the self-service portal at /my.\n`);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    await api.close();
    await worker.close();
    await sandbox?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
