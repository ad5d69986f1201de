// The reconciler closes the gap "committed, then enqueued": a process that dies between its commit and
// its enqueue leaves operation rows that no job will ever run. Periodically it finds queued operations
// older than a grace period whose job Redis does not hold, and enqueues them (job ids are deterministic,
// so this can never double a job). It also puts back in line create operations whose bulk-call leader
// finished without them, closes imports whose upload died before it committed, and marks imports
// finished once their last operation has ended.
import { and, asc, eq, gt, lt } from 'drizzle-orm';
import { appendAudit, imports, operations, settleFinishedImports, type Database } from '@tokenfleet/db';
import { operationJobId } from '@tokenfleet/domain';
import { enqueueImportExpansion, enqueueOperations, type TenantQueue } from '@tokenfleet/queue';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { requeueOrphanedClaims } from './store';

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
  orphansRequeued: number;
  importsExpanded: number;
  importsAbandoned: number;
}

export async function reconcileTenant(
  db: Database,
  redis: Redis,
  queue: TenantQueue,
  tenantId: string,
  options: ReconcileOptions,
  logger?: Logger,
): Promise<ReconcileReport> {
  const report: ReconcileReport = { importsFinished: 0, enqueued: 0, orphansRequeued: 0, importsExpanded: 0, importsAbandoned: 0 };
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

  const orphans = await requeueOrphanedClaims(db, tenantId, before);
  if (orphans.length > 0) {
    await enqueueOperations(queue, orphans);
    report.orphansRequeued = orphans.length;
  }

  let after: string | null = null;
  for (;;) {
    const page = await db
      .select({ id: operations.id, tenantId: operations.tenantId, tokenId: operations.tokenId, kind: operations.kind, generation: operations.generation })
      .from(operations)
      .where(and(eq(operations.tenantId, tenantId), eq(operations.status, 'queued'), lt(operations.updatedAt, before), after ? gt(operations.id, after) : undefined))
      .orderBy(asc(operations.id))
      .limit(batch);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const pipeline = client.pipeline();
    for (const op of page) pipeline.exists(queue.toKey(operationJobId(op.kind, op.tokenId, op.generation)));
    const answers = (await pipeline.exec()) ?? [];
    const missing = page.filter((_, index) => answers[index]?.[1] === 0);
    if (missing.length > 0) {
      await enqueueOperations(queue, missing);
      report.enqueued += missing.length;
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

  if (report.enqueued + report.orphansRequeued + report.importsExpanded + report.importsAbandoned > 0) logger?.info({ tenantId, ...report }, 'reconciler repaired queue state');
  return report;
}
