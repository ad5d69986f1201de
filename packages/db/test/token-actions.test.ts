// requestTokenAction as its callers meet it (the API, bulk actions, webhooks): what it writes for each
// action, and the typed refusals a caller maps to its own answer.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createSeedVault, toMasterKey } from '../src/seed-vault';
import { auditEvents, operations, tokens } from '../src/schema';
import { insertOperations } from '../src/operation-store';
import { operatorCodeBinding, requestTokenAction, TokenNotFound, type TokenActionRequest } from '../src/token-actions';
import { TokenStateConflict } from '../src/token-store';
import { insertTenant, insertToken, useTestDatabase } from './fixtures';

const database = useTestDatabase();
const vault = createSeedVault({ current: toMasterKey(randomBytes(32)) });
const act = (request: TokenActionRequest) => database.client.db.transaction((tx) => requestTokenAction(tx, request));
const refusal = (request: TokenActionRequest) => act(request).then(() => null, (error: unknown) => error);

async function assignedToken(state: 'active' | 'disabled' | 'assigned', overrides: Parameters<typeof insertToken>[2] = {}) {
  const tenantId = await insertTenant(database.client.db);
  // A stand-in seed: these actions only ask whether one is kept; nothing here decrypts it.
  const seed = { secretKeyId: 'test-key', secretCiphertext: Buffer.from('not a real ciphertext') };
  return insertToken(database.client.db, tenantId, { state, graphDeviceId: 'dev-1', assignedUserId: 'user-1', assignedUpn: 'carol@contoso.example', ...seed, ...overrides });
}

describe('requestTokenAction', () => {
  it('writes one queued operation for a single Graph step and refuses a second while it is in flight', async () => {
    const token = await assignedToken('active');
    const { operations: [op], token: after } = await act({ tokenId: token.id, action: 'disable', actor: 'bulk:b1' });
    expect(op).toMatchObject({ kind: 'token.deactivate', status: 'queued', createdBy: 'bulk:b1', chainId: null });
    expect(after.state).toBe('active');
    const again = await refusal({ tokenId: token.id, action: 'disable', actor: 'bulk:b1' });
    expect(again).toBeInstanceOf(TokenStateConflict);
    expect((again as TokenStateConflict).code).toBe('operation_in_progress');
  });

  it('refuses an unknown token and a forbidden transition with typed errors', async () => {
    expect(await refusal({ tokenId: '00000000-0000-4000-8000-000000000000', action: 'enable', actor: 'webhook:hr' })).toBeInstanceOf(TokenNotFound);
    const token = await assignedToken('active');
    const error = (await refusal({ tokenId: token.id, action: 'enable', actor: 'webhook:hr' })) as TokenStateConflict;
    expect(error).toMatchObject({ code: 'invalid_state', message: 'a token that is active cannot be enabled' });
  });

  it('starts a reassign and the delete of an assigned token as chains; the delete only once the user is named', async () => {
    const token = await assignedToken('active');
    const unconfirmed = (await refusal({ tokenId: token.id, action: 'delete', actor: 'user:olivia' })) as TokenStateConflict;
    expect(unconfirmed.code).toBe('confirmation_required');
    const { operations: [first] } = await act({ tokenId: token.id, action: 'reassign', actor: 'user:olivia', params: { upn: 'dave@contoso.example' } });
    expect(first).toMatchObject({ kind: 'token.unassign', params: { then: 'assign', upn: 'dave@contoso.example', activate: true } });
    expect(first!.chainId).toBe(first!.id);

    const other = await assignedToken('disabled');
    const { operations: [unassign] } = await act({ tokenId: other.id, action: 'delete', actor: 'user:olivia', params: { confirm: 'CAROL@contoso.example' } });
    expect(unassign).toMatchObject({ kind: 'token.unassign', params: { then: 'delete' }, chainId: unassign!.id });
  });

  it('seals an operator code for an enable without a seed, and asks for one when it is missing', async () => {
    const token = await assignedToken('disabled', { secretKeyId: null, secretCiphertext: null });
    expect(((await refusal({ tokenId: token.id, action: 'enable', actor: 'user:olivia' })) as TokenStateConflict).code).toBe('code_required');
    const { operations: [op] } = await act({ tokenId: token.id, action: 'enable', actor: 'user:olivia', params: { verificationCode: '123456' }, vault });
    expect(op!.params).toMatchObject({ enable: true, urgent: true });
    expect(JSON.stringify(op!.params)).not.toContain('123456');
    const sealed = op!.params.sealedCode!;
    expect(vault.decrypt(operatorCodeBinding(token.id), sealed.keyId, Buffer.from(sealed.ciphertext, 'base64'))).toBe('123456');
  });

  it('marks a lost token at once, cancels its queued activation, and queues an urgent deactivation', async () => {
    const token = await assignedToken('assigned');
    const [queued] = await insertOperations(database.client.db, [{ tenantId: token.tenantId, tokenId: token.id, kind: 'token.activate', generation: 0, createdBy: 'test' }]);
    const { operations: [deactivate], token: lost } = await act({ tokenId: token.id, action: 'lost', actor: 'user:olivia', params: { note: 'stolen from a car' } });
    expect(lost).toMatchObject({ state: 'lost', lostNote: 'stolen from a car' });
    expect(lost.lostAt).toBeInstanceOf(Date);
    expect(deactivate).toMatchObject({ kind: 'token.deactivate', params: { urgent: true } });
    const [cancelled] = await database.client.db.select().from(operations).where(eq(operations.id, queued!.id));
    expect(cancelled).toMatchObject({ status: 'cancelled', lastErrorCode: 'token_lost' });
    for (const action of ['enable', 'activate', 'assign', 'reassign'] as const) {
      const error = await refusal({ tokenId: token.id, action, actor: 'bulk:b2', params: { upn: 'dave@contoso.example' } });
      expect(error, action).toBeInstanceOf(TokenStateConflict);
    }
    const trail = await database.client.db.select({ action: auditEvents.action }).from(auditEvents).where(eq(auditEvents.tokenId, token.id));
    expect(trail.map((row) => row.action)).toEqual(expect.arrayContaining(['token.lost', 'operation.cancelled', 'operation.requested']));
  });

  it('edits the comment at once and audits the old and new value', async () => {
    const token = await assignedToken('active');
    await act({ tokenId: token.id, action: 'edit', actor: 'user:olivia', params: { comment: 'spare for the front desk' } });
    const [row] = await database.client.db.select().from(tokens).where(eq(tokens.id, token.id));
    expect(row!.comment).toBe('spare for the front desk');
    const [edited] = await database.client.db.select().from(auditEvents).where(eq(auditEvents.action, 'token.edited'));
    expect(edited).toMatchObject({ actor: 'user:olivia', detail: { field: 'comment', from: null, to: 'spare for the front desk' } });
  });
});
