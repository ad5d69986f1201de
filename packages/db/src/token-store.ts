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
  'comment' | 'lostAt' | 'lostNote' | 'expiresAt' | 'lastTestedAt' | 'lastResyncedAt'>>;

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

/** What a transition leaves of the token it was given: the same fields, the changes, the new state. */
export type TransitionedToken<T extends Pick<Token, 'id' | 'tenantId' | 'state'>> = Omit<T, 'state' | 'updatedAt'> &
  TokenChanges & { state: Token['state']; updatedAt: Date; activatedAt?: Date };

/**
 * Moves a token by one life-cycle event and applies `changes` with it. Throws TokenStateConflict when the
 * life cycle forbids the event or the token changed under us; returns the token given, with what changed.
 * Not the row read back: RETURNING every column cost drizzle 82 µs of CPU to build, several times a
 * token in the worker, and no caller reads a column the transition did not set.
 */
export async function transitionToken<T extends Pick<Token, 'id' | 'tenantId' | 'state'>>(
  tx: DbOrTx,
  token: T,
  event: TokenEvent,
  changes: TokenChanges,
  context: TransitionContext,
): Promise<TransitionedToken<T>> {
  const result = applyTokenEvent(token.state, event);
  if (!result.ok) throw new TokenStateConflict(token.id, result.reason);
  const now = new Date();
  // Going into service (again) starts the idle clock that can make an unused token OBSOLETE (status.ts).
  const inService = event.type === 'activated' || event.type === 'enabled' ? { activatedAt: now } : {};
  const [updated] = await tx
    .update(tokens)
    .set({ ...changes, ...inService, state: result.state, updatedAt: now })
    .where(and(eq(tokens.id, token.id), eq(tokens.state, token.state)))
    .returning({ id: tokens.id });
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
  return { ...token, ...changes, ...inService, state: result.state, updatedAt: now };
}

/** Changes fields that are not part of the life cycle (last error, last used, drift) without an event. */
export async function updateTokenFields(tx: DbOrTx, tokenId: string, changes: TokenChanges): Promise<void> {
  await tx.update(tokens).set({ ...changes, updatedAt: new Date() }).where(eq(tokens.id, tokenId));
}
