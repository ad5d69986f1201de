// GET /api/v1/metrics as Prometheus reads it: behind an API key, in the text format, with the gauges
// read from PostgreSQL and Redis at the scrape (tokens by state, imports, the tenant's queue and budget).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { readPrometheusText } from '@tokenfleet/test-harness/prometheus';
import { writeBudgetOf } from '../src/routes/system';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ env: { GRAPH_WRITE_LIMIT: '12', GRAPH_WRITE_WINDOW_MS: '2000' } });
});
afterAll(async () => {
  await t?.close();
});

describe('GET /api/v1/metrics', () => {
  it('needs an API key', async () => {
    expect((await t.call('GET', '/api/v1/metrics', { key: null })).status).toBe(401);
  });

  it('answers the text format with tokens, imports, the queue and the write budget of each tenant', async () => {
    const tenant = t.api.deps.tenant.id;
    const upload = await t.upload(t.keys.operator, { name: 'token2-classic.csv', content: sampleFile('token2-classic.csv') }, { mode: 'import' });
    expect(upload.status).toBe(202);

    const answer = await t.call('GET', '/api/v1/metrics', { key: t.keys.viewer });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/plain');
    const scrape = readPrometheusText(answer.text);
    expect(scrape.value('tokenfleet_tokens', { tenant, state: 'imported' })).toBe(6);
    expect(scrape.value('tokenfleet_imports', { tenant, status: 'running' })).toBe(1);
    // No worker runs here: the import's expansion job waits in the tenant's queue.
    expect(scrape.value('tokenfleet_queue_jobs', { tenant, state: 'waiting' }) + scrape.value('tokenfleet_queue_jobs', { tenant, state: 'prioritized' })).toBe(1);
    expect(scrape.value('tokenfleet_write_budget_per_second', { tenant })).toBe(6);
    expect(scrape.value('tokenfleet_write_budget_available', { tenant })).toBeGreaterThan(0);
    expect(scrape.value('tokenfleet_write_budget_paused_seconds', { tenant })).toBe(0);
    expect(scrape.names).toContain('tokenfleet_process_resident_memory_bytes');

    // A 429 pauses the budget: the scrape shows the pause and nothing available.
    await writeBudgetOf(t.api.deps, tenant).block(30_000);
    const paused = readPrometheusText((await t.call('GET', '/api/v1/metrics', { key: t.keys.viewer })).text);
    expect(paused.value('tokenfleet_write_budget_paused_seconds', { tenant })).toBeGreaterThan(20);
    expect(paused.value('tokenfleet_write_budget_available', { tenant })).toBe(0);
  });
});
