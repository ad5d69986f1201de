// Outages of the parts the system stands on, in the middle of an import: PostgreSQL away, Redis away
// with its data kept, Redis back with its data lost. The machine's own servers are never touched: the
// system reaches them through TCP proxies this file cuts, and Redis "loses its data" by this file's own
// key prefix being emptied. Every import must end with every token active, no device twice and no
// operation unfinished; while a part is away the API says which, with Retry-After, and refuses uploads
// whole. Jobs wait for the part without spending attempts, so the outage's length does not matter; the
// wait between looks is shortened here so the scenarios stay short.
import { and, count, eq } from 'drizzle-orm';
import { afterEach, expect, it } from 'vitest';
import { imports, operations, tokens } from '@tokenfleet/db';
import { createRedis } from '@tokenfleet/queue';
import { testServices } from '@tokenfleet/test-harness';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { waitUntil } from '../support/wait';
import { BULK_SANDBOX, bulkSeedFile, expectFullyProvisioned, reportScenario } from './bulk-scenario';

const TOKENS = Number(process.env.E2E_OUTAGE_TOKENS ?? 300);
const OUTAGE_MS = Number(process.env.E2E_OUTAGE_MS ?? 20_000);
const SCENARIO_TIMEOUT_MS = 6 * 60_000;

let system: FullSystem | undefined;
const proxies: TcpProxy[] = [];
afterEach(async () => {
  await system?.stop();
  system = undefined;
  for (const proxy of proxies.splice(0)) await proxy.close();
});

function target(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port || (parsed.protocol.startsWith('redis') ? 6379 : 5432)) };
}

async function proxyTo(url: string): Promise<TcpProxy> {
  const proxy = await startTcpProxy(target(url));
  proxies.push(proxy);
  return proxy;
}

async function startSystemThrough(routes: { database?: TcpProxy; redis?: TcpProxy }): Promise<FullSystem> {
  system = await startFullSystem({
    sandbox: { ...BULK_SANDBOX, generatedUsers: TOKENS },
    proxies: routes,
    workerOverrides: { outageWaitMs: () => 500, reconcileEveryMs: 2_000, reconcileGraceMs: 5_000 },
  });
  return system;
}

/** Counts from Postgres directly: the test's own connection does not go through the proxies. */
async function activeTokens(current: FullSystem, importId: string): Promise<number> {
  const [row] = await current.client.db.select({ n: count() }).from(tokens).where(and(eq(tokens.importId, importId), eq(tokens.state, 'active')));
  return row?.n ?? 0;
}

async function untilActive(current: FullSystem, importId: string, share: number): Promise<void> {
  await waitUntil(async () => ((await activeTokens(current, importId)) >= TOKENS * share ? true : undefined), {
    timeoutMs: 180_000,
    intervalMs: 250,
    failure: () => `the import never reached ${share * 100} % active`,
  });
}

/** The import's end, read from Postgres directly (the API may be answering 503 while we wait). */
async function untilImportEnds(current: FullSystem, importId: string): Promise<string> {
  return waitUntil(
    async () => {
      const [row] = await current.client.db.select({ status: imports.status }).from(imports).where(eq(imports.id, importId));
      return row && ['completed', 'completed_with_errors', 'failed'].includes(row.status) ? row.status : undefined;
    },
    { timeoutMs: SCENARIO_TIMEOUT_MS, intervalMs: 500, failure: () => `import ${importId} never ended` },
  );
}

/** Uploads the scenario's file and waits until a third of it is active: the moment to break something. */
async function importUnderWay(current: FullSystem) {
  const { csv, serials } = bulkSeedFile(current, TOKENS);
  const startedAt = Date.now();
  const writesBefore = current.sandbox.inspect.counters().writes;
  const id = await current.upload('outage.csv', csv);
  await untilActive(current, id, 0.3);
  return { csv, serials, startedAt, writesBefore, id };
}

async function importCount(current: FullSystem): Promise<number> {
  const [row] = await current.client.db.select({ n: count() }).from(imports);
  return row?.n ?? 0;
}

