import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ logLevel: 'debug' });
});
afterAll(async () => {
  await t?.close();
});

const logLines = () =>
  t
    .logs()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('request logging', () => {
  it('writes one concise info line per request (method, route pattern, status, time, actor, request id) and the headers only at debug, redacted', async () => {
    const tokenId = '00000000-0000-4000-8000-000000000000';
    const answer = await t.call('GET', `/api/v1/tokens/${tokenId}?upn=alice`, { key: t.keys.viewer, headers: { 'x-request-id': 'trace-42', cookie: 'tf_session=very-secret-cookie' } });
    expect(answer.status).toBe(404);
    const lines = logLines().filter((line) => line.requestId === 'trace-42');
    const info = lines.filter((line) => line.level === 30);
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({ msg: 'request', method: 'GET', route: '/api/v1/tokens/:id', status: 404, actor: 'api-key:viewer-key' });
    expect(typeof info[0]!.ms).toBe('number');
    expect(JSON.stringify(info[0])).not.toMatch(/headers|alice|cookie/i);
    expect(JSON.stringify(info[0]).length).toBeLessThan(400);

    const debug = lines.filter((line) => line.level === 20 && line.msg === 'request headers');
    expect(debug).toHaveLength(1);
    const headers = (debug[0]!.headers ?? {}) as Record<string, string>;
    expect(headers.authorization).toBe('[redacted]');
    expect(headers.cookie).toBe('[redacted]');
    expect(t.logs()).not.toContain(t.keys.viewer);
    expect(t.logs()).not.toContain('very-secret-cookie');
  });

  it('names the path of a request no route matched, and does not log the probes', async () => {
    await t.call('GET', '/api/v1/no-such-thing', { key: t.keys.viewer, headers: { 'x-request-id': 'trace-43' } });
    await t.call('GET', '/api/v1/health', { key: null, headers: { 'x-request-id': 'trace-44' } });
    const unknown = logLines().filter((line) => line.requestId === 'trace-43' && line.level === 30);
    expect(unknown).toMatchObject([{ route: '/api/v1/no-such-thing', status: 404 }]);
    expect(logLines().filter((line) => line.requestId === 'trace-44')).toEqual([]);
  });
});
