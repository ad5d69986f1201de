// PostgreSQL away for longer than every retry a job has: the job waits for it without spending attempts
// and finishes once it is back. The worker reaches PostgreSQL through a TCP proxy this test cuts; the
// test's own connection goes direct, and the machine's server is never touched. The job is given two
// quick attempts, so "longer than every retry" takes seconds, not the default schedule's four minutes.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { operationJobId } from '@tokenfleet/domain';
import { auditEvents, operations, tokens } from '@tokenfleet/db';
import { testServices } from '@tokenfleet/test-harness';
import { commitTokens } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { startTcpProxy, type TcpProxy } from '../../../test/support/tcp-proxy';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let proxy: TcpProxy;
let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  const database = new URL(testServices().databaseUrl);
  proxy = await startTcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  system = await startTestSystem({ sandbox: { generatedUsers: 0 }, proxies: { database: proxy } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000, outageWaitMs: () => 300 });
});
afterAll(async () => {
  await proxy?.restore();
  await worker?.close(5_000);
  await system?.stop();
  await proxy?.close();
});

it('a create whose job meets PostgreSQL away for longer than all its attempts waits, and finishes once it is back', async () => {
  const [token] = await commitTokens(system, null, [{}]);
  await proxy.cut();
  const queue = worker.context.tenant.queue;
  const op = token!.operation;
  const jobId = operationJobId(op.kind, op.tokenId, op.generation);
  await queue.add(op.kind, { tenantId: op.tenantId, operationId: op.id }, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 100 } });
  // Longer than both attempts with their backoff, many times over: the job keeps coming back to look.
  await waitUntil(async () => (((await queue.getJob(jobId))?.data as { outageWaits?: number } | undefined)?.outageWaits ?? 0) >= 5 || undefined, {
    timeoutMs: 20_000,
    intervalMs: 100,
    failure: () => 'the job never waited for PostgreSQL',
  });
  const job = await queue.getJob(jobId);
  expect(job?.attemptsMade).toBe(0);
  expect(await job?.getState()).not.toBe('failed');

  await proxy.restore();
  await waitForOperations(system.client.db, [token!.id], 30_000);
  const [row] = await system.client.db.select().from(operations).where(eq(operations.id, op.id));
  expect(row).toMatchObject({ status: 'succeeded', attempts: 1 });
  const [created] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
  expect(created!.state).toBe('created');
  const failures = await system.client.db.select().from(auditEvents).where(eq(auditEvents.operationId, op.id));
  expect(failures.filter((event) => event.action.startsWith('operation.') && event.outcome === 'failure')).toEqual([]);
}, 60_000);
