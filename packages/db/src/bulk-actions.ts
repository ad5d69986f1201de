// Bulk actions: one operator action over many tokens. The API writes the row (and answers at once); the
// worker's bulk.expand job walks the selection in keyset order, a chunk per transaction, and asks the
// single-token path (requestTokenAction) for each token, so a bulk action and a single one never differ.
// Each chunk commits its operations, its skipped tokens and the walk's cursor together, and the caller
// enqueues the operations after COMMIT: a crash anywhere resumes from the cursor without doing a token
// twice, and the reconciler enqueues what a crash left unqueued (docs/reliability.md).
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNotNull, isNull, sql, type SQL } from 'drizzle-orm';
import type { BulkAction, TokenState } from '@tokenfleet/domain';
import { appendAudit } from './audit';
import type { Database, DbOrTx } from './client';
import { loadOperationProgress, unfinishedOperations, type OperationProgress } from './import-progress';
import { retryOperations } from './operation-store';
import { bulkActions, bulkActionSkips, operations, tokens, type BulkActionRow, type BulkSelection, type Operation } from './schema';
import { requestTokenAction, TokenNotFound } from './token-actions';
import { TokenStateConflict } from './token-store';
import { tokenFilterConditions } from './token-filters';

/** Tokens per transaction of the walk: small enough to hold few locks for little time, large enough to be quick. */
export const BULK_CHUNK = 100;

/** The tokens a selection names, within its tenant. */
export function selectionConditions(tenantId: string, selection: BulkSelection): SQL | undefined {
  return and(
    eq(tokens.tenantId, tenantId),
    selection.tokenIds ? inArray(tokens.id, selection.tokenIds) : undefined,
    ...(selection.filter ? tokenFilterConditions(selection.filter) : []),
  );
}

export interface SelectionPreview {
  total: number;
  /** Distinct users the selected tokens are assigned to. */
  users: number;
  /** Selected tokens assigned to nobody. */
  unassigned: number;
  /** Some of those users' UPNs, in order, for the confirmation. */
  sampleUpns: string[];
  byState: Record<string, number>;
}

/** What a confirmation says: how many tokens, which users. Two grouped queries, whatever the size. */
export async function previewSelection(db: DbOrTx, tenantId: string, selection: BulkSelection, sample = 10): Promise<SelectionPreview> {
  const where = selectionConditions(tenantId, selection);
  const [counts] = await db
    .select({
      total: sql<number>`count(*)::int`,
      users: sql<number>`count(distinct lower(${tokens.assignedUpn}))::int`,
      unassigned: sql<number>`(count(*) filter (where ${tokens.assignedUpn} is null))::int`,
    })
    .from(tokens)
    .where(where);
  const states = await db.select({ state: tokens.state, count: sql<number>`count(*)::int` }).from(tokens).where(where).groupBy(tokens.state);
  const upns = await db
    .selectDistinct({ upn: sql<string>`lower(${tokens.assignedUpn})` })
    .from(tokens)
    .where(and(where, isNotNull(tokens.assignedUpn)))
    .orderBy(sql`lower(${tokens.assignedUpn})`)
    .limit(sample);
  return {
    total: counts?.total ?? 0,
    users: counts?.users ?? 0,
    unassigned: counts?.unassigned ?? 0,
    sampleUpns: upns.map((row) => row.upn),
    byState: Object.fromEntries(states.map((row) => [row.state, row.count])),
  };
}

export async function createBulkAction(
  db: Database,
  input: { tenantId: string; action: BulkAction; selection: BulkSelection; total: number; actor: string },
): Promise<BulkActionRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(bulkActions)
      .values({ id: randomUUID(), tenantId: input.tenantId, action: input.action, status: 'running', selection: input.selection, total: input.total, createdBy: input.actor })
      .returning();
    await appendAudit(tx, {
      actor: input.actor,
      action: 'bulk.requested',
      outcome: 'info',
      tenantId: input.tenantId,
      targetType: 'bulk_action',
      targetId: row!.id,
      detail: { action: input.action, total: input.total, ...(input.selection.filter ? { filter: input.selection.filter } : { tokenIds: input.selection.tokenIds?.length ?? 0 }) },
    });
    return row!;
  });
}

