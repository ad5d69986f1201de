// The one wrapper around every Graph call a job makes: spend from the tenant's shared write budget, call,
// write the audit row for the call's outcome, and translate the outcome into control flow.
//   ok          → the value
//   permanent   → returned to the caller, which decides (a 404 on unassign means "already done")
//   429         → the whole tenant queue pauses for Retry-After, then writes go evenly paced with no
//                 burst (packages/queue/src/write-budget.ts); the job goes back to wait, no attempt spent
//   transient   → TransientFailure (5xx, 503 included, timeouts): BullMQ retries this job with backoff,
//                 no sooner than a 503's Retry-After
//   unreachable → PartUnavailable('graph'): no connection could be made, so nothing was sent; the job
//                 waits for Graph without spending an attempt
// A request that never reached Graph (refused with 429, never connected, or stopped by the caller with
// NotSent) gives its write back to the budget and its operations lose the "sent" mark it put on them.
import { Worker } from 'bullmq';
import { sql } from 'drizzle-orm';
import { graphCallSeconds, graphCalls, graphPausedSeconds, graphThrottles, graphWrites } from '@tokenfleet/config';
import { appendAudit, directoryUsers, type DbOrTx } from '@tokenfleet/db';
import { USERS_PER_LOOKUP, type GraphOutcome, type HardwareOathDevice } from '@tokenfleet/graph';
import { QUEUE_JOB_RATE_CEILING } from '@tokenfleet/queue';
import { delayJob, NotSent, PartUnavailable, PermanentFailure, TransientFailure } from './errors';
import type { JobContext } from './context';
import { markSent, unmarkSent } from './store';

export interface GraphCallSpec {
  /** Names the call in the audit trail, e.g. `createDevices`, `activate`. */
  action: string;
  /** Writes spend the tenant's write budget; reads do not. */
  write: boolean;
  /** What the write costs of the budget when Graph charges it more than one (a bulk create counted per item). */
  writes?: number;
  tokenId?: string | null;
  operationId?: string | null;
  importId?: string | null;
  /** Context for the audit row; never secrets. */
  detail?: Record<string, unknown>;
  /** Operations this request carries: marked sent just before it leaves, so a retry looks before writing. */
  carries?: string[];
  /** Runs after the budget is granted, just before the request; may throw NotSent to stop it. */
  beforeSend?: () => Promise<void>;
  /**
   * The longest wait for the write budget after which the call is still worth sending (an activation's code
   * must leave before its window closes). A longer wait takes no write: the slot stays free for a call that
   * can use it, and `waitForBudget` spends the wait.
   */
  budgetWaitLimitMs?: () => number;
  /** How a long wait for the write budget is spent; by default the job moves to the delayed set. */
  waitForBudget?: (waitMs: number) => Promise<never>;
}

/** Connection failures that mean the request never left this machine (unlike a reset or a timeout). */
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT']);

export type SettledOutcome<T> = Extract<GraphOutcome<T>, { kind: 'ok' | 'permanent' }>;

/**
 * A read that failed transiently is tried again at once, this often, before the job's attempt fails: a
 * bulk create's retry must look up fifty serials, and a job whose every read must succeed on the first try
 * would rarely get through while Graph sheds a tenth of its requests. Writes are never repeated here.
 */
export const READ_RETRIES = [200, 500, 1_000];

