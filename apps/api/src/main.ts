// `npm run start:api`: the API alone (scale it out beside `npm run start:worker`).
import { ConfigError, loadConfig } from '@tokenfleet/config';
import { startApi } from './start';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const api = await startApi(config);
  const stop = (signal: NodeJS.Signals) => {
    api.deps.logger.info({ signal }, 'shutting down');
    api.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Shutdown failed:', error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error('Tokenfleet API could not start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
