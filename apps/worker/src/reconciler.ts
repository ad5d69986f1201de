// The reconciler makes Postgres the truth again whatever happened to Redis or a process. Postgres holds
// every unfinished operation; periodically, for each one older than a grace period, it asks Redis about
// its job:
//   - no job (a process died between its commit and its enqueue, or Redis lost its data) → enqueue it
//     (job ids are deterministic, so this can never double a job);
//   - a job that ended without finishing the operation → a new generation, back in line;
//   - a job BullMQ gave up on whose failure never reached Postgres → the operation fails, visibly and
//     retryably.
// It also puts back in line create operations whose bulk-call leader finished without them, restores
// what a Redis that lost its data forgot of the queue's settings, closes imports whose upload died
// before it committed, and marks imports finished once their last operation has ended. Bulk actions are
// treated as imports are: a walk whose job is missing is enqueued again (it resumes from its committed
// cursor), and an action whose walk and operations have all ended is settled.
import { and, asc, eq, gt, inArray, isNull, lt, or } from 'drizzle-orm';
import { appendAudit, imports, operations, settleFinishedBulkActions, settleFinishedImports, unwalkedBulkActions, type Database } from '@tokenfleet/db';
import { bulkExpandJobId, operationJobId } from '@tokenfleet/domain';
import { enqueueBulkExpansion, enqueueImportExpansion, enqueueOperations, QUEUE_JOB_RATE_CEILING, type TenantQueue } from '@tokenfleet/queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { failOperation } from './operation-runner';
import { enqueueStrandedDeliveries } from './webhook-reconciler';
import { claimsOfEndedLeaders, releaseOperations } from './store';

export interface ReconcileOptions {
  /** Queued operations younger than this are left alone: their enqueue may still be on its way. */
  graceMs: number;
  /** Imports still validating after this long lost their upload. */
  abandonedImportMs: number;
  batch?: number;
}

export interface ReconcileReport {
  importsFinished: number;
  enqueued: number;
  /** Operations whose job had ended without finishing them, put back in line. */
  requeued: number;
  /** Operations whose job BullMQ had given up on, recorded as failed. */
  failedJobsRecorded: number;
  orphansRequeued: number;
  importsExpanded: number;
  importsAbandoned: number;
  /** Queued webhook deliveries whose job was never added (the API stopped between its commit and its enqueue). */
  webhookDeliveriesEnqueued: number;
  bulkActionsExpanded: number;
  bulkActionsFinished: number;
}

