// bulk.expand with the real worker, Postgres, Redis and the sandbox: a bulk action whose API died right
// after its commit (the row written, its job never enqueued) is found by the reconciler, walked by the
// worker through the single actions' path, its operations carried out in Entra, a refused token skipped
// without stopping the others, and the action settled by the reconciler; walking it again does nothing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { bulkActions, createBulkAction, operations, tokens } from '@tokenfleet/db';
import { bulkExpandJobId } from '@tokenfleet/domain';
import { enqueueBulkExpansion } from '@tokenfleet/queue';
import { commitTokens, sandboxMembers } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { writeLimit: { requests: 20, windowMs: 1_000 }, generatedUsers: 15 } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000, reconcileGraceMs: 0 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

it('walks a bulk action the reconciler found without its job, carries it out in Entra and settles it', async () => {
  const db = system.client.db;
  const upns = sandboxMembers(system, 12);
  const committed = await commitTokens(system, worker.context.tenant.queue, upns.map((upn) => ({ upn, activate: false })));
  await waitForOperations(db, committed.map((token) => token.id), 60_000);
  const ids = committed.map((token) => token.id);
  expect((await db.select({ state: tokens.state }).from(tokens).where(inArray(tokens.id, ids))).every((row) => row.state === 'assigned')).toBe(true);
  // One token deleted meanwhile (as far as Tokenfleet knows): its life cycle refuses an unassign, the others go on.
  await db.update(tokens).set({ state: 'deleted' }).where(eq(tokens.id, ids[0]!));

  const bulk = await createBulkAction(db, { tenantId: system.tenantId, action: 'unassign', selection: { tokenIds: ids }, total: ids.length, actor: 'user:olivia' });
  await worker.reconcileNow();
  const jobId = bulkExpandJobId(bulk.id, 0);
  expect(await worker.context.tenant.queue.getJob(jobId)).toBeDefined();

  const settled = await waitUntil(
    async () => {
      await worker.reconcileNow();
      const [row] = await db.select().from(bulkActions).where(eq(bulkActions.id, bulk.id));
      return row!.status === 'running' ? undefined : row!;
    },
    { timeoutMs: 60_000, intervalMs: 300, failure: () => `bulk action ${bulk.id} never settled` },
  );
  expect(settled).toMatchObject({ status: 'completed_with_errors', walked: 12, total: 12 });
  const ops = await db.select().from(operations).where(eq(operations.bulkActionId, bulk.id));
  expect(ops).toHaveLength(11);
  expect(ops.every((op) => op.status === 'succeeded' && op.createdBy === 'user:olivia')).toBe(true);
  const devices = new Map(system.sandbox.inspect.devices().map((device) => [device.serialNumber, device]));
  for (const token of committed.slice(1)) expect(devices.get(token.serial)!.assignedTo).toBeNull();
  expect(devices.get(committed[0]!.serial)!.assignedTo).not.toBeNull();

  // The same round enqueued again (a second API, the reconciler once more) is one job: nothing walks twice.
  const writes = system.sandbox.inspect.counters().writes;
  await enqueueBulkExpansion(worker.context.tenant.queue, system.tenantId, bulk.id, 0);
  await worker.reconcileNow();
  expect(await db.select().from(operations).where(eq(operations.bulkActionId, bulk.id))).toHaveLength(11);
  expect(system.sandbox.inspect.counters().writes).toBe(writes);
}, 120_000);

it('deletes assigned tokens as the single delete does (unassign, then delete), the progress waiting for the last step', async () => {
  const db = system.client.db;
  const upns = sandboxMembers(system, 3, 12);
  const committed = await commitTokens(system, worker.context.tenant.queue, upns.map((upn) => ({ upn, activate: false })));
  await waitForOperations(db, committed.map((token) => token.id), 60_000);
  const ids = committed.map((token) => token.id);
  const bulk = await createBulkAction(db, { tenantId: system.tenantId, action: 'delete', selection: { tokenIds: ids }, total: ids.length, actor: 'user:olivia' });
  await enqueueBulkExpansion(worker.context.tenant.queue, system.tenantId, bulk.id, 0);
  const settled = await waitUntil(
    async () => {
      await worker.reconcileNow();
      const [row] = await db.select().from(bulkActions).where(eq(bulkActions.id, bulk.id));
      return row!.status === 'running' ? undefined : row!;
    },
    { timeoutMs: 60_000, intervalMs: 300, failure: () => `bulk delete ${bulk.id} never settled` },
  );
  expect(settled.status).toBe('completed');
  const ops = await db.select({ kind: operations.kind, status: operations.status }).from(operations).where(eq(operations.bulkActionId, bulk.id));
  expect(ops.map((op) => `${op.kind} ${op.status}`).sort()).toEqual([...Array(3).fill('token.delete succeeded'), ...Array(3).fill('token.unassign succeeded')]);
  const serials = new Set(system.sandbox.inspect.devices().map((device) => device.serialNumber));
  expect(committed.filter((token) => serials.has(token.serial))).toEqual([]);
  expect((await db.select({ state: tokens.state }).from(tokens).where(inArray(tokens.id, ids))).map((row) => row.state)).toEqual(['deleted', 'deleted', 'deleted']);
}, 120_000);

