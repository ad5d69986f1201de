// One token, one operator action: the single place where an action on a token is checked and written.
// The API's token routes, the worker's bulk fan-out and the HR webhooks all call `requestTokenAction` in
// their own transaction and enqueue the operations it returns after COMMIT (docs/reliability.md).
//
// It locks the token row, checks the action against the life cycle (packages/domain/src/lifecycle.ts),
// refuses a second in-flight operation for the same step, and writes the operation rows and the audit
// trail. What it refuses is a TokenStateConflict with a code, which the API answers as 409.
//
// Every action that changes Entra does so through a queued operation, and the token's state moves only
// when the worker has Graph's confirmation (docs/token-lifecycle.md); until then the operation shows it is
// under way. Two actions change the state at once because they must hold while Entra catches up: retire
// (no Graph call) and lost (out of service before anything else can touch it).
import { and, eq, inArray } from 'drizzle-orm';
import { applyTokenEvent, canApply, UNFINISHED_OPERATION_STATUSES, type OperationKind, type TokenAction, type TokenEvent, type TokenState } from '@tokenfleet/domain';
import { appendAudit } from './audit';
import type { DbOrTx } from './client';
import { requestOperation } from './operation-store';
import { operations, tokens, type Operation, type OperationParams, type Token } from './schema';
import type { SeedVault } from './seed-vault';
import { TokenStateConflict, transitionToken, updateTokenFields } from './token-store';

/** What an action may need beyond the token. Never stored as given: each action picks what it keeps. */
export interface TokenActionParams {
  /** assign, reassign: the user to give the token to. */
  upn?: string;
  /** delete of a token assigned to a user: that user's UPN, typed by the operator as a confirmation. */
  confirm?: string;
  /** enable of a token whose seed was purged: the code the token shows now. Encrypted before it is stored. */
  verificationCode?: string;
  /** lost: the reporter's note. */
  note?: string;
  /** edit: the display name in Entra. */
  displayName?: string;
  /** edit: Tokenfleet's own comment; null clears it. */
  comment?: string | null;
}

export interface TokenActionRequest {
  tokenId: string;
  action: TokenAction;
  /** Who asks: `api-key:<name>`, `user:<name>`, `webhook:<source>`, `bulk:<id>`... */
  actor: string;
  params?: TokenActionParams;
  /** Needed only to seal an operator's verification code (enable without a seed). */
  vault?: Pick<SeedVault, 'encrypt'>;
}

export interface TokenActionResult {
  /** Committed with the caller's transaction; enqueue them after COMMIT. Empty for actions done at once. */
  operations: Operation[];
  /** The token as the transaction leaves it. */
  token: Token;
}

/** The token does not exist (the API answers 404). */
export class TokenNotFound extends Error {
  override readonly name = 'TokenNotFound';
  constructor(readonly tokenId: string) {
    super(`Token ${tokenId} was not found`);
  }
}

/** What an operator's code is encrypted against: it opens only for this token (see seed-vault.ts). */
export function operatorCodeBinding(tokenId: string): string {
  return `operator-code:${tokenId}`;
}

type Locked = Token;
type Context = { tx: DbOrTx; token: Locked; actor: string; params: TokenActionParams; vault: TokenActionRequest['vault'] };
type Carry = (context: Context) => Promise<Operation[]>;

/** Actions that are one queued Graph step, and the life-cycle event that step leads to. */
const SINGLE_STEPS: Partial<Record<TokenAction, { kind: OperationKind; event: Exclude<TokenEvent['type'], 'retried'> }>> = {
  assign: { kind: 'token.assign', event: 'assigned' },
  activate: { kind: 'token.activate', event: 'activated' },
  unassign: { kind: 'token.unassign', event: 'unassigned' },
  disable: { kind: 'token.deactivate', event: 'disabled' },
};

