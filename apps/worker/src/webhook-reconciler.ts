// The reconciler's share for webhook deliveries: a delivery stored as queued whose job Redis does not
// know (the API stopped between its COMMIT and its enqueue, or Redis lost its data) is enqueued again.
// Job ids carry the delivery's run, so this never doubles a job.
import { and, eq, lt } from 'drizzle-orm';
import { webhookDeliveries, type Database } from '@tokenfleet/db';
import { webhookJobId } from '@tokenfleet/domain';
import { enqueueWebhookDelivery, type TenantQueue } from '@tokenfleet/queue';
import type { Redis } from 'ioredis';

export async function enqueueStrandedDeliveries(db: Database, redis: Redis, queue: TenantQueue, tenantId: string, before: Date): Promise<number> {
  const queued = await db
    .select({ id: webhookDeliveries.id, tenantId: webhookDeliveries.tenantId, runs: webhookDeliveries.runs })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.tenantId, tenantId), eq(webhookDeliveries.status, 'queued'), lt(webhookDeliveries.updatedAt, before)))
    .limit(1_000);
  let enqueued = 0;
  for (const delivery of queued) {
    if ((await redis.exists(queue.toKey(webhookJobId(delivery.id, delivery.runs)))) === 1) continue;
    await enqueueWebhookDelivery(queue, delivery);
    enqueued += 1;
  }
  return enqueued;
}
