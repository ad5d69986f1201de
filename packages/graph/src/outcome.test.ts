import { describe, expect, it } from 'vitest';
import {
  classifyFailure,
  classifyTransportError,
  DEFAULT_RATE_LIMIT_BACKOFF,
  parseGraphErrorEnvelope,
  parseLimitUsage,
  parseRetryAfterMs,
  rateLimitBackoffMs,
} from './outcome';
import type { ClassifyContext, HttpAnswer } from './outcome';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const context: ClassifyContext = { previousConsecutiveRateLimits: 0, backoff: { initialMs: 1000, maxMs: 16_000 }, serverNowMs: NOW };

function envelope(code: string, message: string, requestId = 'req-in-body'): unknown {
  return { error: { code, message, innerError: { date: '2025-03-01T12:00:00', 'request-id': requestId, 'client-request-id': 'c' } } };
}

function answer(status: number, headers: Record<string, string> = {}, body: unknown = undefined): HttpAnswer {
  return { status, headers, body };
}

describe('parseLimitUsage', () => {
  it("reads x-ms-throttle-limit-percentage as the share of the limit in use, and nothing else", () => {
    expect(parseLimitUsage({ 'x-ms-throttle-limit-percentage': '0.8' })).toBe(0.8);
    expect(parseLimitUsage({ 'x-ms-throttle-limit-percentage': ' 1.2 ' })).toBe(1.2);
    expect(parseLimitUsage({ 'x-ms-throttle-limit-percentage': '1' })).toBe(1);
    expect(parseLimitUsage({})).toBeUndefined();
    expect(parseLimitUsage({ 'x-ms-throttle-limit-percentage': 'high' })).toBeUndefined();
    expect(parseLimitUsage({ 'x-ms-throttle-limit-percentage': '-1' })).toBeUndefined();
  });
});

describe('parseRetryAfterMs', () => {
  it('reads whole and fractional seconds', () => {
    expect(parseRetryAfterMs('10', NOW)).toBe(10_000);
    expect(parseRetryAfterMs('2.128', NOW)).toBe(2128);
    expect(parseRetryAfterMs(' 0.0004 ', NOW)).toBe(1);
    expect(parseRetryAfterMs('0', NOW)).toBe(0);
  });

  it('reads an HTTP-date against the server clock, never negative', () => {
    expect(parseRetryAfterMs('Sat, 01 Mar 2025 12:00:07 GMT', NOW)).toBe(7000);
    expect(parseRetryAfterMs('Sat, 01 Mar 2025 11:59:00 GMT', NOW)).toBe(0);
  });

  it('answers null for absent or unreadable values', () => {
    expect(parseRetryAfterMs(undefined, NOW)).toBeNull();
    expect(parseRetryAfterMs('soon', NOW)).toBeNull();
    expect(parseRetryAfterMs('-5', NOW)).toBeNull();
    expect(parseRetryAfterMs('5 seconds', NOW)).toBeNull();
    expect(parseRetryAfterMs('', NOW)).toBeNull();
  });
});

describe('rateLimitBackoffMs', () => {
  it('doubles from the initial delay per consecutive 429 and stops at the cap', () => {
    const policy = { initialMs: 500, maxMs: 3000 };
    expect([1, 2, 3, 4, 5].map((n) => rateLimitBackoffMs(n, policy))).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(rateLimitBackoffMs(10_000, DEFAULT_RATE_LIMIT_BACKOFF)).toBe(DEFAULT_RATE_LIMIT_BACKOFF.maxMs);
  });
});

describe('parseGraphErrorEnvelope', () => {
  it('reads code, message and the request id from innerError', () => {
    expect(parseGraphErrorEnvelope(envelope('badRequest', 'Nope.', 'r-1'))).toEqual({ code: 'badRequest', message: 'Nope.', requestId: 'r-1' });
  });

  it('answers nulls for bodies that are not the envelope', () => {
    expect(parseGraphErrorEnvelope('<html>')).toEqual({ code: null, message: null, requestId: null });
    expect(parseGraphErrorEnvelope({ error: 'invalid_client' })).toEqual({ code: null, message: null, requestId: null });
  });
});