export async function callGraph<T>(jc: JobContext, spec: GraphCallSpec, call: () => Promise<GraphOutcome<T>>): Promise<SettledOutcome<T>> {
  if (spec.write) return settle(jc, await sendOnce(jc, spec, call));
  for (const pause of READ_RETRIES) {
    const outcome = await sendOnce(jc, spec, call);
    if (outcome.kind !== 'transient' && !(outcome.kind === 'rate-limited' && outcome.status === 503)) return settle(jc, outcome);
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
  return settle(jc, await sendOnce(jc, spec, call));
}

/** One request: budget (for writes), the caller's last step before sending, the call, its audit row. */
async function sendOnce<T>(jc: JobContext, spec: GraphCallSpec, call: () => Promise<GraphOutcome<T>>): Promise<GraphOutcome<T>> {
  const writes = spec.write ? (spec.writes ?? 1) : 0;
  const banked = spec.write ? await spendWrite(jc, spec, writes) : 0;
  let marked: string[] = [];
  const takeBack = async () => {
    if (spec.write) await jc.tenant.budget.refund(writes);
    await unmarkSent(jc.db, marked);
  };
  const started = Date.now();
  let outcome: GraphOutcome<T>;
  try {
    await spec.beforeSend?.();
    marked = await markSent(jc.db, spec.carries ?? []);
    const callStarted = Date.now();
    outcome = await call();
    // Answered activations size the activation's send margin (apps/worker/src/activation-gate.ts): the
    // trip alone, not the database write before it, which an outage of Postgres can stretch to minutes.
    // Other calls carry other loads (a page of 999 devices), and a timeout says nothing of the trip.
    if (spec.action === 'activate' && outcome.kind !== 'transient') jc.tenant.roundTrips.record(Date.now() - callStarted);
  } catch (error) {
    if (error instanceof NotSent) await takeBack();
    throw error;
  }
  const durationMs = Date.now() - started;
  // Graph's bucket is empty: block the tenant's budget before anything else this job does (the refund, the
  // database writes), so the slots that finish meanwhile do not send more writes into it. settle() then
  // spends the bank the refund gave back.
  if (outcome.kind === 'rate-limited' && outcome.status === 429) {
    await jc.tenant.budget.block(outcome.retryAfterMs);
    await jc.tenant.budget.refusedWithBank(banked);
  }
  const neverConnected = outcome.kind === 'transient' && outcome.status === null && outcome.code !== null && NEVER_CONNECTED.has(outcome.code);
  const sentBack = (outcome.kind === 'rate-limited' && outcome.status === 429) || neverConnected;
  if (sentBack) await takeBack();
  const tenant = jc.tenant.tenantId;
  graphCalls.inc({ tenant, operation: spec.action, outcome: outcome.kind });
  graphCallSeconds.observe({ tenant, operation: spec.action }, durationMs / 1000);
  if (spec.write && !sentBack) graphWrites.inc({ tenant }, writes);
  // Graph's word on how full its write budget is outranks our model of it (a 429 is handled in settle).
  if (spec.write && !sentBack && outcome.limitUsage !== undefined) await jc.tenant.budget.followUsage(outcome.limitUsage);

  if (outcome.firstTry) {
    // The client's one retry with a fresh token: the refused first request is a call of its own.
    await appendAudit(jc.db, {
      actor: 'worker',
      action: `graph.${spec.action}`,
      outcome: 'failure',
      tenantId: jc.tenant.tenantId,
      tokenId: spec.tokenId ?? null,
      operationId: spec.operationId ?? null,
      importId: spec.importId ?? null,
      graphStatus: outcome.firstTry.status,
      graphRequestId: outcome.firstTry.requestId,
      durationMs: outcome.firstTry.durationMs,
      detail: { ...spec.detail, result: 'unauthorized', code: outcome.firstTry.code, note: 'retried once with a fresh token' },
    });
  }
  await appendAudit(jc.db, {
    actor: 'worker',
    action: `graph.${spec.action}`,
    outcome: outcome.kind === 'ok' ? 'success' : 'failure',
    tenantId: jc.tenant.tenantId,
    tokenId: spec.tokenId ?? null,
    operationId: spec.operationId ?? null,
    importId: spec.importId ?? null,
    graphStatus: outcome.status,
    graphRequestId: outcome.requestId,
    durationMs,
    detail: {
      ...spec.detail,
      result: outcome.kind,
      // The overview's pace counts these (apps/api/src/routes/system.ts): writes Graph counted against the budget.
      ...(spec.write && !sentBack ? { writeSpent: true, ...(writes > 1 ? { writes } : {}) } : {}),
      ...(outcome.kind === 'permanent' || outcome.kind === 'transient' ? { code: outcome.code, message: outcome.message } : {}),
      ...(outcome.kind === 'rate-limited' ? { retryAfterMs: outcome.retryAfterMs, fromHeader: outcome.fromHeader } : {}),
    },
  });
  if (neverConnected && outcome.kind === 'transient') throw new PartUnavailable('graph', outcome.message);
  return outcome;
}

/** Turns an outcome into control flow (see the header of this file). */
async function settle<T>(jc: JobContext, outcome: GraphOutcome<T>): Promise<SettledOutcome<T>> {
  switch (outcome.kind) {
    case 'ok':
    case 'permanent':
      return outcome;
    case 'rate-limited':
      // A 503 is one request failing (Graph shedding load or a node restarting): that job retries with
      // backoff. Only a 429 speaks of the tenant's budget, so only a 429 pauses the tenant's queue.
      if (outcome.status === 503) {
        throw new TransientFailure(
          outcome.code ?? 'serviceNotAvailable',
          `Graph answered 503 (retry after ${outcome.retryAfterMs} ms)`,
          { status: 503, requestId: outcome.requestId },
          outcome.fromHeader ? outcome.retryAfterMs : null,
        );
      }
      jc.logger.warn({ tenantId: jc.tenant.tenantId, retryAfterMs: outcome.retryAfterMs, status: outcome.status }, 'Graph throttled the tenant; pausing its queue');
      graphThrottles.inc({ tenant: jc.tenant.tenantId });
      graphPausedSeconds.inc({ tenant: jc.tenant.tenantId }, outcome.retryAfterMs / 1000);
      await jc.tenant.budget.throttled(outcome.retryAfterMs);
      // A later, shorter Retry-After must not cut short a pause a longer one began.
      if ((await jc.tenant.queue.getRateLimitTtl(QUEUE_JOB_RATE_CEILING.max)) < outcome.retryAfterMs) await jc.tenant.queue.rateLimit(outcome.retryAfterMs);
      throw Worker.RateLimitError();
    case 'transient':
      throw new TransientFailure(outcome.code ?? `http_${outcome.status ?? 'network'}`, outcome.message, { status: outcome.status, requestId: outcome.requestId });
  }
}

/**
 * Waits for one write from the tenant's budget. A short wait is spent holding the job; a long one (a
 * 429 pause, a saturated budget) moves the job to the delayed set instead, without spending an attempt.
 * Answers how many writes the bank still held once this one was granted (0 for one granted after a wait).
 */
async function spendWrite(jc: JobContext, spec: GraphCallSpec, writes: number): Promise<number> {
  const limit = Math.min(jc.config.budgetMaxWaitMs, Math.max(0, spec.budgetWaitLimitMs?.() ?? Infinity));
  let banked = 0;
  const wait = await jc.tenant.budget.acquire(limit, undefined, writes, (left) => (banked = left));
  if (wait > 0) await (spec.waitForBudget ?? ((ms: number) => delayJob(jc, ms)))(wait);
  return banked;
}

/** For calls whose permanent failure has no special meaning to the caller. */
export function okOrThrow<T>(outcome: SettledOutcome<T>, what: string): T {
  if (outcome.kind === 'ok') return outcome.value;
  throw permanentFrom(outcome, what);
}

/** A Graph refusal as the operation's failure: Graph's error code, and its message after what we tried. */
export function permanentFrom(outcome: Extract<GraphOutcome<unknown>, { kind: 'permanent' }>, what: string): PermanentFailure {
  return new PermanentFailure(outcome.code, `${what}: Graph answered ${outcome.status} ${outcome.code}: ${outcome.message}`, {
    status: outcome.status,
    requestId: outcome.requestId,
  });
}

/** Where a job's Graph calls are filed in the audit trail. */
export type AuditLink = Pick<GraphCallSpec, 'tokenId' | 'operationId' | 'importId'>;

/** The device as Graph holds it now: asked when an earlier attempt's answer may have been lost. */
export async function lookUpDevice(jc: JobContext, deviceId: string, link: AuditLink): Promise<HardwareOathDevice> {
  return okOrThrow(await callGraph(jc, { action: 'getDevice', write: false, ...link }, () => jc.tenant.graph.getDevice(deviceId)), 'looking up the device');
}

/**
 * A user's Entra object id by UPN, or null when Entra has no such user. Ids found are kept for the
 * tenant (a user's id never changes), so one look-up serves a whole import; an unknown user is asked
 * again next time, since they may have been created meanwhile.
 */
export async function lookUpUserId(jc: JobContext, upn: string, link: AuditLink): Promise<string | null> {
  const cached = jc.tenant.userIds.get(upn.toLowerCase());
  if (cached) return cached;
  const user = okOrThrow(await callGraph(jc, { action: 'getUser', write: false, ...link, detail: { upn } }, () => jc.tenant.graph.getUser(upn)), 'looking up the user');
  if (user) {
    jc.tenant.userIds.set(upn.toLowerCase(), user.id);
    // Kept for the screens: the token table shows the display name beside the UPN without asking Graph.
    await rememberDirectoryUsers(jc.db, jc.tenant.tenantId, [{ ...user, userPrincipalName: upn }]);
  }
  return user?.id ?? null;
}

/**
 * Looks up, in reads of USERS_PER_LOOKUP each, the users of these UPNs not known yet, and keeps the ids of
 * those found: a bulk create of fifty tokens costs four directory reads instead of fifty. Users it does
 * not find are left to `lookUpUserId`, whose look-up by UPN answers a definite "no such user".
 */
export async function lookUpUserIds(jc: JobContext, upns: readonly string[], link: AuditLink): Promise<void> {
  const unknown = [...new Set(upns.map((upn) => upn.toLowerCase()))].filter((upn) => !jc.tenant.userIds.has(upn));
  for (let start = 0; start < unknown.length; start += USERS_PER_LOOKUP) {
    const batch = unknown.slice(start, start + USERS_PER_LOOKUP);
    const users = okOrThrow(await callGraph(jc, { action: 'findUsers', write: false, ...link, detail: { users: batch.length } }, () => jc.tenant.graph.findUsersByUpn(batch)), 'looking up users');
    for (const user of users) jc.tenant.userIds.set(user.userPrincipalName.toLowerCase(), user.id);
    // Kept for the screens, as lookUpUserId does: one statement for the whole read.
    await rememberDirectoryUsers(jc.db, jc.tenant.tenantId, users);
  }
}

/** Upserts what the directory answered for these users (id and display name), keyed by tenant and UPN. */
export async function rememberDirectoryUsers(db: DbOrTx, tenantId: string, users: readonly { id: string; displayName: string | null; userPrincipalName: string }[]): Promise<void> {
  if (users.length === 0) return;
  const seenAt = new Date();
  // One row per UPN: Postgres refuses an upsert that would touch the same row twice.
  const byUpn = new Map(users.map((user) => [user.userPrincipalName.toLowerCase(), user]));
  await db
    .insert(directoryUsers)
    .values([...byUpn].map(([upnLower, user]) => ({ tenantId, upnLower, userId: user.id, displayName: user.displayName, seenAt })))
    .onConflictDoUpdate({
      target: [directoryUsers.tenantId, directoryUsers.upnLower],
      set: { userId: sql`excluded.user_id`, displayName: sql`excluded.display_name`, seenAt: sql`excluded.seen_at` },
    });
}
