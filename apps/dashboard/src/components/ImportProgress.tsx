// One import's progress, shown by the ProgressMeter every long run uses: tokens finished out of the valid
// rows, failures split out, and the import's own counters.
import type { Import } from '@tokenfleet/contract';
import { formatCount, IMPORT_STATUS_LABELS } from '../format';
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
  /** One line a person reads, e.g. "Running: 4 of 6 tokens finished, 1 failed". */
  summary: string;
}

/**
 * `failedJobs` counts the import's failed operations: a failed step does not always fail the token (an
 * assignment to an unknown user leaves it created, in the inventory), so token states alone would show
 * such an import as all green.
 */
export function importProgress(summary: Import, failedJobs = 0): ProgressView {
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
  else if (total === 0) text = `${IMPORT_STATUS_LABELS[summary.status]}: no valid rows to import`;
  else text = `${IMPORT_STATUS_LABELS[summary.status]}: ${formatCount(finished)} of ${formatCount(total)} tokens finished${failedText}`;
  return { total, finished, succeeded, failed, settled, summary: text };
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