export interface WalkStep {
  /** Operations this chunk committed; the caller enqueues them. */
  operations: Operation[];
  /** Tokens this chunk handled. */
  handled: number;
  /** The walk of this round has ended (or the action was cancelled); no more chunks. */
  finished: boolean;
}

/**
 * One chunk of the walk, in one transaction that holds the bulk action's row: the cursor read, each
 * token's request (a savepoint each, so a refused token is a skip and the rest go on), the cursor written.
 * A cancel takes the same row lock, so no chunk starts after it.
 */
export async function walkBulkChunk(db: Database, bulkActionId: string, chunk = BULK_CHUNK): Promise<WalkStep> {
  return db.transaction(async (tx): Promise<WalkStep> => {
    const [bulk] = await tx.select().from(bulkActions).where(eq(bulkActions.id, bulkActionId)).for('update');
    if (!bulk || bulk.walkedAt) return { operations: [], handled: 0, finished: true };
    if (bulk.status !== 'running') {
      await endWalk(tx, bulk);
      return { operations: [], handled: 0, finished: true };
    }
    if (bulk.phase === 'failed-operations') {
      // A retry round: the failed operations first, back in line as the operations screen's retry puts them.
      const failed = await tx
        .select({ id: operations.id })
        .from(operations)
        .where(and(eq(operations.bulkActionId, bulk.id), eq(operations.status, 'failed'), bulk.cursor ? gt(operations.id, bulk.cursor) : undefined))
        .orderBy(asc(operations.id))
        .limit(chunk);
      const retried = await retryOperations(tx, failed.map((row) => row.id), bulk.createdBy);
      const last = failed.at(-1)?.id ?? null;
      await tx
        .update(bulkActions)
        .set(last && failed.length === chunk ? { cursor: last } : { phase: 'skipped', cursor: null })
        .where(eq(bulkActions.id, bulk.id));
      return { operations: retried, handled: failed.length, finished: false };
    }

    const ids =
      bulk.phase === 'skipped'
        ? (await tx
            .select({ id: bulkActionSkips.tokenId })
            .from(bulkActionSkips)
            .where(and(eq(bulkActionSkips.bulkActionId, bulk.id), bulk.cursor ? gt(bulkActionSkips.tokenId, bulk.cursor) : undefined))
            .orderBy(asc(bulkActionSkips.tokenId))
            .limit(chunk)).map((row) => row.id)
        : (await tx
            .select({ id: tokens.id })
            .from(tokens)
            .where(and(selectionConditions(bulk.tenantId, bulk.selection), bulk.cursor ? gt(tokens.id, bulk.cursor) : undefined))
            .orderBy(asc(tokens.id))
            .limit(chunk)).map((row) => row.id);
    // A single delete of an assigned token asks the operator to name its user; a bulk delete's
    // confirmation named the users of the selection, so each token's own user stands confirmed (a token
    // reassigned since is refused by the single path, as its user no longer matches).
    const users = bulk.action === 'delete' && ids.length > 0
      ? new Map((await tx.select({ id: tokens.id, upn: tokens.assignedUpn, userId: tokens.assignedUserId }).from(tokens).where(inArray(tokens.id, ids))).map((row) => [row.id, row.upn ?? row.userId]))
      : new Map<string, string | null>();

    const requested: Operation[] = [];
    const skipped: { tokenId: string; code: string; reason: string }[] = [];
    const succeeded: string[] = [];
    let doneAtOnce = 0;
    for (const tokenId of ids) {
      try {
        const confirm = users.get(tokenId);
        const result = await tx.transaction((savepoint) => requestTokenAction(savepoint, { tokenId, action: bulk.action, actor: bulk.createdBy, ...(confirm ? { params: { confirm } } : {}) }));
        succeeded.push(tokenId);
        if (result.operations.length === 0) doneAtOnce += 1;
        requested.push(...result.operations);
      } catch (error) {
        // Refused for this token only (its life cycle, a step in flight, gone since it was selected).
        if (error instanceof TokenStateConflict) skipped.push({ tokenId, code: error.code, reason: capitalise(error.message) });
        else if (error instanceof TokenNotFound) continue;
        else throw error;
      }
    }
    if (requested.length > 0) {
      await tx.update(operations).set({ bulkActionId: bulk.id }).where(inArray(operations.id, requested.map((op) => op.id)));
    }
    if (skipped.length > 0) {
      await tx
        .insert(bulkActionSkips)
        .values(skipped.map((skip) => ({ bulkActionId: bulk.id, ...skip })))
        .onConflictDoUpdate({ target: [bulkActionSkips.bulkActionId, bulkActionSkips.tokenId], set: { code: sql`excluded.code`, reason: sql`excluded.reason`, at: sql`now()` } });
    }
    if (bulk.phase === 'skipped' && succeeded.length > 0) {
      await tx.delete(bulkActionSkips).where(and(eq(bulkActionSkips.bulkActionId, bulk.id), inArray(bulkActionSkips.tokenId, succeeded)));
    }
    const [updated] = await tx
      .update(bulkActions)
      .set({
        cursor: ids.at(-1) ?? bulk.cursor,
        walked: bulk.phase === 'selection' ? sql`${bulkActions.walked} + ${ids.length}` : bulkActions.walked,
        doneAtOnce: sql`${bulkActions.doneAtOnce} + ${doneAtOnce}`,
      })
      .where(eq(bulkActions.id, bulk.id))
      .returning();
    const finished = ids.length < chunk;
    if (finished) await endWalk(tx, updated!);
    return { operations: requested.map((op) => ({ ...op, bulkActionId: bulk.id })), handled: ids.length, finished };
  });
}

