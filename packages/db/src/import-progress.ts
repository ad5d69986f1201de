// How far imports have got, from their tokens' states and their operations, in one grouped query for any
// number of imports. A `running` import whose operations have all finished is settled: `completed`, or
// `completed_with_errors` when rows were refused or operations failed, persisted with `finished_at`.
// The API settles on read, the worker's reconciler periodically, so an import finishes even unwatched.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { TOKEN_STATES, UNFINISHED_OPERATION_STATUSES, type TokenState } from '@tokenfleet/domain';
import { appendAudit } from './audit';
import type { Database } from './client';
import { imports, operations, tokens, type Import } from './schema';


export interface ImportStats {
  tokensByState: Record<TokenState, number>;
  operationsByStatus: Record<string, number>;
  /** Tokens with an operation still to run. */
  pendingTokens: number;
}

function emptyStats(): ImportStats {
  return {
    tokensByState: Object.fromEntries(TOKEN_STATES.map((state) => [state, 0])) as Record<TokenState, number>,
    operationsByStatus: {},
    pendingTokens: 0,
  };
}

export async function loadImportStats(db: Database, importIds: readonly string[]): Promise<Map<string, ImportStats>> {
  const stats = new Map(importIds.map((id) => [id, emptyStats()]));
  if (importIds.length === 0) return stats;
  const ids = [...importIds];
  const rows = await db.execute<{ importId: string; source: 'state' | 'operation' | 'pending'; key: string; count: number }>(sql`
    select ${tokens.importId} as "importId", 'state' as source, ${tokens.state} as key, count(*)::int as count
      from ${tokens} where ${inArray(tokens.importId, ids)} group by 1, 3
    union all
    select ${operations.importId}, 'operation', ${operations.status}, count(*)::int
      from ${operations} where ${inArray(operations.importId, ids)} group by 1, 3
    union all
    select ${operations.importId}, 'pending', '', count(distinct ${operations.tokenId})::int
      from ${operations}
      where ${inArray(operations.importId, ids)} and ${inArray(operations.status, [...UNFINISHED_OPERATION_STATUSES])}
      group by 1`);
  for (const row of rows) {
    const entry = stats.get(row.importId);
    if (!entry) continue;
    if (row.source === 'state') entry.tokensByState[row.key as TokenState] = row.count;
    else if (row.source === 'operation') entry.operationsByStatus[row.key] = row.count;
    else entry.pendingTokens = row.count;
  }
  return stats;
}

/** Settles a `running` import whose operations are all done; answers the row as it now stands. */
export async function settleImport(db: Database, row: Import, stats: ImportStats): Promise<Import> {
  if (row.status !== 'running') return row;
  const unfinished = UNFINISHED_OPERATION_STATUSES.reduce((sum, status) => sum + (stats.operationsByStatus[status] ?? 0), 0);
  if (unfinished > 0) return row;
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
