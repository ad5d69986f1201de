import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents, operations, tokens } from '../src/schema';
import { transitionToken, TokenStateConflict } from '../src/token-store';
import { insertOperations, requestOperation, retryOperations } from '../src/operation-store';
import { insertTenant, insertToken, useTestDatabase } from './fixtures';

const database = useTestDatabase();

describe('transitionToken', () => {
  it('moves a token along the life cycle and audits the change in the same transaction', async () => {
    const { db } = database.client;
    const tenantId = await insertTenant(db);
    const token = await insertToken(db, tenantId);
    const updated = await transitionToken(db, token, { type: 'assigned' }, { graphDeviceId: 'dev-1', assignedUpn: 'a@contoso.example' }, { actor: 'worker' });
    expect(updated).toMatchObject({ state: 'assigned', graphDeviceId: 'dev-1', assignedUpn: 'a@contoso.example' });
    const audit = await db.select().from(auditEvents).where(eq(auditEvents.tokenId, token.id));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'worker', action: 'token.assigned', outcome: 'success', detail: { from: 'imported', to: 'assigned' } });
  });

  it('refuses what the life cycle forbids, with its reason, and changes nothing', async () => {
    const { db } = database.client;
    const tenantId = await insertTenant(db);
    const token = await insertToken(db, tenantId, { state: 'active' });
    await expect(transitionToken(db, token, { type: 'deleted' }, {}, { actor: 'user:alice' })).rejects.toThrow(/cannot be deleted \(unassign it first\)/);
    const [row] = await db.select().from(tokens).where(eq(tokens.id, token.id));
    expect(row!.state).toBe('active');
  });

  it('refuses a change based on a stale read (someone moved the token meanwhile)', async () => {
    const { db } = database.client;
    const tenantId = await insertTenant(db);
    const token = await insertToken(db, tenantId, { state: 'assigned' });
    await transitionToken(db, token, { type: 'activated' }, {}, { actor: 'worker' });
    const error = await transitionToken(db, token, { type: 'activated' }, {}, { actor: 'worker' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenStateConflict);
  });
});

describe('operations', () => {
  it('an operator request bumps the token generation so its job id is new', async () => {
    const { db } = database.client;
    const tenantId = await insertTenant(db);
    const token = await insertToken(db, tenantId, { state: 'created', generation: 4 });
    const op = await db.transaction((tx) => requestOperation(tx, { tenantId, tokenId: token.id, kind: 'token.assign', params: { upn: 'bob@contoso.example' }, actor: 'user:alice' }));
    expect(op).toMatchObject({ kind: 'token.assign', status: 'queued', generation: 5, createdBy: 'user:alice', params: { upn: 'bob@contoso.example' } });
    const audit = await db.select().from(auditEvents).where(eq(auditEvents.operationId, op.id));
    expect(audit.map((row) => row.action)).toEqual(['operation.requested']);
  });

  it('inserting the same operation twice keeps one row', async () => {
    const { db } = database.client;
    const tenantId = await insertTenant(db);
    const token = await insertToken(db, tenantId);
    const input = { tenantId, tokenId: token.id, kind: 'token.create' as const, generation: 0, createdBy: 'import' };
    expect(await insertOperations(db, [input])).toHaveLength(1);
    expect(await insertOperations(db, [input])).toHaveLength(0);
  });

  it('a retry re-queues a failed operation under a new generation and resumes its failed token', async () => {
    const { db } = database.client;
    const tenantId = await insertTenant(db);
    const token = await insertToken(db, tenantId, { state: 'failed', graphDeviceId: 'dev-9', assignedUserId: 'user-9' });
    const [op] = await insertOperations(db, [{ tenantId, tokenId: token.id, kind: 'token.activate', generation: 0, createdBy: 'worker', status: 'failed', lastErrorCode: 'badRequest', lastErrorMessage: 'wrong code' }]);
    const [succeeded] = await insertOperations(db, [{ tenantId, tokenId: token.id, kind: 'token.create', generation: 0, createdBy: 'worker' }]);
    const retried = await db.transaction((tx) => retryOperations(tx, [op!.id, succeeded!.id], 'user:alice'));
    expect(retried).toHaveLength(1);
    expect(retried[0]).toMatchObject({ id: op!.id, status: 'queued', generation: 1 });
    const [row] = await db.select().from(tokens).where(eq(tokens.id, token.id));
    expect(row).toMatchObject({ state: 'assigned', generation: 1 });
    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.tokenId, token.id))).map((e) => `${e.actor} ${e.action}`);
    expect(actions).toEqual(expect.arrayContaining(['user:alice operation.retried', 'user:alice token.retried']));
    const [unchanged] = await db.select().from(operations).where(eq(operations.id, succeeded!.id));
    expect(unchanged!.status).toBe('queued');
    expect(unchanged!.generation).toBe(0);
  });
});
