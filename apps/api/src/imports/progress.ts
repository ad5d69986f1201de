// How far imports have got, as the contract's Import schema shows it. The counting and the settling of finished imports live in
// @tokenfleet/db (import-progress.ts), shared with the worker's reconciler; a read settles too, so an
// import shows as finished the moment its last operation ends.
import { loadImportStats, PACE_WINDOW_MS, settleImport, type Database, type Import, type ImportStats, type TokenState } from '@tokenfleet/db';
import { paceOf } from '@tokenfleet/domain';

const sum = (counts: Record<TokenState, number>, states: readonly TokenState[]): number => states.reduce((total, state) => total + counts[state], 0);

/** How fast a running import's tokens finish, over the last minute (packages/domain/src/pace.ts). */
export const importPace = (row: Pick<Import, 'createdAt'>, stats: ImportStats, now: Date) => paceOf(stats, { startedAt: row.createdAt, now, windowMs: PACE_WINDOW_MS });

/** The import as the contract's Import schema describes it, progress included. */
export function importSummary(row: Import, stats: ImportStats, now = new Date()) {
  const byState = stats.tokensByState;
  const pace = row.status === 'running' ? importPace(row, stats, now) : null;
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
    pace: pace && { tokensPerMinute: pace.tokensPerMinute, estimatedFinishAt: pace.estimatedFinishAt?.toISOString() ?? null },
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
