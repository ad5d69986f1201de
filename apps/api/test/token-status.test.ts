// What an operator reads a token by: its status beside its state (and the list filtered by it, in SQL),
// its expiry (from the seed file or set by hand, audited), when it was last tested and resynchronised,
// its user's display name; and the audit trail found by the names operators know.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, directoryUsers, importRowErrors, operations, tenants, tokens, type Token } from '@tokenfleet/db';
import { base32Decode, hotp, totpCode, totpStep } from '@tokenfleet/domain';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
let classicImport: string;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await startTestApi();
  const answer = await t.upload(t.keys.operator, { name: 'token2-classic.csv', content: sampleFile('token2-classic.csv') }, { mode: 'import' });
  expect(answer.status).toBe(202);
  classicImport = answer.body.id;
});
afterAll(async () => {
  await t?.close();
});

async function update(serial: string, changes: Partial<Token>): Promise<Token> {
  const [row] = await t.api.deps.db.update(tokens).set(changes).where(eq(tokens.serialNumber, serial)).returning();
  return row!;
}

const serialsOf = (answer: { body: { items: { serialNumber: string }[] } }) => answer.body.items.map((item) => item.serialNumber).sort();

describe('token status', () => {
  it('answers status and its reason beside the state, and filters the list by status in the database', async () => {
    await update('602345670001', { state: 'active', activatedAt: new Date(), lastUsedAt: new Date() });
    await update('602345670002', { state: 'disabled', activatedAt: new Date() });
    await update('602345670003', { state: 'active', activatedAt: new Date(), expiresAt: new Date(Date.now() - DAY) });
    await update('602345670004', { state: 'retired' });
    await update('602345670005', { state: 'active', activatedAt: new Date(Date.now() - 400 * DAY), lastUsedAt: null });

    const all = await t.call('GET', `/api/v1/tokens?importId=${classicImport}`, { key: t.keys.viewer });
    const bySerial = Object.fromEntries((all.body.items as { serialNumber: string; state: string; status: string; statusReason: string }[]).map((item) => [item.serialNumber, item]));
    expect(bySerial['602345670001']).toMatchObject({ state: 'active', status: 'ACTIVE' });
    expect(bySerial['602345670002']).toMatchObject({ state: 'disabled', status: 'DISABLED' });
    expect(bySerial['602345670003']).toMatchObject({ state: 'active', status: 'OBSOLETE', statusReason: expect.stringMatching(/^Expired on /) });
    expect(bySerial['602345670004']).toMatchObject({ state: 'retired', status: 'OBSOLETE' });
    // No idle limit on the tenant yet: unused for 400 days is still in service.
    expect(bySerial['602345670005']).toMatchObject({ state: 'active', status: 'ACTIVE' });
    expect(bySerial['602345670006']).toMatchObject({ state: 'imported', status: 'DISABLED' });

    await t.api.deps.db.update(tenants).set({ obsoleteAfterDays: 365 }).where(eq(tenants.id, 'sandbox'));
    const obsolete = await t.call('GET', `/api/v1/tokens?importId=${classicImport}&status=OBSOLETE`, { key: t.keys.viewer });
    expect(serialsOf(obsolete)).toEqual(['602345670003', '602345670004', '602345670005']);
    expect(obsolete.body.items.find((item: { serialNumber: string }) => item.serialNumber === '602345670005').statusReason).toMatch(/more than 365 days/);
    expect(serialsOf(await t.call('GET', `/api/v1/tokens?importId=${classicImport}&status=ACTIVE`))).toEqual(['602345670001']);
    expect(serialsOf(await t.call('GET', `/api/v1/tokens?importId=${classicImport}&status=DISABLED&limit=1`)).length).toBe(1);
    const paged = await t.call('GET', `/api/v1/tokens?importId=${classicImport}&status=DISABLED&limit=1`);
    const rest = await t.call('GET', `/api/v1/tokens?importId=${classicImport}&status=DISABLED&limit=1&cursor=${paged.body.nextCursor}`);
    expect([...serialsOf(paged), ...serialsOf(rest)].sort()).toEqual(['602345670002', '602345670006']);
    expect((await t.call('GET', '/api/v1/tokens?status=LOST')).status).toBe(400);
    await t.api.deps.db.update(tenants).set({ obsoleteAfterDays: null }).where(eq(tenants.id, 'sandbox'));
  });

  it("shows the assigned user's display name as the directory last answered it", async () => {
    const token = await update('602345670001', { assignedUpn: 'Ada.Lovelace@Contoso.example' });
    await t.api.deps.db.insert(directoryUsers).values({ tenantId: 'sandbox', upnLower: 'ada.lovelace@contoso.example', userId: 'u-ada', displayName: 'Ada Lovelace' });
    const detail = await t.call('GET', `/api/v1/tokens/${token.id}`, { key: t.keys.viewer });
    expect(detail.body).toMatchObject({ assignedUpn: 'Ada.Lovelace@Contoso.example', assignedUserDisplayName: 'Ada Lovelace', status: 'ACTIVE' });
    const other = await t.call('GET', `/api/v1/tokens?serial=602345670006`);
    expect(other.body.items[0].assignedUserDisplayName).toBeNull();
  });
});

