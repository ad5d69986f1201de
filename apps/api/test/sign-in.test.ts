// Sign in with Microsoft against the sandbox as an OpenID provider (docs/sign-in.md): a good sign-in gets
// the dashboard session with the role of the user's app role (updated at the next sign-in), and each
// broken answer is refused with its reason: a tampered ID token, a wrong nonce, a wrong audience, an
// expired token, a wrong issuer, a user without a role, a state from another browser. Local accounts can
// be turned off, and the one-time setup link makes the first admin once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startSandbox, type Sandbox } from '@tokenfleet/entra-sandbox';
import { accounts, auditEvents, setupTokens } from '@tokenfleet/db';
import { sandboxSignIn, signInWithSandbox } from '@tokenfleet/test-harness';
import { createSetupToken } from '../src/sign-in/setup-link';
import { startTestApi, type TestApi } from './helpers';

let sandbox: Sandbox;
let t: TestApi;
const announced: string[] = [];

beforeAll(async () => {
  sandbox = await startSandbox({ generatedUsers: 5 });
  const signIn = sandboxSignIn(sandbox);
  t = await startTestApi({ overrides: { signIn: () => signIn, announceSetupLink: (link) => announced.push(link) } });
});
afterAll(async () => {
  await t?.close();
  await sandbox?.close();
});
beforeEach(() => sandbox.configure({ idTokenFault: 'none' }));

const signIn = (upn: string, options?: Parameters<typeof signInWithSandbox>[3]) => signInWithSandbox(t.url, sandbox, upn, options);
const reasonOf = (text: string) => /<code id="reason">([^<]+)<\/code>/.exec(text)?.[1];

async function currentSession(cookie: string) {
  const response = await fetch(`${t.url}/api/v1/session`, { headers: { cookie } });
  return { status: response.status, body: (await response.json()) as { user?: { username: string; role: string }; csrfToken?: string } };
}

