// import.expand: after an import's transaction commits, enqueues one job per operation it wrote. It runs
// in the worker rather than the upload request, so a 100,000-row import answers at once; it is safe to
// run twice (job ids are deterministic), and the reconciler covers a crash before it ran at all.
//
// Only a few create jobs start at once (CREATE_LANES); each bulk call that finishes brings the next create
// forward (token-create.ts), so creates keep running beside the activations. Started all at once, as
// many bulk calls as the worker has slots ran together, and no activation found a slot until all their
// tokens were recorded: 10 s of an idle budget at the start of a 3,000-token import. The other creates
// wait in the delayed set; should that chain break (a worker restarted), they come due by themselves, a
// chunk's worth every FALLBACK_SPACING_MS.
import { and, asc, eq, gt } from 'drizzle-orm';
import { imports, operations } from '@tokenfleet/db';
import { enqueueOperations, type OperationToEnqueue, type TenantQueue } from '@tokenfleet/queue';
import type { Handler } from './handler';
import { createChunkSize } from './token-create';

const PAGE = 2_000;
export const CREATE_LANES = 3;
const FALLBACK_SPACING_MS = 2_000;

/**
 * Enqueues an import's creates as the header says: the first CREATE_LANES at once, the others delayed a
 * chunk's worth every FALLBACK_SPACING_MS. `before` is how many of the import's creates were enqueued
 * already (on earlier pages), `chunk` the tokens one bulk call carries.
 */
export async function enqueueCreateLanes(queue: TenantQueue, creates: OperationToEnqueue[], before: number, chunk: number): Promise<void> {
  const lanes = creates.slice(0, Math.max(0, CREATE_LANES - before));
  await enqueueOperations(queue, lanes);
  for (let start = lanes.length; start < creates.length; start += chunk) {
    const position = before + start - CREATE_LANES;
    await enqueueOperations(queue, creates.slice(start, start + chunk), { delayMs: (Math.floor(position / chunk) + 1) * FALLBACK_SPACING_MS });
  }
}

export const importExpand: Handler<'import.expand'> = async (job, jc) => {
  const [row] = await jc.db.select({ id: imports.id }).from(imports).where(eq(imports.id, job.data.importId));
  if (!row) return { status: 'skipped', detail: 'import not found' };
  let after: string | null = null;
  let enqueued = 0;
  let creates = 0;
  const chunk = createChunkSize(jc);
  for (;;) {
    const page = await jc.db
      .select({ id: operations.id, tenantId: operations.tenantId, tokenId: operations.tokenId, kind: operations.kind, generation: operations.generation })
      .from(operations)
      .where(and(eq(operations.importId, row.id), eq(operations.status, 'queued'), after ? gt(operations.id, after) : undefined))
      .orderBy(asc(operations.id))
      .limit(PAGE);
    if (page.length === 0) break;
    const pageCreates = page.filter((op) => op.kind === 'token.create');
    await enqueueOperations(jc.tenant.queue, page.filter((op) => op.kind !== 'token.create'));
    await enqueueCreateLanes(jc.tenant.queue, pageCreates, creates, chunk);
    creates += pageCreates.length;
    enqueued += page.length;
    after = page[page.length - 1]!.id;
    await job.updateProgress(enqueued);
  }
  return { status: 'done', detail: `${enqueued} operations enqueued` };
};