const ACTIONS: Record<TokenAction, Carry> = {
  assign: (c) => singleStep(c, 'assign', { upn: requireUpn(c) }),
  activate: (c) => singleStep(c, 'activate', {}),
  unassign: (c) => {
    if (!c.token.assignedUserId && (c.token.state === 'lost' || c.token.state === 'retired')) throw conflict(c.token, 'this token is not assigned to anyone', 'not_assigned');
    return singleStep(c, 'unassign', {});
  },
  disable: (c) => singleStep(c, 'disable', {}),
  enable: enable,
  delete: remove,
  reassign: reassign,
  lost: reportLost,
  retire: async ({ tx, token, actor }) => {
    // A retired token is never activated again, so its seed has no use left: purge it.
    await transitionToken(tx, token, { type: 'retired' }, { secretKeyId: null, secretCiphertext: null }, { actor, detail: { seedPurged: true } });
    return [];
  },
  edit: edit,
};

export async function requestTokenAction(tx: DbOrTx, request: TokenActionRequest): Promise<TokenActionResult> {
  const { tokenId, action, actor, params = {}, vault } = request;
  const [token] = await tx.select().from(tokens).where(eq(tokens.id, tokenId)).for('update');
  if (!token) throw new TokenNotFound(tokenId);
  const written = await ACTIONS[action]({ tx, token, actor, params, vault });
  return { operations: written, token: await reread(tx, token.id) };
}

async function singleStep(c: Context, action: keyof typeof SINGLE_STEPS, params: OperationParams): Promise<Operation[]> {
  const step = SINGLE_STEPS[action]!;
  refuseUnless(c.token, step.event);
  await refuseInFlight(c.tx, c.token, [step.kind]);
  return [await request(c, step.kind, params)];
}

/** Activate again with a code computed at send time from the seed, or the operator's code where it was purged. */
async function enable(c: Context): Promise<Operation[]> {
  refuseUnless(c.token, 'enabled');
  await refuseInFlight(c.tx, c.token, ['token.activate', 'token.deactivate']);
  const hasSeed = c.token.secretCiphertext !== null;
  const code = c.params.verificationCode;
  if (hasSeed) return [await request(c, 'token.activate', { enable: true })];
  if (!code) {
    throw conflict(c.token, "this token's seed was purged, so Tokenfleet cannot compute its code: enter the code the token shows now (verificationCode)", 'code_required');
  }
  if (!c.vault) throw new Error('enable with an operator code needs the seed vault to seal the code');
  const sealed = c.vault.encrypt(operatorCodeBinding(c.token.id), code);
  // The code is good for one window: it goes to the head of the queue, ahead of an import's thousands.
  return [await request(c, 'token.activate', { enable: true, urgent: true, sealedCode: { keyId: sealed.keyId, ciphertext: sealed.ciphertext.toString('base64') } }, { operatorCode: true })];
}

/** Delete from Entra; a token still assigned is unassigned first, after the operator has named its user. */
async function remove(c: Context): Promise<Operation[]> {
  const { token } = c;
  await refuseInFlight(c.tx, token, ['token.unassign', 'token.delete']);
  if (!token.assignedUserId && !token.assignedUpn) {
    refuseUnless(token, 'deleted');
    return [await request(c, 'token.delete', {})];
  }
  const afterUnassign = stateAfter(token, 'unassigned');
  if (!canApply(afterUnassign, 'deleted')) refuseUnless({ ...token, state: afterUnassign }, 'deleted');
  const upn = token.assignedUpn ?? token.assignedUserId!;
  if (!c.params.confirm || c.params.confirm.trim().toLowerCase() !== upn.toLowerCase()) {
    throw conflict(token, `this token is assigned to ${upn}: confirm the delete by naming that user (confirm)`, 'confirmation_required');
  }
  return [await request(c, 'token.unassign', { then: 'delete' }, { then: 'delete', confirmedUser: upn }, true)];
}

