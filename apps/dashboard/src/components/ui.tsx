// Small pieces every screen uses. Everything the API sends is rendered as React text children, never as
// markup, so a serial number or display name holding HTML or a spreadsheet formula shows as typed.
import { useEffect, useRef, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { TokenState } from '@tokenfleet/contract';
import { countOf, formatTime, TOKEN_STATE_LABELS } from '../format';

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

export function Time({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span aria-label="never">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  );
}

/**
 * A screen's heading. It takes focus when the screen opens, so keyboard and screen-reader users start
 * at the new content instead of at the link they followed.
 */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Tokenfleet`;
    heading.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {children}
    </h1>
  );
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