describe('the first minute: a one-time setup link when no admin exists', () => {
  it('is announced at start-up, stored hashed, never logged, and replaced by a newer one', async () => {
    expect(announced).toHaveLength(1);
    const token = new URL(announced[0]!).hash.slice(1);
    expect(token).toMatch(/^[\w-]{43}$/);
    const rows = await t.api.deps.db.select().from(setupTokens);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(token);
    expect(t.logs()).not.toContain(token);
    const options = await t.call('GET', '/api/v1/session/options', { key: null });
    expect(options.body).toMatchObject({ setupRequired: true, local: true, microsoft: { enabled: true, startUrl: '/auth/microsoft/start' } });

    // A link made two hours ago has expired (and replaced the announced one, which works no more either).
    const expired = await createSetupToken(t.api.deps.db, new Date(Date.now() - 2 * 3600_000));
    for (const stale of [expired!, token]) {
      const answer = await t.call('POST', '/api/v1/setup', { key: null, json: { token: stale, username: 'first-admin', password: 'a long enough secret' } });
      expect(answer.status).toBe(410);
      expect(answer.body.error.code).toBe('setup_link_invalid');
    }
  });

  it('creates the first admin once, signed in at once; afterwards no link is made and the link is spent', async () => {
    const token = (await createSetupToken(t.api.deps.db))!;
    const response = await fetch(`${t.url}/api/v1/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, username: 'first-admin', password: 'a long enough secret' }) });
    expect(response.status).toBe(201);
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith('tf_session='))!.split(';')[0]!;
    expect((await currentSession(cookie)).body.user).toMatchObject({ username: 'first-admin', role: 'admin' });
    const again = await t.call('POST', '/api/v1/setup', { key: null, json: { token, username: 'second-admin', password: 'a long enough secret' } });
    expect(again.status).toBe(409);
    expect(await createSetupToken(t.api.deps.db)).toBeNull();
    expect((await t.call('GET', '/api/v1/session/options', { key: null })).body.setupRequired).toBe(false);
    const [audit] = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.actor, 'setup-link'));
    expect(audit).toMatchObject({ action: 'account.created', detail: expect.objectContaining({ username: 'first-admin', role: 'admin' }) });
  });
});

describe('Sign in with Microsoft (the sandbox as the OpenID provider)', () => {
  it('signs an operator in with the role of their app role, on an account bound to their Entra object id', async () => {
    const result = await signIn('bob@contoso.example');
    expect(result.status).toBe(302);
    expect(result.location).toBe('/');
    const session = await currentSession(result.sessionCookie!);
    expect(session.status).toBe(200);
    expect(session.body.user).toMatchObject({ username: 'bob@contoso.example', role: 'operator' });
    const bob = sandbox.inspect.users().find((user) => user.userPrincipalName === 'bob@contoso.example')!;
    const [account] = await t.api.deps.db.select().from(accounts).where(eq(accounts.entraObjectId, bob.id));
    expect(account).toMatchObject({ username: 'bob@contoso.example', role: 'operator', passwordHash: null });
    // Admins see which accounts sign in with Microsoft.
    const listed = await t.call('GET', '/api/v1/accounts');
    expect(listed.body.find((item: { username: string }) => item.username === 'bob@contoso.example')).toMatchObject({ role: 'operator', source: 'microsoft' });
    // The session works on the operators' API, as any dashboard session does.
    const tokens = await fetch(`${t.url}/api/v1/tokens`, { headers: { cookie: result.sessionCookie! } });
    expect(tokens.status).toBe(200);
  });

  it('gives an admin the admin role, and a viewer the viewer role', async () => {
    expect((await currentSession((await signIn('alice@contoso.example')).sessionCookie!)).body.user?.role).toBe('admin');
    expect((await currentSession((await signIn('judy@contoso.example')).sessionCookie!)).body.user?.role).toBe('viewer');
  });

  it('takes a role change at the next sign-in', async () => {
    const judy = sandbox.inspect.users().find((user) => user.userPrincipalName === 'judy@contoso.example')!;
    await t.api.deps.db.update(accounts).set({ role: 'admin' }).where(eq(accounts.entraObjectId, judy.id));
    expect((await currentSession((await signIn('judy@contoso.example')).sessionCookie!)).body.user?.role).toBe('viewer');
  });

  const refusals = [
    { fault: 'tampered', reason: 'bad_signature' },
    { fault: 'wrong-nonce', reason: 'wrong_nonce' },
    { fault: 'wrong-audience', reason: 'wrong_audience' },
    { fault: 'expired', reason: 'expired' },
    { fault: 'wrong-issuer', reason: 'wrong_issuer' },
  ] as const;
  for (const { fault, reason } of refusals) {
    it(`refuses an ID token that is ${fault}, with the reason ${reason}, and no session`, async () => {
      sandbox.configure({ idTokenFault: fault });
      const result = await signIn('alice@contoso.example');
      expect(result.status).toBe(401);
      expect(reasonOf(result.text)).toBe(reason);
      expect(result.sessionCookie).toBeUndefined();
      const [audit] = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'session.refused')).orderBy(auditEvents.id);
      expect(audit).toBeDefined();
    });
  }

  it('refuses a user without a Tokenfleet role with a page naming the roles they lack', async () => {
    const result = await signIn('carol@contoso.example');
    expect(result.status).toBe(403);
    expect(reasonOf(result.text)).toBe('missing_role');
    expect(result.text).toContain('Tokenfleet.Admin, Tokenfleet.Operator, Tokenfleet.Viewer');
    expect(result.text).toContain('carol@contoso.example');
    expect(result.sessionCookie).toBeUndefined();
    const refused = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.actor, 'user:carol@contoso.example'));
    expect(refused.map((row) => [row.action, (row.detail as { reason: string }).reason])).toEqual([['session.refused', 'missing_role']]);
  });

  it('says so when the person cancels at Microsoft', async () => {
    const result = await signIn('alice@contoso.example', { cancel: true });
    expect(result.status).toBe(401);
    expect(reasonOf(result.text)).toBe('entra_access_denied');
    expect(result.text).toContain('AADSTS65004');
  });

  it('refuses a callback whose state is not the one this browser started with', async () => {
    const result = await signIn('alice@contoso.example', { tamperState: true });
    expect(result.status).toBe(400);
    expect(reasonOf(result.text)).toBe('state_mismatch');
  });

  it('never logs the code, the state or the ID token', async () => {
    await signIn('bob@contoso.example');
    expect(t.logs()).not.toMatch(/sbx\.[\w-]{20}/);
    expect(t.logs()).not.toMatch(/eyJ[\w-]{20,}\.eyJ/);
  });
});

describe('local accounts turned off', () => {
  it('refuses a password sign-in and the setup link, and says so in the sign-in options', async () => {
    const off = await startTestApi({ env: { TOKENFLEET_LOCAL_SIGN_IN: 'off' } });
    try {
      const answer = await off.call('POST', '/api/v1/session', { key: null, json: { username: 'anyone', password: 'whatever it is' } });
      expect(answer.status).toBe(403);
      expect(answer.body.error.code).toBe('local_sign_in_off');
      expect((await off.call('GET', '/api/v1/session/options', { key: null })).body).toMatchObject({ local: false, setupRequired: false });
      // Nor does a setup link make a local admin: the first admin is an Entra user with the admin app role.
      const token = await createSetupToken(off.api.deps.db);
      expect((await off.call('POST', '/api/v1/setup', { key: null, json: { token, username: 'first-admin', password: 'a long enough secret' } })).status).toBe(403);
    } finally {
      await off.close();
    }
  });
});
