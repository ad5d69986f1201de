// The validation API's statements against a real Postgres: replay refused under concurrency (one
// statement, so one of twenty simultaneous acceptances of a step wins), lockout and its clear-timeout,
// success resetting the count, operator unlock, and the audit row each statement writes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tokenfleet/test-harness';
import { createDb, type DbClient } from '../src/client';
import { acceptValidation, ensureValidationUser, issueSoftwareToken, loadValidationSubject, recordValidationFailure, unlockValidationUser } from '../src/validation-store';
import { insertTenant, insertToken } from './fixtures';

let database: TestDatabase;
let client: DbClient;
beforeAll(async () => {
  database = await createTestDatabase();
  client = createDb(database.url, { max: 20 });
});
afterAll(async () => {
  await client?.close();
  await database?.drop();
});

const policy = { maxFailures: 3, clearTimeoutMs: 60_000 };
const audit = (tokenId: string | null) => ({ actor: 'api-key:radius', tenantId: null, tokenId, detail: { client: '127.0.0.1' } });
const seed = { secretKeyId: 'k00000000', secretCiphertext: Buffer.alloc(40, 1) };

async function userWithToken(email: string) {
  const tenantId = await insertTenant(client.db);
  const token = await insertToken(client.db, tenantId, { state: 'active', assignedUpn: email, ...seed });
  const user = await ensureValidationUser(client.sql, email, 'test');
  return { token, user };
}

describe('acceptValidation', () => {
  it('accepts exactly one of twenty simultaneous acceptances of one step, and audits the one', async () => {
    const { token, user } = await userWithToken('concurrent@contoso.example');
    const now = new Date();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        acceptValidation(client.sql, { userId: user.id, token: { kind: 'hardware', id: token.id }, step: 1000, driftSteps: 1, now, policy, audit: audit(token.id) }),
      ),
    );
    expect(results.filter((result) => result.accepted)).toHaveLength(1);
    expect(results.filter((result) => !result.accepted && result.reason === 'replayed')).toHaveLength(19);
    const [row] = await client.sql`select drift_steps, last_accepted_step::int as step from tokens where id = ${token.id}`;
    expect(row).toEqual({ drift_steps: 1, step: 1000 });
    // The success writes its audit row in the same statement; the refused ones leave theirs to the caller.
    const outcomes = await client.sql`select outcome, detail->>'reason' as reason, count(*)::int as n from audit_events where token_id = ${token.id} group by 1, 2 order by 1`;
    expect(outcomes).toEqual([{ outcome: 'success', reason: 'accepted', n: 1 }]);
  });

  it('refuses an earlier step, accepts a later one, and never a token that is not active', async () => {
    const { token, user } = await userWithToken('order@contoso.example');
    const accept = (step: number) => acceptValidation(client.sql, { userId: user.id, token: { kind: 'hardware', id: token.id }, step, driftSteps: 0, now: new Date(), policy, audit: audit(token.id) });
    expect(await accept(50)).toEqual({ accepted: true });
    expect(await accept(49)).toEqual({ accepted: false, reason: 'replayed' });
    expect(await accept(51)).toEqual({ accepted: true });
    await client.sql`update tokens set state = 'disabled' where id = ${token.id}`;
    expect((await accept(52)).accepted).toBe(false);
  });

  it('does the same for a software token, which lives on the user row', async () => {
    const { user } = await issueSoftwareToken(client.sql, { email: 'soft@contoso.example', phone: null, createdBy: 'test', now: new Date() }, () => ({ keyId: 'k1', ciphertext: Buffer.alloc(40, 2) }));
    const results = await Promise.all(
      Array.from({ length: 20 }, () => acceptValidation(client.sql, { userId: user.id, token: { kind: 'software' }, step: 7, driftSteps: 0, now: new Date(), policy, audit: audit(null) })),
    );
    expect(results.filter((result) => result.accepted)).toHaveLength(1);
  });
});

