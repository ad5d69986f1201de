import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { operationJobId } from '@tokenfleet/domain';
import { testRedisPrefix, testServices } from '@tokenfleet/test-harness';
import { createRedis, createTenantQueue, enqueueOperations, moveToHead, type OperationToEnqueue } from '../src/queues';

const redis = createRedis(testServices().redisUrl);
const queue = createTenantQueue({ connection: redis, prefix: testRedisPrefix('queues') }, 'tenant-a');
afterAll(async () => {
  await queue.obliterate({ force: true });
  await queue.close();
  await redis.quit();
});

const operation = (kind: OperationToEnqueue['kind']): OperationToEnqueue => ({ id: randomUUID(), tenantId: 'tenant-a', tokenId: randomUUID(), kind, generation: 1 });
const jobIdOf = (op: OperationToEnqueue) => operationJobId(op.kind, op.tokenId, op.generation);
/** The wait list in the order workers take it (BullMQ lists the next one first). */
const nextUp = async () => (await queue.getWaiting(0, -1)).map((job) => job.id);

it('moves a waiting or delayed job to the head of the wait list, ahead of jobs added at the head, and leaves others alone', async () => {
  const creates = [operation('token.create'), operation('token.create'), operation('token.create')];
  await enqueueOperations(queue, creates);
  const activations = [operation('token.activate'), operation('token.activate')];
  await enqueueOperations(queue, activations, { atHead: true });
  // Creates behind the activations the first one's tokens put at the head.
  expect(await nextUp()).toEqual([...activations].reverse().concat(creates).map(jobIdOf));

  expect(await moveToHead(queue, jobIdOf(creates[1]!))).toBe(true);
  expect((await nextUp())[0]).toBe(jobIdOf(creates[1]!));
  expect(await nextUp()).toHaveLength(5);

  const delayed = operation('token.create');
  await enqueueOperations(queue, [delayed], { delayMs: 60_000 });
  expect(await moveToHead(queue, jobIdOf(delayed))).toBe(true);
  expect(await nextUp()).toEqual([jobIdOf(delayed), jobIdOf(creates[1]!), ...[...activations].reverse().map(jobIdOf), jobIdOf(creates[0]!), jobIdOf(creates[2]!)]);
  expect(await moveToHead(queue, 'no-such-job')).toBe(false);
});
