// One bulk action as it runs: its progress (polled while it can still move), cancel while it runs, what
// failed or was skipped with the reason, and a retry of those once it has finished.
import { api } from '../api/client';
import type { BulkAction, BulkFailure, Page } from '@tokenfleet/contract';
import { BulkProgress, bulkProgress } from '../components/BulkProgress';
import { useConfirm } from '../components/ConfirmDialog';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, StateBadge, Time } from '../components/ui';
import { BULK_ACTION_LABELS, countOf, formatCount } from '../format';
import { usePagedList, useResource, useSubmission } from '../hooks';
import { Link } from '../router';
import { useCan } from '../session';

export const BULK_POLL_MS = 1_500;
const FAILURES_PER_PAGE = 50;

export function loadBulkAction(id: string): Promise<BulkAction> {
  return api.get<BulkAction>(`/bulk-actions/${encodeURIComponent(id)}`);
}

/** What the action selected, in words. */
export function describeSelection(bulk: BulkAction): string {
  if (bulk.selection.tokenIds !== null) return `${countOf(bulk.selection.tokenIds, 'ticked token')}`;
  const filters = Object.entries(bulk.selection.filter ?? {}).map(([name, value]) => `${name} ${value}`);
  return filters.length > 0 ? `all tokens matching ${filters.join(', ')}` : 'every token of the tenant';
}

export function BulkActionDetail({ id }: { id: string }) {
  const live = useResource(() => loadBulkAction(id), [id], { pollMs: (bulk) => (bulkProgress(bulk).settled ? null : BULK_POLL_MS) });
  const bulk = live.data;
  const unsuccessful = bulk ? bulk.progress.failed + bulk.progress.skipped : 0;
  // Asked again whenever more of the action has failed or been skipped, not on every poll.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `unsuccessful` is when to ask again, not an input
  const failures = usePagedList((cursor) => api.get<Page<BulkFailure>>(`/bulk-actions/${encodeURIComponent(id)}/failures`, { limit: FAILURES_PER_PAGE, cursor }), [id, unsuccessful]);
  const canAct = useCan('operator');
  const [confirmElement, confirm] = useConfirm();
  const { working, error, attempt } = useSubmission();
  const title = bulk ? `Bulk ${BULK_ACTION_LABELS[bulk.action].toLowerCase()} of ${countOf(bulk.progress.total, 'token')}` : 'Bulk action';

  async function cancel() {
    if (!bulk) return;
    const go = await confirm({
      title: 'Cancel this bulk action?',
      body: <p>Tokens not reached yet are left as they are, and queued operations are cancelled. Operations already sent to Entra finish.</p>,
      confirmLabel: 'Cancel the bulk action',
      danger: true,
    });
    if (!go) return;
    await attempt(async () => {
      await api.post(`/bulk-actions/${encodeURIComponent(bulk.id)}/cancel`);
      await live.reload();
    });
  }

  async function retry() {
    await attempt(async () => {
      await api.post(`/bulk-actions/${encodeURIComponent(id)}/retry`);
      await live.reload();
    });
  }

  const settled = bulk ? bulkProgress(bulk).settled : false;
  return (
    <section>
      <p className="breadcrumb">
        <Link to="/bulk-actions">Bulk actions</Link> /
      </p>
      <PageTitle title={title}>{title}</PageTitle>
      <ErrorMessage error={live.error} />
      {bulk ? (
        <article className="card" aria-label="Progress">
          <p className="muted small">
            {describeSelection(bulk)} · by {bulk.createdBy} · <Time iso={bulk.createdAt} />
            {bulk.round > 0 && ` · retried ${bulk.round === 1 ? 'once' : `${bulk.round} times`}`}
            {bulk.cancelledBy && ` · cancelled by ${bulk.cancelledBy}`}
          </p>
          <BulkProgress bulk={bulk} />
          <ErrorMessage error={error} />
          {canAct && (
            <div className="button-row">
              {bulk.status === 'running' && (
                <button type="button" className="danger" disabled={working} onClick={() => void cancel()}>
                  Cancel
                </button>
              )}
              {settled && unsuccessful > 0 && (
                <button type="button" disabled={working} onClick={() => void retry()}>
                  Retry the {countOf(unsuccessful, 'failure')}
                </button>
              )}
            </div>
          )}
        </article>
      ) : (
        !live.error && <Loading what="the bulk action" />
      )}

      <h2 id="failures">Failed and skipped</h2>
      <ErrorMessage error={failures.error} />
      {failures.loading && failures.items.length === 0 ? (
        <Loading what="failures" />
      ) : failures.items.length === 0 && !failures.error ? (
        <EmptyState title="Nothing has failed or been skipped." />
      ) : (
        <>
          <p className="muted">{formatCount(unsuccessful)} tokens were not done. Skipped ones were in a state that does not allow the action; failed ones were refused by Entra.</p>
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Tokens the bulk action could not do, with the reason</caption>
              <thead>
                <tr>
                  <th scope="col" className="col-serial">Serial number</th>
                  <th scope="col">User</th>
                  <th scope="col" className="col-state">State</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {failures.items.map((failure) => (
                  <tr key={`${failure.tokenId}-${failure.operationId ?? ''}`}>
                    <th scope="row" className="mono">
                      <Link to={`/tokens/${failure.tokenId}`}>{failure.serialNumber}</Link>
                    </th>
                    <td className="truncate" title={failure.assignedUpn ?? undefined}>
                      {failure.assignedUpn ?? <span className="muted">unassigned</span>}
                    </td>
                    <td>
                      <StateBadge state={failure.state} />
                    </td>
                    <td>{failure.outcome === 'skipped' ? 'Skipped' : 'Failed'}</td>
                    <td>
                      <span className="mono small">{failure.code}</span> {failure.reason}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore shown={failures.items.length} hasMore={failures.hasMore} loading={failures.loading} onMore={() => void failures.loadMore()} noun="failure" />
        </>
      )}
      {confirmElement}
    </section>
  );
}
