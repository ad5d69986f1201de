// Whether Graph charges a bulk create one write or one per item is not settled (docs/graph-hardware-oath.md).
// Counted per item (GRAPH_BULK_CREATE_COST=item), a call is sized to what the budget admits at once: a
// chunk of fifty against a burst of ten could never be granted, nor admitted by Graph, and its tokens would
// wait for ever. Here the sandbox charges per item and banks ten writes.
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditEvents, tokens } from '@tokenfleet/db';
import { commitTokens, sandboxMembers } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { startWorker, type RunningWorker } from '../src/start-worker';

const TOKENS = 60;
const BURST = 10;
let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({
    sandbox: { writeLimit: { requests: 20, windowMs: 1_000, burst: BURST }, bulkCreateCost: 'item', generatedUsers: TOKENS },
    env: { GRAPH_WRITE_LIMIT: '20', GRAPH_WRITE_WINDOW_MS: '1000', GRAPH_WRITE_BURST: String(BURST), GRAPH_BULK_CREATE_COST: 'item' },
  });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

it('sizes bulk creates to half the burst when Graph charges each item, and counts each item against the budget', async () => {
  const before = system.sandbox.inspect.counters();
  const created = await commitTokens(system, worker.context.tenant.queue, sandboxMembers(system, TOKENS).map((upn) => ({ upn })));
  await waitForOperations(system.client.db, created.map((token) => token.id), 120_000);

  const rows = await system.client.db.select().from(tokens).where(inArray(tokens.id, created.map((token) => token.id)));
  expect(rows.filter((row) => row.state !== 'active').map((row) => `${row.serialNumber} ${row.state}: ${row.lastError}`)).toEqual([]);
  const bulkCalls = await system.client.db
    .select({ detail: auditEvents.detail })
    .from(auditEvents)
    .where(and(eq(auditEvents.action, 'graph.createDevices'), eq(auditEvents.outcome, 'success')));
  expect(bulkCalls.length).toBeGreaterThanOrEqual(TOKENS / (BURST / 2));
  for (const call of bulkCalls) {
    const detail = call.detail ?? {};
    // Half the burst: room left for the writes still on their way when the call arrives.
    expect(detail.tokens as number).toBeLessThanOrEqual(BURST / 2);
    // What the call cost is on its audit row, as the overview's pace counts it.
    if ((detail.tokens as number) > 1) expect(detail.writes).toBe(detail.tokens);
  }
  const after = system.sandbox.inspect.counters();
  // One write per item created and one per activation: what Graph charged, in full.
  expect(after.writes - before.writes).toBe(2 * TOKENS);
  // A few 429s at most where a call meets a bucket the writes still in flight have not left full enough
  // (more on a loaded machine); never a call refused for good, which is what an unsized chunk meets.
  const throttled = after.throttled - before.throttled;
  expect(throttled, `${throttled} 429s`).toBeLessThanOrEqual(15);
}, 150_000);
