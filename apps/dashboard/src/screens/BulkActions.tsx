// Bulk actions, newest first: what each did, to how many tokens, and how far it got.
import { api } from '../api/client';
import type { BulkAction, Page } from '@tokenfleet/contract';
import { BulkProgress } from '../components/BulkProgress';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, Time } from '../components/ui';
import { BULK_ACTION_LABELS, BULK_STATUS_LABELS, countOf } from '../format';
import { usePagedList } from '../hooks';
import { Link } from '../router';
import { describeSelection } from './BulkActionDetail';

export function BulkActions() {
  const list = usePagedList((cursor) => api.get<Page<BulkAction>>('/bulk-actions', { limit: 20, cursor }), []);
  return (
    <section>
      <PageTitle title="Bulk actions">Bulk actions</PageTitle>
      <ErrorMessage error={list.error} action={<button type="button" onClick={() => void list.reload()}>Try again</button>} />
      {list.loading && list.items.length === 0 ? (
        <Loading what="bulk actions" />
      ) : list.items.length === 0 && !list.error ? (
        <EmptyState title="No bulk actions yet.">
          <p>
            Tick tokens in the <Link to="/tokens">token table</Link> (or take all tokens matching a filter) and choose an action.
          </p>
        </EmptyState>
      ) : (
        <>
          {list.items.map((bulk) => (
            <article key={bulk.id} className="card import-card" aria-labelledby={`bulk-${bulk.id}`}>
              <header className="import-card-head">
                <h2 id={`bulk-${bulk.id}`} className="import-name">
                  <Link to={`/bulk-actions/${bulk.id}`}>
                    {BULK_ACTION_LABELS[bulk.action]} {countOf(bulk.progress.total, 'token')}
                  </Link>
                </h2>
                <span className={`status status-${bulk.status}`}>{BULK_STATUS_LABELS[bulk.status]}</span>
              </header>
              <p className="muted small">
                {describeSelection(bulk)} · by {bulk.createdBy} · <Time iso={bulk.createdAt} />
              </p>
              <BulkProgress bulk={bulk} />
            </article>
          ))}
          <LoadMore shown={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={() => void list.loadMore()} noun="bulk action" />
        </>
      )}
    </section>
  );
}
