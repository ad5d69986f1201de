// Loading API data into screens, and the bookkeeping of forms that send to it. The loading hooks keep what they showed while they reload, so a refresh or a
// poll never blanks a table or shifts the layout, and they drop answers that arrive after a newer request
// (filters changed, screen left) so a slow answer never overwrites a fresh one.
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import type { Page } from '@tokenfleet/contract';

/** How soon a poll that failed is tried again, at the earliest. */
const POLL_RETRY_MS = 5_000;

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

export interface ResourceOptions<T> {
  /**
   * How long to wait before loading again, given what was loaded; null stops polling. The next poll is
   * scheduled after the previous answer arrives, so a slow API is never asked twice at once.
   */
  pollMs?: (data: T) => number | null;
  /**
   * Data already in hand (a list row): shown at once, and loaded afresh only when `pollMs` of it asks,
   * so a list of finished things costs no request per row.
   */
  initial?: T;
}

export function useResource<T>(load: () => Promise<T>, deps: DependencyList, options: ResourceOptions<T> = {}): Resource<T> {
  const [data, setData] = useState<T | undefined>(options.initial);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(options.initial === undefined);
  const generation = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** The polling delay in force, so a failed poll (API restarting, network blip) is tried again. */
  const pollDelay = useRef<number | null>(null);
  // The latest callbacks, so polling does not restart whenever a screen re-renders.
  const latest = useRef({ load, pollMs: options.pollMs });
  latest.current = { load, pollMs: options.pollMs };

  const run = useCallback(async (): Promise<void> => {
    const mine = ++generation.current;
    clearTimeout(timer.current);
    setLoading(true);
    try {
      const value = await latest.current.load();
      if (mine !== generation.current) return;
      setData(value);
      setError(undefined);
      pollDelay.current = latest.current.pollMs?.(value) ?? null;
      if (pollDelay.current !== null) timer.current = setTimeout(() => void run(), pollDelay.current);
    } catch (caught) {
      if (mine !== generation.current) return;
      setError(caught);
      if (pollDelay.current !== null) timer.current = setTimeout(() => void run(), Math.max(pollDelay.current, POLL_RETRY_MS));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    pollDelay.current = null;
    const initial = options.initial;
    if (initial === undefined) {
      void run();
    } else {
      pollDelay.current = latest.current.pollMs?.(initial) ?? null;
      if (pollDelay.current !== null) timer.current = setTimeout(() => void run(), pollDelay.current);
    }
    return () => {
      generation.current += 1;
      clearTimeout(timer.current);
    };
    // The caller's deps decide when to load afresh (as with useEffect itself); the lint rule checks
    // them at each call of this hook instead.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { data, error, loading, reload: run };
}

export interface PagedList<T> {
  items: T[];
  error: unknown;
  loading: boolean;
  hasMore: boolean;
  loadMore: () => Promise<void>;
  reload: () => Promise<void>;
}

/** A cursor-paged list: the first page on load (and whenever deps change), further pages on demand. */
export function usePagedList<T>(loadPage: (cursor: string | null) => Promise<Page<T>>, deps: DependencyList): PagedList<T> {
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const latestLoad = useRef(loadPage);
  latestLoad.current = loadPage;

  const fetchPage = useCallback(async (cursor: string | null): Promise<void> => {
    const mine = cursor === null ? ++generation.current : generation.current;
    setLoading(true);
    try {
      const page = await latestLoad.current(cursor);
      if (mine !== generation.current) return;
      setItems((previous) => (cursor === null ? page.items : [...previous, ...page.items]));
      setNextCursor(page.nextCursor);
      setError(undefined);
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void fetchPage(null);
    return () => {
      generation.current += 1;
    };
    // The caller's deps decide when to load afresh (as with useEffect itself); the lint rule checks
    // them at each call of this hook instead.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const reload = useCallback(() => fetchPage(null), [fetchPage]);
  return {
    items,
    error,
    loading,
    hasMore: nextCursor !== null,
    loadMore: () => (nextCursor === null ? Promise.resolve() : fetchPage(nextCursor)),
    reload,
  };
}

export interface Submission {
  /** True while an attempt runs (to disable its button). */
  working: boolean;
  /** What the last attempt failed with, for ErrorMessage; cleared when the next one starts. */
  error: unknown;
  /** Runs `action` with `working` set and the error recorded; answers whether it succeeded. */
  attempt: (action: () => Promise<void>) => Promise<boolean>;
  /** Forgets the last error (the form changed, so it no longer applies). */
  clearError: () => void;
}

/** The working / error / finally bookkeeping of a form or button that calls the API. */
export function useSubmission(): Submission {
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<unknown>();
  const attempt = useCallback(async (action: () => Promise<void>): Promise<boolean> => {
    setWorking(true);
    setError(undefined);
    try {
      await action();
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setWorking(false);
    }
  }, []);
  const clearError = useCallback(() => setError(undefined), []);
  return { working, error, attempt, clearError };
}
