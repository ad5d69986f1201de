// finishStep, the one statement that ends a create's or an activation's step in the usual case, against
// the transaction it stands in for (transitionToken, completeOperation, insertOperations): side by side on
// two tokens alike, the rows they leave must be the same. And where the token changed under the job, it
// must write nothing at all, so the transaction path decides.
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents, finishStep, insertOperations, operations, tenants, tokens, transitionToken, type FinishStepInput, type NewOperationInput, type Operation, type Token } from '@tokenfleet/db';
import { insertTenant, insertToken, useTestDatabase } from '../../../packages/db/test/fixtures';
import { completeOperation } from '../src/store';

const database = useTestDatabase();
const db = () => database.client.db;
const seed = { secretKeyId: 'test-key', secretCiphertext: Buffer.from('stand-in ciphertext') };

/** A token in `state` with a running operation of `kind` on it, twice: one for each path. */
async function twins(tenantId: string, state: Token['state'], kind: Operation['kind'], overrides: Partial<Token> = {}) {
  return Promise.all(
    [0, 1].map(async () => {
      const token = await insertToken(db(), tenantId, { state, ...seed, ...overrides });
      const [op] = await insertOperations(db(), [{ tenantId, tokenId: token.id, kind, generation: 1, createdBy: 'test', params: { upn: 'carol@contoso.example', activate: true } }]);
      await db().update(operations).set({ status: 'running', attempts: 1 }).where(eq(operations.id, op!.id));
      return { token, op: op! };
    }),
  );
}

/** What a step left of a token: its row, its operations and their audit rows, without ids and times. */
async function leftOf(tokenId: string) {
  const [token] = await db().select().from(tokens).where(eq(tokens.id, tokenId));
  const ops = await db().select().from(operations).where(eq(operations.tokenId, tokenId)).orderBy(asc(operations.createdAt));
  const audit = await db().select().from(auditEvents).where(eq(auditEvents.tokenId, tokenId)).orderBy(asc(auditEvents.id));
  const { id: _id, serialNumber: _serial, createdAt: _c, updatedAt, activatedAt, ...rest } = token!;
  return {
    token: { ...rest, updated: updatedAt > token!.createdAt, activated: activatedAt !== null },
    operations: ops.map(({ id: _o, tokenId: _t, createdAt: _oc, updatedAt: _ou, queuedAt, finishedAt, ...op }) => ({ ...op, queued: queuedAt !== null, finished: finishedAt !== null })),
    audit: audit.map((row) => ({
      actor: row.actor,
      action: row.action,
      outcome: row.outcome,
      tenantId: row.tenantId,
      targetType: row.targetType,
      // The target is the token or an operation: named by what it is, the ids differ between the twins.
      target: row.targetId === tokenId ? 'token' : ops.findIndex((op) => op.id === row.targetId),
      operation: ops.findIndex((op) => op.id === row.operationId),
      importId: row.importId,
      graphStatus: row.graphStatus,
      graphRequestId: row.graphRequestId,
      detail: row.detail,
    })),
  };
}

/** The transaction finishStep stands in for, as the jobs wrote it before. */
async function inTransaction(token: Token, op: Operation, input: Omit<FinishStepInput, 'operation' | 'actor'>, purge = false) {
  await db().transaction(async (tx) => {
    const changes = { ...input.token.changes, ...(purge ? { secretKeyId: null, secretCiphertext: null } : {}) };
    await transitionToken(tx, token, input.token.event, changes, { actor: 'worker', operationId: op.id, importId: op.importId, detail: { ...input.token.detail, ...(purge ? { seedPurged: true } : {}) } });
    await completeOperation(tx, op, input.graph, input.detail);
    if (input.next) await insertOperations(tx, [input.next]);
  });
}