describe('lockout', () => {
  it('locks after the limit, refuses even a right step while locked, clears after the timeout or by an operator', async () => {
    const { token, user } = await userWithToken('lock@contoso.example');
    const t0 = Date.now();
    const fail = (at: number) => recordValidationFailure(client.sql, { userId: user.id, now: new Date(at), policy, reason: 'wrong code', audit: audit(token.id) });
    const accept = (step: number, at: number) =>
      acceptValidation(client.sql, { userId: user.id, token: { kind: 'hardware', id: token.id }, step, driftSteps: 0, now: new Date(at), policy, audit: audit(token.id) });

    expect(await fail(t0)).toEqual({ failedValidations: 1, locked: false });
    expect(await fail(t0 + 1)).toEqual({ failedValidations: 2, locked: false });
    // A success resets the count.
    expect(await accept(10, t0 + 2)).toEqual({ accepted: true });
    expect((await loadValidationSubject(client.sql, user.id)).user).toMatchObject({ failedValidations: 0, lockedAt: null });

    await fail(t0 + 3);
    await fail(t0 + 4);
    expect(await fail(t0 + 5)).toEqual({ failedValidations: 3, locked: true });
    expect(await accept(11, t0 + 6)).toEqual({ accepted: false, reason: 'locked' });
    // A failure while locked does not move the lock: it clears 60 s after it was set.
    await fail(t0 + 30_000);
    expect(await accept(11, t0 + 5 + 59_999)).toEqual({ accepted: false, reason: 'locked' });
    expect(await accept(11, t0 + 5 + 60_000)).toEqual({ accepted: true });

    for (let i = 0; i < 3; i += 1) await fail(t0 + 70_000 + i);
    expect(await accept(12, t0 + 70_010)).toEqual({ accepted: false, reason: 'locked' });
    const unlocked = await unlockValidationUser(client.sql, { userId: user.id, actor: 'user:ops' });
    expect(unlocked).toMatchObject({ id: user.id, failedValidations: 0, lockedAt: null });
    expect(await accept(12, t0 + 70_020)).toEqual({ accepted: true });
    const [row] = await client.sql`select detail from audit_events where action = 'validation_user.unlocked' and target_id = ${user.id}`;
    expect(row!.detail).toMatchObject({ wasLocked: true, previousFailures: 3 });
  });

  it('starts counting again at 1 once a lock has cleared by itself; with a timeout of 0 only an operator clears it', async () => {
    const { user } = await userWithToken('clear@contoso.example');
    const t0 = Date.now();
    for (let i = 0; i < 3; i += 1) await recordValidationFailure(client.sql, { userId: user.id, now: new Date(t0 + i), policy, reason: 'wrong code', audit: audit(null) });
    expect(await recordValidationFailure(client.sql, { userId: user.id, now: new Date(t0 + 61_000), policy, reason: 'wrong code', audit: audit(null) })).toEqual({ failedValidations: 1, locked: false });
    const forever = { maxFailures: 1, clearTimeoutMs: 0 };
    await recordValidationFailure(client.sql, { userId: user.id, now: new Date(t0), policy: forever, reason: 'wrong code', audit: audit(null) });
    const later = new Date(t0 + 10 * 365 * 24 * 3600 * 1000);
    expect(await acceptValidation(client.sql, { userId: user.id, token: { kind: 'software' }, step: 1, driftSteps: 0, now: later, policy: forever, audit: audit(null) })).toEqual({ accepted: false, reason: 'locked' });
  });
});

describe('users', () => {
  it('keeps one user per email whatever its case, and a new software seed keeps the id', async () => {
    const first = await issueSoftwareToken(client.sql, { email: 'Grace@Contoso.example', phone: '+15550100', createdBy: 'test', now: new Date() }, () => ({ keyId: 'k1', ciphertext: Buffer.alloc(40, 3) }));
    const again = await issueSoftwareToken(client.sql, { email: 'grace@contoso.example', phone: null, createdBy: 'test', now: new Date() }, () => ({ keyId: 'k1', ciphertext: Buffer.alloc(40, 4) }));
    expect(first.created).toBe(true);
    expect(again).toMatchObject({ created: false, user: { id: first.user.id, phone: '+15550100' } });
    expect(again.user.secretCiphertext).toEqual(Buffer.alloc(40, 4));
    expect((await loadValidationSubject(client.sql, 'GRACE@contoso.example')).user?.id).toBe(first.user.id);
  });
});
