import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, operations, tokens, type Token } from '@tokenfleet/db';
import { base32Decode, hotp, totpCode, totpStep, type TotpKey } from '@tokenfleet/domain';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
let importId: string;
const SEEDS = sampleFile('token2-classic.csv')
  .toString('utf8')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((line) => ({ serial: line.split(',')[1]!, secret: line.split(',')[2]! }));

beforeAll(async () => {
  t = await startTestApi();
  const answer = await t.upload(t.keys.operator, { name: 'token2-classic.csv', content: sampleFile('token2-classic.csv') }, { mode: 'import' });
  expect(answer.status).toBe(202);
  importId = answer.body.id;
});
afterAll(async () => {
  await t?.close();
});

async function tokenBySerial(serial: string): Promise<Token> {
  const [row] = await t.api.deps.db.select().from(tokens).where(eq(tokens.serialNumber, serial));
  return row!;
}

async function setState(serial: string, state: Token['state']): Promise<Token> {
  const [row] = await t.api.deps.db.update(tokens).set({ state }).where(eq(tokens.serialNumber, serial)).returning();
  return row!;
}

function keyOf(serial: string): TotpKey {
  const seed = SEEDS.find((entry) => entry.serial === serial)!;
  return { secret: base32Decode(seed.secret)!, hashFunction: seed.secret.length > 32 ? 'hmacsha256' : 'hmacsha1', periodSeconds: 30, digits: 6 };
}

