// webhook.deliver: carries out one accepted webhook delivery (the API verified, stored and queued it;
// apps/api/src/webhooks/delivery-route.ts). The user is looked up in the directory first, and never is
// anything done on a directory error: Graph throttling, failing or away makes the job wait and retry
// (the same control flow as every other Graph call, graph-call.ts); only a definite "no such user"
// rejects the event. The token actions go through the same function as an operator's, with the source
// as the actor, and their jobs are enqueued after COMMIT. Leavers' tokens are disabled or unassigned by
// the source's policy, never deleted. See docs/webhooks.md.
import { UnrecoverableError } from 'bullmq';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import {
  appendAudit,
  tokens,
  assignAndActivate,
  requestTokenAction,
  TokenStateConflict,
  webhookActor,
  webhookDeliveries,
  webhookJoiners,
  webhookSources,
  type DbOrTx,
  type Operation,
  type Token,
  type WebhookDelivery,
  type WebhookDeliveryResult,
  type WebhookSource,
} from '@tokenfleet/db';
import type { LeaverPolicy, TokenState, WebhookEventType } from '@tokenfleet/domain';
import { enqueueOperations } from '@tokenfleet/queue';
import type { JobContext } from '../context';
import { isWait, outageOf, PermanentFailure } from '../errors';
import { callGraph, okOrThrow } from '../graph-call';
import { describeFailure } from '../operation-runner';
import type { Handler } from './handler';

/** A definite refusal found while carrying the event out: recorded as `rejected`, never retried by itself. */
class Rejection extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface EventData {
  upn?: string;
  serialNumber?: string;
}

/** Tokens a leaver holds: assigned to them in any state that still ties the token to them. */
const HELD_STATES: readonly TokenState[] = ['assigned', 'active', 'disabled', 'failed', 'lost'];

/** What a leaver event does to one token under the source's policy; null leaves it as it is. Never delete. */
export function leaverAction(policy: LeaverPolicy, state: TokenState): 'disable' | 'unassign' | null {
  if (policy === 'unassign') return 'unassign';
  // Disable: an activated token is deactivated and stays assigned; one never activated has nothing to
  // deactivate and goes back to stock (it could not sign in, and a queued activation must not reach it).
  // Disabled or lost: out of service already (a lost token stays lost, never disabled back into a state
  // an enable could leave).
  if (state === 'active') return 'disable';
  if (state === 'disabled' || state === 'lost') return null;
  return 'unassign';
}

export const webhookDeliver: Handler<'webhook.deliver'> = async (job, jc) => {
  const [row] = await jc.db
    .select({ delivery: webhookDeliveries, source: webhookSources })
    .from(webhookDeliveries)
    .innerJoin(webhookSources, eq(webhookSources.id, webhookDeliveries.sourceId))
    .where(eq(webhookDeliveries.id, job.data.deliveryId));
  if (!row) return { status: 'skipped', detail: 'delivery not found' };
  if (row.delivery.status !== 'queued') return { status: 'skipped', detail: `delivery is ${row.delivery.status}` };
  const { delivery, source } = row;
  const type = delivery.eventType as WebhookEventType;
  const data = ((delivery.payload as { data?: EventData } | null)?.data ?? {}) as EventData;
  try {
    // The directory first, outside any transaction: a user.* event, or an assignment, names a person.
    // Asked afresh, not from the worker's cache of ids: a leaver may have been deleted since.
    const userId = data.upn ? await lookUpUserAfresh(jc, data.upn) : null;
    if (data.upn && !userId) throw new Rejection('user_not_found', `There is no user ${data.upn} in Entra`);
    const queued = await jc.db.transaction(async (tx) => {
      // Once: a second run of the same job (a stalled worker's) finds the delivery finished.
      const [locked] = await tx.select({ status: webhookDeliveries.status }).from(webhookDeliveries).where(eq(webhookDeliveries.id, delivery.id)).for('update');
      if (locked?.status !== 'queued') return null;
      const work = new DeliveryWork(tx, source, delivery);
      await work.carryOut(type, data, userId);
      return work.finish();
    });
    if (queued) await enqueueOperations(jc.tenant.queue, queued);
    return { status: queued ? 'done' : 'skipped' };
  } catch (error) {
    if (isWait(error) || outageOf(error)) throw error;
    if (error instanceof Rejection) {
      await settle(jc, delivery, source, 'rejected', error.code, error.message);
      return { status: 'rejected', detail: error.message };
    }
    const failure = describeFailure(error);
    const final = error instanceof PermanentFailure || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) {
      await settle(jc, delivery, source, 'failed', failure.code, failure.message);
      throw new UnrecoverableError(failure.message);
    }
    // Still queued: it waits for its next attempt, and the dashboard says why.
    await jc.db.update(webhookDeliveries).set({ reasonCode: failure.code, reason: `waiting to retry: ${failure.message}`, updatedAt: new Date() }).where(eq(webhookDeliveries.id, delivery.id));
    throw error;
  }
};

