// Operation rows: one per token and Graph-facing step, the truth behind every queued job. The API and the
// worker create them here; jobs are enqueued after the transaction that wrote them commits, and the
// reconciler enqueues any that a crash left behind.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { resumeStateFor, type OperationKind } from '@tokenfleet/domain';
import { appendAudit } from './audit';
import { transitionToken } from './token-store';
import type { DbOrTx } from './client';
import { operations, tokens, type Operation, type OperationParams } from './schema';

/** Operation kinds that would bring a token back into service; never retried for a lost token. */
const BACK_INTO_SERVICE_KINDS: ReadonlySet<OperationKind> = new Set(['token.create', 'token.assign', 'token.activate']);

export interface NewOperationInput {
  tenantId: string;
  tokenId: string;
  kind: OperationKind;
  generation: number;
  params?: OperationParams;
  importId?: string | null;
  createdBy: string;
  /** Defaults to `queued`; a step that is already known to fail is written `failed` with its reason. */
  status?: 'queued' | 'failed';
  lastErrorCode?: string;
  lastErrorMessage?: string;
  /** Given when the caller needs the id before the insert (the first step of a chain carries its own). */
  id?: string;
  /** The first operation of the chain this one is a step of (see operations.chainId). */
  chainId?: string | null;
  /** The bulk action whose progress counts this operation; a chain's later steps carry their first step's. */
  bulkActionId?: string | null;
}

/** The row an operation input becomes (`finishStep` inserts the same row in its one statement). */
export function newOperationRow(input: NewOperationInput, now: Date) {
  return {
    id: input.id ?? randomUUID(),
    chainId: input.chainId ?? null,
    bulkActionId: input.bulkActionId ?? null,
    tenantId: input.tenantId,
    tokenId: input.tokenId,
    kind: input.kind,
    status: input.status ?? 'queued',
    generation: input.generation,
    params: input.params ?? {},
    importId: input.importId ?? null,
    createdBy: input.createdBy,
    lastErrorCode: input.lastErrorCode ?? null,
    lastErrorMessage: input.lastErrorMessage ?? null,
    queuedAt: input.status === 'failed' ? null : now,
    finishedAt: input.status === 'failed' ? now : null,
  } satisfies typeof operations.$inferInsert;
}

export async function insertOperations(tx: DbOrTx, inputs: NewOperationInput[]): Promise<Operation[]> {
  if (inputs.length === 0) return [];
  const now = new Date();
  return tx
    .insert(operations)
    .values(inputs.map((input) => newOperationRow(input, now)))
    .onConflictDoNothing({ target: [operations.tokenId, operations.kind, operations.generation] })
    .returning();
}

/**
 * An operator's (or webhook's) request for one step on one token: bumps the token's generation so the
 * new job id never collides with an old one, writes the operation and its audit row. The caller enqueues
 * the returned operation after the transaction commits.
 */
export async function requestOperation(
  tx: DbOrTx,
  input: {
    tenantId: string;
    tokenId: string;
    kind: OperationKind;
    params?: OperationParams;
    actor: string;
    /** The first step of a chain of steps (reassign, delete of an assigned token): it is the chain's id. */
    startsChain?: boolean;
    /** Context for the audit row besides the kind and the user; never secrets. */
    detail?: Record<string, unknown>;
  },
): Promise<Operation> {
  const [bumped] = await tx
    .update(tokens)
    .set({ generation: sql`${tokens.generation} + 1`, updatedAt: new Date() })
    .where(eq(tokens.id, input.tokenId))
    .returning({ generation: tokens.generation });
  if (!bumped) throw new Error(`token ${input.tokenId} not found`);
  const id = randomUUID();
  const { startsChain, detail, ...fields } = input;
  const [operation] = await insertOperations(tx, [{ ...fields, id, chainId: startsChain ? id : null, generation: bumped.generation, createdBy: input.actor }]);
  await appendAudit(tx, {
    actor: input.actor,
    action: 'operation.requested',
    outcome: 'info',
    tenantId: input.tenantId,
    targetType: 'operation',
    targetId: operation!.id,
    tokenId: input.tokenId,
    operationId: operation!.id,
    detail: { kind: input.kind, ...(input.params?.upn ? { upn: input.params.upn } : {}), ...(startsChain ? { chainId: id } : {}), ...detail },
  });
  return operation!;
}

/**
 * Puts failed operations back in line: each gets the token's next generation (a fresh job id) and status
 * `queued`, a failed token resumes its life cycle, and an `operation.retried` audit row names who asked.
 * `sentAt` stays: a create or activation that may have reached Graph is looked up before it is sent
 * again, and a device found that way is adopted rather than refused as someone else's.
 * Returns the operations to enqueue.
 */
export async function retryOperations(tx: DbOrTx, operationIds: string[], actor: string): Promise<Operation[]> {
  if (operationIds.length === 0) return [];
  const failed = await tx.select().from(operations).where(and(inArray(operations.id, operationIds), eq(operations.status, 'failed'))).for('update');
  // A token reported lost never signs in again: its failed assignments and activations stay failed.
  const lost = new Set(
    (await tx.select({ id: tokens.id }).from(tokens).where(and(inArray(tokens.id, [...new Set(failed.map((op) => op.tokenId))]), eq(tokens.state, 'lost')))).map((row) => row.id),
  );
  const retried: Operation[] = [];
  for (const operation of failed) {
    if (lost.has(operation.tokenId) && BACK_INTO_SERVICE_KINDS.has(operation.kind)) continue;
    const [bumped] = await tx
      .update(tokens)
      .set({ generation: sql`${tokens.generation} + 1`, updatedAt: new Date() })
      .where(eq(tokens.id, operation.tokenId))
      .returning();
    // A token that failed picks up where what Entra holds for it says (no device → create again, ...).
    if (bumped!.state === 'failed') {
      await transitionToken(tx, bumped!, { type: 'retried', resumeAt: resumeStateFor(bumped!) }, { lastError: null }, { actor, operationId: operation.id });
    }
    const [row] = await tx
      .update(operations)
      .set({ status: 'queued', generation: bumped!.generation, claimedBy: null, queuedAt: new Date(), finishedAt: null, updatedAt: new Date() })
      .where(eq(operations.id, operation.id))
      .returning();
    await appendAudit(tx, {
      actor,
      action: 'operation.retried',
      outcome: 'info',
      tenantId: operation.tenantId,
      targetType: 'operation',
      targetId: operation.id,
      tokenId: operation.tokenId,
      operationId: operation.id,
      importId: operation.importId,
      detail: { kind: operation.kind, previousError: operation.lastErrorCode, generation: bumped!.generation },
    });
    retried.push(row!);
  }
  return retried;
}
