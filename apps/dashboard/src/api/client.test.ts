import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { api, ApiError, onOutage, onSessionLost, setCsrfToken, signIn, toQueryString } from './client';

interface Call {
  url: string;
  init: RequestInit;
}

let calls: Call[];
let answer: () => Response;

beforeEach(() => {
  calls = [];
  answer = () => new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer();
  });
  setCsrfToken('csrf-123');
});

afterEach(() => {
  vi.unstubAllGlobals();
  onSessionLost(null);
  setCsrfToken(null);
});

const headersOf = (call: Call | undefined) => new Headers(call?.init.headers);

describe('api client', () => {
  it('reports a part that is away from its 503 until the API answers again', async () => {
    const seen: Array<string | null> = [];
    const stop = onOutage((message) => seen.push(message));
    answer = () =>
      new Response(JSON.stringify({ error: { code: 'service_unavailable', message: 'PostgreSQL is not answering', unavailable: 'postgres' } }), {
        status: 503,
        headers: { 'Content-Type': 'application/json', 'Retry-After': '5' },
      });
    await expect(api.get('/overview')).rejects.toMatchObject({ status: 503, code: 'service_unavailable' });
    await expect(api.get('/overview')).rejects.toBeInstanceOf(ApiError);
    answer = () => new Response(JSON.stringify({ ok: true }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    await api.get('/overview');
    stop();
    expect(seen).toEqual([null, 'PostgreSQL is not answering', null]);
  });

  it('sends the CSRF token on state-changing requests only, always with the same-origin cookie', async () => {
    await api.get('/tokens', { state: 'active' });
    await api.post('/tokens/t1/activate');
    await api.delete('/api-keys/k1');

    expect(calls.map((call) => [call.init.method, call.url])).toEqual([
      ['GET', '/api/v1/tokens?state=active'],
      ['POST', '/api/v1/tokens/t1/activate'],
      ['DELETE', '/api/v1/api-keys/k1'],
    ]);
    expect(calls.every((call) => call.init.credentials === 'same-origin')).toBe(true);
    expect(headersOf(calls[0]).has('X-CSRF-Token')).toBe(false);
    expect(headersOf(calls[1]).get('X-CSRF-Token')).toBe('csrf-123');
    expect(headersOf(calls[2]).get('X-CSRF-Token')).toBe('csrf-123');
  });

  it("turns the API's error envelope into an ApiError with its code, message and details", async () => {
    answer = () =>
      new Response(JSON.stringify({ error: { code: 'conflict', message: 'A token that is active cannot be deleted (unassign it first)', details: [{ path: 'id', message: 'x' }] } }), {
        status: 409,
      });
    const error = await api.post('/tokens/t1/delete').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'conflict', message: 'A token that is active cannot be deleted (unassign it first)', details: [{ path: 'id', message: 'x' }] });
  });

  it('says what happened when something other than the API answers, or nothing does', async () => {
    answer = () => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    await expect(api.get('/overview')).rejects.toMatchObject({ status: 502, message: expect.stringContaining('502 Bad Gateway') });

    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.get('/overview')).rejects.toMatchObject({ status: 0, code: 'network_error', message: expect.stringContaining('cannot be reached') });
  });

  it('reports a lost session on a 401, but not for a wrong password at sign-in', async () => {
    const lost = vi.fn();
    onSessionLost(lost);
    answer = () => new Response(JSON.stringify({ error: { code: 'unauthenticated', message: 'Wrong user name or password' } }), { status: 401 });

    await expect(signIn('alice', 'wrong')).rejects.toMatchObject({ status: 401, message: 'Wrong user name or password' });
    expect(lost).not.toHaveBeenCalled();

    await expect(api.get('/tokens')).rejects.toMatchObject({ status: 401 });
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('keeps the CSRF token that signing in hands out for the requests after it', async () => {
    setCsrfToken(null);
    answer = () => new Response(JSON.stringify({ user: { id: 'u1', username: 'alice', role: 'operator' }, csrfToken: 'fresh-token' }), { status: 200 });
    await signIn('alice', 'correct horse');
    await api.post('/operations/o1/retry');
    expect(headersOf(calls[1]).get('X-CSRF-Token')).toBe('fresh-token');
  });
});

describe('toQueryString', () => {
  it('leaves out filters that are not set, and encodes the rest', () => {
    expect(toQueryString({ state: '', upn: 'a b@contoso.com', cursor: null, limit: 50, importId: undefined })).toBe('?upn=a+b%40contoso.com&limit=50');
    expect(toQueryString({ state: '' })).toBe('');
  });
});
