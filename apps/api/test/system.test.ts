import { eq } from 'drizzle-orm';
import { appendAudit, tokens } from '@tokenfleet/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import type { Express } from 'express';
import { WriteBudget } from '@tokenfleet/queue';
import type { GraphOutcome, GraphUser } from '@tokenfleet/graph';
import { createApp, type ApiDeps } from '../src/index';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

/** Serves an app built from the test API's parts with some of them replaced. */
async function serveWith(changes: Partial<ApiDeps>): Promise<{ url: string; close: () => Promise<void> }> {
  const app: Express = createApp({ ...t.api.deps, ...changes });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('readiness', () => {
  it('answers 503 naming what is down', async () => {
    const deadRedis = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    deadRedis.on('error', () => {});
    const served = await serveWith({ redis: deadRedis });
    try {
      const answer = await fetch(`${served.url}/api/v1/ready`);
      expect(answer.status).toBe(503);
      expect(await answer.json()).toEqual({ postgres: true, redis: false });
    } finally {
      await served.close();
      deadRedis.disconnect();
    }
  });
});

describe('overview', () => {
  it('counts tokens by state and shows the queue and when its rate limit ends', async () => {
    await t.upload(t.keys.operator, { name: 'token2-classic.csv', content: sampleFile('token2-classic.csv') });
    let overview = await t.call('GET', '/api/v1/overview', { key: t.keys.viewer });
    expect(overview.status).toBe(200);
    expect(overview.body).toMatchObject({ mode: 'sandbox', importsRunning: 1, failedOperations: 0 });
    expect(overview.body.tokensByState).toEqual({ imported: 6, created: 0, assigned: 0, active: 0, failed: 0, disabled: 0, lost: 0, retired: 0, deleted: 0 });
    expect(overview.body.tokensByStatus).toEqual({ ACTIVE: 0, DISABLED: 6, OBSOLETE: 0 });
    expect(overview.body.tokensExpiringSoon).toBe(0);
    expect(overview.body.tenants).toEqual([
      {
        id: 'sandbox',
        name: expect.stringContaining('SANDBOX'),
        mode: 'sandbox',
        queue: { waiting: 1, active: 0, delayed: 0, failed: 0, completed: 0, rateLimitedUntil: null },
        // No worker runs here: nothing spent, nothing finished, against the default budget of 20 writes/s.
        pace: { windowSeconds: 60, graphWritesPerSecond: 0, writeBudgetPerSecond: 20, budgetUsed: 0, tokensPerMinute: 0 },
      },
    ]);

    // What the worker does on a 429: block the tenant's budget under the shared prefix.
    await new WriteBudget(t.api.deps.redis, 'sandbox', { limit: 10, windowMs: 1000, prefix: t.queuePrefix }).block(60_000);
    overview = await t.call('GET', '/api/v1/overview');
    const until = Date.parse(overview.body.tenants[0].queue.rateLimitedUntil);
    expect(until).toBeGreaterThan(Date.now() + 30_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
  });

  it("shows the pace of the writes Graph counted in the last minute, a call charged per item as that many", async () => {
    const spent = (detail: Record<string, unknown>) => appendAudit(t.api.deps.db, { actor: 'worker', action: 'graph.activate', outcome: 'success', tenantId: 'sandbox', detail });
    for (let i = 0; i < 3; i += 1) await spent({ writeSpent: true });
    await appendAudit(t.api.deps.db, { actor: 'worker', action: 'graph.createDevices', outcome: 'success', tenantId: 'sandbox', detail: { writeSpent: true, writes: 9, tokens: 9 } });
    // Given back to the budget (a 429): not counted.
    await spent({ result: 'rate-limited' });
    const overview = await t.call('GET', '/api/v1/overview', { key: t.keys.viewer });
    expect(overview.body.tenants[0].pace).toMatchObject({ windowSeconds: 60, graphWritesPerSecond: 0.2, budgetUsed: 0.01 });
  });

  it('counts the tokens expiring in the next 90 days, not those already expired, later, or out of service', async () => {
    const day = 86_400_000;
    const serials = ['602345670001', '602345670002', '602345670003', '602345670004', '602345670005'];
    const expiries = [10, 89, 91, -1, 30].map((days) => new Date(Date.now() + days * day));
    for (const [index, serial] of serials.entries()) {
      await t.api.deps.db.update(tokens).set({ expiresAt: expiries[index]!, state: index === 4 ? 'retired' : 'imported' }).where(eq(tokens.serialNumber, serial));
    }
    const overview = await t.call('GET', '/api/v1/overview', { key: t.keys.viewer });
    expect(overview.body.tokensExpiringSoon).toBe(2);
    const listed = await t.call('GET', '/api/v1/tokens?expiresWithinDays=90', { key: t.keys.viewer });
    expect(listed.body.items.map((item: { serialNumber: string }) => item.serialNumber).sort()).toEqual(['602345670001', '602345670002']);
    expect(overview.body.tokensByStatus).toEqual({ ACTIVE: 0, DISABLED: 4, OBSOLETE: 2 });
  });

  it('also reports a rate limit set on the queue itself', async () => {
    const served = await serveWith({ writeBlockedForMs: async () => 0 });
    try {
      await t.api.deps.queues('sandbox').rateLimit(45_000);
      const answer = await fetch(`${served.url}/api/v1/overview`, { headers: { authorization: `Bearer ${t.keys.viewer}` } });
      const until = Date.parse(((await answer.json()) as { tenants: Array<{ queue: { rateLimitedUntil: string } }> }).tenants[0]!.queue.rateLimitedUntil);
      expect(until).toBeGreaterThan(Date.now() + 20_000);
    } finally {
      await served.close();
    }
  });
});

describe('user look-up', () => {
  const users: GraphUser[] = Array.from({ length: 25 }, (_, i) => ({ id: `id-${i}`, userPrincipalName: `user${i}@contoso.example`, displayName: `User ${i}` }));

  it('answers 503 when no Graph client is wired', async () => {
    const answer = await t.call('GET', '/api/v1/users?search=al');
    expect(answer.status).toBe(503);
    expect(answer.body.error.message).toContain('Microsoft Graph');
  });

  it('passes the prefix to the directory, returns at most 20, and translates throttling', async () => {
    const asked: string[] = [];
    let outcome: GraphOutcome<GraphUser[]> = { kind: 'ok', value: users, status: 200, requestId: 'r1', durationMs: 3 };
    const served = await serveWith({
      graph: {
        searchUsers: async (prefix) => {
          asked.push(prefix);
          return outcome;
        },
      },
    });
    try {
      const headers = { authorization: `Bearer ${t.keys.viewer}` };
      const found = await fetch(`${served.url}/api/v1/users?search=user`, { headers });
      expect(found.status).toBe(200);
      const body = (await found.json()) as GraphUser[];
      expect(body).toHaveLength(20);
      expect(body[0]).toEqual({ id: 'id-0', userPrincipalName: 'user0@contoso.example', displayName: 'User 0' });
      expect(asked).toEqual(['user']);

      outcome = { kind: 'rate-limited', status: 429, retryAfterMs: 7_500, fromHeader: true, requestId: null, code: 'TooManyRequests' };
      const throttled = await fetch(`${served.url}/api/v1/users?search=user`, { headers });
      expect(throttled.status).toBe(429);
      expect(throttled.headers.get('retry-after')).toBe('8');
      const missing = await fetch(`${served.url}/api/v1/users`, { headers });
      expect(missing.status).toBe(400);
    } finally {
      await served.close();
    }
  });
});

describe('errors', () => {
  it('answers unknown /api/v1 routes and bad JSON in the envelope', async () => {
    const unknown = await t.call('GET', '/api/v1/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const badJson = await fetch(`${t.url}/api/v1/api-keys`, { method: 'POST', headers: { authorization: `Bearer ${t.keys.admin}`, 'content-type': 'application/json' }, body: '{"name":' });
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
    const tooBig = await t.call('POST', '/api/v1/operations/retry', { key: t.keys.operator, json: { ids: [], padding: 'x'.repeat(200_000) } });
    expect(tooBig.status).toBe(413);
  });

  it('sets security headers and a request id', async () => {
    const answer = await t.call('GET', '/api/v1/health', { key: null, headers: { 'x-request-id': 'trace-123' } });
    expect(answer.headers.get('x-request-id')).toBe('trace-123');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-powered-by')).toBeNull();
  });
});

describe('bull-board', () => {
  it('is for admins only and read-only', async () => {
    expect((await fetch(`${t.url}/admin/queues`)).status).toBe(401);
    expect((await fetch(`${t.url}/admin/queues`, { headers: { authorization: `Bearer ${t.keys.operator}` } })).status).toBe(403);
    const admin = { authorization: `Bearer ${t.keys.admin}` };
    const page = await fetch(`${t.url}/admin/queues`, { headers: admin });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const queues = await fetch(`${t.url}/admin/queues/api/queues`, { headers: admin });
    expect(queues.status).toBe(200);
    const listed = (await queues.json()) as { queues: { name: string; readOnlyMode: boolean }[] };
    expect(listed.queues.map((queue) => [queue.name, queue.readOnlyMode])).toEqual([['graph-sandbox', true]]);

    const queue = t.api.deps.queues('sandbox');
    const before = await queue.getJobCounts('waiting');
    const empty = await fetch(`${t.url}/admin/queues/api/queues/graph-sandbox/empty`, { method: 'PUT', headers: admin });
    expect(empty.status).toBe(405);
    expect(await queue.getJobCounts('waiting')).toEqual(before);
  });
});

describe('bull-board offline', () => {
  it('loads nothing from another host: no public font service, its own scripts and styles only', async () => {
    const admin = { authorization: `Bearer ${t.keys.admin}` };
    const html = await (await fetch(`${t.url}/admin/queues`, { headers: admin })).text();
    expect(html).toContain('<div id="root">');
    // What a browser would fetch: every src and href, and url() in inline styles.
    const references = [...html.matchAll(/\b(?:src|href)=["']?([^"'\s>]+)/gi), ...html.matchAll(/url\(["']?([^"')]+)/gi)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThan(3);
    expect(references.filter((reference) => /^(?:[a-z]+:)?\/\//i.test(reference))).toEqual([]);
    expect(html).not.toMatch(/fonts\.googleapis|fonts\.gstatic/);
    // The stylesheets the page links to fetch nothing from elsewhere either (no @import, no remote url()).
    const sheets = references.filter((reference) => reference.endsWith('.css'));
    expect(sheets.length).toBeGreaterThan(0);
    for (const sheet of sheets) {
      const css = await (await fetch(`${t.url}/admin/queues/${sheet}`, { headers: admin })).text();
      expect(css.length).toBeGreaterThan(100);
      expect(css).not.toMatch(/@import|url\(["']?(?:https?:)?\/\//i);
    }
  });
});

describe('internal errors', () => {
  it('are answered without SQL or stack, and logged without query parameters', async () => {
    await t.api.deps.sql`alter table import_row_errors rename to import_row_errors_gone`;
    try {
      const answer = await t.call('GET', '/api/v1/imports/00000000-0000-4000-8000-000000000000/errors');
      // (404 first: the import does not exist; the list of an existing import hits the missing table.)
      expect(answer.status).toBe(404);
      const { body: imports } = await t.call('GET', '/api/v1/imports');
      const broken = await t.call('GET', `/api/v1/imports/${imports.items[0].id}/errors`);
      expect(broken.status).toBe(500);
      expect(broken.body.error.code).toBe('internal_error');
      expect(broken.text).not.toMatch(/select|import_row_errors|params|at /i);
      const logged = t.logs().split('\n').filter((line) => line.includes('request failed'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('42P01');
      expect(logged[0]).not.toContain('params:');
    } finally {
      await t.api.deps.sql`alter table import_row_errors_gone rename to import_row_errors`;
    }
  });
});