describe('classifyFailure', () => {
  it('429 with Retry-After → rate-limited with that delay, from the header', () => {
    const outcome = classifyFailure(answer(429, { 'retry-after': '1.5', 'request-id': 'r-429' }, envelope('TooManyRequests', 'Slow down')), context);
    expect(outcome).toEqual({ kind: 'rate-limited', status: 429, retryAfterMs: 1500, fromHeader: true, requestId: 'r-429', code: 'TooManyRequests' });
  });

  it('429 with an HTTP-date Retry-After reads it against the response Date', () => {
    const outcome = classifyFailure(
      answer(429, { 'retry-after': 'Sat, 01 Mar 2025 12:00:30 GMT', date: 'Sat, 01 Mar 2025 12:00:10 GMT' }),
      { ...context, serverNowMs: 0 },
    );
    expect(outcome).toMatchObject({ kind: 'rate-limited', retryAfterMs: 20_000, fromHeader: true });
  });

  it('429 without Retry-After → our exponential backoff from the consecutive count', () => {
    const first = classifyFailure(answer(429), context);
    const third = classifyFailure(answer(429), { ...context, previousConsecutiveRateLimits: 2 });
    expect(first).toMatchObject({ kind: 'rate-limited', retryAfterMs: 1000, fromHeader: false });
    expect(third).toMatchObject({ kind: 'rate-limited', retryAfterMs: 4000, fromHeader: false });
  });

  it('503 with Retry-After is load shedding → rate-limited; without it → transient', () => {
    expect(classifyFailure(answer(503, { 'retry-after': '3' }, envelope('serviceNotAvailable', 'Busy')), context)).toMatchObject({
      kind: 'rate-limited',
      status: 503,
      retryAfterMs: 3000,
      code: 'serviceNotAvailable',
    });
    expect(classifyFailure(answer(503, {}, envelope('serviceNotAvailable', 'Busy')), context)).toMatchObject({
      kind: 'transient',
      status: 503,
      code: 'serviceNotAvailable',
    });
  });

  it('408, 500, 502, 504 → transient', () => {
    for (const status of [408, 500, 502, 504]) {
      expect(classifyFailure(answer(status), context)).toMatchObject({ kind: 'transient', status });
    }
  });

  it('other 4xx → permanent with the envelope code and message; request-id header wins', () => {
    const outcome = classifyFailure(answer(400, { 'request-id': 'r-h' }, envelope('badRequest', 'The verification code is invalid.', 'r-b')), context);
    expect(outcome).toEqual({ kind: 'permanent', status: 400, code: 'badRequest', message: 'The verification code is invalid.', requestId: 'r-h' });
    expect(classifyFailure(answer(404, {}, envelope('Request_ResourceNotFound', 'x')), context)).toMatchObject({
      kind: 'permanent',
      status: 404,
      code: 'Request_ResourceNotFound',
      requestId: 'req-in-body',
    });
  });

  it('a 4xx without an envelope still gets a code and a readable message', () => {
    expect(classifyFailure(answer(409, {}, undefined), context)).toEqual({
      kind: 'permanent',
      status: 409,
      code: 'http409',
      message: 'Graph answered HTTP 409 without an error message',
      requestId: null,
    });
  });

  it('does not look at message text: a 400 saying "throttled" stays permanent', () => {
    expect(classifyFailure(answer(400, {}, envelope('badRequest', 'Too many requests, throttled, retry later')), context).kind).toBe('permanent');
  });
});

describe('classifyTransportError', () => {
  it('connection refusals, resets and timeouts are transient with their code', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'timeout', 'EAI_AGAIN']) {
      expect(classifyTransportError(Object.assign(new Error('x'), { code }), 'Graph')).toMatchObject({ kind: 'transient', status: null, code });
    }
  });

  it('reads the code from a cause too', () => {
    expect(classifyTransportError(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }), 'Graph')).toMatchObject({ kind: 'transient', code: 'ECONNRESET' });
  });

  it('a certificate that does not verify is permanent: retrying will not fix it', () => {
    const outcome = classifyTransportError(Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }), 'Graph');
    expect(outcome).toMatchObject({ kind: 'permanent', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });
});
