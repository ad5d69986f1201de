// TEMPORARY: stands in for packages/db/src/token-actions.ts (branch `lifecycle`) until it is merged, with
// the same signature, so the bulk fan-out is written against the one per-token path it will call. Deleted
// at the merge.
import { and, eq, inArray } from 'drizzle-orm';
import { applyTokenEvent, UNFINISHED_OPERATION_STATUSES, type OperationKind, type TokenEvent } from '@tokenfleet/domain';
import type { DbOrTx } from './client';
import { requestOperation } from './operation-store';
import { operations, tokens, type Operation, type OperationParams } from './schema';
import { TokenStateConflict, transitionToken, type TokenChanges } from './token-store';

export type TokenAction = 'assign' | 'activate' | 'unassign' | 'delete' | 'retire' | 'disable' | 'enable';

export class TokenActionConflict extends Error {
  override readonly name = 'TokenActionConflict';
  constructor(readonly code: 'not_found' | 'invalid_transition' | 'operation_in_progress', message: string) {
    super(message);
  }
}

const QUEUED: Partial<Record<TokenAction, { kind: OperationKind; event: TokenEvent['type'] }>> = {
  assign: { kind: 'token.assign', event: 'assigned' },
  activate: { kind: 'token.activate', event: 'activated' },
  unassign: { kind: 'token.unassign', event: 'unassigned' },
  delete: { kind: 'token.delete', event: 'deleted' },
};
const AT_ONCE: Partial<Record<TokenAction, { event: 'disabled' | 'enabled' | 'retired'; changes: TokenChanges }>> = {
  disable: { event: 'disabled', changes: {} },
  enable: { event: 'enabled', changes: {} },
  retire: { event: 'retired', changes: { secretKeyId: null, secretCiphertext: null } },
};

export async function requestTokenAction(
  tx: DbOrTx,
  input: { tokenId: string; action: TokenAction; actor: string; params?: OperationParams },
): Promise<{ operations: Operation[] }> {
  const [token] = await tx.select({ id: tokens.id, tenantId: tokens.tenantId, state: tokens.state }).from(tokens).where(eq(tokens.id, input.tokenId)).for('update');
  if (!token) throw new TokenActionConflict('not_found', `token ${input.tokenId} not found`);
  const queued = QUEUED[input.action];
  if (queued) {
    const verdict = applyTokenEvent(token.state, { type: queued.event } as TokenEvent);
    if (!verdict.ok) throw new TokenActionConflict('invalid_transition', verdict.reason);
    const [inFlight] = await tx
      .select({ id: operations.id, status: operations.status })
      .from(operations)
      .where(and(eq(operations.tokenId, token.id), eq(operations.kind, queued.kind), inArray(operations.status, [...UNFINISHED_OPERATION_STATUSES])))
      .limit(1);
    if (inFlight) throw new TokenActionConflict('operation_in_progress', `this token already has a ${input.action} operation ${inFlight.status}`);
    return { operations: [await requestOperation(tx, { tenantId: token.tenantId, tokenId: token.id, kind: queued.kind, params: input.params ?? {}, actor: input.actor })] };
  }
  const atOnce = AT_ONCE[input.action]!;
  try {
    await transitionToken(tx, token, { type: atOnce.event }, atOnce.changes, { actor: input.actor });
  } catch (error) {
    if (error instanceof TokenStateConflict) throw new TokenActionConflict('invalid_transition', error.message);
    throw error;
  }
  return { operations: [] };
}
