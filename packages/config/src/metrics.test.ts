import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './index';
import { collectProcessMetrics, graphCalls, serveMetrics } from './metrics';

describe('worker metrics', () => {
  it('are served only where WORKER_METRICS_PORT says, on loopback unless a host is given', () => {
    expect(loadConfig({}).workerMetrics).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_PORT: '9464' }).workerMetrics).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(() => loadConfig({ WORKER_METRICS_PORT: 'ninety' })).toThrow(/WORKER_METRICS_PORT/);
  });

  it('answer GET /metrics in the text format with the counters of this process, and nothing else', async () => {
    collectProcessMetrics();
    graphCalls.inc({ tenant: 'metrics-test', operation: 'activate', outcome: 'ok' });
    const server = await serveMetrics(0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const answer = await fetch(`${base}/metrics`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('text/plain');
      const text = await answer.text();
      expect(text).toContain('tokenfleet_graph_calls_total{tenant="metrics-test",operation="activate",outcome="ok"} 1');
      expect(text).toContain('tokenfleet_process_cpu_seconds_total');
      expect((await fetch(`${base}/`)).status).toBe(404);
      expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(404);
    } finally {
      server.close();
    }
  });
});