describe('expiry', () => {
  it('an operator sets the expiry by hand (a date is the end of that day) and clears it; each change is audited with old and new', async () => {
    const token = await update('602345670006', { expiresAt: null });
    const set = await t.call('PATCH', `/api/v1/tokens/${token.id}/expiry`, { key: t.keys.operator, json: { expiresAt: '2031-03-31' } });
    expect(set.status).toBe(200);
    expect(set.body.expiresAt).toBe('2031-03-31T23:59:59.999Z');
    const cleared = await t.call('PATCH', `/api/v1/tokens/${token.id}/expiry`, { key: t.keys.operator, json: { expiresAt: null } });
    expect(cleared.body.expiresAt).toBeNull();
    const audit = await t.api.deps.db.select().from(auditEvents).where(and(eq(auditEvents.tokenId, token.id), eq(auditEvents.action, 'token.expiry_changed'))).orderBy(auditEvents.id);
    expect(audit.map((row) => [row.actor, row.detail])).toEqual([
      ['api-key:operator-key', { before: null, after: '2031-03-31T23:59:59.999Z' }],
      ['api-key:operator-key', { before: '2031-03-31T23:59:59.999Z', after: null }],
    ]);
    expect((await t.call('PATCH', `/api/v1/tokens/${token.id}/expiry`, { key: t.keys.viewer, json: { expiresAt: null } })).status).toBe(403);
    expect((await t.call('PATCH', `/api/v1/tokens/${token.id}/expiry`, { key: t.keys.operator, json: { expiresAt: '31/03/2031' } })).status).toBe(400);
    expect((await t.call('PATCH', '/api/v1/tokens/00000000-0000-4000-8000-000000000000/expiry', { key: t.keys.operator, json: { expiresAt: null } })).status).toBe(404);
  });

  it('stores the expiry and manufacturing dates a seed file carries, and names its own column in row errors', async () => {
    const answer = await t.upload(t.keys.operator, { name: 'token2-dated.csv', content: sampleFile('token2-dated.csv') }, { mode: 'import' });
    expect(answer.status).toBe(202);
    const rows = await t.api.deps.db.select().from(tokens).where(eq(tokens.importId, answer.body.id)).orderBy(tokens.serialNumber);
    expect(rows.map((row) => [row.serialNumber, row.expiresAt?.toISOString() ?? null, row.manufacturedAt?.toISOString() ?? null])).toEqual([
      ['603000000001', '2029-12-31T23:59:59.999Z', '2026-03-15T00:00:00.000Z'],
      ['603000000002', '2027-12-31T23:59:59.999Z', '2024-01-01T00:00:00.000Z'],
      ['603000000003', null, null],
    ]);
    const errors = await t.call('GET', `/api/v1/imports/${answer.body.id}/errors`, { key: t.keys.viewer });
    expect(errors.body.items).toEqual([
      expect.objectContaining({ rowNumber: 5, field: 'expiresAt', column: 'Expiry Date', serialNumber: '603000000004' }),
      expect.objectContaining({ rowNumber: 6, field: 'expiresAt', column: 'Expiry Date', serialNumber: '603000000005' }),
    ]);
    const csv = await t.call('GET', `/api/v1/imports/${answer.body.id}/errors.csv`, { key: t.keys.viewer });
    expect(csv.text.split(/\r?\n/)[0]).toBe('rowNumber,column,field,reason,serialNumber');
    expect(await t.api.deps.db.select().from(importRowErrors).where(eq(importRowErrors.importId, answer.body.id))).toHaveLength(2);
  });
});