describe('token lists', () => {
  it('filters by state, serial prefix, upn and import, and pages with a cursor', async () => {
    const all = await t.call('GET', `/api/v1/tokens?importId=${importId}&limit=4`);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(4);
    const rest = await t.call('GET', `/api/v1/tokens?importId=${importId}&limit=4&cursor=${all.body.nextCursor}`);
    expect(rest.body.items).toHaveLength(2);
    expect(rest.body.nextCursor).toBeNull();
    const serials = [...all.body.items, ...rest.body.items].map((item: { serialNumber: string }) => item.serialNumber).sort();
    expect(serials).toEqual(SEEDS.map((seed) => seed.serial).sort());

    const bySerial = await t.call('GET', '/api/v1/tokens?serial=60234567000');
    expect(bySerial.body.items).toHaveLength(6);
    const one = await t.call('GET', '/api/v1/tokens?serial=602345670004');
    expect(one.body.items.map((item: { serialNumber: string }) => item.serialNumber)).toEqual(['602345670004']);
    const wildcard = await t.call('GET', '/api/v1/tokens?serial=%25');
    expect(wildcard.body.items).toHaveLength(0);

    await t.api.deps.db.update(tokens).set({ assignedUpn: 'Someone@Contoso.example' }).where(eq(tokens.serialNumber, '602345670005'));
    const byUpn = await t.call('GET', '/api/v1/tokens?upn=someone@');
    expect(byUpn.body.items.map((item: { serialNumber: string }) => item.serialNumber)).toEqual(['602345670005']);
    const byUpperUpn = await t.call('GET', '/api/v1/tokens?upn=SOMEONE%40CONTOSO.');
    expect(byUpperUpn.body.items.map((item: { serialNumber: string }) => item.serialNumber)).toEqual(['602345670005']);
    expect((await t.call('GET', '/api/v1/tokens?upn=_omeone')).body.items).toHaveLength(0);
    const byState = await t.call('GET', '/api/v1/tokens?state=active');
    expect(byState.body.items).toHaveLength(0);
    const badState = await t.call('GET', '/api/v1/tokens?state=happy');
    expect(badState.status).toBe(400);
    expect(badState.body.error.details[0].path).toBe('state');
  });

  it('shows a token with its operations; unknown ids are 404', async () => {
    const token = await tokenBySerial('602345670001');
    const detail = await t.call('GET', `/api/v1/tokens/${token.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: token.id, serialNumber: '602345670001', state: 'imported', hasSeed: true, driftSteps: 0, hashFunction: 'hmacsha1' });
    expect(detail.body.operations).toEqual([expect.objectContaining({ kind: 'token.create', status: 'queued' })]);
    expect((await t.call('GET', '/api/v1/tokens/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.call('GET', '/api/v1/tokens/not-a-uuid')).body.error.code).toBe('not_found');
  });
});

describe('Graph-facing actions', () => {
  it('assign writes an operation with the caller as actor and enqueues its deterministic job', async () => {
    const token = await tokenBySerial('602345670002');
    const answer = await t.call('POST', `/api/v1/tokens/${token.id}/assign`, { key: t.keys.operator, json: { upn: 'new.user@contoso.example' } });
    expect(answer.status).toBe(202);
    const [operation] = await t.api.deps.db.select().from(operations).where(eq(operations.id, answer.body.operationId));
    expect(operation).toMatchObject({ kind: 'token.assign', status: 'queued', generation: 1, params: { upn: 'new.user@contoso.example' }, createdBy: 'api-key:operator-key' });
    const job = await t.api.deps.queues(token.tenantId).getJob(`assign-${token.id}-g1`);
    expect(job?.data).toEqual({ tenantId: token.tenantId, operationId: operation!.id });
    const [audit] = await t.api.deps.db.select().from(auditEvents).where(and(eq(auditEvents.operationId, operation!.id), eq(auditEvents.action, 'operation.requested')));
    expect(audit?.actor).toBe('api-key:operator-key');

    const again = await t.call('POST', `/api/v1/tokens/${token.id}/assign`, { key: t.keys.operator, json: { upn: 'new.user@contoso.example' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('operation_in_progress');
  });

  it('validates the UPN of an assign', async () => {
    const token = await tokenBySerial('602345670003');
    const answer = await t.call('POST', `/api/v1/tokens/${token.id}/assign`, { key: t.keys.operator, json: { upn: 'no spaces allowed' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].path).toBe('upn');
  });

  it('refuses what the life cycle forbids with 409 and its reason', async () => {
    const imported = await tokenBySerial('602345670003');
    const activate = await t.call('POST', `/api/v1/tokens/${imported.id}/activate`, { key: t.keys.operator });
    expect(activate.status).toBe(409);
    expect(activate.body.error).toEqual({ code: 'invalid_state', message: 'A token that is imported cannot be activated' });

    const active = await setState('602345670003', 'active');
    await t.api.deps.db.update(tokens).set({ assignedUpn: 'holder@contoso.example' }).where(eq(tokens.id, active.id));
    const remove = await t.call('POST', `/api/v1/tokens/${active.id}/delete`, { key: t.keys.operator });
    expect(remove.status).toBe(409);
    expect(remove.body.error).toEqual({ code: 'confirmation_required', message: 'This token is assigned to holder@contoso.example: confirm the delete by naming that user (confirm)' });
    await t.api.deps.db.update(tokens).set({ assignedUpn: null }).where(eq(tokens.id, active.id));
    const enable = await t.call('POST', `/api/v1/tokens/${active.id}/enable`, { key: t.keys.operator });
    expect(enable.status).toBe(409);
    expect(await t.api.deps.db.select().from(operations).where(and(eq(operations.tokenId, active.id), eq(operations.kind, 'token.delete')))).toHaveLength(0);
  });

  it('activate and unassign enqueue jobs named after the token generation', async () => {
    const assigned = await setState('602345670004', 'assigned');
    const activate = await t.call('POST', `/api/v1/tokens/${assigned.id}/activate`, { key: t.keys.operator });
    expect(activate.status).toBe(202);
    expect(await t.api.deps.queues(assigned.tenantId).getJob(`activate-${assigned.id}-g1`)).toBeDefined();
    const unassign = await t.call('POST', `/api/v1/tokens/${assigned.id}/unassign`, { key: t.keys.operator });
    expect(unassign.status).toBe(202);
    expect(await t.api.deps.queues(assigned.tenantId).getJob(`unassign-${assigned.id}-g2`)).toBeDefined();
  });

  it('a viewer may read but not act', async () => {
    const token = await tokenBySerial('602345670006');
    expect((await t.call('GET', `/api/v1/tokens/${token.id}`, { key: t.keys.viewer })).status).toBe(200);
    const answer = await t.call('POST', `/api/v1/tokens/${token.id}/delete`, { key: t.keys.viewer });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('forbidden');
    expect(answer.body.error.message).toContain('operator role');
  });
});

describe('life-cycle actions answered at once', () => {
  it('disable and enable are queued for Entra; the state moves only when the worker has confirmed', async () => {
    const active = await setState('602345670005', 'active');
    const disabled = await t.call('POST', `/api/v1/tokens/${active.id}/disable`, { key: t.keys.operator });
    expect(disabled.status).toBe(202);
    const [operation] = await t.api.deps.db.select().from(operations).where(eq(operations.id, disabled.body.operationId));
    expect(operation).toMatchObject({ kind: 'token.deactivate', status: 'queued', createdBy: 'api-key:operator-key' });
    expect((await tokenBySerial('602345670005')).state).toBe('active');
    const detail = await t.call('GET', `/api/v1/tokens/${active.id}`);
    expect(detail.body.operations[0]).toMatchObject({ kind: 'token.deactivate', status: 'queued', createdBy: 'api-key:operator-key', chainId: null });
    // Nothing answers the queue here: leave the token as the other tests expect it.
    await t.api.deps.db.update(operations).set({ status: 'cancelled' }).where(eq(operations.id, operation!.id));
  });

  it('tests a code without storing anything and reports the drift', async () => {
    const token = await setState('602345670005', 'active');
    const key = keyOf('602345670005');
    const good = await t.call('POST', `/api/v1/tokens/${token.id}/test`, { key: t.keys.operator, json: { code: totpCode(key, Date.now()) } });
    expect(good.status).toBe(200);
    expect(good.body.valid).toBe(true);
    expect(Math.abs(good.body.drift)).toBeLessThanOrEqual(1);
    const far = await t.call('POST', `/api/v1/tokens/${token.id}/test`, { key: t.keys.operator, json: { code: totpCode(key, Date.now(), 10) } });
    expect(far.body).toEqual({ valid: false, drift: null });
    const malformed = await t.call('POST', `/api/v1/tokens/${token.id}/test`, { key: t.keys.operator, json: { code: '12ab56' } });
    expect(malformed.status).toBe(400);
    const audit = await t.api.deps.db.select().from(auditEvents).where(and(eq(auditEvents.tokenId, token.id), eq(auditEvents.action, 'token.tested')));
    expect(audit.map((row) => row.outcome).sort()).toEqual(['failure', 'success']);
    expect(JSON.stringify(audit)).not.toContain(totpCode(key, Date.now(), 10));
  });

  it('resyncs from two consecutive codes, refuses two that are not', async () => {
    const token = await tokenBySerial('602345670005');
    const key = keyOf('602345670005');
    const before = totpStep(Date.now(), 30);
    const code1 = hotp(key.secret, before + 40, 'hmacsha1', 6);
    const code2 = hotp(key.secret, before + 41, 'hmacsha1', 6);
    const answer = await t.call('POST', `/api/v1/tokens/${token.id}/resync`, { key: t.keys.operator, json: { code1, code2 } });
    const after = totpStep(Date.now(), 30);
    expect(answer.status).toBe(200);
    // The server read the clock between `before` and `after` (equal unless a window boundary passed).
    expect(answer.body.driftSteps).toBeGreaterThanOrEqual(before + 41 - after);
    expect(answer.body.driftSteps).toBeLessThanOrEqual(41);
    expect((await tokenBySerial('602345670005')).driftSteps).toBe(answer.body.driftSteps);

    // With the drift stored, a code 41 steps ahead tests valid.
    const test = await t.call('POST', `/api/v1/tokens/${token.id}/test`, { key: t.keys.operator, json: { code: totpCode(key, Date.now(), 41) } });
    expect(test.body.valid).toBe(true);

    const gap = await t.call('POST', `/api/v1/tokens/${token.id}/resync`, {
      key: t.keys.operator,
      json: { code1: hotp(key.secret, before + 40, 'hmacsha1', 6), code2: hotp(key.secret, before + 42, 'hmacsha1', 6) },
    });
    expect(gap.status).toBe(400);
    expect(gap.body.error.code).toBe('resync_failed');
    expect((await tokenBySerial('602345670005')).driftSteps).toBe(answer.body.driftSteps);
  });

  it('retires a token and purges its seed; then its codes cannot be tested', async () => {
    const created = await setState('602345670006', 'created');
    const retired = await t.call('POST', `/api/v1/tokens/${created.id}/retire`, { key: t.keys.operator });
    expect(retired.status).toBe(200);
    expect(retired.body.state).toBe('retired');
    const row = await tokenBySerial('602345670006');
    expect(row.secretCiphertext).toBeNull();
    expect(row.secretKeyId).toBeNull();
    expect((await t.call('GET', `/api/v1/tokens/${created.id}`)).body.hasSeed).toBe(false);
    const test = await t.call('POST', `/api/v1/tokens/${created.id}/test`, { key: t.keys.operator, json: { code: '123456' } });
    expect(test.status).toBe(409);
    expect(test.body.error.code).toBe('seed_purged');
  });
});

describe('seeds never leave the API', () => {
  it('no token, import, operation or audit response contains a seed', async () => {
    const { body: list } = await t.call('GET', '/api/v1/tokens?limit=100');
    const texts: string[] = [JSON.stringify(list)];
    for (const item of list.items as { id: string }[]) {
      texts.push((await t.call('GET', `/api/v1/tokens/${item.id}`)).text);
      texts.push((await t.call('GET', `/api/v1/tokens/${item.id}/audit`)).text);
    }
    for (const path of ['/api/v1/operations?limit=100', '/api/v1/audit?limit=500', '/api/v1/audit.csv', `/api/v1/imports/${importId}`, '/api/v1/imports', `/api/v1/imports/${importId}/errors.csv`, '/api/v1/overview']) {
      const answer = await t.call('GET', path);
      expect(answer.status).toBe(200);
      texts.push(answer.text);
    }
    const everything = texts.join('\n');
    expect(everything).toContain('602345670001');
    for (const seed of SEEDS) expect(everything).not.toContain(seed.secret);
    expect(t.logs()).not.toMatch(new RegExp(SEEDS.map((seed) => seed.secret).join('|')));
  });
});
