// Benchmark: the fan-out of one bulk action over a large selection, as the worker's bulk.expand job runs
// it (the real handler, against real PostgreSQL and Redis): the selection walked a chunk per transaction
// through requestTokenAction, each chunk's operations enqueued after its COMMIT. Prints how long the API's
// request and the fan-out took and how much memory the process held while walking; asserts nothing. The
// operations themselves then run at the tenant's write budget like any others (20 writes/s by default: 10,000
// unassigns take about nine minutes of Graph time, which this does not measure).
//
//   npx tsx bench/bulk-fanout.ts [tokens=10000]
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Job } from 'bullmq';
import { bulkActions, createBulkAction, createDb, ensureTenant, operations, previewSelection, tokens } from '@tokenfleet/db';
import { createRedis, createTenantQueue } from '@tokenfleet/queue';
import { eq, sql } from 'drizzle-orm';
import { bulkExpand } from '../apps/worker/src/jobs/bulk-expand';
import type { JobContext } from '../apps/worker/src/context';
import { createScratchDatabase, testRedisPrefix } from '../test/support/index';

const count = Number(process.argv[2] ?? 10_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const database = await createScratchDatabase(databaseUrl, { label: 'bench' });
const client = createDb(database.url, { max: 4 });
const redis = createRedis(redisUrl);
const prefix = testRedisPrefix('bench-bulk');
try {
  const tenant = await ensureTenant(client.db, { mode: 'sandbox' });
  const queue = createTenantQueue({ connection: redis, prefix }, tenant.id);
  // An inventory as an assigning import leaves it: every token active for its own user.
  for (let start = 0; start < count; start += 1_000) {
    await client.db.insert(tokens).values(
      Array.from({ length: Math.min(1_000, count - start) }, (_, offset) => {
        const index = start + offset;
        return {
          id: randomUUID(), tenantId: tenant.id, serialNumber: `BULK${String(index).padStart(8, '0')}`, manufacturer: 'Token2', model: 'C202',
          displayName: `Token2 C202 ${index}`, hashFunction: 'hmacsha1' as const, state: 'active' as const,
          assignedUpn: `user${index}@contoso.example`, assignedUserId: randomUUID(), graphDeviceId: randomUUID(),
        };
      }),
    );
  }
  await client.db.execute(sql`analyze tokens`);

  // What the API does in its request: one count, one row, the job enqueued.
  const requestStart = performance.now();
  const selection = { filter: { manufacturer: 'Token2' } };
  const { total } = await previewSelection(client.db, tenant.id, selection, 0);
  const row = await createBulkAction(client.db, { tenantId: tenant.id, action: 'unassign', selection, total, actor: 'bench' });
  const requestMs = performance.now() - requestStart;

  let peakHeap = process.memoryUsage().heapUsed;
  let peakRss = process.memoryUsage().rss;
  const baseHeap = peakHeap;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakRss = Math.max(peakRss, usage.rss);
  }, 20);
  const job = { data: { tenantId: tenant.id, bulkActionId: row.id }, updateProgress: async () => {} } as unknown as Job<{ tenantId: string; bulkActionId: string }, unknown, 'bulk.expand'>;
  const context = { db: client.db, tenant: { tenantId: tenant.id, queue } } as unknown as JobContext;
  const fanoutStart = performance.now();
  await bulkExpand(job, context);
  const fanoutMs = performance.now() - fanoutStart;
  clearInterval(sampler);

  const [walked] = await client.db.select({ walked: bulkActions.walked }).from(bulkActions).where(eq(bulkActions.id, row.id));
  const [ops] = await client.db.select({ count: sql<number>`count(*)::int` }).from(operations).where(eq(operations.bulkActionId, row.id));
  const jobs = await queue.getJobCountByTypes('waiting', 'delayed', 'prioritized');
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  console.log(`bulk fan-out of ${count} tokens (unassign, selected by filter):`);
  console.log(`  API request (count + row + enqueue): ${requestMs.toFixed(0)} ms`);
  console.log(`  fan-out: ${(fanoutMs / 1000).toFixed(1)} s, ${walked?.walked} tokens walked, ${ops?.count} operations written, ${jobs} jobs queued (${(count / (fanoutMs / 1000)).toFixed(0)} tokens/s)`);
  console.log(`  memory while walking: heap peak ${mb(peakHeap)} MB (${mb(peakHeap - baseHeap)} MB above the start), rss peak ${mb(peakRss)} MB`);
  await queue.obliterate({ force: true });
  await queue.close();
} finally {
  await client.close();
  redis.disconnect();
  await database.drop();
}