export async function reconcileTenant(
  db: Database,
  redis: Redis,
  queue: TenantQueue,
  tenantId: string,
  options: ReconcileOptions,
  logger?: Logger,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { importsFinished: 0, enqueued: 0, requeued: 0, failedJobsRecorded: 0, orphansRequeued: 0, importsExpanded: 0, importsAbandoned: 0, webhookDeliveriesEnqueued: 0, bulkActionsExpanded: 0, bulkActionsFinished: 0 };
  const client = redis;
  const before = new Date(Date.now() - options.graceMs);
  const batch = options.batch ?? 1_000;

  // Imports that committed but whose expansion job is missing (the API died right after its commit).
  const running = await db.select({ id: imports.id }).from(imports).where(and(eq(imports.tenantId, tenantId), eq(imports.status, 'running'), lt(imports.createdAt, before)));
  for (const row of running) {
    if ((await client.exists(queue.toKey(`expand-${row.id}`))) === 0) {
      await enqueueImportExpansion(queue, tenantId, row.id);
      report.importsExpanded += 1;
    }
  }

  // Bulk actions whose walk is unfinished and whose job is gone (the API died after its commit, Redis lost
  // it) or was given up on: walked again from the committed cursor. A cancelled one's walk then only ends.
  for (const row of await unwalkedBulkActions(db, tenantId, before)) {
    const jobId = bulkExpandJobId(row.id, row.round);
    const failed = (await client.zscore(queue.toKey('failed'), jobId)) !== null;
    if (!failed && (await client.exists(queue.toKey(jobId))) === 1) continue;
    if (failed) await queue.remove(jobId);
    await enqueueBulkExpansion(queue, tenantId, row.id, row.round);
    report.bulkActionsExpanded += 1;
  }

  // Operations held by a leader whose own operation has ended: orphans, unless the leader's job is still
  // carrying them (it holds its BullMQ lock while it creates the refused ones alone).
  const held = await claimsOfEndedLeaders(db, tenantId, before);
  if (held.length > 0) {
    const locks = client.pipeline();
    for (const { claimer } of held) locks.exists(queue.toKey(`${operationJobId(claimer.kind, claimer.tokenId, claimer.generation)}:lock`));
    const carried = ((await locks.exec()) ?? []).map((answer) => answer?.[1] === 1);
    const orphans = held.filter((_, index) => !carried[index]).map((row) => row.id);
    const released = orphans.length > 0 ? await db.transaction((tx) => releaseOperations(tx, orphans)) : [];
    await enqueueOperations(queue, released);
    report.orphansRequeued = released.length;
  }

  // A Redis that lost its data forgot the queue's rate limit (without it a 429 pauses nothing).
  await queue.setGlobalRateLimit(QUEUE_JOB_RATE_CEILING.max, QUEUE_JOB_RATE_CEILING.durationMs);

  // Every unfinished operation that is not riding on another's bulk call (those follow their leader).
  let after: string | null = null;
  for (;;) {
    const page = await db
      .select()
      .from(operations)
      .where(
        and(
          eq(operations.tenantId, tenantId),
          inArray(operations.status, ['queued', 'running']),
          or(isNull(operations.claimedBy), eq(operations.claimedBy, operations.id)),
          lt(operations.updatedAt, before),
          after ? gt(operations.id, after) : undefined,
        ),
      )
      .orderBy(asc(operations.id))
      .limit(batch);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const pipeline = client.pipeline();
    for (const op of page) {
      const jobId = operationJobId(op.kind, op.tokenId, op.generation);
      pipeline.exists(queue.toKey(jobId));
      pipeline.zscore(queue.toKey('failed'), jobId);
      pipeline.zscore(queue.toKey('completed'), jobId);
      pipeline.hget(queue.toKey(jobId), 'failedReason');
    }
    const answers = (await pipeline.exec()) ?? [];
    const missing: typeof page = [];
    const ended: string[] = [];
    for (const [index, op] of page.entries()) {
      const [exists, failed, completed, failedReason] = answers.slice(index * 4, index * 4 + 4).map((answer) => answer?.[1]);
      if (exists === 0) missing.push(op);
      else if (failed !== null && failed !== undefined) {
        await failOperation({ db, logger: logger ?? silentLogger }, op, new Error(typeof failedReason === 'string' && failedReason ? failedReason : 'the job failed'), { final: true, includeClaimed: true });
        report.failedJobsRecorded += 1;
      } else if (completed !== null && completed !== undefined) ended.push(op.id);
    }
    if (missing.length > 0) {
      await enqueueOperations(queue, missing);
      report.enqueued += missing.length;
    }
    if (ended.length > 0) {
      const released = await db.transaction((tx) => releaseOperations(tx, ended));
      await enqueueOperations(queue, released);
      report.requeued += released.length;
    }
  }

  const abandoned = await db
    .update(imports)
    .set({ status: 'failed', error: 'the upload stopped before it was stored; nothing from it was imported — upload the file again', finishedAt: new Date() })
    .where(and(eq(imports.tenantId, tenantId), eq(imports.status, 'validating'), lt(imports.createdAt, new Date(Date.now() - options.abandonedImportMs))))
    .returning({ id: imports.id });
  for (const row of abandoned) {
    await appendAudit(db, { actor: 'worker', action: 'import.abandoned', outcome: 'failure', tenantId, importId: row.id, targetType: 'import', targetId: row.id });
  }
  report.importsAbandoned = abandoned.length;
  report.importsFinished = await settleFinishedImports(db, tenantId);
  report.webhookDeliveriesEnqueued = await enqueueStrandedDeliveries(db, client, queue, tenantId, before);
  report.bulkActionsFinished = await settleFinishedBulkActions(db, tenantId);
  if (report.enqueued + report.requeued + report.failedJobsRecorded + report.orphansRequeued + report.importsExpanded + report.importsAbandoned + report.webhookDeliveriesEnqueued + report.bulkActionsExpanded > 0) logger?.info({ tenantId, ...report }, 'reconciler repaired queue state');
  return report;
}

const silentLogger = { warn: () => {} } as unknown as Logger;
