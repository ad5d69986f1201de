// The schedule of reconciliations with Entra: each reconciler pass asks whether the tenant's last sync is
// older than its interval (the tenant setting `syncIntervalHours`, SYNC_INTERVAL_HOURS_DEFAULT unless
// set) and opens one if so. Kept in PostgreSQL rather than a BullMQ repeatable job, so a Redis that lost
// its data loses no schedule, an interval changed in the dashboard takes effect at the next pass, and a
// sync asked for by an admin counts as the tenant's latest. An open run whose job Redis forgot is queued
// again (its job id is the run's, so this never doubles it).
import { desc, eq } from 'drizzle-orm';
import { inventorySyncs, requestSync, tenants, type Database } from '@tokenfleet/db';
import { SYNC_INTERVAL_HOURS_DEFAULT } from '@tokenfleet/domain';
import { enqueueInventorySync, type TenantQueue } from '@tokenfleet/queue';

/** Answers the id of the sync it queued or queued again, or null when none is due. */
export async function syncIfDue(db: Database, queue: TenantQueue, tenantId: string, now = new Date()): Promise<string | null> {
  const [tenant] = await db.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) return null;
  const intervalMs = (tenant.settings.syncIntervalHours ?? SYNC_INTERVAL_HOURS_DEFAULT) * 3_600_000;
  const [latest] = await db
    .select({ id: inventorySyncs.id, status: inventorySyncs.status, requestedAt: inventorySyncs.requestedAt })
    .from(inventorySyncs)
    .where(eq(inventorySyncs.tenantId, tenantId))
    .orderBy(desc(inventorySyncs.requestedAt))
    .limit(1);
  const open = latest && (latest.status === 'queued' || latest.status === 'running');
  if (latest && !open && now.getTime() - latest.requestedAt.getTime() < intervalMs) return null;
  // requestSync answers the open run when there is one (or replaces it when its worker died).
  const { sync } = await requestSync(db, tenantId, 'schedule', now);
  await enqueueInventorySync(queue, tenantId, sync.id);
  return sync.id;
}