/** The walk of this round is over: the first round's total becomes the tokens it found (unless cancelled). */
async function endWalk(tx: DbOrTx, bulk: BulkActionRow): Promise<void> {
  await tx
    .update(bulkActions)
    .set({ walkedAt: new Date(), ...(bulk.round === 0 && bulk.status === 'running' ? { total: bulk.walked } : {}) })
    .where(eq(bulkActions.id, bulk.id));
}

export interface BulkProgress {
  total: number;
  /** Carried out: operations succeeded, or done at once without Graph. */
  done: number;
  /** An operation failed (Graph refused, attempts spent). */
  failed: number;
  /** The life cycle refused the action for the token now (each with its reason in the failures). */
  skipped: number;
  cancelled: number;
  /** Still to do: operations not finished, tokens not walked yet. */
  pending: number;
  /** Tokens the walk has reached. */
  walked: number;
}

export interface BulkStats {
  progress: BulkProgress;
  operations: OperationProgress;
}

/** The progress of bulk actions, from their operations (as an import's), their skips and their walk. */
export async function loadBulkStats(db: DbOrTx, rows: readonly BulkActionRow[]): Promise<Map<string, BulkStats>> {
  const ids = rows.map((row) => row.id);
  const operationProgress = await loadOperationProgress(db, operations.bulkActionId, ids);
  const skips = ids.length === 0 ? [] : await db
    .select({ id: bulkActionSkips.bulkActionId, count: sql<number>`count(*)::int` })
    .from(bulkActionSkips)
    .where(inArray(bulkActionSkips.bulkActionId, ids))
    .groupBy(bulkActionSkips.bulkActionId);
  const skipped = new Map(skips.map((row) => [row.id, row.count]));
  return new Map(
    rows.map((row): [string, BulkStats] => {
      const ops = operationProgress.get(row.id)!;
      const unwalked = row.round === 0 ? Math.max(0, row.total - row.walked) : 0;
      const stopped = row.cancelledAt !== null;
      return [
        row.id,
        {
          operations: ops,
          progress: {
            total: row.total,
            done: row.doneAtOnce + ops.succeededTokens,
            failed: ops.failedTokens,
            skipped: skipped.get(row.id) ?? 0,
            cancelled: ops.cancelledTokens + (stopped ? unwalked : 0),
            pending: ops.pendingTokens + (stopped ? 0 : unwalked),
            walked: row.walked,
          },
        },
      ];
    }),
  );
}