/** The user's Entra id, or null for a definite "no such user"; Graph failing or throttling throws (the job waits). */
async function lookUpUserAfresh(jc: JobContext, upn: string): Promise<string | null> {
  const user = okOrThrow(await callGraph(jc, { action: 'getUser', write: false, detail: { upn } }, () => jc.tenant.graph.getUser(upn)), 'looking up the user');
  if (user) jc.tenant.userIds.set(upn.toLowerCase(), user.id);
  return user?.id ?? null;
}

/** Ends a delivery that did nothing, with why, audited with the source as the actor. */
async function settle(jc: JobContext, delivery: WebhookDelivery, source: WebhookSource, status: 'rejected' | 'failed', code: string, reason: string): Promise<void> {
  await jc.db.transaction(async (tx) => {
    const [ended] = await tx
      .update(webhookDeliveries)
      .set({ status, reasonCode: code, reason, finishedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.status, 'queued')))
      .returning({ id: webhookDeliveries.id });
    if (!ended) return;
    await appendAudit(tx, {
      actor: webhookActor(source),
      action: `webhook.${status}`,
      outcome: 'failure',
      tenantId: delivery.tenantId,
      targetType: 'webhook_delivery',
      targetId: delivery.id,
      detail: { sourceId: source.id, webhookId: delivery.webhookId, type: delivery.eventType, code, reason },
    });
  });
}

/** One delivery's changes, inside its transaction: the token actions, the joiner list, the outcome. */
class DeliveryWork {
  private readonly operations: Operation[] = [];
  private readonly result: Required<Pick<WebhookDeliveryResult, 'tokens' | 'skipped'>> & WebhookDeliveryResult = { tokens: [], skipped: [] };
  private readonly actor: string;

  constructor(
    private readonly tx: DbOrTx,
    private readonly source: WebhookSource,
    private readonly delivery: WebhookDelivery,
  ) {
    this.actor = webhookActor(source);
  }

  async carryOut(type: WebhookEventType, data: EventData, userId: string | null): Promise<void> {
    switch (type) {
      case 'token.assign':
        return this.assign(data.upn!, data.serialNumber!);
      case 'token.unassign': {
        const token = await this.tokenBySerial(data.serialNumber!);
        if (!HELD_STATES.includes(token.state)) throw new Rejection('not_assigned', `Token ${token.serialNumber} is ${token.state}, not assigned to anyone`);
        return this.leave([token]);
      }
      case 'user.left':
        await this.leave(await this.tokensOf(data.upn!, userId!));
        // Someone who left no longer needs a token.
        return this.resolveJoiner(data.upn!, { status: 'dismissed' });
      case 'user.joined':
        return this.joined(data.upn!, userId!);
    }
  }

  private async tokenBySerial(serialNumber: string): Promise<Token> {
    const [token] = await this.tx.select().from(tokens).where(and(eq(tokens.tenantId, this.delivery.tenantId), eq(tokens.serialNumber, serialNumber)));
    if (!token) throw new Rejection('unknown_serial', `There is no token with serial ${serialNumber} in the inventory`);
    return token;
  }

  private async tokensOf(upn: string, userId: string): Promise<Token[]> {
    return this.tx
      .select()
      .from(tokens)
      .where(
        and(
          eq(tokens.tenantId, this.delivery.tenantId),
          inArray(tokens.state, [...HELD_STATES]),
          or(eq(tokens.assignedUserId, userId), sql`lower(${tokens.assignedUpn}) = ${upn.toLowerCase()}`),
        ),
      );
  }