describe('when a token was last tested and resynchronised', () => {
  it('"Test a code" and a successful resync each record their time; a failed resync does not', async () => {
    const seed = sampleFile('token2-classic.csv').toString('utf8').split('\n')[2]!.split(',');
    const key = { secret: base32Decode(seed[2]!)!, hashFunction: 'hmacsha1' as const, periodSeconds: 30, digits: 6 };
    const token = await update(seed[1]!, { state: 'active', lastTestedAt: null, lastResyncedAt: null });
    const before = Date.now();
    await t.call('POST', `/api/v1/tokens/${token.id}/test`, { key: t.keys.operator, json: { code: totpCode(key, Date.now()) } });
    let detail = await t.call('GET', `/api/v1/tokens/${token.id}`);
    expect(Date.parse(detail.body.lastTestedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(detail.body.lastResyncedAt).toBeNull();

    const step = totpStep(Date.now(), 30);
    const wrong = await t.call('POST', `/api/v1/tokens/${token.id}/resync`, { key: t.keys.operator, json: { code1: hotp(key.secret, step + 3, 'hmacsha1', 6), code2: hotp(key.secret, step + 5, 'hmacsha1', 6) } });
    expect(wrong.status).toBe(400);
    expect((await t.call('GET', `/api/v1/tokens/${token.id}`)).body.lastResyncedAt).toBeNull();
    await t.call('POST', `/api/v1/tokens/${token.id}/resync`, { key: t.keys.operator, json: { code1: hotp(key.secret, step + 3, 'hmacsha1', 6), code2: hotp(key.secret, step + 4, 'hmacsha1', 6) } });
    detail = await t.call('GET', `/api/v1/tokens/${token.id}`);
    expect(Date.parse(detail.body.lastResyncedAt)).toBeGreaterThanOrEqual(before - 1000);
  });
});

describe('audit filters in the names operators know', () => {
  it('finds an actor by the account name alone, and a token by its serial or 8-character short id', async () => {
    const [token] = await t.api.deps.db.select().from(tokens).where(eq(tokens.serialNumber, '602345670002'));
    if (!token) throw new Error('no token');
    const byName = await t.call('GET', '/api/v1/audit?actor=operator-key&limit=500', { key: t.keys.viewer });
    expect(byName.body.items.length).toBeGreaterThan(0);
    expect(new Set(byName.body.items.map((item: { actor: string }) => item.actor))).toEqual(new Set(['api-key:operator-key']));
    expect((await t.call('GET', '/api/v1/audit?actor=api-key:operator-key&limit=500')).body.items).toHaveLength(byName.body.items.length);

    const full = await t.call('GET', `/api/v1/audit?tokenId=${token.id}`);
    expect(full.body.items.length).toBeGreaterThan(0);
    const bySerial = await t.call('GET', '/api/v1/audit?token=602345670002');
    const byShortId = await t.call('GET', `/api/v1/audit?token=${token.id.slice(0, 8)}`);
    const byFullId = await t.call('GET', `/api/v1/audit?token=${token.id}`);
    for (const answer of [bySerial, byShortId, byFullId]) {
      expect(answer.status).toBe(200);
      expect(answer.body.items.map((item: { id: number }) => item.id)).toEqual(full.body.items.map((item: { id: number }) => item.id));
    }
    expect((await t.call('GET', '/api/v1/audit?token=nothing-like-it')).body.items).toEqual([]);
  });
});

describe('how an import ended, in the audit trail', () => {
  it('an import whose valid tokens all got where they were sent is a success, rejected rows or not; one with failed tokens is not a failure unless none made it', async () => {
    const { db } = t.api.deps;
    const finish = async (file: string, failSerials: string[]) => {
      const answer = await t.upload(t.keys.operator, { name: file, content: sampleFile(file) }, { mode: 'import' });
      const rows = await db.select().from(tokens).where(eq(tokens.importId, answer.body.id));
      for (const row of rows) {
        const failed = failSerials.includes(row.serialNumber);
        await db.update(tokens).set({ state: failed ? 'failed' : 'created' }).where(eq(tokens.id, row.id));
        await db.update(operations).set({ status: failed ? 'failed' : 'succeeded' }).where(eq(operations.tokenId, row.id));
      }
      const state = await t.call('GET', `/api/v1/imports/${answer.body.id}`);
      const [event] = await db.select().from(auditEvents).where(and(eq(auditEvents.importId, answer.body.id), eq(auditEvents.action, 'import.finished')));
      return { status: state.body.status, outcome: event?.outcome, detail: event?.detail };
    };
    const messy = await finish('messy.csv', []);
    expect(messy).toMatchObject({ status: 'completed_with_errors', outcome: 'success', detail: { validRows: 6, rejectedRows: 6, failedOperations: 0 } });
    expect(await finish('entra-admin-center.csv', ['1234567'])).toMatchObject({ status: 'completed_with_errors', outcome: 'info' });
    expect(await finish('token2-inventory.json', ['6099000001', '6099000002', '6099000003', '6099000004'])).toMatchObject({ status: 'completed_with_errors', outcome: 'failure' });
  });
});
