// Small pieces every screen uses. Everything the API sends is rendered as React text children, never as
// markup, so a serial number or display name holding HTML or a spreadsheet formula shows as typed.
import { useEffect, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { Token, TokenState } from '@tokenfleet/contract';
import { countOf, formatDate, formatTime, TOKEN_STATE_LABELS, TOKEN_STATUS_LABELS } from '../format';

/** What went wrong, in the API's words, with the field-level details a 400 carries. */
export function ErrorMessage({ error, action }: { error: unknown; action?: ReactNode }) {
  if (error === undefined || error === null) return null;
  const message = error instanceof Error ? error.message : 'Something went wrong. Reload the page and try again.';
  const details = error instanceof ApiError ? error.details.map(describeDetail).filter((text) => text !== '') : [];
  const hint = error instanceof ApiError && error.status === 403 ? 'Ask an admin if your work needs this role.' : null;
  return (
    <div className="notice notice-error" role="alert">
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((detail, index) => (
            <li key={index}>{detail}</li>
          ))}
        </ul>
      )}
      {hint && <p>{hint}</p>}
      {action}
    </div>
  );
}

function describeDetail(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (detail && typeof detail === 'object') {
    const { path, field, message, rowNumber } = detail as { path?: unknown; field?: unknown; message?: unknown; rowNumber?: unknown };
    const where = [rowNumber !== undefined ? `row ${String(rowNumber)}` : null, path ?? field ?? null].filter(Boolean).map(String).join(', ');
    if (typeof message === 'string') return where ? `${where}: ${message}` : message;
  }
  return '';
}

/** An empty list that says what to do next. */
export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty-state">
      <p className="empty-title">{title}</p>
      {children && <div>{children}</div>}
    </div>
  );
}

export function StateBadge({ state }: { state: TokenState }) {
  return <span className={`badge badge-${state}`}>{TOKEN_STATE_LABELS[state] ?? state}</span>;
}

/**
 * The status badge (ACTIVE, DISABLED, OBSOLETE) with the finer life-cycle state beside it; the reason
 * the status has is the badge's title.
 */
export function StatusWithState({ token }: { token: Pick<Token, 'status' | 'statusReason' | 'state'> }) {
  const state = TOKEN_STATE_LABELS[token.state] ?? token.state;
  return (
    <span className="status-with-state truncate" title={`${token.status}: ${token.statusReason} (state: ${state})`}>
      <span className={`badge token-status token-status-${token.status.toLowerCase()}`}>{TOKEN_STATUS_LABELS[token.status] ?? token.status}</span>{' '}
      <span className="small muted token-state">{state}</span>
    </span>
  );
}

/** The assigned user: display name and UPN on one line each, cut short with the whole on hover. */
export function UserCell({ upn, displayName }: { upn: string | null; displayName: string | null }) {
  if (!upn) return <span className="muted">unassigned</span>;
  const full = displayName ? `${displayName} <${upn}>` : upn;
  return (
    <span className="user-cell" title={full}>
      {displayName && <span className="block truncate">{displayName}</span>}
      <span className={`block truncate${displayName ? ' small muted' : ''}`}>{upn}</span>
    </span>
  );
}

/** A moment in the viewer's zone, the exact instant on hover; a dash (read as `absent`) when there is none. */
function Moment({ iso, format, absent }: { iso: string | null | undefined; format: (iso: string) => string; absent: string }) {
  if (!iso) return <span aria-label={absent}>—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {format(iso)}
    </time>
  );
}

/** A date without its time of day (expiry, manufacture). */
export const DateOnly = ({ iso }: { iso: string | null | undefined }) => <Moment iso={iso} format={formatDate} absent="none" />;

export const Time = ({ iso }: { iso: string | null | undefined }) => <Moment iso={iso} format={formatTime} absent="never" />;

/**
 * A screen's heading and the document's title. Where focus goes when the screen opens is the shell's
 * business (components/NavigationFocus.tsx), which announces this title.
 */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  useEffect(() => {
    document.title = `${title} · Tokenfleet`;
  }, [title]);
  return <h1>{children}</h1>;
}

/** "Load more" under a cursor-paged table, with a count of what is shown; `noun` is the singular. */
export function LoadMore({ shown, hasMore, loading, onMore, noun }: { shown: number; hasMore: boolean; loading: boolean; onMore: () => void; noun: string }) {
  return (
    <div className="load-more">
      <span className="muted" aria-live="polite">
        {countOf(shown, noun)} shown{hasMore ? '' : ' (all)'}
      </span>
      {hasMore && (
        <button type="button" onClick={onMore} disabled={loading}>
          {loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}

/** A quiet line while the first answer is on its way. */
export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

/** One labelled fact of a detail card (a `<dl>` row): the token's, the tenant's. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