/** Unassign, assign to the new user, activate: one chain of operations, each step visible. */
async function reassign(c: Context): Promise<Operation[]> {
  const { token } = c;
  const upn = requireUpn(c);
  await refuseInFlight(c.tx, token, ['token.unassign', 'token.assign', 'token.activate', 'token.deactivate']);
  if (token.assignedUpn && token.assignedUpn.toLowerCase() === upn.toLowerCase()) throw conflict(token, `this token is already assigned to ${token.assignedUpn}`, 'same_user');
  if (!token.graphDeviceId) throw conflict(token, `this token is ${token.state} and not in Entra yet; assign it once it is`, 'not_created');
  if (token.secretCiphertext === null) {
    throw conflict(token, "this token's seed was purged, so it cannot be activated on the new user; import it again or hand it over and activate it there", 'seed_purged');
  }
  if (!token.assignedUserId) {
    // Nobody holds it in Entra: the chain starts at the assignment.
    refuseUnless(token, 'assigned');
    return [await request(c, 'token.assign', { upn, activate: true }, { reassign: true }, true)];
  }
  const afterUnassign = stateAfter(token, 'unassigned');
  if (afterUnassign !== 'created') refuseUnless({ ...token, state: afterUnassign }, 'assigned');
  return [await request(c, 'token.unassign', { then: 'assign', upn, activate: true }, { then: 'assign', reassignTo: upn, from: token.assignedUpn }, true)];
}

/**
 * Out of service at once: the token is marked lost in this transaction (nothing queued after this can
 * activate it), queued assignments and activations are cancelled, and Entra deactivates it ahead of the
 * tenant's other queued work.
 */
async function reportLost(c: Context): Promise<Operation[]> {
  const { tx, token, actor } = c;
  const note = c.params.note?.trim() || null;
  await transitionToken(tx, token, { type: 'lost' }, { lostAt: new Date(), lostNote: note }, { actor, detail: { note } });
  const cancelled = await tx
    .update(operations)
    .set({ status: 'cancelled', finishedAt: new Date(), updatedAt: new Date(), lastErrorCode: 'token_lost', lastErrorMessage: 'the token was reported lost' })
    .where(and(eq(operations.tokenId, token.id), inArray(operations.kind, ['token.assign', 'token.activate']), inArray(operations.status, ['pending', 'queued'])))
    .returning();
  for (const op of cancelled) {
    await appendAudit(tx, { actor, action: 'operation.cancelled', outcome: 'info', tenantId: op.tenantId, targetType: 'operation', targetId: op.id, tokenId: op.tokenId, operationId: op.id, detail: { kind: op.kind, reason: 'token reported lost' } });
  }
  if (!token.graphDeviceId || !token.assignedUserId) return [];
  const [inFlight] = await tx
    .select({ id: operations.id })
    .from(operations)
    .where(and(eq(operations.tokenId, token.id), eq(operations.kind, 'token.deactivate'), inArray(operations.status, ['pending', 'queued'])));
  if (inFlight) {
    // A disable already waits: move it to the head of the queue rather than write a second one.
    const [moved] = await tx.update(operations).set({ params: { urgent: true }, updatedAt: new Date() }).where(eq(operations.id, inFlight.id)).returning();
    return [moved!];
  }
  return [await request(c, 'token.deactivate', { urgent: true }, { lost: true })];
}