async function expectNothingFailed(current: FullSystem, importId: string): Promise<void> {
  const failed = await current.client.db.select().from(operations).where(and(eq(operations.importId, importId), eq(operations.status, 'failed')));
  expect(failed.map((op) => `${op.kind}: ${op.lastErrorCode} ${op.lastErrorMessage}`)).toEqual([]);
}

it(`PostgreSQL away for ${OUTAGE_MS / 1000} s in the middle of a ${TOKENS}-token import: the API says so, and the import ends whole`, async () => {
  const current = await startSystemThrough({ database: await proxyTo(testServices().databaseUrl) });
  const { csv, serials, startedAt, writesBefore, id } = await importUnderWay(current);

  await proxies[0]!.cut();
  const outageStarted = Date.now();
  const status = await current.call(`/api/v1/imports/${id}`);
  expect(status.status).toBe(503);
  expect(Number(status.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = (await status.json()) as { error: { code: string; message: string; unavailable: string } };
  expect(body.error).toMatchObject({ code: 'service_unavailable', unavailable: 'postgres' });
  expect(body.error.message).toContain('PostgreSQL');
  const ready = await current.call('/api/v1/ready');
  expect(ready.status).toBe(503);
  expect(await ready.json()).toEqual({ postgres: false, redis: true });
  const importsBefore = await importCount(current);
  const form = new FormData();
  form.append('file', new Blob([csv]), 'during-outage.csv');
  const refused = await current.call('/api/v1/imports', { method: 'POST', body: form });
  expect(refused.status).toBe(503);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - outageStarted))));
  await proxies[0]!.restore();

  expect(await untilImportEnds(current, id)).toBe('completed');
  expect(await importCount(current)).toBe(importsBefore);
  await expectNothingFailed(current, id);
  const figures = await expectFullyProvisioned(current, id, serials, writesBefore);
  reportScenario(`PostgreSQL away for ${OUTAGE_MS / 1000} s mid-import`, figures, startedAt);
}, SCENARIO_TIMEOUT_MS);

it(`Redis away for ${OUTAGE_MS / 1000} s with its data kept: the import ends whole`, async () => {
  const current = await startSystemThrough({ redis: await proxyTo(testServices().redisUrl) });
  const { csv, serials, startedAt, writesBefore, id } = await importUnderWay(current);

  await proxies[0]!.cut();
  const form = new FormData();
  form.append('file', new Blob([csv]), 'during-outage.csv');
  const refused = await current.call('/api/v1/imports', { method: 'POST', body: form });
  expect(refused.status).toBe(503);
  expect(((await refused.json()) as { error: { unavailable: string } }).error.unavailable).toBe('redis');
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  await proxies[0]!.restore();

  expect(await untilImportEnds(current, id)).toBe('completed');
  await expectNothingFailed(current, id);
  const figures = await expectFullyProvisioned(current, id, serials, writesBefore);
  reportScenario(`Redis away for ${OUTAGE_MS / 1000} s mid-import, data kept`, figures, startedAt);
}, SCENARIO_TIMEOUT_MS);

it('Redis restarted with its data lost in the middle of an import: the import ends whole from what Postgres holds', async () => {
  const current = await startSystemThrough({ redis: await proxyTo(testServices().redisUrl) });
  const { serials, startedAt, writesBefore, id } = await importUnderWay(current);

  // The restart: connections drop, and every key of this system (queues, delayed jobs, budget) is gone.
  await proxies[0]!.cut();
  const redis = createRedis(testServices().redisUrl);
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${current.prefix}:*`, 'COUNT', 1_000);
      cursor = next;
      if (keys.length > 0) deleted += await redis.del(...keys);
    } while (cursor !== '0');
    expect(deleted).toBeGreaterThan(0);
  } finally {
    await redis.quit();
  }
  await proxies[0]!.restore();

  expect(await untilImportEnds(current, id)).toBe('completed');
  await expectNothingFailed(current, id);
  // Work in flight when the data went is looked up before it is sent again: still a bounded cost.
  const figures = await expectFullyProvisioned(current, id, serials, writesBefore, { maxWritesPerToken: 1.1 });
  reportScenario('Redis restarted mid-import with its data lost', figures, startedAt);
}, SCENARIO_TIMEOUT_MS);
