// The worker's reads and writes of operation rows. Shared state changes of tokens go through
// @tokenfleet/db's transitionToken; what is here is bookkeeping only the worker does.
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { appendAudit, operations, sqlOf, tokens, type Database, type DbOrTx, type Operation, type Token } from '@tokenfleet/db';

export interface OperationWork {
  op: Operation;
  token: Token;
}

export const FINAL_STATUSES: ReadonlySet<Operation['status']> = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * Every job starts with this read, and drizzle took 175 µs of CPU to build it (two tables' columns)
 * each time: it is built once per pool, and each run only binds the id.
 */
const loadOperationQueries = new WeakMap<Database, ReturnType<typeof prepareLoadOperation>>();
function prepareLoadOperation(db: Database) {
  return db.select().from(operations).innerJoin(tokens, eq(tokens.id, operations.tokenId)).where(eq(operations.id, sql.placeholder('operationId'))).prepare('tf_load_operation');
}

export async function loadOperation(db: Database, operationId: string): Promise<OperationWork | null> {
  let query = loadOperationQueries.get(db);
  if (!query) loadOperationQueries.set(db, (query = prepareLoadOperation(db)));
  const [row] = await query.execute({ operationId });
  return row ? { op: row.operations, token: row.tokens } : null;
}

/**
 * Counts an attempt and shows the operation as running, in a statement written out (every job runs it,
 * and drizzle's update builder cost more CPU than the update). With `lastActivationOf`, the same
 * statement answers when another activation of that token last sent a code (`waitForUnusedWindow`
 * needs it), in milliseconds since the epoch, or null.
 */
export async function markRunning(db: Database, operationId: string, { lastActivationOf }: { lastActivationOf?: string } = {}): Promise<{ lastActivationSentMs: number | null }> {
  const lastSent = lastActivationOf
    ? `(select extract(epoch from max(o.sent_at)) * 1000 from operations o where o.token_id = $3::text::uuid and o.kind = 'token.activate' and o.id <> $1::text::uuid)::float8`
    : 'null::float8';
  const [row] = await sqlOf(db).unsafe<{ lastActivationSentMs: number | null }[]>(
    `update operations set status = 'running', attempts = attempts + 1, updated_at = $2::timestamptz where id = $1::text::uuid returning ${lastSent} as "lastActivationSentMs"`,
    lastActivationOf ? [operationId, new Date().toISOString(), lastActivationOf] : [operationId, new Date().toISOString()],
    { prepare: true },
  );
  return { lastActivationSentMs: row?.lastActivationSentMs ?? null };
}

/**
 * Records that a request carrying these operations may reach Graph: a retry must look before writing.
 * Returns the ones not marked before, so that `unmarkSent` can take back exactly those when the request
 * turns out never to have reached Graph.
 */
export async function markSent(db: Database, operationIds: string[]): Promise<string[]> {
  if (operationIds.length === 0) return [];
  // Written out, as markRunning is: every Graph write runs it. The ids go as one text (the pool knows no
  // array types: createDb's fetch_types), split in the statement.
  const marked = await sqlOf(db).unsafe<{ id: string }[]>(
    `update operations set sent_at = $2::timestamptz, updated_at = $2::timestamptz
     where id = any(string_to_array($1::text, ',')::uuid[]) and sent_at is null returning id`,
    [operationIds.join(','), new Date().toISOString()],
    { prepare: true },
  );
  return marked.map((row) => row.id);
}

/** Takes back `markSent` for a request Graph never acted on (refused with 429, or never sent). */
export async function unmarkSent(db: DbOrTx, operationIds: string[]): Promise<void> {
  if (operationIds.length === 0) return;
  await db.update(operations).set({ sentAt: null, updatedAt: new Date() }).where(inArray(operations.id, operationIds));
}

export async function completeOperation(
  tx: DbOrTx,
  op: Pick<Operation, 'id' | 'tenantId' | 'tokenId' | 'importId' | 'kind'>,
  graph: { status: number | null; requestId: string | null } = { status: null, requestId: null },
  detail?: Record<string, unknown>,
): Promise<void> {
  // Once: an operation that has ended already (another attempt finished it) is not ended again.
  const ended = await tx
    .update(operations)
    .set({
      status: 'succeeded',
      finishedAt: new Date(),
      updatedAt: new Date(),
      lastErrorCode: null,
      lastErrorMessage: null,
      lastGraphStatus: graph.status,
      lastRequestId: graph.requestId,
    })
    .where(and(eq(operations.id, op.id), notInArray(operations.status, [...FINAL_STATUSES])))
    .returning({ id: operations.id });
  if (ended.length === 0) return;
  await appendAudit(tx, {
    actor: 'worker',
    action: 'operation.succeeded',
    outcome: 'success',
    tenantId: op.tenantId,
    targetType: 'operation',
    targetId: op.id,
    tokenId: op.tokenId,
    operationId: op.id,
    importId: op.importId,
    graphStatus: graph.status,
    graphRequestId: graph.requestId,
    detail: { kind: op.kind, ...detail },
  });
}

export interface FailureRecord {
  code: string;
  message: string;
  graphStatus: number | null;
  requestId: string | null;
  /** The last attempt: the operation is failed for good (until an operator retries it). */
  final: boolean;
}

/**
 * Writes a failure onto an operation. An intermediate one leaves it for BullMQ's next attempt, with the
 * reason visible: queued, or running when it leads a bulk call (its claims ride on that next attempt,
 * and another leader must not take it from under them). A final failure ends it, and with
 * `includeClaimed` the operations it claimed too. An operation that has already ended (a sibling's
 * failure must never undo a leader's success) is left as it is and not returned.
 */
export async function recordOperationFailure(tx: DbOrTx, op: Operation, failure: FailureRecord, { includeClaimed }: { includeClaimed: boolean }): Promise<Operation[]> {
  const claimed =
    includeClaimed && failure.final
      ? await tx.select({ id: operations.id }).from(operations).where(and(eq(operations.claimedBy, op.id), inArray(operations.status, ['running', 'queued'])))
      : [];
  const ids = [op.id, ...claimed.map((row) => row.id).filter((id) => id !== op.id)];
  // The status is decided on the row as it is now: the copy the job loaded predates its own claim.
  const affected = await tx
    .update(operations)
    .set({
      status: failure.final ? 'failed' : sql`case when ${operations.claimedBy} = ${operations.id} then 'running' else 'queued' end`,
      lastErrorCode: failure.code,
      lastErrorMessage: failure.message,
      lastGraphStatus: failure.graphStatus,
      lastRequestId: failure.requestId,
      updatedAt: new Date(),
      ...(failure.final ? { finishedAt: new Date() } : {}),
    })
    .where(and(inArray(operations.id, ids), notInArray(operations.status, [...FINAL_STATUSES])))
    .returning();
  for (const row of affected) {
    await appendAudit(tx, {
      actor: 'worker',
      action: failure.final ? 'operation.failed' : 'operation.attempt_failed',
      outcome: 'failure',
      tenantId: row.tenantId,
      targetType: 'operation',
      targetId: row.id,
      tokenId: row.tokenId,
      operationId: row.id,
      importId: row.importId,
      graphStatus: failure.graphStatus,
      graphRequestId: failure.requestId,
      detail: { kind: row.kind, code: failure.code, message: failure.message },
    });
  }
  return affected;
}

/**
 * Claims up to `size` queued create operations of the tenant for one bulk call led by `leader`, the
 * leader first, one claim per tenant at a time. Returns every row
 * this leader holds and has not finished, including those claimed by an earlier attempt of the same job.
 */
/**
 * The create a bulk call would claim next for the tenant (the oldest queued one never tried), or null.
 * One tried before is waiting out its backoff, which is not to be cut short.
 */
export async function nextQueuedCreate(db: Database, tenantId: string): Promise<Pick<Operation, 'kind' | 'tokenId' | 'generation'> | null> {
  const [row] = await db
    .select({ kind: operations.kind, tokenId: operations.tokenId, generation: operations.generation })
    .from(operations)
    .where(and(eq(operations.tenantId, tenantId), eq(operations.kind, 'token.create'), eq(operations.status, 'queued'), eq(operations.attempts, 0)))
    .orderBy(asc(operations.createdAt))
    .limit(1);
  return row ?? null;
}

export async function claimCreateChunk(db: Database, leader: Operation, size: number): Promise<OperationWork[]> {
  return db.transaction(async (tx) => {
    // Claims of one tenant take turns: concurrent leaders would otherwise each lock their own row first
    // and split a chunk into many small bulk calls. The lock ends with the transaction.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`tokenfleet:create-claim:${leader.tenantId}`}))`);
    const claimedNow = await tx
      .update(operations)
      .set({ status: 'running', claimedBy: leader.id, attempts: sql`${operations.attempts} + 1`, updatedAt: new Date() })
      .where(and(eq(operations.id, leader.id), eq(operations.status, 'queued')))
      .returning({ id: operations.id });
    // Neither queued now nor held from an earlier attempt of this job: another bulk call claimed it while
    // this job waited for the lock, and carries it. Nothing here to hold or to claim.
    if (claimedNow.length === 0 && leader.claimedBy !== leader.id) return [];
    const held = await tx
      .select({ id: operations.id })
      .from(operations)
      .where(and(eq(operations.claimedBy, leader.id), eq(operations.status, 'running')));
    const room = size - held.length;
    if (room > 0 && held.some((row) => row.id === leader.id)) {
      const free = await tx
        .select({ id: operations.id })
        .from(operations)
        .where(and(eq(operations.tenantId, leader.tenantId), eq(operations.kind, 'token.create'), eq(operations.status, 'queued')))
        .orderBy(asc(operations.createdAt))
        .limit(room)
        .for('update', { skipLocked: true });
      if (free.length > 0) {
        await tx
          .update(operations)
          .set({ status: 'running', claimedBy: leader.id, attempts: sql`${operations.attempts} + 1`, updatedAt: new Date() })
          .where(inArray(operations.id, free.map((row) => row.id)));
      }
    }
    const rows = await tx
      .select()
      .from(operations)
      .innerJoin(tokens, eq(tokens.id, operations.tokenId))
      .where(and(eq(operations.claimedBy, leader.id), eq(operations.status, 'running')))
      .orderBy(asc(operations.createdAt));
    return rows.map((row) => ({ op: row.operations, token: row.tokens }));
  });
}

/** A create operation riding on a bulk call whose leader has ended, and that leader's job. */
export interface ClaimedByEnded {
  id: string;
  claimer: Pick<Operation, 'id' | 'kind' | 'tokenId' | 'generation'>;
}

/**
 * Create operations whose claimer's operation has ended while they are still held: either its job is
 * still carrying them alone (the leader is recorded as soon as Entra holds its device, before the
 * siblings the bulk call refused), or it finished without them. The caller tells the two apart by the
 * claimer's job and releases the orphans (see `releaseOperations`).
 */
export async function claimsOfEndedLeaders(db: Database, tenantId: string, before: Date): Promise<ClaimedByEnded[]> {
  const rows = await db.execute<{ id: string; claimer_id: string; claimer_kind: Operation['kind']; claimer_token_id: string; claimer_generation: number }>(sql`
    select o.id, claimer.id as claimer_id, claimer.kind as claimer_kind, claimer.token_id as claimer_token_id, claimer.generation as claimer_generation
    from operations o join operations claimer on claimer.id = o.claimed_by
    where o.tenant_id = ${tenantId} and o.status in ('queued', 'running') and o.claimed_by <> o.id
      and claimer.status in ('succeeded', 'failed', 'cancelled') and o.updated_at < ${before.toISOString()}::timestamptz`);
  return [...rows].map((row) => ({ id: row.id, claimer: { id: row.claimer_id, kind: row.claimer_kind, tokenId: row.claimer_token_id, generation: row.claimer_generation } }));
}

/**
 * Puts unfinished operations back in line under a new generation, hence a new job id (the old job has
 * ended, or is gone, and BullMQ would ignore a second add of its id): status queued, no claim. Their
 * `sentAt` stays, so the job that picks one up looks in Graph before writing again. The caller enqueues
 * what this returns after the transaction commits; should that enqueue be lost, the reconciler finds
 * them queued without a job.
 */
export async function releaseOperations(tx: DbOrTx, operationIds: string[], failure?: Omit<FailureRecord, 'final'>): Promise<Operation[]> {
  const released: Operation[] = [];
  for (const id of operationIds) {
    const [op] = await tx.select().from(operations).where(eq(operations.id, id)).for('update', { skipLocked: true });
    if (!op || FINAL_STATUSES.has(op.status)) continue;
    const [token] = await tx
      .update(tokens)
      .set({ generation: sql`${tokens.generation} + 1`, updatedAt: new Date() })
      .where(eq(tokens.id, op.tokenId))
      .returning({ generation: tokens.generation });
    const [row] = await tx
      .update(operations)
      .set({
        status: 'queued',
        claimedBy: null,
        generation: token!.generation,
        queuedAt: new Date(),
        updatedAt: new Date(),
        ...(failure ? { lastErrorCode: failure.code, lastErrorMessage: failure.message, lastGraphStatus: failure.graphStatus, lastRequestId: failure.requestId } : {}),
      })
      .where(eq(operations.id, id))
      .returning();
    if (failure) {
      await appendAudit(tx, {
        actor: 'worker',
        action: 'operation.attempt_failed',
        outcome: 'failure',
        tenantId: row!.tenantId,
        targetType: 'operation',
        targetId: row!.id,
        tokenId: row!.tokenId,
        operationId: row!.id,
        importId: row!.importId,
        graphStatus: failure.graphStatus,
        graphRequestId: failure.requestId,
        detail: { kind: row!.kind, code: failure.code, message: failure.message, next: 'retried on its own' },
      });
    }
    released.push(row!);
  }
  return released;
}