describe('finishStep', () => {
  it("writes an activation's rows as the transaction did: the token active, the operation succeeded, both audited", async () => {
    const tenantId = await insertTenant(db());
    const [fast, slow] = await twins(tenantId, 'assigned', 'token.activate', { assignedUserId: 'user-1', graphDeviceId: 'dev-1', lastError: 'an earlier attempt failed' });
    const step = { graph: { status: 204, requestId: 'req-1' }, token: { from: 'assigned' as const, event: { type: 'activated' as const }, changes: { lastError: null }, detail: { note: 'found active on retry' }, purgeSeedIfTenantSays: true } };

    expect(await finishStep(db(), { actor: 'worker', operation: fast!.op, ...step })).toEqual({ next: [], seedPurged: false });
    await inTransaction(slow!.token, slow!.op, step);

    const left = await leftOf(fast!.token.id);
    expect(left).toEqual(await leftOf(slow!.token.id));
    expect(left.token).toMatchObject({ state: 'active', lastError: null, activated: true, updated: true, secretKeyId: 'test-key' });
    expect(left.operations).toEqual([expect.objectContaining({ status: 'succeeded', lastGraphStatus: 204, lastRequestId: 'req-1', finished: true })]);
    expect(left.audit.map((row) => row.action)).toEqual(['token.activated', 'operation.succeeded']);
    expect(left.audit[0]!.detail).toEqual({ from: 'assigned', to: 'active', note: 'found active on retry' });
  });

  it("drops the seed when the tenant's settings say so, in the same statement", async () => {
    const tenantId = await insertTenant(db());
    await db().update(tenants).set({ settings: { purgeSeedsWhenActive: true } }).where(eq(tenants.id, tenantId));
    const [fast, slow] = await twins(tenantId, 'disabled', 'token.activate', { assignedUserId: 'user-1', graphDeviceId: 'dev-1' });
    const step = { graph: { status: 204, requestId: null }, token: { from: 'disabled' as const, event: { type: 'enabled' as const }, changes: { lastError: null }, detail: { inEntra: 'activated' }, purgeSeedIfTenantSays: true } };

    expect(await finishStep(db(), { actor: 'worker', operation: fast!.op, ...step })).toEqual({ next: [], seedPurged: true });
    await inTransaction(slow!.token, slow!.op, step, true);

    const left = await leftOf(fast!.token.id);
    expect(left).toEqual(await leftOf(slow!.token.id));
    expect(left.token).toMatchObject({ state: 'active', secretKeyId: null, secretCiphertext: null });
    expect(left.audit[0]!.detail).toEqual({ from: 'disabled', to: 'active', inEntra: 'activated', seedPurged: true });
  });

  it("writes a create's rows and inserts the chain's next step, as the transaction did; a failed next step is written failed", async () => {
    const tenantId = await insertTenant(db());
    for (const next of [
      (token: Token): NewOperationInput => ({ tenantId, tokenId: token.id, kind: 'token.activate', generation: 1, createdBy: 'worker', params: { upn: 'carol@contoso.example' } }),
      (token: Token): NewOperationInput => ({ tenantId, tokenId: token.id, kind: 'token.assign', generation: 1, createdBy: 'worker', params: { upn: 'nobody@contoso.example', activate: true }, status: 'failed', lastErrorCode: 'user_not_found', lastErrorMessage: 'no user nobody@contoso.example in Entra' }),
    ]) {
      const [fast, slow] = await twins(tenantId, 'imported', 'token.create');
      const step = (token: Token) => ({
        graph: { status: 201, requestId: 'req-2' },
        detail: { deviceId: 'dev-9', bulk: true },
        token: { from: 'imported' as const, event: { type: 'assigned' as const }, changes: { graphDeviceId: 'dev-9', graphMethodId: 'dev-9', lastError: null, assignedUserId: 'user-9', assignedUpn: 'carol@contoso.example' } },
        next: next(token),
      });

      const finished = await finishStep(db(), { actor: 'worker', operation: fast!.op, ...step(fast!.token) });
      await inTransaction(slow!.token, slow!.op, step(slow!.token));

      const left = await leftOf(fast!.token.id);
      expect(left).toEqual(await leftOf(slow!.token.id));
      expect(left.token).toMatchObject({ state: 'assigned', graphDeviceId: 'dev-9', assignedUserId: 'user-9', activated: false });
      const [, inserted] = await db().select().from(operations).where(eq(operations.tokenId, fast!.token.id)).orderBy(asc(operations.createdAt));
      // What the queue is given: the row as inserted.
      expect(finished?.next).toEqual([{ id: inserted!.id, kind: inserted!.kind, tenantId, tokenId: fast!.token.id, generation: 1, status: inserted!.status, params: inserted!.params }]);
    }
  });

  it('writes nothing and answers null when the token is no longer in the state the job read', async () => {
    const tenantId = await insertTenant(db());
    const [{ token, op }] = (await twins(tenantId, 'assigned', 'token.activate', { assignedUserId: 'user-1', graphDeviceId: 'dev-1' })) as [{ token: Token; op: Operation }];
    // Reported lost while the activation was in Entra.
    await db().update(tokens).set({ state: 'lost' }).where(eq(tokens.id, token.id));
    const before = await leftOf(token.id);
    const next: NewOperationInput = { tenantId, tokenId: token.id, kind: 'token.deactivate', generation: 2, createdBy: 'worker' };
    expect(await finishStep(db(), { actor: 'worker', operation: op, graph: { status: 204, requestId: null }, token: { from: 'assigned', event: { type: 'activated' }, changes: { lastError: null } }, next })).toBeNull();
    expect(await leftOf(token.id)).toEqual(before);
    expect(before.operations).toEqual([expect.objectContaining({ status: 'running' })]);
  });

  it('moves the token but leaves an operation another attempt has ended, as completeOperation does', async () => {
    const tenantId = await insertTenant(db());
    const [fast, slow] = await twins(tenantId, 'assigned', 'token.activate', { assignedUserId: 'user-1', graphDeviceId: 'dev-1' });
    for (const { op } of [fast!, slow!]) await db().update(operations).set({ status: 'succeeded', lastGraphStatus: 200 }).where(eq(operations.id, op.id));
    const step = { graph: { status: 204, requestId: 'req-3' }, token: { from: 'assigned' as const, event: { type: 'activated' as const }, changes: { lastError: null } } };

    expect(await finishStep(db(), { actor: 'worker', operation: fast!.op, ...step })).not.toBeNull();
    await inTransaction(slow!.token, slow!.op, step);

    const left = await leftOf(fast!.token.id);
    expect(left).toEqual(await leftOf(slow!.token.id));
    expect(left.operations).toEqual([expect.objectContaining({ status: 'succeeded', lastGraphStatus: 200, lastRequestId: null })]);
    expect(left.audit.map((row) => row.action)).toEqual(['token.activated']);
  });

  it('refuses a secret in an audit detail, as appendAudit does', async () => {
    const tenantId = await insertTenant(db());
    const [{ token, op }] = (await twins(tenantId, 'assigned', 'token.activate')) as [{ token: Token; op: Operation }];
    await expect(finishStep(db(), { actor: 'worker', operation: op, graph: { status: 204, requestId: null }, token: { from: 'assigned', event: { type: 'activated' }, changes: {}, detail: { secret: 'JBSWY3DP' } } })).rejects.toThrow(/looks like a secret/);
    expect((await leftOf(token.id)).token.state).toBe('assigned');
  });
});
