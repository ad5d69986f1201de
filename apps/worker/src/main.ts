// `npm run start:worker`: one worker process for every tenant of the installation (the environment's and
// those added in Tokenfleet, docs/tenants.md). Run as many as you like, on as many machines: they share
// each tenant's queue and its Graph write budget through Redis.
import { collectProcessMetrics, ConfigError, loadConfig, serveMetrics } from '@tokenfleet/config';
import { startWorker } from './start-worker';

try {
  const config = loadConfig();
  const worker = await startWorker(config);
  if (config.workerMetrics) {
    collectProcessMetrics();
    const { port, host } = config.workerMetrics;
    (await serveMetrics(port, host)).unref();
    worker.logger.info({ url: `http://${host}:${port}/metrics` }, 'Prometheus metrics served');
  }
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    worker.logger.info({ signal }, 'worker stopping: no new jobs, finishing running ones');
    void worker.close().then(() => process.exit(0), (error: unknown) => { console.error(error); process.exit(1); });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
