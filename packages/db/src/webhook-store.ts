// Webhook deliveries as rows: receiving one (idempotent by webhook-id, counted by the mass-change guard,
// audited with the source as the actor) in one transaction, recording a refusal, and the admin's decisions
// on held deliveries. The API receives; the worker carries out (apps/worker/src/jobs/webhook-deliver.ts).
import { randomUUID } from 'node:crypto';
import { and, count, eq, gt, inArray, sql } from 'drizzle-orm';
import { GUARD_WINDOW_MS, guardHolds, REDELIVERABLE_STATUSES, type WebhookEventType } from '@tokenfleet/domain';
import { appendAudit } from './audit';
import type { Database, DbOrTx } from './client';
import { operations, webhookDeliveries, webhookSources, type Operation, type WebhookDelivery, type WebhookSource } from './schema';
import { requestTokenAction } from './token-actions';

/** The actor every audit row of a source's deliveries names. */
export function webhookActor(source: Pick<WebhookSource, 'name'>): string {
  return `webhook:${source.name}`;
}

/** AES-GCM binding of a source's secrets (current and previous), as a seed is bound to its token. */
export function webhookSecretBinding(sourceId: string): string {
  return `webhook-source:${sourceId}`;
}

export interface ReceivedEvent {
  webhookId: string;
  type: WebhookEventType;
  leaver: boolean;
  payload: Record<string, unknown>;
  bodyBytes: number;
}

export type Receipt = { status: 'queued' | 'held' | 'duplicate'; delivery: WebhookDelivery };

/**
 * Stores an accepted delivery, once per webhook-id and source. A second copy (even one arriving at the
 * same moment on another API process) finds the first through the partial unique index: its insert does
 * nothing, and it is recorded as a duplicate that points at nothing to do. Leaver events lock the source
 * row, so concurrent ones are counted one after the other by the guard.
 */
export async function receiveDelivery(db: Database, source: WebhookSource, event: ReceivedEvent): Promise<Receipt> {
  return db.transaction(async (tx) => {
    let status: 'queued' | 'held' = 'queued';
    let guard: Record<string, unknown> | undefined;
    if (event.leaver) {
      const [locked] = await tx.select().from(webhookSources).where(eq(webhookSources.id, source.id)).for('update');
      const since = new Date(Math.max(Date.now() - GUARD_WINDOW_MS, locked?.guardResetAt?.getTime() ?? 0));
      const [counts] = await tx
        .select({
          counted: sql<number>`count(*) filter (where ${gt(webhookDeliveries.receivedAt, since)} and ${inArray(webhookDeliveries.status, ['queued', 'held', 'done', 'rejected', 'failed'])})`.mapWith(Number),
          heldWaiting: sql<number>`count(*) filter (where ${eq(webhookDeliveries.status, 'held')})`.mapWith(Number),
        })
        .from(webhookDeliveries)
        .where(and(eq(webhookDeliveries.sourceId, source.id), eq(webhookDeliveries.leaver, true)));
      const threshold = locked?.leaverThreshold ?? source.leaverThreshold;
      if (guardHolds({ counted: counts!.counted, heldWaiting: counts!.heldWaiting, threshold })) {
        status = 'held';
        guard = { counted: counts!.counted, heldWaiting: counts!.heldWaiting, threshold };
      }
    }
    const row = {
      id: randomUUID(),
      sourceId: source.id,
      tenantId: source.tenantId,
      webhookId: event.webhookId,
      eventType: event.type,
      leaver: event.leaver,
      payload: event.payload,
      bodyBytes: event.bodyBytes,
    };
    const [stored] = await tx
      .insert(webhookDeliveries)
      .values({ ...row, status, runs: status === 'queued' ? 1 : 0, ...(guard ? { reasonCode: 'mass_change_guard', reason: `more than ${guard.threshold} leaver events within an hour: held until an admin releases or discards them` } : {}) })
      .onConflictDoNothing()
      .returning();
    const audit = { actor: webhookActor(source), tenantId: source.tenantId, targetType: 'webhook_delivery' } as const;
    if (stored) {
      await appendAudit(tx, {
        ...audit,
        action: status === 'held' ? 'webhook.held' : 'webhook.accepted',
        outcome: 'info',
        targetId: stored.id,
        detail: { sourceId: source.id, webhookId: event.webhookId, type: event.type, ...(guard ? { guard } : {}) },
      });
      return { status, delivery: stored };
    }
    const [duplicate] = await tx
      .insert(webhookDeliveries)
      .values({ ...row, status: 'duplicate', reasonCode: 'duplicate', reason: 'this webhook-id was received before; not acted on again', finishedAt: new Date() })
      .returning();
    await appendAudit(tx, { ...audit, action: 'webhook.duplicate', outcome: 'info', targetId: duplicate!.id, detail: { sourceId: source.id, webhookId: event.webhookId, type: event.type } });
    return { status: 'duplicate', delivery: duplicate! };
  });
}

