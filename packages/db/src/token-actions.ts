// One token, one operator action: the single place where an action on a token is checked and written.
// The API's token routes, the worker's bulk fan-out and the HR webhooks all call `requestTokenAction` in
// their own transaction and enqueue the operations it returns after COMMIT (docs/reliability.md).
//
// It locks the token row, checks the action against the life cycle (packages/domain/src/lifecycle.ts),
// refuses a second in-flight operation for the same step, and writes the operation rows and the audit
// trail. What it refuses is a TokenStateConflict with a code, which the API answers as 409.
import { and, eq, inArray } from 'drizzle-orm';
import { applyTokenEvent, UNFINISHED_OPERATION_STATUSES, type OperationKind, type TokenAction, type TokenEvent } from '@tokenfleet/domain';
import type { DbOrTx } from './client';
import { requestOperation } from './operation-store';
import { operations, tokens, type Operation, type Token } from './schema';
import { TokenStateConflict, transitionToken, type TokenChanges } from './token-store';

/** What an action may need beyond the token. Never stored as given: each action picks what it keeps. */
export interface TokenActionParams {
  /** assign: the user to give the token to. */
  upn?: string;
}

export interface TokenActionRequest {
  tokenId: string;
  action: TokenAction;
  /** Who asks: `api-key:<name>`, `user:<name>`, `webhook:<source>`, `bulk:<id>`... */
  actor: string;
  params?: TokenActionParams;
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

/** Actions carried out in Entra through one queued operation, and the life-cycle event it leads to. */
const GRAPH_STEPS: Partial<Record<TokenAction, { kind: OperationKind; event: TokenEvent['type'] }>> = {
  assign: { kind: 'token.assign', event: 'assigned' },
  activate: { kind: 'token.activate', event: 'activated' },
  unassign: { kind: 'token.unassign', event: 'unassigned' },
  delete: { kind: 'token.delete', event: 'deleted' },
};

/** Actions done at once in Tokenfleet's records, without Graph. */
const IMMEDIATE: Partial<Record<TokenAction, { event: TokenEvent; changes: TokenChanges; detail?: Record<string, unknown> }>> = {
  disable: { event: { type: 'disabled' }, changes: {} },
  enable: { event: { type: 'enabled' }, changes: {} },
  // A retired token is never activated again, so its seed has no use left: purge it.
  retire: { event: { type: 'retired' }, changes: { secretKeyId: null, secretCiphertext: null }, detail: { seedPurged: true } },
};

export async function requestTokenAction(tx: DbOrTx, request: TokenActionRequest): Promise<TokenActionResult> {
  const { tokenId, action, actor, params = {} } = request;
  const [token] = await tx.select().from(tokens).where(eq(tokens.id, tokenId)).for('update');
  if (!token) throw new TokenNotFound(tokenId);

  const graph = GRAPH_STEPS[action];
  if (graph) {
    refuseUnless(token, { type: graph.event } as TokenEvent);
    await refuseInFlight(tx, token, graph.kind, action);
    const operation = await requestOperation(tx, {
      tenantId: token.tenantId,
      tokenId: token.id,
      kind: graph.kind,
      params: action === 'assign' ? { upn: requireUpn(token, params) } : {},
      actor,
    });
    return { operations: [operation], token: await reread(tx, token.id) };
  }

  const immediate = IMMEDIATE[action];
  if (immediate) {
    const updated = await transitionToken(tx, token, immediate.event, immediate.changes, { actor, ...(immediate.detail ? { detail: immediate.detail } : {}) });
    return { operations: [], token: updated };
  }
  throw new TokenStateConflict(token.id, `the ${action} action is not available`, 'not_supported');
}

/** Throws the life cycle's reason when `event` may not happen to the token now. */
function refuseUnless(token: Pick<Token, 'id' | 'state'>, event: TokenEvent): void {
  const verdict = applyTokenEvent(token.state, event);
  if (!verdict.ok) throw new TokenStateConflict(token.id, verdict.reason);
}

/** A second click must not start a second Graph write for the same step. */
async function refuseInFlight(tx: DbOrTx, token: Pick<Token, 'id'>, kind: OperationKind, action: TokenAction): Promise<void> {
  const [inFlight] = await tx
    .select({ id: operations.id, status: operations.status })
    .from(operations)
    .where(and(eq(operations.tokenId, token.id), eq(operations.kind, kind), inArray(operations.status, [...UNFINISHED_OPERATION_STATUSES])))
    .limit(1);
  if (inFlight) throw new TokenStateConflict(token.id, `this token already has a ${action} operation ${inFlight.status} (${inFlight.id})`, 'operation_in_progress');
}

function requireUpn(token: Pick<Token, 'id'>, params: TokenActionParams): string {
  if (!params.upn) throw new TokenStateConflict(token.id, 'an assignment needs the user to assign the token to', 'user_required');
  return params.upn;
}

async function reread(tx: DbOrTx, tokenId: string): Promise<Token> {
  const [row] = await tx.select().from(tokens).where(eq(tokens.id, tokenId));
  return row!;
}
