// The token inventory. The server filters and pages (keyset cursors), so the screen stays as quick at
// 100,000 tokens as at 10: it only ever holds the pages the operator asked for. Filters live in the
// address, so a filtered view (e.g. failed tokens of one import) can be bookmarked or linked to.
import { api, toQueryString } from '../api/client';
import type { Page, Token } from '@tokenfleet/contract';
import { TOKEN_STATES } from '@tokenfleet/contract/values';
import { FilterForm, useAppliedFilters, type FilterField } from '../components/FilterForm';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, StateBadge, Time } from '../components/ui';
import { shortId, TOKEN_STATE_LABELS } from '../format';
import { usePagedList } from '../hooks';
import { Link } from '../router';

const TOKENS_PER_PAGE = 50;

const TOKEN_FILTERS: readonly FilterField[] = [
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

export function TokenTable({ tokens }: { tokens: Token[] }) {
  return (
    <div className="table-wrap">
      <table className="data-table tokens-table">
        <caption className="visually-hidden">Tokens, newest first</caption>
        <thead>
          <tr>
            <th scope="col" className="col-serial">Serial number</th>
            <th scope="col">Manufacturer · model</th>
            <th scope="col" className="col-state">State</th>
            <th scope="col">User</th>
            <th scope="col" className="col-id">Import</th>
            <th scope="col" className="col-time">Updated</th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id}>
              <th scope="row" className="mono">
                <Link to={`/tokens/${token.id}`}>{token.serialNumber}</Link>
              </th>
              <td>
                {token.manufacturer} · {token.model}
              </td>
              <td>
                <StateBadge state={token.state} />
                {token.lastError && (
                  <span className="block small text-failed truncate" title={token.lastError}>
                    {token.lastError}
                  </span>
                )}
              </td>
              <td className="truncate" title={token.assignedUpn ?? undefined}>
                {token.assignedUpn ?? <span className="muted">unassigned</span>}
              </td>
              <td className="mono">{token.importId ? <Link to={`/imports/${token.importId}`} title={token.importId}>{shortId(token.importId)}</Link> : '—'}</td>
              <td>
                <Time iso={token.updatedAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
