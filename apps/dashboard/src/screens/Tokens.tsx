// The token inventory. The server filters and pages (keyset cursors), so the screen stays as quick at
// 100,000 tokens as at 10: it only ever holds the pages the operator asked for. Filters live in the
// address, so a filtered view (e.g. failed tokens of one import) can be bookmarked or linked to.
// Operators tick tokens (or take all N matching the filter) and act on them at once (BulkActionBar).
import { useEffect, useMemo, useState } from 'react';
import { api, toQueryString } from '../api/client';
import type { Page, Token } from '@tokenfleet/contract';
import { TOKEN_STATES, TOKEN_STATUSES } from '@tokenfleet/contract/values';
import { BulkActionBar, previewSelection, type TokenSelection } from '../components/BulkActionBar';
import { FilterForm, useAppliedFilters, type FilterField } from '../components/FilterForm';
import { DateOnly, EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, StatusWithState, Time, UserCell } from '../components/ui';
import { shortId, TOKEN_STATE_LABELS, TOKEN_STATUS_LABELS } from '../format';
import { usePagedList, useSubmission } from '../hooks';
import { useCan } from '../session';
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
  const canAct = useCan('operator');
  // The filters the address applies, as a bulk action's selection takes them (no empty fields).
  const filter = useMemo(() => Object.fromEntries(Object.entries(applied).filter(([, value]) => value !== '')), [applied]);
  const [ticked, setTicked] = useState<ReadonlySet<string>>(new Set());
  const [allMatching, setAllMatching] = useState<{ count: number } | null>(null);
  // Another filter is another list: what was selected in the last one no longer applies.
  useEffect(() => {
    setTicked(new Set());
    setAllMatching(null);
  }, [appliedKey]);
  const selection: TokenSelection | null = allMatching
    ? { kind: 'filter', filter, count: allMatching.count }
    : ticked.size > 0
      ? { kind: 'ids', ids: [...ticked] }
      : null;
  const pageTicked = list.items.length > 0 && list.items.every((token) => ticked.has(token.id));
  const tableSelection: TableSelection | undefined = canAct
    ? {
        isSelected: (id) => allMatching !== null || ticked.has(id),
        allSelected: allMatching !== null || pageTicked,
        toggle: (id) => {
          setAllMatching(null);
          setTicked((previous) => {
            const next = new Set(previous);
            if (next.has(id)) next.delete(id);
            else next.add(id);
            return next;
          });
        },
        togglePage: (on) => {
          setAllMatching(null);
          setTicked((previous) => {
            const next = new Set(previous);
            for (const token of list.items) {
              if (on) next.add(token.id);
              else next.delete(token.id);
            }
            return next;
          });
        },
      }
    : undefined;

  const counting = useSubmission();
  function selectAllMatching() {
    void counting.attempt(async () => {
      const preview = await previewSelection({ kind: 'filter', filter, count: 0 });
      setAllMatching({ count: preview.total });
    });
  }

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
          {selection && (
            <BulkActionBar
              selection={selection}
              canSelectAll={pageTicked && list.hasMore}
              onSelectAll={selectAllMatching}
              onClear={() => {
                setTicked(new Set());
                setAllMatching(null);
              }}
            />
          )}
          <ErrorMessage error={counting.error} />
          <TokenTable tokens={list.items} selection={tableSelection} />
          <LoadMore shown={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={() => void list.loadMore()} noun="token" />
        </>
      )}
    </section>
  );
}

/** Ticking rows for a bulk action; absent for roles that may not act. */
export interface TableSelection {
  isSelected: (id: string) => boolean;
  allSelected: boolean;
  toggle: (id: string) => void;
  togglePage: (on: boolean) => void;
}

/**
 * The token table reads from 1024 px up: every cell is one line per item (long values end in an
 * ellipsis, the whole text on hover), the columns that matter least give way first on narrow screens
 * (`prio-low` in styles.css), and a horizontal scroll is the last resort below the table's minimum width.
 */
export function TokenTable({ tokens, selection }: { tokens: Token[]; selection?: TableSelection | undefined }) {
  return (
    <div className="table-wrap">
      <table className="data-table tokens-table">
        <caption className="visually-hidden">Tokens, newest first</caption>
        <thead>
          <tr>
            {selection && (
              <th scope="col" className="col-check">
                <input type="checkbox" aria-label="Select every token on this page" checked={selection.allSelected} onChange={(event) => selection.togglePage(event.target.checked)} />
              </th>
            )}
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
              <tr key={token.id} className={selection?.isSelected(token.id) ? 'row-selected' : undefined}>
                {selection && (
                  <td className="col-check">
                    <input type="checkbox" aria-label={`Select token ${token.serialNumber}`} checked={selection.isSelected(token.id)} onChange={() => selection.toggle(token.id)} />
                  </td>
                )}
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
