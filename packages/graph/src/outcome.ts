// Turning an HTTP answer (or the lack of one) into a GraphOutcome. Pure functions: classification is by
// status, header and Graph's error `code`, never by matching message text, and every input (including
// the current time) is passed in, so each rule is unit-tested on its own.
import type { GraphFailure } from './types';

/** An HTTP answer as the client sees it: header names lower-case, body already parsed as JSON when it was JSON. */
export interface HttpAnswer {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: unknown;
}

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_RATE_LIMIT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000 };

export interface GraphErrorEnvelope {
  code: string | null;
  message: string | null;
  requestId: string | null;
}

/** Reads `{"error":{"code","message","innerError":{"request-id"}}}` (docs/graph-hardware-oath.md §6); nulls where absent. */
export function parseGraphErrorEnvelope(body: unknown): GraphErrorEnvelope {
  const error = isRecord(body) && isRecord(body.error) ? body.error : null;
  const inner = error && isRecord(error.innerError) ? error.innerError : null;
  return {
    code: error && typeof error.code === 'string' && error.code !== '' ? error.code : null,
    message: error && typeof error.message === 'string' ? error.message : null,
    requestId: inner && typeof inner['request-id'] === 'string' ? inner['request-id'] : null,
  };
}

/**
 * Retry-After as milliseconds: decimal seconds (Graph has sent `2.128`) or an HTTP-date, which is read
 * against `serverNowMs` (the same response's Date header when it has one, so both sides use Graph's clock).
 * null when the header is absent or unreadable.
 */
export function parseRetryAfterMs(value: string | undefined, serverNowMs: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  // Only a real date: Date.parse alone would also read things like "5 apples" as a year.
  if (!/[a-z]{3}/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - serverNowMs);
}

/**
 * `x-ms-throttle-limit-percentage` as a share (0.8–1.8 where Graph sends it: 1.0 at the limit, 1.2 about a
 * fifth of requests throttled); undefined when absent or unreadable.
 */
export function parseLimitUsage(headers: Readonly<Record<string, string>>): number | undefined {
  const value = headers['x-ms-throttle-limit-percentage']?.trim();
  if (value === undefined || !/^\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

/** Our own delay for the `consecutive`-th rate-limited answer in a row (1-based) when Graph gave none. */
export function rateLimitBackoffMs(consecutive: number, policy: BackoffPolicy = DEFAULT_RATE_LIMIT_BACKOFF): number {
  const exponent = Math.min(Math.max(consecutive, 1) - 1, 30);
  return Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
}

export interface ClassifyContext {
  /** Rate-limited answers received in a row before this one. */
  previousConsecutiveRateLimits: number;
  backoff: BackoffPolicy;
  /** Graph's current time, for an HTTP-date Retry-After when the response has no Date header. */
  serverNowMs: number;
}

export function requestIdOf(answer: HttpAnswer): string | null {
  return answer.headers['request-id'] ?? parseGraphErrorEnvelope(answer.body).requestId;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The outcome for a non-2xx answer (callers handle 2xx themselves, since only they know the value's shape).
 *   429, and 503 carrying Retry-After (Graph's load shedding) → rate-limited;
 *   408 and other 5xx → transient;
 *   everything else → permanent, with Graph's error code.
 * A 401 arrives here only after the one retry with a fresh token has also failed.
 */
export function classifyFailure(answer: HttpAnswer, context: ClassifyContext): GraphFailure {
  const { status, headers } = answer;
  const envelope = parseGraphErrorEnvelope(answer.body);
  const requestId = requestIdOf(answer);
  const headerDate = headers.date === undefined ? Number.NaN : Date.parse(headers.date);
  const retryAfterMs = parseRetryAfterMs(headers['retry-after'], Number.isNaN(headerDate) ? context.serverNowMs : headerDate);

  if (status === 429 || (status === 503 && retryAfterMs !== null)) {
    const fromHeader = retryAfterMs !== null;
    return {
      kind: 'rate-limited',
      status,
      retryAfterMs: fromHeader ? retryAfterMs : rateLimitBackoffMs(context.previousConsecutiveRateLimits + 1, context.backoff),
      fromHeader,
      requestId,
      code: envelope.code,
    };
  }
  const message = envelope.message ?? `Graph answered HTTP ${status} without an error message`;
  if (status === 408 || (status >= 500 && status < 600)) {
    return { kind: 'transient', status, code: envelope.code, message, requestId };
  }
  return { kind: 'permanent', status, code: envelope.code ?? `http${status}`, message, requestId };
}

/** Error codes of node:net / node:tls / DNS that mean "try again later", not "this request is wrong". */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'timeout',
]);

/** A request that got no HTTP answer at all. */
export function classifyTransportError(error: unknown, target: string): GraphFailure {
  const code = errorCode(error);
  if (code === 'timeout') {
    return { kind: 'transient', status: null, code, message: `${target} did not answer in time`, requestId: null };
  }
  if (code !== null && TRANSIENT_NETWORK_CODES.has(code)) {
    return { kind: 'transient', status: null, code, message: `Could not reach ${target} (${code})`, requestId: null };
  }
  // TLS verification failures and the like will not fix themselves by retrying.
  const detail = error instanceof Error ? error.message : String(error);
  return {
    kind: 'permanent',
    status: 0,
    code: code ?? 'transportError',
    message: `Could not talk to ${target}: ${detail}`,
    requestId: null,
  };
}

export function errorCode(error: unknown): string | null {
  if (!isRecord(error)) return null;
  if (typeof error.code === 'string') return error.code;
  return isRecord(error.cause) && typeof error.cause.code === 'string' ? error.cause.code : null;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
