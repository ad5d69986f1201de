// The token inventory. The server filters and pages (keyset cursors), so the screen stays as quick at
// 100,000 tokens as at 10: it only ever holds the pages the operator asked for. Filters live in the
// address, so a filtered view (e.g. failed tokens of one import) can be bookmarked or linked to.
import { api, toQueryString } from '../api/client';
import type { Page, Token } from '@tokenfleet/contract';
import { TOKEN_STATES, TOKEN_STATUSES } from '@tokenfleet/contract/values';
import { FilterForm, useAppliedFilters, type FilterField } from '../components/FilterForm';
import { DateOnly, EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, StatusWithState, Time, UserCell } from '../components/ui';
import { shortId, TOKEN_STATE_LABELS, TOKEN_STATUS_LABELS } from '../format';
import { usePagedList } from '../hooks';
import { Link } from '../router';

const TOKENS_PER_PAGE = 50;

const TOKEN_FILTERS: readonly FilterField[] = [
  { name: 'status', label: 'Status', kind: 'select', anyLabel: 'Any status', options: TOKEN_STATUSES.map((status) => ({ value: status, label: TOKEN_STATUS_LABELS[status] })) },
  {
    name: 'expiresWithinDays',
    label: 'Expires',
    kind: 'select',
    anyLabel: 'Any time or never',
    options: [30, 90, 365].map((days) => ({ value: String(days), label: `within ${days} days` })),
  },
  { name: 'state', label: 'State', kind: 'select', anyLabel: 'Any state', options: TOKEN_STATES.map((state) => ({ value: state, label: TOKEN_STATE_LABELS[state] })) },
  { name: 'upn', label: 'User (UPN starts with)', placeholder: 'alice@' },
  { name: 'serial', label: 'Serial starts with' },
  { name: 'manufacturer', label: 'Manufacturer', placeholder: 'Token2' },
  { name: 'importId', label: 'Import id' },
];

export function Tokens() {
  const applied = useAppliedFilters(TOKEN_FILTERS);
  const appliedKey = toQueryString(applied);
  const list = usePagedList((cursor) => api.get<Page<Token>>('/tokens', { ...applied, limit: TOKENS_PER_PAGE, cursor }), [applied]);
  const filtered = appliedKey !== '';

  return (
    <section>
      <PageTitle title="Tokens">Tokens</PageTitle>
      <FilterForm path="/tokens" fields={TOKEN_FILTERS} applied={applied} label="Filter tokens" />
      <ErrorMessage error={list.error} action={<button type="button" onClick={() => void list.reload()}>Try again</button>} />
      {list.loading && list.items.length === 0 ? (
        <Loading what="tokens" />
      ) : list.items.length === 0 && !list.error ? (
        filtered ? (
          <EmptyState title="No token matches these filters.">
            <p>
              Serial and user match from the start of the value. <Link to="/tokens">Clear the filters</Link> to see every token.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="No tokens yet.">
            <p>
              Tokens arrive with a seed file: <Link to="/imports">go to Imports</Link> and upload one.
            </p>
          </EmptyState>
        )
      ) : (
        <>
          <TokenTable tokens={list.items} />
          <LoadMore shown={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={() => void list.loadMore()} noun="token" />
        </>
      )}
    </section>
  );
}

/**
 * The token table reads from 1024 px up: every cell is one line per item (long values end in an
 * ellipsis, the whole text on hover), the columns that matter least give way first on narrow screens
 * (`prio-low` in styles.css), and a horizontal scroll is the last resort below the table's minimum width.
 */
export function TokenTable({ tokens }: { tokens: Token[] }) {
  return (
    <div className="table-wrap">
      <table className="data-table tokens-table">
        <caption className="visually-hidden">Tokens, newest first</caption>
        <thead>
          <tr>
            <th scope="col" className="col-serial">Serial number</th>
            <th scope="col" className="col-status">Status</th>
            <th scope="col" className="col-user">User</th>
            <th scope="col" className="col-model">Model</th>
            <th scope="col" className="col-date prio-low">Expires</th>
            <th scope="col" className="col-time prio-low">Last used</th>
            <th scope="col" className="col-short-id prio-low">Import</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => {
            const model = `${token.manufacturer} · ${token.model}`;
            return (
              <tr key={token.id}>
                <th scope="row" className="mono truncate" title={token.serialNumber}>
                  <Link to={`/tokens/${token.id}`}>{token.serialNumber}</Link>
                </th>
                <td>
                  <StatusWithState token={token} />
                  {token.lastError && (
                    <span className="block small text-failed truncate" title={token.lastError}>
                      {token.lastError}
                    </span>
                  )}
                </td>
                <td>
                  <UserCell upn={token.assignedUpn} displayName={token.assignedUserDisplayName} />
                </td>
                <td className="truncate" title={model}>
                  {model}
                </td>
                <td className="prio-low">
                  <DateOnly iso={token.expiresAt} />
                </td>
                <td className="prio-low">
                  <Time iso={token.lastUsedAt} />
                </td>
                <td className="mono prio-low">{token.importId ? <Link to={`/imports/${token.importId}`} title={token.importId}>{shortId(token.importId)}</Link> : '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