/** The display name in Entra and the comment in Tokenfleet, each audited with its old and new value. */
async function edit(c: Context): Promise<Operation[]> {
  const { tx, token, params } = c;
  const written: Operation[] = [];
  if (params.comment !== undefined) {
    const comment = params.comment?.trim() || null;
    if (comment !== token.comment) {
      await updateTokenFields(tx, token.id, { comment });
      await audit(c, 'token.edited', { field: 'comment', from: token.comment, to: comment });
    }
  }
  const displayName = params.displayName?.trim();
  if (displayName !== undefined && displayName !== token.displayName) {
    if (displayName.length === 0) throw conflict(token, 'a display name cannot be empty', 'invalid_display_name');
    if (!token.graphDeviceId || token.state === 'deleted') {
      // Not in Entra (yet): the create will carry the new name.
      await updateTokenFields(tx, token.id, { displayName });
      await audit(c, 'token.edited', { field: 'displayName', from: token.displayName, to: displayName, entra: 'sent with the create' });
    } else if (!token.assignedUserId) {
      // Entra renames only an unassigned device (docs/graph-hardware-oath.md §2.5); the name changes here when it has.
      await refuseInFlight(tx, token, ['token.update']);
      written.push(await request(c, 'token.update', { displayName }, { field: 'displayName', from: token.displayName, to: displayName }));
    } else if (token.state === 'assigned' || token.state === 'disabled') {
      // Entra will not rename an assigned device, but every activation names it: the next one carries this.
      await updateTokenFields(tx, token.id, { displayName });
      await audit(c, 'token.edited', { field: 'displayName', from: token.displayName, to: displayName, entra: 'sent with the next activation' });
    } else {
      throw conflict(
        token,
        `Entra renames a token only while it is not assigned, or when it is activated; a token that is ${token.state} cannot be renamed there now` +
          (token.state === 'active' ? ' (disable it, rename it, and enable it again)' : ''),
        'rename_not_possible',
      );
    }
  }
  if (params.comment === undefined && params.displayName === undefined) throw conflict(token, 'an edit needs a displayName or a comment', 'nothing_to_change');
  return written;
}

function request(c: Context, kind: OperationKind, params: OperationParams, detail?: Record<string, unknown>, startsChain = false): Promise<Operation> {
  return requestOperation(c.tx, { tenantId: c.token.tenantId, tokenId: c.token.id, kind, params, actor: c.actor, startsChain, ...(detail ? { detail } : {}) });
}

function audit(c: Context, action: string, detail: Record<string, unknown>) {
  return appendAudit(c.tx, { actor: c.actor, action, outcome: 'success', tenantId: c.token.tenantId, targetType: 'token', targetId: c.token.id, tokenId: c.token.id, detail });
}

function conflict(token: Pick<Token, 'id'>, message: string, code?: string): TokenStateConflict {
  return new TokenStateConflict(token.id, message, code);
}

/** Throws the life cycle's reason when `event` may not happen to the token now. */
function refuseUnless(token: Pick<Token, 'id' | 'state'>, event: Exclude<TokenEvent['type'], 'retried'>): void {
  const verdict = applyTokenEvent(token.state, { type: event });
  if (!verdict.ok) throw conflict(token, verdict.reason);
}

function stateAfter(token: Pick<Token, 'id' | 'state'>, event: 'unassigned'): TokenState {
  const verdict = applyTokenEvent(token.state, { type: event });
  if (!verdict.ok) throw conflict(token, verdict.reason);
  return verdict.state;
}

/** A second click must not start a second Graph write for the same step. */
async function refuseInFlight(tx: DbOrTx, token: Pick<Token, 'id'>, kinds: OperationKind[]): Promise<void> {
  const [inFlight] = await tx
    .select({ id: operations.id, kind: operations.kind, status: operations.status })
    .from(operations)
    .where(and(eq(operations.tokenId, token.id), inArray(operations.kind, kinds), inArray(operations.status, [...UNFINISHED_OPERATION_STATUSES])))
    .limit(1);
  if (inFlight) {
    throw conflict(token, `this token already has a ${inFlight.kind.replace('token.', '')} operation ${inFlight.status} (${inFlight.id})`, 'operation_in_progress');
  }
}

function requireUpn(c: Context): string {
  if (!c.params.upn) throw conflict(c.token, 'this action needs the user to assign the token to (upn)', 'user_required');
  return c.params.upn;
}

async function reread(tx: DbOrTx, tokenId: string): Promise<Token> {
  const [row] = await tx.select().from(tokens).where(eq(tokens.id, tokenId));
  return row!;
}
