// Failed operations grouped by why they failed (the Graph error code), so one cause is seen and retried
// once rather than a thousand times; each job opens to its attempts.
import { useId, useState } from 'react';
import { api } from '../api/client';
import type { FailureGroup, Operation, OperationDetail, Page } from '@tokenfleet/contract';
import { AuditTable } from '../components/AuditTable';
import { useConfirm } from '../components/ConfirmDialog';
import { RetryButton } from '../components/RetryButton';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, Time } from '../components/ui';
import { countOf, formatCount, operationKindLabel, shortId } from '../format';
import { usePagedList, useResource, useSubmission } from '../hooks';
import { Link, useLocation } from '../router';
import { useCan } from '../session';

const GROUPS_POLL_MS = 5_000;
const JOBS_PER_PAGE = 50;

export function FailedJobs() {
  const importId = useLocation().query.get('importId') ?? '';
  const canRetry = useCan('operator');
  // Bumped after every retry, so the groups and any open list load afresh.
  const [version, setVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `version` asks for a fresh load after a retry
  const groups = useResource(() => api.get<FailureGroup[]>('/operations/failed/groups', { importId }), [importId, version], { pollMs: () => GROUPS_POLL_MS });

  const retried = (count: number) => {
    setMessage(
      count === 0
        ? 'Nothing was retried: these jobs are no longer failed.'
        : `${countOf(count, 'job')} ${count === 1 ? 'was' : 'were'} retried and ${count === 1 ? 'runs' : 'run'} again now. The outcome shows in the audit trail.`,
    );
    setVersion((value) => value + 1);
  };

  return (
    <section>
      <PageTitle title="Failed jobs">Failed jobs</PageTitle>
      {importId && (
        <p className="notice notice-info">
          Showing the failed jobs of import <Link to={`/imports/${importId}`}>{shortId(importId)}</Link>. <Link to="/failed">Show all failed jobs</Link>
        </p>
      )}
      {!canRetry && <p className="muted">Retrying a job needs the operator role.</p>}
      {message && (
        <p className="notice notice-success" role="status">
          {message} <Link to="/audit?action=operation.retried">See the retries in the audit trail</Link>
        </p>
      )}
      <ErrorMessage error={groups.error} />
      {!groups.data ? (
        !groups.error && <Loading what="failed jobs" />
      ) : groups.data.length === 0 ? (
        <EmptyState title="No failed jobs.">
          <p>Every job that ran has succeeded or is still running. Jobs that fail for good show up here, grouped by reason.</p>
        </EmptyState>
      ) : (
        <ul className="group-list">
          {groups.data.map((group) => (
            <li key={group.code}>
              <FailureGroupCard group={group} importId={importId} version={version} canRetry={canRetry} onRetried={retried} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

interface GroupProps {
  group: FailureGroup;
  importId: string;
  version: number;
  canRetry: boolean;
  onRetried: (count: number) => void;
}

function FailureGroupCard({ group, importId, version, canRetry, onRetried }: GroupProps) {
  const [open, setOpen] = useState(false);
  const { working, error, attempt } = useSubmission();
  const [confirmElement, confirm] = useConfirm();
  const ids = useId();

  async function retryAll() {
    const ok = await confirm({
      title: `Retry all ${formatCount(group.count)} jobs that failed with ${group.code}?`,
      body: <p>Each job runs again from the step where it stopped. Retry only once the cause is fixed, or they will fail the same way.</p>,
      confirmLabel: `Retry ${formatCount(group.count)} jobs`,
    });
    if (!ok) return;
    await attempt(async () => {
      const { retried } = await api.post<{ retried: number }>('/operations/retry', { code: group.code, ...(importId ? { importId } : {}) });
      onRetried(retried);
    });
  }

  return (
    <article className="card failure-group" aria-labelledby={`${ids}-title`}>
      <header className="failure-group-head">
        <h2 id={`${ids}-title`} className="failure-code">
          <span className="mono">{group.code}</span> <span className="count-pill">{formatCount(group.count)}</span>
        </h2>
        <div className="button-row">
          <button type="button" aria-expanded={open} aria-controls={`${ids}-jobs`} onClick={() => setOpen(!open)}>
            {open ? 'Hide jobs' : 'Show jobs'}
          </button>
          {canRetry && (
            <button type="button" className="primary" disabled={working} onClick={() => void retryAll()}>
              {group.count === 1 ? 'Retry 1 job' : `Retry all ${countOf(group.count, 'job')}`}
            </button>
          )}
        </div>
      </header>
      {group.message && <p className="failure-message">{group.message}</p>}
      <ErrorMessage error={error} />
      <div id={`${ids}-jobs`}>{open && <FailedJobList code={group.code} importId={importId} version={version} canRetry={canRetry} onRetried={onRetried} />}</div>
      {confirmElement}
    </article>
  );
}

function FailedJobList({ code, importId, version, canRetry, onRetried }: Omit<GroupProps, 'group'> & { code: string }) {
  const jobs = usePagedList(
    (cursor) => api.get<Page<Operation>>('/operations', { status: 'failed', code, importId, limit: JOBS_PER_PAGE, cursor }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `version` asks for a fresh load after a retry
    [code, importId, version],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [openHistory, setOpenHistory] = useState<string | null>(null);
  const { working, error, attempt } = useSubmission();

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const allShownSelected = jobs.items.length > 0 && jobs.items.every((job) => selected.has(job.id));

  async function retrySelected() {
    await attempt(async () => {
      const { retried } = await api.post<{ retried: number }>('/operations/retry', { ids: [...selected] });
      setSelected(new Set());
      onRetried(retried);
    });
  }

  if (jobs.loading && jobs.items.length === 0) return <Loading what="jobs" />;
  return (
    <div className="failed-jobs">
      <ErrorMessage error={jobs.error ?? error} />
      {canRetry && (
        <div className="button-row">
          <button type="button" disabled={selected.size === 0 || working} onClick={() => void retrySelected()}>
            Retry selected ({selected.size})
          </button>
        </div>
      )}
      <div className="table-wrap">
        <table className="data-table">
          <caption className="visually-hidden">Jobs that failed with {code}</caption>
          <thead>
            <tr>
              {canRetry && (
                <th scope="col" className="col-check">
                  <input
                    type="checkbox"
                    aria-label="Select all jobs shown"
                    checked={allShownSelected}
                    onChange={() => setSelected(allShownSelected ? new Set() : new Set(jobs.items.map((job) => job.id)))}
                  />
                </th>
              )}
              <th scope="col" className="col-serial">Token</th>
              <th scope="col" className="col-step">Step</th>
              <th scope="col" className="num col-num">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col" className="col-time">Failed at</th>
              <th scope="col" className="col-buttons">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.items.map((job) => (
              <JobRow
                key={job.id}
                job={job}
                canRetry={canRetry}
                selected={selected.has(job.id)}
                onToggle={() => toggle(job.id)}
                historyOpen={openHistory === job.id}
                onHistory={() => setOpenHistory(openHistory === job.id ? null : job.id)}
                onRetried={() => onRetried(1)}
              />
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore shown={jobs.items.length} hasMore={jobs.hasMore} loading={jobs.loading} onMore={() => void jobs.loadMore()} noun="job" />
    </div>
  );
}

interface JobRowProps {
  job: Operation;
  canRetry: boolean;
  selected: boolean;
  onToggle: () => void;
  historyOpen: boolean;
  onHistory: () => void;
  onRetried: () => void;
}

function JobRow({ job, canRetry, selected, onToggle, historyOpen, onHistory, onRetried }: JobRowProps) {
  const columns = canRetry ? 7 : 6;
  return (
    <>
      <tr>
        {canRetry && (
          <td>
            <input type="checkbox" aria-label={`Select the ${operationKindLabel(job.kind).toLowerCase()} job of token ${job.serialNumber}`} checked={selected} onChange={onToggle} />
          </td>
        )}
        <th scope="row" className="mono">
          <Link to={`/tokens/${job.tokenId}`}>{job.serialNumber}</Link>
        </th>
        <td>{operationKindLabel(job.kind)}</td>
        <td className="num">{job.attempts}</td>
        <td>
          {job.lastErrorMessage ?? '—'}
          {job.lastGraphStatus !== null && <span className="block small muted">HTTP {job.lastGraphStatus}{job.lastRequestId ? ` · request-id ${job.lastRequestId}` : ''}</span>}
        </td>
        <td>
          <Time iso={job.updatedAt} />
        </td>
        <td>
          <div className="cell-actions">
            <button type="button" aria-expanded={historyOpen} onClick={onHistory}>
              Attempts
            </button>
            <RetryButton operationId={job.id} onRetried={onRetried} />
          </div>
        </td>
      </tr>
      {historyOpen && (
        <tr className="history-row">
          <td colSpan={columns}>
            <AttemptHistory operationId={job.id} />
          </td>
        </tr>
      )}
    </>
  );
}

function AttemptHistory({ operationId }: { operationId: string }) {
  const detail = useResource(() => api.get<OperationDetail>(`/operations/${operationId}`), [operationId]);
  if (detail.error) return <ErrorMessage error={detail.error} />;
  if (!detail.data) return <Loading what="attempts" />;
  if (detail.data.history.length === 0) return <p className="muted">No attempt of this job is recorded: it failed before it reached Microsoft Graph. The last error says why.</p>;
  return <AuditTable events={detail.data.history} caption="Attempts of this job, oldest first" showTarget={false} />;
}