/** Settles a bulk action whose walk has ended and whose operations have all finished; answers the row as it stands. */
export async function settleBulkAction(db: Database, row: BulkActionRow, stats: BulkStats): Promise<BulkActionRow> {
  if ((row.status !== 'running' && row.status !== 'cancelling') || !row.walkedAt || unfinishedOperations(stats.operations) > 0) return row;
  const status = row.cancelledAt ? 'cancelled' : stats.progress.failed + stats.progress.skipped > 0 ? 'completed_with_errors' : 'completed';
  return db.transaction(async (tx) => {
    const [settled] = await tx
      .update(bulkActions)
      .set({ status, finishedAt: new Date() })
      .where(and(eq(bulkActions.id, row.id), eq(bulkActions.status, row.status), isNotNull(bulkActions.walkedAt)))
      .returning();
    if (!settled) return (await tx.select().from(bulkActions).where(eq(bulkActions.id, row.id)))[0] ?? row;
    const { done, failed, skipped, cancelled } = stats.progress;
    await appendAudit(tx, {
      actor: 'system',
      action: 'bulk.finished',
      // Refused tokens and failed operations are listed with the action; the event itself says what ended.
      outcome: status === 'completed' ? 'success' : 'info',
      tenantId: row.tenantId,
      targetType: 'bulk_action',
      targetId: row.id,
      detail: { action: row.action, status, total: row.total, done, failed, skipped, cancelled },
    });
    return settled;
  });
}

/** Settles every bulk action of a tenant that has ended (the reconciler's periodic pass). */
export async function settleFinishedBulkActions(db: Database, tenantId: string): Promise<number> {
  const open = await db.select().from(bulkActions).where(and(eq(bulkActions.tenantId, tenantId), inArray(bulkActions.status, ['running', 'cancelling']), isNotNull(bulkActions.walkedAt)));
  const stats = await loadBulkStats(db, open);
  let settled = 0;
  for (const row of open) if ((await settleBulkAction(db, row, stats.get(row.id)!)).status !== row.status) settled += 1;
  return settled;
}

/** Bulk actions of a tenant whose walk has not ended: the reconciler makes sure each has its job. */
export async function unwalkedBulkActions(db: Database, tenantId: string, before: Date): Promise<BulkActionRow[]> {
  return db
    .select()
    .from(bulkActions)
    .where(and(eq(bulkActions.tenantId, tenantId), inArray(bulkActions.status, ['running', 'cancelling']), isNull(bulkActions.walkedAt), sql`${bulkActions.updatedAt} < ${before.toISOString()}::timestamptz`));
}

export class BulkActionConflict extends Error {
  override readonly name = 'BulkActionConflict';
  constructor(readonly code: 'bulk_action_finished' | 'bulk_action_running' | 'nothing_to_retry', message: string) {
    super(message);
  }
}

/**
 * Cancels a running bulk action: its walk stops before its next chunk, and its operations not yet sent
 * to Graph are cancelled (a queued job then finds its operation cancelled and ends without a call).
 * Operations already on their way finish; the action settles as `cancelled` once they have.
 */
