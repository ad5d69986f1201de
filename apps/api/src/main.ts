// `npm run start:api`: the API alone (scale it out beside `npm run start:worker`).
import { ConfigError, createLogger, graphConnectionFor, loadConfig, type Config } from '@tokenfleet/config';
import { clientOptionsFromConnection, createGraphClient, type GraphClient } from '@tokenfleet/graph';
import { printSetupLink } from './sign-in/setup-link';
import { startApi } from './start';

/**
 * The Graph client for the one Graph call the API makes itself, the read-only user search. Without a
 * reachable configuration (sandbox mode with no sandbox running) the API still starts; the search
 * answers 503 until one is.
 */
function userDirectory(config: Config): GraphClient | undefined {
  try {
    const logger = createLogger({ level: config.logLevel, name: 'api-graph', mode: config.mode });
    return createGraphClient(clientOptionsFromConnection(graphConnectionFor(config), { timeoutMs: config.graph.timeoutMs, logger }));
  } catch (error) {
    console.warn(`User search is off: ${error instanceof Error ? error.message : error}`);
    return undefined;
  }
}

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
  const graph = userDirectory(config);
  const api = await startApi(config, { ...(graph ? { graph } : {}), announceSetupLink: printSetupLink });
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
