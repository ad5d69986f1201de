// The Prometheus metrics every process shares (prom-client's default registry). The worker counts what
// only it sees as it happens: Graph calls and their latency, 429s and the pauses they cause, the writes
// it spends, the time left in the TOTP window when a code is sent. What lives in PostgreSQL and Redis
// (queues by state, budget left, tokens by state, imports by status) is read by the API when scraped
// (apps/api/src/metrics.ts). In `npm start`'s single process both are in one registry and one answer; a
// worker on its own serves its part on WORKER_METRICS_PORT.
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';

export { register as metricsRegistry };

let defaultsCollected = false;
/** Process metrics (CPU, memory, event-loop lag), once per process whoever asks first. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ prefix: 'tokenfleet_' });
}

/** One metric per name per process, whichever module asks first (the API and the worker may share one process). */
function once<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

export const graphCalls = once(
  'tokenfleet_graph_calls_total',
  () => new Counter({ name: 'tokenfleet_graph_calls_total', help: 'Graph calls by tenant, operation and outcome (ok, permanent, transient, rate-limited)', labelNames: ['tenant', 'operation', 'outcome'] as const }),
);

export const graphCallSeconds = once(
  'tokenfleet_graph_call_duration_seconds',
  () =>
    new Histogram({
      name: 'tokenfleet_graph_call_duration_seconds',
      help: 'Graph call latency by tenant and operation',
      labelNames: ['tenant', 'operation'] as const,
      buckets: [0.025, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 30],
    }),
);

export const graphWrites = once(
  'tokenfleet_graph_writes_total',
  () => new Counter({ name: 'tokenfleet_graph_writes_total', help: 'Graph writes sent, against the tenant write budget (given-back writes not counted)', labelNames: ['tenant'] as const }),
);

export const graphThrottles = once(
  'tokenfleet_graph_throttled_total',
  () => new Counter({ name: 'tokenfleet_graph_throttled_total', help: 'Graph answers 429 (tenant budget exhausted)', labelNames: ['tenant'] as const }),
);

export const graphPausedSeconds = once(
  'tokenfleet_graph_paused_seconds_total',
  () => new Counter({ name: 'tokenfleet_graph_paused_seconds_total', help: "Seconds of pause a 429's Retry-After imposed on the tenant's queue", labelNames: ['tenant'] as const }),
);

export const activationWindowLeftSeconds = once(
  'tokenfleet_activation_window_left_seconds',
  () =>
    new Histogram({
      name: 'tokenfleet_activation_window_left_seconds',
      help: 'Time left in the TOTP window when an accepted activation code was computed',
      labelNames: ['tenant'] as const,
      buckets: [1, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
    }),
);

/**
 * Serves the registry on its own port (the worker has no HTTP server of its own). Binds to 127.0.0.1
 * unless a host is given: the metrics name tenants, so they are not for everyone on the network.
 */
export function serveMetrics(port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
      return;
    }
    register.metrics().then(
      (text) => res.writeHead(200, { 'content-type': register.contentType }).end(text),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${error instanceof Error ? error.message : String(error)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