  /**
   * One token action through the operator's path (requestTokenAction), in a savepoint: a token the life
   * cycle refuses is left alone and named in the result, and the others go ahead.
   */
  private async act(token: Token, action: 'assign' | 'disable' | 'unassign', upn?: string): Promise<boolean> {
    try {
      const written = await this.tx.transaction(async (savepoint) =>
        action === 'assign'
          ? assignAndActivate(savepoint, { tokenId: token.id, upn: upn!, actor: this.actor })
          : (await requestTokenAction(savepoint, { tokenId: token.id, action, actor: this.actor })).operations,
      );
      this.operations.push(...written);
      this.result.tokens.push({ tokenId: token.id, serialNumber: token.serialNumber, action });
      return true;
    } catch (error) {
      if (!(error instanceof TokenStateConflict)) throw error;
      this.result.skipped.push({ tokenId: token.id, serialNumber: token.serialNumber, reason: error.message });
      return false;
    }
  }

  private async assign(upn: string, serialNumber: string): Promise<void> {
    const token = await this.tokenBySerial(serialNumber);
    if (!token.graphDeviceId) throw new Rejection('not_created', `Token ${serialNumber} is not in Entra yet (${token.state}); redeliver once its import has created it`);
    if (token.assignedUpn?.toLowerCase() === upn.toLowerCase() && ['assigned', 'active'].includes(token.state)) {
      this.result.note = `token ${serialNumber} is already ${upn}'s`;
      return;
    }
    // Assigned and then activated: the hire has the token in hand (token-assign.ts queues the activation).
    if (!(await this.act(token, 'assign', upn))) {
      throw new Rejection('token_not_in_stock', `Token ${serialNumber} cannot be assigned to ${upn}: ${this.result.skipped[0]!.reason}`);
    }
    await this.resolveJoiner(upn, { status: 'assigned', tokenId: token.id, operationId: this.operations[0]!.id });
  }

  /** Takes the user off the Needs a token list, if they are waiting there. */
  private async resolveJoiner(upn: string, change: Pick<typeof webhookJoiners.$inferInsert, 'status' | 'tokenId' | 'operationId'>): Promise<void> {
    await this.tx
      .update(webhookJoiners)
      .set({ ...change, resolvedBy: this.actor, resolvedAt: new Date() })
      .where(and(eq(webhookJoiners.tenantId, this.delivery.tenantId), eq(webhookJoiners.status, 'waiting'), sql`lower(${webhookJoiners.upn}) = ${upn.toLowerCase()}`));
  }

  private async leave(held: Token[]): Promise<void> {
    if (held.length === 0) this.result.note = 'no tokens assigned to this user';
    for (const token of held) {
      const action = leaverAction(this.source.leaverPolicy, token.state);
      if (action) await this.act(token, action);
      else this.result.skipped.push({ tokenId: token.id, serialNumber: token.serialNumber, reason: `already ${token.state}` });
    }
  }

  private async joined(upn: string, userId: string): Promise<void> {
    const [holding] = await this.tx
      .select({ serialNumber: tokens.serialNumber })
      .from(tokens)
      .where(and(eq(tokens.tenantId, this.delivery.tenantId), inArray(tokens.state, ['assigned', 'active']), sql`lower(${tokens.assignedUpn}) = ${upn.toLowerCase()}`))
      .limit(1);
    if (holding) {
      this.result.note = `${upn} has token ${holding.serialNumber} already`;
      return;
    }
    const added = await this.tx
      .insert(webhookJoiners)
      .values({ id: crypto.randomUUID(), tenantId: this.delivery.tenantId, sourceId: this.source.id, deliveryId: this.delivery.id, upn, userId })
      .onConflictDoNothing()
      .returning({ id: webhookJoiners.id });
    this.result.note = added.length ? `${upn} waits for a token` : `${upn} was waiting for a token already`;
  }

  /** Ends the delivery as done with what it did; answers the operations to enqueue after COMMIT. */
  async finish(): Promise<Operation[]> {
    await this.tx
      .update(webhookDeliveries)
      .set({ status: 'done', result: this.result, operationIds: this.operations.map((operation) => operation.id), reasonCode: null, reason: null, finishedAt: new Date(), updatedAt: new Date() })
      .where(eq(webhookDeliveries.id, this.delivery.id));
    await appendAudit(this.tx, {
      actor: this.actor,
      action: 'webhook.carried_out',
      outcome: 'success',
      tenantId: this.delivery.tenantId,
      targetType: 'webhook_delivery',
      targetId: this.delivery.id,
      detail: { sourceId: this.source.id, webhookId: this.delivery.webhookId, type: this.delivery.eventType, ...this.result, operations: this.operations.length },
    });
    return this.operations;
  }
}
