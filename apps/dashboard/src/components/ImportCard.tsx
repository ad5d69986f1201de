// One import as a card: what was uploaded, by whom, how far it got. While the import runs it asks the API
// for its progress every 1.5 s by itself, so a list of imports updates without reloading.
import { api, apiUrl } from '../api/client';
import type { FailureGroup, Import } from '@tokenfleet/contract';
import { countOf, formatCount, IMPORT_MODE_LABELS } from '../format';
import { useResource } from '../hooks';
import { Link } from '../router';
import { importProgress, ImportProgress, importStatusLabel } from './ImportProgress';
import { Time } from './ui';

export const IMPORT_POLL_MS = 1_500;

/** Poll while the import can still move; stop once it has settled. */
export const pollWhileRunning = (summary: Import): number | null => (importProgress(summary).settled ? null : IMPORT_POLL_MS);

export function loadImport(id: string): Promise<Import> {
  return api.get<Import>(`/imports/${encodeURIComponent(id)}`);
}

/** How many of the import's operations failed; asked only of imports that can have any. */
async function countFailedJobs(importId: string, status: Import['status']): Promise<number> {
  if (status !== 'running' && status !== 'completed_with_errors') return 0;
  const groups = await api.get<FailureGroup[]>('/operations/failed/groups', { importId });
  return groups.reduce((total, group) => total + group.count, 0);
}

export function ImportCard({ initial, heading = 'h2' }: { initial: Import; heading?: 'h2' | 'h3' }) {
  const live = useResource(() => loadImport(initial.id), [initial.id], { initial, pollMs: pollWhileRunning });
  const summary = live.data ?? initial;
  // Asked again whenever the import moves on; a settled import is asked once.
  const { id, status } = summary;
  const pending = summary.progress.pending;
  // Counted again whenever a job ends (fewer pending), not on every poll.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `pending` is when to count again, not an input
  const failedJobs = useResource(() => countFailedJobs(id, status), [id, status, pending]).data ?? 0;
  const Heading = heading;
  const rowErrors = summary.rejectedRows + summary.duplicateRows;

  return (
    <article className="card import-card" aria-labelledby={`import-${summary.id}`}>
      <header className="import-card-head">
        <Heading id={`import-${summary.id}`} className="import-name">
          <Link to={`/imports/${summary.id}`}>{summary.fileName}</Link>
        </Heading>
        <span className={`status status-${summary.validRows === 0 && summary.status === 'completed_with_errors' ? 'failed' : summary.status}`}>{importStatusLabel(summary)}</span>
      </header>
      <p className="muted small">
        {summary.format.toUpperCase()} · {IMPORT_MODE_LABELS[summary.mode]?.label ?? summary.mode} · by {summary.createdBy} · <Time iso={summary.createdAt} />
      </p>
      <ImportProgress summary={summary} failedJobs={failedJobs} />
      <p className="import-rows">
        <span>{formatCount(summary.totalRows)} rows</span>
        <span>{formatCount(summary.validRows)} valid</span>
        <span className={summary.rejectedRows > 0 ? 'text-failed' : undefined}>{formatCount(summary.rejectedRows)} rejected</span>
        <span>{formatCount(summary.duplicateRows)} already in inventory</span>
      </p>
      <p className="card-links">
        {rowErrors > 0 && <Link to={`/imports/${summary.id}#row-errors`}>See {rowErrors === 1 ? 'the row error' : `the ${countOf(rowErrors, 'row error')}`}</Link>}
        {rowErrors > 0 && (
          <a href={apiUrl(`/imports/${summary.id}/errors.csv`)} download>
            Download row errors (CSV)
          </a>
        )}
        {summary.validRows > 0 && <Link to={`/tokens?importId=${summary.id}`}>Tokens of this import</Link>}
        {failedJobs > 0 && <Link to={`/failed?importId=${summary.id}`}>See {failedJobs === 1 ? 'the failed job' : `the ${countOf(failedJobs, 'failed job')}`}</Link>}
      </p>
      {live.error !== undefined && (
        <p className="small text-failed" role="status">
          Progress updates paused: {live.error instanceof Error ? live.error.message : 'the API did not answer'}. Trying again…
        </p>
      )}
    </article>
  );
}
