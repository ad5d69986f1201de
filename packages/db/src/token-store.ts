// Token state changes, for the API and the worker alike. Every change goes through the domain's life
// cycle (so a transition it forbids is refused here, with its reason), is guarded against a concurrent
// change (`WHERE state = <the state we read>`), and writes its audit row in the same transaction.
import { and, eq } from 'drizzle-orm';
import { applyTokenEvent, type TokenEvent } from '@tokenfleet/domain';
import { appendAudit } from './audit';
import type { DbOrTx } from './client';
import { tokens, type Token } from './schema';

export type TokenChanges = Partial<Pick<Token,
  'assignedUpn' | 'assignedUserId' | 'graphDeviceId' | 'graphMethodId' | 'lastError' | 'lastUsedAt' | 'driftSteps' |
  'lastAcceptedStep' | 'failedValidations' | 'lockedUntil' | 'generation' | 'secretKeyId' | 'secretCiphertext' | 'displayName' |
  'comment' | 'lostAt' | 'lostNote'>>;

/**
 * The token may not do this now. `code` says why for the API's 409 (docs/api-conventions.md, "Errors"):
 * `invalid_state` (the life cycle forbids it), `operation_in_progress` (the same step is under way), or a
 * code an action names (see token-actions.ts).
 */
export class TokenStateConflict extends Error {
  override readonly name = 'TokenStateConflict';
  constructor(readonly tokenId: string, message: string, readonly code: string = 'invalid_state') {
    super(message);
  }
}

export interface TransitionContext {
  actor: string;
  operationId?: string | null;
  importId?: string | null;
  detail?: Record<string, unknown>;
}

/**
 * Moves a token by one life-cycle event and applies `changes` with it. Throws TokenStateConflict when the
 * life cycle forbids the event or the token changed under us; returns the updated row.
 */
export async function transitionToken(
  tx: DbOrTx,
  token: Pick<Token, 'id' | 'tenantId' | 'state'>,
  event: TokenEvent,
  changes: TokenChanges,
  context: TransitionContext,
): Promise<Token> {
  const result = applyTokenEvent(token.state, event);
  if (!result.ok) throw new TokenStateConflict(token.id, result.reason);
  const [updated] = await tx
    .update(tokens)
    .set({ ...changes, state: result.state, updatedAt: new Date() })
    .where(and(eq(tokens.id, token.id), eq(tokens.state, token.state)))
    .returning();
  if (!updated) throw new TokenStateConflict(token.id, `the token changed while it was being ${event.type}; reload and try again`);
  await appendAudit(tx, {
    actor: context.actor,
    action: `token.${event.type}`,
    outcome: 'success',
    tenantId: token.tenantId,
    targetType: 'token',
    targetId: token.id,
    tokenId: token.id,
    operationId: context.operationId ?? null,
    importId: context.importId ?? null,
    detail: { from: token.state, to: result.state, ...context.detail },
  });
  return updated;
}

/** Changes fields that are not part of the life cycle (last error, last used, drift) without an event. */
export async function updateTokenFields(tx: DbOrTx, tokenId: string, changes: TokenChanges): Promise<void> {
  await tx.update(tokens).set({ ...changes, updatedAt: new Date() }).where(eq(tokens.id, tokenId));
}
