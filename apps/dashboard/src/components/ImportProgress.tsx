// One import's progress, shown by the ProgressMeter every long run uses: tokens finished out of the valid
// rows, failures split out, and the import's own counters.
import type { Import } from '@tokenfleet/contract';
import { countOf, formatCount, IMPORT_STATUS_LABELS } from '../format';
import { ProgressMeter } from './ProgressMeter';

export interface ProgressView {
  /** Tokens the import wrote (valid rows). */
  total: number;
  /** Tokens with no operation left to run: succeeded or failed. */
  finished: number;
  succeeded: number;
  failed: number;
  /** Whether the import will not move any more. */
  settled: boolean;
  /** One line a person reads, e.g. "Running: 4 of 6 tokens finished, 1 failed", "Completed: 48 tokens active, 2 rows rejected". */
  summary: string;
}

/**
 * `failedJobs` counts the import's failed operations: a failed step does not always fail the token (an
 * assignment to an unknown user leaves it created, in the inventory), so token states alone would show
 * such an import as all green.
 */
export function importProgress(summary: Import, failedJobs = 0, now = Date.now()): ProgressView {
  const total = summary.validRows;
  const { failed: failedTokens, pending } = summary.progress;
  const finished = Math.max(0, Math.min(total, total - pending));
  const failed = Math.min(Math.max(failedTokens, failedJobs), finished);
  const succeeded = finished - failed;
  const settled = summary.status !== 'validating' && summary.status !== 'running';
  const failedText = failed > 0 ? `, ${formatCount(failed)} failed` : '';
  let text: string;
  if (summary.status === 'validating') text = 'Validating the file…';
  else if (summary.status === 'failed') text = `Failed: ${summary.error ?? 'the file was refused'}`;
  else if (summary.status === 'running') text = `Running: ${formatCount(finished)} of ${formatCount(total)} tokens finished${failedText}${paceText(summary.pace, now)}`;
  else text = settledSummary(summary, failed);
  return { total, finished, succeeded, failed, settled, summary: text };
}

/**
 * How fast a running import goes and how long the rest should take at that pace (the API measures it
 * over the last minute): " · 840 tokens/min, about 12 min left". Nothing until a token has finished.
 */
export function paceText(pace: Import['pace'], now: number): string {
  if (!pace || pace.estimatedFinishAt === null) return '';
  const leftMs = Math.max(0, Date.parse(pace.estimatedFinishAt) - now);
  return ` · ${formatCount(Math.round(pace.tokensPerMinute))} tokens/min, ${timeLeft(leftMs)}`;
}

function timeLeft(ms: number): string {
  if (ms < 60_000) return 'less than a minute left';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `about ${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return `about ${hours} h${rest > 0 ? ` ${rest} min` : ''} left`;
}

/**
 * What a finished import did, in an operator's words: where its tokens ended up and what the file got
 * wrong ("Completed: 48 tokens active, 2 rows rejected"); a file without one valid row says so.
 */
export function settledSummary(summary: Import, failed: number): string {
  const fileProblems = [
    summary.rejectedRows > 0 ? `${countOf(summary.rejectedRows, 'row')} rejected` : null,
    summary.duplicateRows > 0 ? `${countOf(summary.duplicateRows, 'row')} already in the inventory` : null,
  ].filter((part): part is string => part !== null);
  if (summary.validRows === 0) {
    if (summary.totalRows === 0) return 'Nothing imported: the file has no token rows';
    return `Nothing imported: no row of the file was valid (${fileProblems.join(', ')})`;
  }
  const byState = summary.tokensByState;
  const outcomes = [
    byState.active > 0 ? `${countOf(byState.active, 'token')} active` : null,
    byState.assigned > 0 ? `${countOf(byState.assigned, 'token')} assigned, not activated` : null,
    byState.created > 0 ? `${countOf(byState.created, 'token')} in Entra, unassigned` : null,
    byState.imported > 0 ? `${countOf(byState.imported, 'token')} not created in Entra` : null,
    failed > 0 ? `${formatCount(failed)} failed` : null,
  ].filter((part): part is string => part !== null);
  return `Completed: ${[...outcomes, ...fileProblems].join(', ') || 'nothing left to do'}`;
}

/** The badge of an import: a settled import that put no token anywhere does not read "Completed". */
export function importStatusLabel(summary: Import): string {
  const settled = summary.status === 'completed' || summary.status === 'completed_with_errors';
  if (settled && summary.validRows === 0) return 'Nothing imported';
  return IMPORT_STATUS_LABELS[summary.status];
}

export function ImportProgress({ summary, failedJobs = 0 }: { summary: Import; failedJobs?: number }) {
  const view = importProgress(summary, failedJobs);
  const { progress } = summary;
  return (
    <ProgressMeter
      {...view}
      label={`Progress of ${summary.fileName}`}
      indeterminate={summary.status === 'validating'}
      status={`${summary.fileName}: ${IMPORT_STATUS_LABELS[summary.status]}`}
      counters={[
        ['Validated', progress.validated],
        ['Created', progress.created],
        ['Assigned', progress.assigned],
        ['Activated', progress.activated],
        ['Failed', view.failed],
        ['Pending', progress.pending],
      ]}
    />
  );
}