export interface Refusal {
  webhookId: string | null;
  eventType: string | null;
  code: string;
  reason: string;
  bodyBytes: number;
}

/** A refused delivery: recorded against its source (when it names one that exists) and audited. */
export async function recordRefusal(db: Database, source: WebhookSource | null, sourceIdText: string, refusal: Refusal): Promise<void> {
  await db.transaction(async (tx) => {
    let deliveryId: string | null = null;
    if (source) {
      deliveryId = randomUUID();
      await tx.insert(webhookDeliveries).values({
        id: deliveryId,
        sourceId: source.id,
        tenantId: source.tenantId,
        webhookId: refusal.webhookId?.slice(0, 256) ?? null,
        status: 'refused',
        eventType: refusal.eventType?.slice(0, 100) ?? null,
        reasonCode: refusal.code,
        reason: refusal.reason,
        bodyBytes: refusal.bodyBytes,
        finishedAt: new Date(),
      });
    }
    await appendAudit(tx, {
      actor: source ? webhookActor(source) : 'webhook:unknown',
      action: 'webhook.refused',
      outcome: 'failure',
      tenantId: source?.tenantId ?? null,
      targetType: 'webhook_delivery',
      targetId: deliveryId,
      detail: { sourceId: sourceIdText.slice(0, 64), webhookId: refusal.webhookId?.slice(0, 256) ?? null, code: refusal.code, reason: refusal.reason },
    });
  });
}

/**
 * An admin's decision on a source's held deliveries: released ones are queued (and the guard counts
 * afresh from now, so the released flood does not hold the next event); discarded ones end there.
 * Returns the deliveries to enqueue (none for a discard).
 */
export async function decideHeld(db: Database, source: WebhookSource, action: 'release' | 'discard', actor: string): Promise<WebhookDelivery[]> {
  return db.transaction(async (tx) => {
    await tx.select({ id: webhookSources.id }).from(webhookSources).where(eq(webhookSources.id, source.id)).for('update');
    const now = new Date();
    const changed = await tx
      .update(webhookDeliveries)
      .set(action === 'release' ? { status: 'queued', runs: sql`${webhookDeliveries.runs} + 1`, updatedAt: now } : { status: 'discarded', finishedAt: now, updatedAt: now })
      .where(and(eq(webhookDeliveries.sourceId, source.id), eq(webhookDeliveries.status, 'held')))
      .returning();
    if (action === 'release') await tx.update(webhookSources).set({ guardResetAt: now }).where(eq(webhookSources.id, source.id));
    await appendAudit(tx, {
      actor,
      action: action === 'release' ? 'webhook.held_released' : 'webhook.held_discarded',
      outcome: 'info',
      tenantId: source.tenantId,
      targetType: 'webhook_source',
      targetId: source.id,
      detail: { source: source.name, count: changed.length },
    });
    return action === 'release' ? changed : [];
  });
}

/** Puts a rejected or failed delivery back in line as a new run; null when it is in no state to be. */
export async function redeliver(db: Database, deliveryId: string, actor: string): Promise<WebhookDelivery | null> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookDeliveries)
      .set({ status: 'queued', runs: sql`${webhookDeliveries.runs} + 1`, reasonCode: null, reason: null, finishedAt: null, updatedAt: new Date() })
      .where(and(eq(webhookDeliveries.id, deliveryId), inArray(webhookDeliveries.status, [...REDELIVERABLE_STATUSES])))
      .returning();
    if (!row) return null;
    await appendAudit(tx, { actor, action: 'webhook.redelivered', outcome: 'info', tenantId: row.tenantId, targetType: 'webhook_delivery', targetId: row.id, detail: { sourceId: row.sourceId, run: row.runs } });
    return row;
  });
}

/** Deliveries held for each source (the admin's banner). */
export async function heldCounts(db: DbOrTx): Promise<Map<string, number>> {
  const rows = await db.select({ sourceId: webhookDeliveries.sourceId, held: count() }).from(webhookDeliveries).where(eq(webhookDeliveries.status, 'held')).groupBy(webhookDeliveries.sourceId);
  return new Map(rows.map((row) => [row.sourceId, row.held]));
}

/**
 * Assigns a stock token to a user through the one token-action path (token-actions.ts) and marks the
 * assignment to be followed by an activation, as an import's is (the worker's token.assign queues it):
 * a hire the HR system names has the token in hand. Inside the caller's transaction; enqueue after COMMIT.
 */
export async function assignAndActivate(tx: DbOrTx, input: { tokenId: string; upn: string; actor: string }): Promise<Operation[]> {
  const { operations: written } = await requestTokenAction(tx, { tokenId: input.tokenId, action: 'assign', actor: input.actor, params: { upn: input.upn } });
  const marked: Operation[] = [];
  for (const operation of written) {
    const [row] = await tx.update(operations).set({ params: { ...operation.params, activate: true } }).where(eq(operations.id, operation.id)).returning();
    marked.push(row!);
  }
  return marked;
}
