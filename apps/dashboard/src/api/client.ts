// The one way the dashboard talks to the API: fetch on the same origin with the session cookie, the CSRF
// token on every state-changing request, and the API's error envelope turned into an ApiError whose
// message a person can act on.
import type { Session } from '@tokenfleet/contract';

export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly unknown[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** The CSRF token of the current session; the session endpoints hand it out. */
let csrfToken: string | null = null;
let sessionLost: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** What the API last said is away (its 503 `service_unavailable`), or null once it answers again. */
let outage: string | null = null;
const outageListeners = new Set<(message: string | null) => void>();

/** Follows whether a part of the system is away, for the banner on every screen. Returns the unsubscribe. */
export function onOutage(listener: (message: string | null) => void): () => void {
  outageListeners.add(listener);
  listener(outage);
  return () => outageListeners.delete(listener);
}

function setOutage(message: string | null): void {
  if (message === outage) return;
  outage = message;
  for (const listener of outageListeners) listener(message);
}

/** Called when the API answers 401 to a signed-in request: the session expired or was ended elsewhere. */
export function onSessionLost(handler: (() => void) | null): void {
  sessionLost = handler;
}

export type QueryValue = string | number | boolean | null | undefined;

/** A query string of the values that are set; empty strings count as not set, so blank filters vanish. */
export function toQueryString(query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The address of an API resource, for links the browser follows itself (CSV downloads). */
export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  return `${API_BASE}${path}${toQueryString(query)}`;
}

interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** A JSON body, or a FormData for uploads (the browser sets the multipart boundary itself). */
  body?: unknown;
  /** The session endpoints handle a 401 themselves (wrong password, no session yet). */
  expectUnauthenticated?: boolean;
}

export async function request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    body = options.body;
  } else if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), { method, headers, body, credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network_error', 'The Tokenfleet API cannot be reached. Check your network connection or whether the API is running, then try again.');
  }

  if (response.status === 204) {
    setOutage(null);
    return undefined as T;
  }
  const payload: unknown = await response.json().catch(() => undefined);
  if (response.ok) {
    setOutage(null);
    return payload as T;
  }

  const error = toApiError(response, payload);
  if (error.status === 503 && error.code === 'service_unavailable') setOutage(error.message);
  if (error.status === 401 && !options.expectUnauthenticated) sessionLost?.();
  throw error;
}

function toApiError(response: Response, payload: unknown): ApiError {
  const envelope = (payload as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined)?.error;
  if (envelope && typeof envelope.message === 'string') {
    return new ApiError(
      response.status,
      typeof envelope.code === 'string' ? envelope.code : 'error',
      envelope.message,
      Array.isArray(envelope.details) ? envelope.details : [],
    );
  }
  // Not the API's envelope: a proxy or the server itself answered.
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(response.status, 'http_error', `The server answered ${response.status}${statusText}. Try again; if it persists, check the API's logs.`);
}

export const api = {
  get: <T>(path: string, query?: Record<string, QueryValue>) => request<T>('GET', path, { query }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, { body }),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, { body }),
  delete: <T = void>(path: string) => request<T>('DELETE', path),
};

// ---- Session ---------------------------------------------------------------------------------------------

/** The current session, or null when nobody is signed in. */
export async function loadSession(): Promise<Session | null> {
  try {
    const session = await request<Session>('GET', '/session', { expectUnauthenticated: true });
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export async function signIn(username: string, password: string): Promise<Session> {
  const session = await request<Session>('POST', '/session', { body: { username, password }, expectUnauthenticated: true });
  setCsrfToken(session.csrfToken);
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/session', { expectUnauthenticated: true });
  } finally {
    setCsrfToken(null);
  }
}
