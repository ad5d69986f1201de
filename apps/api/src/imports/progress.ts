// How far imports have got, from their tokens' states and their operations, in one grouped query for any
// number of imports (a list page or a single import). A `running` import whose operations have all
// finished is settled here, on read: `completed`, or `completed_with_errors` when rows were refused or
// operations failed; the new status is persisted with `finished_at`.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { appendAudit, imports, operations, tokens, TOKEN_STATES, type Database, type Import, type TokenState } from '@tokenfleet/db';

const UNFINISHED_OPERATION_STATUSES = ['pending', 'queued', 'running'] as const;

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
      outcome: status === 'completed' ? 'success' : 'failure',
      tenantId: row.tenantId,
      targetType: 'import',
      targetId: row.id,
      importId: row.id,
      detail: { status, failedOperations },
    });
    return settled;
  });
}

const sum = (counts: Record<TokenState, number>, states: readonly TokenState[]): number => states.reduce((total, state) => total + counts[state], 0);

/** The import as API.md describes it, progress included. */
export function importSummary(row: Import, stats: ImportStats) {
  const byState = stats.tokensByState;
  return {
    id: row.id,
    tenantId: row.tenantId,
    fileName: row.fileName,
    format: row.format,
    mode: row.mode,
    status: row.status,
    totalRows: row.totalRows,
    validRows: row.validRows,
    rejectedRows: row.rejectedRows,
    duplicateRows: row.duplicateRows,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    error: row.error,
    progress: {
      validated: row.validRows,
      // A token counts from the step it has reached onwards (an active token was also created and assigned).
      created: sum(byState, ['created', 'assigned', 'active', 'disabled']),
      assigned: sum(byState, ['assigned', 'active', 'disabled']),
      activated: sum(byState, ['active', 'disabled']),
      failed: byState.failed,
      pending: stats.pendingTokens,
    },
    tokensByState: byState,
  };
}

/** Summaries for a set of import rows: one stats query, settling the ones that are done. */
export async function summarizeImports(db: Database, rows: Import[]) {
  const stats = await loadImportStats(db, rows.map((row) => row.id));
  const summaries = [];
  for (const row of rows) {
    const rowStats = stats.get(row.id)!;
    summaries.push(importSummary(await settleImport(db, row, rowStats), rowStats));
  }
  return summaries;
}
