// The self-service portal end to end (docs/sign-in.md, "Self-service"): people of the tenant sign in with
// Microsoft (the sandbox) at /my, activate a stock token by its serial and the code it shows (the code goes
// to Entra through the queue), test it, report it lost; a serial that is someone else's answers exactly
// like an unknown one; attempts are limited; and a portal session opens nothing of the operators' API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, tokens } from '@tokenfleet/db';
import { base32Decode, totpCode, type TotpKey } from '@tokenfleet/domain';
import { signInWithSandbox } from '@tokenfleet/test-harness';
import { classicSeeds, sampleFile } from '@tokenfleet/test-harness/samples';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { waitUntil } from '../support/wait';

let system: FullSystem;
const SEEDS = classicSeeds();

beforeAll(async () => {
  system = await startFullSystem();
  const importId = await system.upload('token2-classic.csv', sampleFile('token2-classic.csv'), { mode: 'import' });
  await system.waitForImport(importId, 60_000);
});
afterAll(async () => {
  await system?.stop();
});

function keyOf(serial: string): TotpKey {
  const seed = SEEDS.find((entry) => entry.serial === serial)!;
  return { secret: base32Decode(seed.secret)!, hashFunction: seed.secret.length > 32 ? 'hmacsha256' : 'hmacsha1', periodSeconds: 30, digits: 6 };
}

/** The code a person reads off the display, read early in its window (as one would wait for a fresh one). */
async function freshCode(serial: string): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 20_000) await new Promise((resolve) => setTimeout(resolve, left + 200));
  return totpCode(keyOf(serial), Date.now());
}

interface Portal {
  call: (method: string, path: string, json?: unknown) => Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  cookie: string;
}