export async function cancelBulkAction(db: Database, bulkActionId: string, actor: string): Promise<BulkActionRow | undefined> {
  return db.transaction(async (tx) => {
    const [bulk] = await tx.select().from(bulkActions).where(eq(bulkActions.id, bulkActionId)).for('update');
    if (!bulk) return undefined;
    if (bulk.status !== 'running') throw new BulkActionConflict('bulk_action_finished', `This bulk action is ${bulk.status.replace(/_/g, ' ')}; only a running one can be cancelled`);
    const now = new Date();
    const cancelled = await tx
      .update(operations)
      .set({ status: 'cancelled', finishedAt: now, updatedAt: now, lastErrorMessage: `cancelled by ${actor}` })
      .where(and(eq(operations.bulkActionId, bulk.id), inArray(operations.status, ['pending', 'queued']), isNull(operations.sentAt)))
      .returning({ id: operations.id });
    const [row] = await tx.update(bulkActions).set({ status: 'cancelling', cancelledAt: now, cancelledBy: actor }).where(eq(bulkActions.id, bulk.id)).returning();
    await appendAudit(tx, {
      actor,
      action: 'bulk.cancelled',
      outcome: 'info',
      tenantId: bulk.tenantId,
      targetType: 'bulk_action',
      targetId: bulk.id,
      detail: { action: bulk.action, operationsCancelled: cancelled.length, walked: bulk.walked, total: bulk.total },
    });
    return row!;
  });
}

/**
 * Starts a retry round of a settled bulk action: its failed operations go back in line and its skipped
 * tokens are asked again, by the walk (a new round, so a new job id). Answers the row to enqueue the walk of.
 */
export async function retryBulkAction(db: Database, bulkActionId: string, actor: string, failures: number): Promise<BulkActionRow | undefined> {
  return db.transaction(async (tx) => {
    const [bulk] = await tx.select().from(bulkActions).where(eq(bulkActions.id, bulkActionId)).for('update');
    if (!bulk) return undefined;
    if (bulk.status === 'running' || bulk.status === 'cancelling') throw new BulkActionConflict('bulk_action_running', 'This bulk action is still running; retry its failures once it has finished');
    if (failures === 0) throw new BulkActionConflict('nothing_to_retry', 'Nothing of this bulk action failed or was refused');
    const [row] = await tx
      .update(bulkActions)
      .set({ status: 'running', round: bulk.round + 1, phase: 'failed-operations', cursor: null, walkedAt: null, finishedAt: null })
      .where(eq(bulkActions.id, bulk.id))
      .returning();
    await appendAudit(tx, {
      actor,
      action: 'bulk.retried',
      outcome: 'info',
      tenantId: bulk.tenantId,
      targetType: 'bulk_action',
      targetId: bulk.id,
      detail: { action: bulk.action, round: row!.round, failures },
    });
    return row!;
  });
}

export type BulkFailure = {
  tokenId: string;
  serialNumber: string;
  assignedUpn: string | null;
  state: TokenState;
  /** `skipped`: the life cycle refused the action; `failed`: its operation failed. */
  outcome: 'skipped' | 'failed';
  code: string;
  reason: string;
  operationId: string | null;
};

const NO_OPERATION = '00000000-0000-0000-0000-000000000000';

/** A page of what a bulk action could not do, in token order, from after the (token id, operation id) cursor. */
export async function bulkFailurePage(db: DbOrTx, bulkActionId: string, limit: number, after?: [string, string]): Promise<BulkFailure[]> {
  const rows = await db.execute<BulkFailure>(sql`
    select f.token_id as "tokenId", t.serial_number as "serialNumber", t.assigned_upn as "assignedUpn", t.state,
           f.outcome, f.code, f.reason, f.operation_id as "operationId"
      from (
        select token_id, 'skipped' as outcome, code, reason, null::uuid as operation_id
          from ${bulkActionSkips} where bulk_action_id = ${bulkActionId}
        union all
        select token_id, 'failed', coalesce(last_error_code, 'unknown'), coalesce(last_error_message, 'the operation failed'), id
          from ${operations} where bulk_action_id = ${bulkActionId} and status = 'failed'
      ) f
      join ${tokens} t on t.id = f.token_id
     where ${after ? sql`(f.token_id, coalesce(f.operation_id, ${NO_OPERATION}::uuid)) > (${after[0]}::uuid, ${after[1]}::uuid)` : sql`true`}
     order by f.token_id, coalesce(f.operation_id, ${NO_OPERATION}::uuid)
     limit ${limit}`);
  return [...rows];
}

export function bulkFailureCursor(row: BulkFailure): [string, string] {
  return [row.tokenId, row.operationId ?? NO_OPERATION];
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
