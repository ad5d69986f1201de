import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, auditEvents, sessions } from '@tokenfleet/db';
import { ensureAccount, verifyPassword } from '../src/index';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
const PASSWORD = 'correct horse battery staple';
beforeAll(async () => {
  t = await startTestApi();
  await ensureAccount(t.api.deps.db, { username: 'Olga', password: PASSWORD, role: 'operator' });
});
afterAll(async () => {
  await t?.close();
});

async function signIn(username: string, password: string) {
  const response = await fetch(`${t.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  const cookie = response.headers.get('set-cookie');
  return { status: response.status, cookie, body: (await response.json()) as { user?: { username: string; role: string }; csrfToken?: string; error?: { code: string; message: string } } };
}

function withSession(cookie: string, csrf?: string, json?: unknown): RequestInit {
  return {
    headers: { cookie: cookie.split(';')[0]!, ...(csrf ? { 'x-csrf-token': csrf } : {}), ...(json ? { 'content-type': 'application/json' } : {}) },
    ...(json ? { body: JSON.stringify(json) } : {}),
  };
}

describe('dashboard sessions', () => {
  it('signs in with a case-insensitive username and sets an HttpOnly, SameSite=Lax cookie', async () => {
    const signedIn = await signIn('olga', PASSWORD);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user).toMatchObject({ username: 'Olga', role: 'operator' });
    expect(signedIn.body.csrfToken).toEqual(expect.any(String));
    expect(signedIn.cookie).toMatch(/^tf_session=[\w-]{43};/);
    expect(signedIn.cookie).toContain('HttpOnly');
    expect(signedIn.cookie).toContain('SameSite=Lax');
    // Only a hash of the cookie is stored.
    const token = /^tf_session=([^;]+)/.exec(signedIn.cookie!)![1]!;
    expect(JSON.stringify(await t.api.deps.db.select().from(sessions))).not.toContain(token);

    const current = await fetch(`${t.url}/api/v1/session`, withSession(signedIn.cookie!));
    expect(current.status).toBe(200);
    expect(await current.json()).toEqual({ user: signedIn.body.user, csrfToken: signedIn.body.csrfToken });
    const overview = await fetch(`${t.url}/api/v1/overview`, withSession(signedIn.cookie!));
    expect(overview.status).toBe(200);
  });

  it('answers unknown user and wrong password alike, and 429 after repeated failures', async () => {
    const unknown = await signIn('nobody', PASSWORD);
    const wrong = await signIn('Olga', 'not the password at all');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    for (let attempt = 0; attempt < 5; attempt += 1) expect((await signIn('mallory', 'guess')).status).toBe(401);
    const blocked = await signIn('mallory', 'guess');
    expect(blocked.status).toBe(429);
    expect(blocked.body.error?.code).toBe('too_many_attempts');
    expect(t.logs()).not.toContain('not the password at all');
  });

  it('requires the CSRF token on state-changing requests made with the cookie', async () => {
    const { cookie, body } = await signIn('Olga', PASSWORD);
    const withoutToken = await fetch(`${t.url}/api/v1/operations/retry`, { method: 'POST', ...withSession(cookie!, undefined, { code: 'none' }) });
    expect(withoutToken.status).toBe(403);
    expect(((await withoutToken.json()) as { error: { code: string } }).error.code).toBe('csrf_failed');
    const wrongToken = await fetch(`${t.url}/api/v1/operations/retry`, { method: 'POST', ...withSession(cookie!, 'forged', { code: 'none' }) });
    expect(wrongToken.status).toBe(403);
    const withToken = await fetch(`${t.url}/api/v1/operations/retry`, { method: 'POST', ...withSession(cookie!, body.csrfToken, { code: 'none' }) });
    expect(withToken.status).toBe(202);
    // The operator's session carries the operator role, no more.
    const keys = await fetch(`${t.url}/api/v1/api-keys`, withSession(cookie!));
    expect(keys.status).toBe(403);
  });

  it('signs out, after which the cookie is worthless', async () => {
    const { cookie, body } = await signIn('Olga', PASSWORD);
    expect((await fetch(`${t.url}/api/v1/session`, { method: 'DELETE', ...withSession(cookie!) })).status).toBe(403);
    const out = await fetch(`${t.url}/api/v1/session`, { method: 'DELETE', ...withSession(cookie!, body.csrfToken) });
    expect(out.status).toBe(204);
    expect((await fetch(`${t.url}/api/v1/session`, withSession(cookie!))).status).toBe(401);
    expect((await fetch(`${t.url}/api/v1/overview`, withSession(cookie!))).status).toBe(401);
  });
});

describe('accounts (admin)', () => {
  it('creates, lists and changes accounts; a new password or disabling ends sessions; audits without the password', async () => {
    const created = await t.call('POST', '/api/v1/accounts', { json: { username: 'victor', password: 'a long enough secret', role: 'viewer' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'victor', role: 'viewer', disabled: false });
    expect(created.text).not.toContain('a long enough secret');
    const [row] = await t.api.deps.db.select().from(accounts).where(eq(accounts.id, created.body.id));
    expect(row!.passwordHash).toMatch(/^scrypt\$/);
    expect(await verifyPassword('a long enough secret', row!.passwordHash!)).toBe(true);

    const taken = await t.call('POST', '/api/v1/accounts', { json: { username: 'VICTOR', password: 'a long enough secret', role: 'viewer' } });
    expect(taken.status).toBe(409);
    const short = await t.call('POST', '/api/v1/accounts', { json: { username: 'wendy', password: 'short', role: 'viewer' } });
    expect(short.status).toBe(400);
    expect((await t.call('GET', '/api/v1/accounts', { key: t.keys.operator })).status).toBe(403);

    const session = await signIn('victor', 'a long enough secret');
    expect(session.status).toBe(200);
    const promoted = await t.call('PATCH', `/api/v1/accounts/${created.body.id}`, { json: { role: 'operator', password: 'another long secret' } });
    expect(promoted.body).toMatchObject({ role: 'operator' });
    expect((await fetch(`${t.url}/api/v1/overview`, withSession(session.cookie!))).status).toBe(401);
    expect((await signIn('victor', 'a long enough secret')).status).toBe(401);
    expect((await signIn('victor', 'another long secret')).status).toBe(200);

    const disabled = await t.call('PATCH', `/api/v1/accounts/${created.body.id}`, { json: { disabled: true } });
    expect(disabled.body.disabled).toBe(true);
    expect((await signIn('victor', 'another long secret')).status).toBe(401);

    const list = await t.call('GET', '/api/v1/accounts');
    expect(list.body.map((account: { username: string }) => account.username)).toEqual(['Olga', 'victor']);
    const audit = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.targetId, created.body.id));
    expect(audit.map((event) => event.action)).toEqual(expect.arrayContaining(['account.created', 'account.updated', 'session.created']));
    expect(JSON.stringify(audit)).not.toMatch(/long secret|long enough/);
  });
});