async function portalOf(upn: string): Promise<Portal> {
  const signedIn = await signInWithSandbox(system.api.url, system.sandbox, upn, { to: 'my' });
  expect(signedIn.status).toBe(302);
  expect(signedIn.location).toBe('/my');
  const cookie = signedIn.sessionCookie!;
  const session = (await (await fetch(`${system.api.url}/api/v1/my/session`, { headers: { cookie } })).json()) as { csrfToken: string };
  const call: Portal['call'] = async (method, path, json) => {
    const response = await fetch(`${system.api.url}/api/v1/my${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': session.csrfToken, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(json ? { body: JSON.stringify(json) } : {}),
    });
    return { status: response.status, body: response.status === 204 ? null : await response.json() };
  };
  return { call, cookie };
}

describe('self-service activation at /my', () => {
  let uma: Portal;
  const [serial, otherSerial] = [SEEDS[0]!.serial, SEEDS[1]!.serial];

  beforeAll(async () => {
    uma = await portalOf('user3@contoso.example');
  });

  it('signs in any employee (no Tokenfleet role) and reaches nothing of the operators\' API', async () => {
    expect((await uma.call('GET', '/tokens')).body).toEqual([]);
    for (const path of ['/api/v1/tokens', '/api/v1/overview', '/api/v1/session', '/api/v1/audit']) {
      const response = await fetch(`${system.api.url}${path}`, { headers: { cookie: uma.cookie } });
      expect(response.status, path).toBe(401);
    }
    // Nor does an operator's credential open the portal.
    expect((await system.call('/api/v1/my/tokens')).status).toBe(401);
  });

  it('says a wrong code is wrong, and lets them try again', async () => {
    const wrong = await uma.call('POST', '/tokens/activate', { serialNumber: serial, code: '000000' === totpCode(keyOf(serial), Date.now()) ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('wrong_code');
    const [token] = await system.client.db.select().from(tokens).where(eq(tokens.serialNumber, serial));
    expect(token).toMatchObject({ state: 'created', assignedUpn: null });
  });

  it('activates a stock token with its serial and the code it shows, sending that code to Entra', async () => {
    const started = await uma.call('POST', '/tokens/activate', { serialNumber: serial, code: await freshCode(serial) });
    expect(started.status).toBe(202);
    expect(started.body.token).toMatchObject({ serialNumber: serial, activating: true });
    const active = await waitUntil(
      async () => {
        const list = (await uma.call('GET', '/tokens')).body as { serialNumber: string; state: string }[];
        return list.find((item) => item.serialNumber === serial && item.state === 'active');
      },
      { timeoutMs: 60_000, intervalMs: 300, failure: () => `token ${serial} not active` },
    );
    expect(active).toBeDefined();
    const device = system.sandbox.inspect.devices().find((item) => item.serialNumber === serial)!;
    const user = system.sandbox.inspect.users().find((item) => item.userPrincipalName === 'user3@contoso.example')!;
    expect(device).toMatchObject({ status: 'activated', assignedTo: expect.objectContaining({ id: user.id }) });
    const audit = await system.client.db.select().from(auditEvents).where(eq(auditEvents.tokenId, started.body.token.id));
    expect(audit.find((row) => row.action === 'self_service.activation_requested')).toMatchObject({ actor: 'user:user3@contoso.example', outcome: 'success' });
    expect(audit.find((row) => row.action === 'graph.activate')).toMatchObject({ outcome: 'success', detail: expect.objectContaining({ code: 'typed by the holder' }) });
  });

  it('answers a serial that is someone else\'s exactly as an unknown one', async () => {
    const victor = await portalOf('user4@contoso.example');
    const taken = await victor.call('POST', '/tokens/activate', { serialNumber: serial, code: totpCode(keyOf(serial), Date.now()) });
    const unknown = await victor.call('POST', '/tokens/activate', { serialNumber: '999999999999', code: '123456' });
    expect(taken.status).toBe(404);
    expect(taken.body).toEqual(unknown.body);
    expect((await victor.call('GET', '/tokens')).body).toEqual([]);
  });

  it('tests a code of one\'s own token without consuming it, and refuses another\'s token', async () => {
    const [mine] = (await uma.call('GET', '/tokens')).body as { id: string }[];
    const code = totpCode(keyOf(serial), Date.now());
    expect((await uma.call('POST', `/tokens/${mine!.id}/test`, { code })).body).toEqual({ valid: true });
    expect((await uma.call('POST', `/tokens/${mine!.id}/test`, { code })).body).toEqual({ valid: true });
    expect((await uma.call('POST', `/tokens/${mine!.id}/test`, { code: code === '000000' ? '111111' : '000000' })).body).toEqual({ valid: false });
    const victor = await portalOf('user4@contoso.example');
    expect((await victor.call('POST', `/tokens/${mine!.id}/test`, { code })).status).toBe(404);
  });

  it('reports a token lost: disabled at once, the helpdesk told through the audit trail', async () => {
    const [mine] = (await uma.call('GET', '/tokens')).body as { id: string }[];
    const lost = await uma.call('POST', `/tokens/${mine!.id}/lost`);
    expect(lost.status).toBe(200);
    expect(lost.body).toMatchObject({ disabled: true, helpdeskNotified: true, token: { state: 'lost' } });
    const [row] = await system.client.db.select().from(auditEvents).where(and(eq(auditEvents.tokenId, mine!.id), eq(auditEvents.action, 'token.reported_lost')));
    expect(row).toMatchObject({ actor: 'user:user3@contoso.example', outcome: 'info' });
  });

  it('limits attempts per person and hour, and closes when the tenant turns self-service off', async () => {
    const tenantId = system.api.deps.tenant.id;
    const change = (selfService: object) => system.call(`/api/v1/tenants/${tenantId}/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ selfService }) });
    expect((await change({ attemptsPerHour: 2 })).status).toBe(200);
    const wendy = await portalOf('user5@contoso.example');
    for (let attempt = 0; attempt < 2; attempt += 1) expect((await wendy.call('POST', '/tokens/activate', { serialNumber: otherSerial, code: '000001' })).status).not.toBe(429);
    const limited = await wendy.call('POST', '/tokens/activate', { serialNumber: otherSerial, code: '000001' });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('too_many_attempts');
    expect((await change({ enabled: false, attemptsPerHour: 10 })).status).toBe(200);
    const off = await (await portalOf('user6@contoso.example')).call('POST', '/tokens/activate', { serialNumber: otherSerial, code: '000001' });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('self_service_off');
  });
});
