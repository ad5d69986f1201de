// An import's jobs as the worker enqueues them: only a few bulk creates start at once (CREATE_LANES), and
// each one that finishes brings the next forward, so activations begin after the first chunk instead of
// after every chunk a worker's slots could hold.
import { randomUUID } from 'node:crypto';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { imports, operations, tokens } from '@tokenfleet/db';
import { enqueueImportExpansion } from '@tokenfleet/queue';
import { commitTokens, sandboxMembers } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { CREATE_LANES } from '../src/jobs/import-expand';
import { startWorker, type RunningWorker } from '../src/start-worker';
import { waitUntil } from '../../../test/support/wait';

const TOKENS = 600;
let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { generatedUsers: TOKENS, latencyMs: { min: 20, max: 20 } } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

it('starts a few bulk creates, chains the rest one after another, and activates from the first chunk on', async () => {
  const importId = randomUUID();
  await system.client.db.insert(imports).values({ id: importId, tenantId: system.tenantId, fileName: 'x.csv', format: 'csv', mode: 'activate', status: 'running', totalRows: TOKENS, validRows: TOKENS, createdBy: 'test' });
  const created = await commitTokens(system, null, sandboxMembers(system, TOKENS).map((upn) => ({ upn, interval: 60 as const })));
  const ids = created.map((token) => token.id);
  await system.client.db.update(tokens).set({ importId }).where(inArray(tokens.id, ids));
  await system.client.db.update(operations).set({ importId }).where(inArray(operations.tokenId, ids));
  const callsBefore = system.sandbox.inspect.calls().length;

  // The tokens' 60 s window must have time left when the first chunk's activations come: in its last
  // seconds the gate holds them for the next window (the send margin), and meanwhile every create would run.
  await waitUntil(async () => (60_000 - (system.sandbox.now() % 60_000) > 30_000 ? true : undefined), { timeoutMs: 40_000, intervalMs: 200, failure: () => 'no window with 30 s left' });
  const queue = worker.context.tenant.queue;
  await enqueueImportExpansion(queue, system.tenantId, importId);
  await waitForOperations(system.client.db, ids, 120_000);

  const rows = await system.client.db.select({ state: tokens.state }).from(tokens).where(eq(tokens.importId, importId));
  expect(rows.filter((row) => row.state !== 'active')).toEqual([]);
  const writes = system.sandbox.inspect.calls().slice(callsBefore).filter((call) => call.write && call.status < 300);
  const bulk = writes.flatMap((call, index) => (call.method === 'PATCH' && !call.route.includes('{') ? [index] : []));
  expect(bulk).toHaveLength(TOKENS / 50);
  // Activations began while bulk creates were still to come (all at once, every bulk call came first).
  const firstActivation = writes.findIndex((call) => call.route.endsWith('/activate'));
  expect(firstActivation).toBeLessThan(bulk.at(-1)!);
  // At most the lanes' creates went before the first activation.
  expect(bulk.filter((index) => index < firstActivation).length).toBeLessThanOrEqual(CREATE_LANES + 1);
}, 150_000);
