// bulk.expand: walks a bulk action's selection a chunk at a time (packages/db/src/bulk-actions.ts), each
// chunk one transaction that asks the single-token path for each token, and enqueues each chunk's
// operations after its COMMIT. The operations then wait in the tenant's queue with everything else and
// share its write budget (graph-call.ts). Memory stays one chunk whatever the selection's size; the cursor
// is committed with each chunk, so a crashed or restarted walk resumes where it was and never asks twice.
import { loadBulkStats, settleBulkAction, walkBulkChunk, bulkActions } from '@tokenfleet/db';
import { enqueueOperations } from '@tokenfleet/queue';
import { eq } from 'drizzle-orm';
import type { Handler } from './handler';

export const bulkExpand: Handler<'bulk.expand'> = async (job, jc) => {
  let handled = 0;
  let enqueued = 0;
  for (;;) {
    const step = await walkBulkChunk(jc.db, job.data.bulkActionId);
    await enqueueOperations(jc.tenant.queue, step.operations);
    handled += step.handled;
    enqueued += step.operations.length;
    if (step.finished) break;
    await job.updateProgress(handled);
  }
  // An action done without Graph (retire) or wholly refused has no operation whose end would settle it.
  const [row] = await jc.db.select().from(bulkActions).where(eq(bulkActions.id, job.data.bulkActionId));
  if (row) await settleBulkAction(jc.db, row, (await loadBulkStats(jc.db, [row])).get(row.id)!);
  return { status: 'done', detail: `${handled} tokens walked, ${enqueued} operations enqueued` };
};
