// How far imports have got, from their tokens' states and their operations, in one grouped query for any
// number of imports. A `running` import whose operations have all finished is settled: `completed`, or
// `completed_with_errors` when rows were refused or operations failed, persisted with `finished_at`.
// The API settles on read, the worker's reconciler periodically, so an import finishes even unwatched.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { TOKEN_STATES, UNFINISHED_OPERATION_STATUSES, type TokenState } from '@tokenfleet/domain';
import { appendAudit } from './audit';
import type { Database, DbOrTx } from './client';
import { imports, operations, tokens, type Import } from './schema';


export interface ImportStats extends OperationProgress {
  tokensByState: Record<TokenState, number>;
}

/** Where the operations of one owner (an import, a bulk action) stand, by status and by token. */
export interface OperationProgress {
  operationsByStatus: Record<string, number>;
  /** Tokens with an operation still to run. */
  pendingTokens: number;
  /** Tokens whose operations have all ended, by how: any failed → failed, else any cancelled → cancelled. */
  succeededTokens: number;
  failedTokens: number;
  cancelledTokens: number;
  /** Tokens whose operations have all ended, the last within the pace window (`since`). */
  tokensFinishedRecently: number;
}

/** The pace of an import or bulk action is measured over this much of the recent past. */
export const PACE_WINDOW_MS = 60_000;

function emptyProgress(): OperationProgress {
  return { operationsByStatus: {}, pendingTokens: 0, succeededTokens: 0, failedTokens: 0, cancelledTokens: 0, tokensFinishedRecently: 0 };
}

const TOKEN_BUCKETS = { pending: 'pendingTokens', succeeded: 'succeededTokens', failed: 'failedTokens', cancelled: 'cancelledTokens' } as const;

/**
 * The progress of the operations of any number of imports or bulk actions (`owner` is the column that
 * names them), in one grouped query: the operations by status, each token counted once by where its
 * operations have got, and how many tokens saw their last operation end after `since` (the pace).
 */
export async function loadOperationProgress(
  db: DbOrTx,
  owner: typeof operations.importId | typeof operations.bulkActionId,
  ownerIds: readonly string[],
  since: Date = new Date(Date.now() - PACE_WINDOW_MS),
): Promise<Map<string, OperationProgress>> {
  const progress = new Map(ownerIds.map((id) => [id, emptyProgress()]));
  if (ownerIds.length === 0) return progress;
  const ids = [...ownerIds];
  const unfinished = [...UNFINISHED_OPERATION_STATUSES];
  const rows = await db.execute<{ owner: string; source: 'operation' | 'token' | 'recent'; key: string; count: number }>(sql`
    with per_token as (
      select ${owner} as owner, ${operations.tokenId},
             case when bool_or(${inArray(operations.status, unfinished)}) then 'pending'
                  when bool_or(${operations.status} = 'failed') then 'failed'
                  when bool_or(${operations.status} = 'cancelled') then 'cancelled'
                  else 'succeeded' end as bucket,
             max(${operations.finishedAt}) as last_finished
        from ${operations} where ${inArray(owner, ids)} group by 1, 2)
    select ${owner} as owner, 'operation' as source, ${operations.status} as key, count(*)::int as count
      from ${operations} where ${inArray(owner, ids)} group by 1, 3
    union all
    select owner, 'token', bucket, count(*)::int from per_token group by 1, 3
    union all
    select owner, 'recent', 'finished', count(*)::int from per_token where bucket <> 'pending' and last_finished > ${since.toISOString()}::timestamptz group by 1`);
  for (const row of rows) {
    const entry = progress.get(row.owner);
    if (!entry) continue;
    if (row.source === 'operation') entry.operationsByStatus[row.key] = row.count;
    else if (row.source === 'recent') entry.tokensFinishedRecently = row.count;
    else entry[TOKEN_BUCKETS[row.key as keyof typeof TOKEN_BUCKETS]] = row.count;
  }
  return progress;
}

/** Operations of an owner that may still do something. */
export function unfinishedOperations(progress: OperationProgress): number {
  return UNFINISHED_OPERATION_STATUSES.reduce((sum, status) => sum + (progress.operationsByStatus[status] ?? 0), 0);
}

export async function loadImportStats(db: Database, importIds: readonly string[]): Promise<Map<string, ImportStats>> {
  const ids = [...importIds];
  const progress = await loadOperationProgress(db, operations.importId, ids);
  const states = ids.length === 0 ? [] : await db
    .select({ importId: tokens.importId, state: tokens.state, count: sql<number>`count(*)::int` })
    .from(tokens)
    .where(inArray(tokens.importId, ids))
    .groupBy(tokens.importId, tokens.state);
  const stats = new Map(ids.map((id): [string, ImportStats] => [id, { ...progress.get(id)!, tokensByState: Object.fromEntries(TOKEN_STATES.map((state) => [state, 0])) as Record<TokenState, number> }]));
  for (const row of states) {
    if (row.importId) stats.get(row.importId)!.tokensByState[row.state] = row.count;
  }
  return stats;
}

/** Settles a `running` import whose operations are all done; answers the row as it now stands. */
export async function settleImport(db: Database, row: Import, stats: ImportStats): Promise<Import> {
  if (row.status !== 'running') return row;
  if (unfinishedOperations(stats) > 0) return row;
  const failedOperations = stats.operationsByStatus.failed ?? 0;
  const status = row.rejectedRows + row.duplicateRows + failedOperations > 0 ? 'completed_with_errors' : 'completed';
  return db.transaction(async (tx) => {
    // Guarded by the status read, so two readers settling at once write one audit row between them.
    const [settled] = await tx
      .update(imports)
      .set({ status, finishedAt: new Date() })
      .where(and(eq(imports.id, row.id), eq(imports.status, 'running')))
      .returning();
    if (!settled) {
      const [current] = await tx.select().from(imports).where(eq(imports.id, row.id));
      return current ?? row;
    }
    await appendAudit(tx, {
      actor: 'system',
      action: 'import.finished',
      outcome: importOutcome(row, failedOperations),
      tenantId: row.tenantId,
      targetType: 'import',
      targetId: row.id,
      importId: row.id,
      detail: { status, validRows: row.validRows, rejectedRows: row.rejectedRows, duplicateRows: row.duplicateRows, failedOperations, tokensByState: stats.tokensByState },
    });
    return settled;
  });
}


/**
 * How an import's end reads in the audit trail. Rows a file got wrong are the file's problem (listed as
 * row errors), not a failure of the import: when every valid row's token got where it was sent, the
 * import succeeded. Tokens whose operations failed make it `info` (finished, with work left to look at);
 * `failure` is kept for an import that put no token anywhere (every row refused, or every operation failed).
 */
export function importOutcome(row: Pick<Import, 'validRows'>, failedOperations: number): 'success' | 'info' | 'failure' {
  if (row.validRows === 0) return 'failure';
  if (failedOperations === 0) return 'success';
  return failedOperations >= row.validRows ? 'failure' : 'info';
}

/** Settles every running import of a tenant whose operations have all ended. */
export async function settleFinishedImports(db: Database, tenantId: string): Promise<number> {
  const running = await db.select().from(imports).where(and(eq(imports.tenantId, tenantId), eq(imports.status, 'running')));
  const stats = await loadImportStats(db, running.map((row) => row.id));
  let settled = 0;
  for (const row of running) {
    if ((await settleImport(db, row, stats.get(row.id)!)).status !== 'running') settled += 1;
  }
  return settled;
}
