// `npm run sandbox`: the Entra + Graph simulator alone, for a worker or API started separately
// (`npm run start:worker`, `npm run start:api`) in sandbox mode. SANDBOX_* variables tune it.
import { ConfigError, createLogger, loadConfig } from '@tokenfleet/config';
import { sandboxBanner } from '@tokenfleet/entra-sandbox';
import { startLocalSandbox } from './local-sandbox';

try {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'sandbox', mode: 'sandbox' });
  const sandbox = await startLocalSandbox(config, process.env, logger);
  console.log(sandboxBanner(sandbox));
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
