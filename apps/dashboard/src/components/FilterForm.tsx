// A filter form whose applied values live in the address (so a filtered view can be bookmarked, shared
// and reached with Back), used by the token list and the audit trail. The server does the filtering.
import { useId, useMemo, useState, type FormEvent } from 'react';
import { toQueryString } from '../api/client';
import { navigate, useLocation } from '../router';

export interface FilterField {
  name: string;
  label: string;
  kind?: 'text' | 'select' | 'datetime';
  options?: readonly { value: string; label: string }[];
  /** The select's choice that means "no filter". */
  anyLabel?: string;
  placeholder?: string;
}

/** The filters as the address has them; absent ones are empty strings. */
export function filtersFrom(query: URLSearchParams, fields: readonly FilterField[]): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [field.name, query.get(field.name) ?? '']));
}

/** `2026-01-31T10:00:00.000Z` → the `datetime-local` value of that moment in the viewer's zone. */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

/** A `datetime-local` value (the viewer's zone) → an ISO instant in UTC, as the API takes it. */
/**
 * The filters the address applies, as one object that stays the same object while the address does (so
 * it can be a hook dependency).
 */
export function useAppliedFilters(fields: readonly FilterField[]): Record<string, string> {
  const search = useLocation().query.toString();
  return useMemo(() => filtersFrom(new URLSearchParams(search), fields), [search, fields]);
}

export function localInputToIso(value: string): string {
  if (!value) return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

export function FilterForm({ path, fields, applied, label }: { path: string; fields: readonly FilterField[]; applied: Record<string, string>; label: string }) {
  const ids = useId();
  const appliedKey = toQueryString(applied);
  const [draft, setDraft] = useState(applied);
  // Back/forward or a link changed the address: show what is now applied (compared as text, so a caller
  // may pass a new object on every render).
  const [shownKey, setShownKey] = useState(appliedKey);
  if (shownKey !== appliedKey) {
    setShownKey(appliedKey);
    setDraft(applied);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    navigate(`${path}${toQueryString(Object.fromEntries(Object.entries(draft).map(([name, value]) => [name, value.trim()])))}`);
  }

  return (
    <form className="filters" role="search" aria-label={label} onSubmit={submit}>
      {fields.map((field) => {
        const id = `${ids}-${field.name}`;
        const value = draft[field.name] ?? '';
        const set = (next: string) => setDraft({ ...draft, [field.name]: next });
        return (
          <div className="field" key={field.name}>
            <label htmlFor={id}>{field.label}</label>
            {field.kind === 'select' ? (
              <select id={id} value={value} onChange={(event) => set(event.target.value)}>
                <option value="">{field.anyLabel ?? 'Any'}</option>
                {field.options?.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            ) : field.kind === 'datetime' ? (
              <input id={id} type="datetime-local" value={isoToLocalInput(value)} onChange={(event) => set(localInputToIso(event.target.value))} />
            ) : (
              <input id={id} type="search" spellCheck={false} value={value} placeholder={field.placeholder} onChange={(event) => set(event.target.value)} />
            )}
          </div>
        );
      })}
      <div className="filter-actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        {appliedKey !== '' && (
          <button type="button" onClick={() => navigate(path)}>
            Clear
          </button>
        )}
      </div>
    </form>
  );
}
