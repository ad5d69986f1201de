// The reconciler and a bulk action's walk, without a worker taking jobs: a walk whose job BullMQ gave up
// on is put back in line (it resumes from the committed cursor), so a bulk action, cancelled or not, never
// stays unfinished for want of a job; a walk whose job is waiting is left alone.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import { createBulkAction } from '@tokenfleet/db';
import { bulkExpandJobId, tenantQueueName } from '@tokenfleet/domain';
import { createRedis, createTenantQueue, enqueueBulkExpansion, type TenantQueue } from '@tokenfleet/queue';
import type { Redis } from 'ioredis';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { reconcileTenant } from '../src/reconciler';

let system: TestSystem;
let redis: Redis;
let queue: TenantQueue;

beforeAll(async () => {
  system = await startTestSystem();
  redis = createRedis(system.config.redisUrl);
  queue = createTenantQueue({ connection: redis, prefix: system.prefix }, system.tenantId);
});
afterAll(async () => {
  await queue?.close();
  await redis?.quit();
  await system?.stop();
});

const reconcile = () => reconcileTenant(system.client.db, redis, queue, system.tenantId, { graceMs: 0, abandonedImportMs: 3_600_000 });

it('puts a walk whose job failed for good back in line, and leaves a waiting one alone', async () => {
  const bulk = await createBulkAction(system.client.db, { tenantId: system.tenantId, action: 'disable', selection: { filter: {} }, total: 1, actor: 'user:olivia' });
  await enqueueBulkExpansion(queue, system.tenantId, bulk.id, 0);
  const jobId = bulkExpandJobId(bulk.id, 0);
  expect((await reconcile()).bulkActionsExpanded).toBe(0);

  // A worker that fails the walk for good (as after its attempts were spent).
  const connection = redis.duplicate();
  const failing = new Worker(tenantQueueName(system.tenantId), async () => { throw new UnrecoverableError('the walk broke'); }, { connection: connection as ConnectionOptions, prefix: system.prefix });
  await new Promise<void>((resolve) => failing.on('failed', () => resolve()));
  await failing.close();
  await connection.quit();
  expect(await (await queue.getJob(jobId))!.getState()).toBe('failed');

  expect((await reconcile()).bulkActionsExpanded).toBe(1);
  expect(await (await queue.getJob(jobId))!.getState()).toBe('waiting');
  expect((await reconcile()).bulkActionsExpanded).toBe(0);
});
