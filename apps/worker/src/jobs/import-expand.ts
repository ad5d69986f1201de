// import.expand: after an import's transaction commits, enqueues one job per operation it wrote. It runs
// in the worker rather than the upload request, so a 100,000-row import answers at once; it is safe to
// run twice (job ids are deterministic), and the reconciler covers a crash before it ran at all.
import { and, asc, eq, gt } from 'drizzle-orm';
import { imports, operations } from '@tokenfleet/db';
import { enqueueOperations } from '@tokenfleet/queue';
import type { Handler } from './handler';

const PAGE = 2_000;

export const importExpand: Handler<'import.expand'> = async (job, jc) => {
  const [row] = await jc.db.select({ id: imports.id }).from(imports).where(eq(imports.id, job.data.importId));
  if (!row) return { status: 'skipped', detail: 'import not found' };
  let after: string | null = null;
  let enqueued = 0;
  for (;;) {
    const page = await jc.db
      .select({ id: operations.id, tenantId: operations.tenantId, tokenId: operations.tokenId, kind: operations.kind, generation: operations.generation })
      .from(operations)
      .where(and(eq(operations.importId, row.id), eq(operations.status, 'queued'), after ? gt(operations.id, after) : undefined))
      .orderBy(asc(operations.id))
      .limit(PAGE);
    if (page.length === 0) break;
    await enqueueOperations(jc.tenant.queue, page);
    enqueued += page.length;
    after = page[page.length - 1]!.id;
    await job.updateProgress(enqueued);
  }
  return { status: 'done', detail: `${enqueued} operations enqueued` };
};
