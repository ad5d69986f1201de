// Webhook sources (admin): create (the secret is shown once), list, change (policy, guard threshold,
// disable), rotate (the old secret stays valid for a grace period), their deliveries newest first with
// the operations each caused, redeliver, and the decision on deliveries the mass-change guard holds. And
// the joiners waiting for a token, from which an operator assigns one of the stock tokens. The delivery
// route itself is webhooks/delivery-route.ts. See docs/webhooks.md.
import { randomBytes, randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, max, sql } from 'drizzle-orm';
import type { Request, Router } from 'express';
import {
  endpoints,
  HeldDecision,
  JoinerAssignment,
  NewWebhookSource,
  SecretRotation,
  WebhookDeliveryQuery,
  WebhookSourceChange,
  type WebhookDelivery as DeliveryView,
  type WebhookSource as SourceView,
} from '@tokenfleet/contract';
import {
  appendAudit,
  decideHeld,
  heldCounts,
  operations,
  postgresErrorCode,
  PG_UNIQUE_VIOLATION,
  redeliver,
  tokens,
  webhookDeliveries,
  webhookJoiners,
  webhookSecretBinding,
  webhookSources,
  assignAndActivate,
  TokenStateConflict,
  type Database,
  type WebhookDelivery,
  type WebhookSource,
} from '@tokenfleet/db';
import { REDELIVERABLE_STATUSES, WEBHOOK_SECRET_BYTES, WEBHOOK_SECRET_PREFIX } from '@tokenfleet/domain';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError, badRequest, conflict, describeErrorForLog, notFound } from '../errors';
import { numericCursor } from '../paging';
import { isUuid, parseInput, pathId } from '../validation';
import { enqueueAfterCommit } from './tokens';
import { enqueueDeliveries } from '../webhooks/delivery-route';

function newSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64')}`;
}

function deliveryUrl(deps: ApiDeps, req: Request, sourceId: string): string {
  const base = deps.config.validation.publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  return `${base}/api/v1/webhooks/${sourceId}`;
}

async function sourceItems(deps: ApiDeps, req: Request, rows: WebhookSource[]): Promise<SourceView[]> {
  const held = await heldCounts(deps.db);
  const ids = rows.map((row) => row.id);
  const last = ids.length
    ? await deps.db.select({ sourceId: webhookDeliveries.sourceId, at: max(webhookDeliveries.receivedAt) }).from(webhookDeliveries).where(inArray(webhookDeliveries.sourceId, ids)).groupBy(webhookDeliveries.sourceId)
    : [];
  const lastAt = new Map(last.map((row) => [row.sourceId, row.at]));
  return rows.map((row) => ({
    id: row.id,
    tenantId: row.tenantId,
    name: row.name,
    scheme: row.scheme,
    signatureHeader: row.signatureHeader,
    deliveryUrl: deliveryUrl(deps, req, row.id),
    leaverPolicy: row.leaverPolicy,
    leaverThreshold: row.leaverThreshold,
    disabled: row.disabledAt !== null,
    previousSecretExpiresAt: row.previousSecretExpiresAt && row.previousSecretExpiresAt.getTime() > Date.now() ? row.previousSecretExpiresAt.toISOString() : null,
    heldCount: held.get(row.id) ?? 0,
    lastDeliveryAt: lastAt.get(row.id)?.toISOString() ?? null,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }));
}

async function findSource(db: Database, id: string): Promise<WebhookSource> {
  const [row] = isUuid(id) ? await db.select().from(webhookSources).where(eq(webhookSources.id, id)) : [];
  if (!row) throw notFound(`Webhook source ${id}`);
  return row;
}

const nameTaken = (name: string) => new ApiError(409, 'name_taken', `There is already a webhook source named ${name}`);

export function webhookSourceRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;
  const one = async (req: Request, row: WebhookSource) => (await sourceItems(deps, req, [row]))[0]!;

  route(router, endpoints.listWebhookSources, async (req, res) => {
    const rows = await db.select().from(webhookSources).orderBy(asc(webhookSources.name));
    send(res, endpoints.listWebhookSources, 200, await sourceItems(deps, req, rows));
  });

  route(router, endpoints.createWebhookSource, async (req, res) => {
    const input = parseInput(NewWebhookSource, req.body, 'request body');
    const actor = principalOf(res).actor;
    const id = randomUUID();
    const secret = input.secret ?? newSecret();
    const encrypted = deps.vault.encrypt(webhookSecretBinding(id), secret);
    let row: WebhookSource;
    try {
      row = await db.transaction(async (tx) => {
        const [created] = await tx
          .insert(webhookSources)
          .values({
            id,
            tenantId: deps.tenant.id,
            name: input.name,
            scheme: input.scheme,
            signatureHeader: input.signatureHeader ?? null,
            secretKeyId: encrypted.keyId,
            secretCiphertext: encrypted.ciphertext,
            leaverPolicy: input.leaverPolicy,
            leaverThreshold: input.leaverThreshold,
            createdBy: actor,
          })
          .returning();
        await appendAudit(tx, {
          actor,
          action: 'webhook_source.created',
          outcome: 'success',
          tenantId: deps.tenant.id,
          targetType: 'webhook_source',
          targetId: id,
          detail: { name: input.name, scheme: input.scheme, leaverPolicy: input.leaverPolicy, leaverThreshold: input.leaverThreshold, secretFrom: input.secret ? 'sender' : 'tokenfleet' },
        });
        return created!;
      });
    } catch (error) {
      if (postgresErrorCode(error) === PG_UNIQUE_VIOLATION) throw nameTaken(input.name);
      throw error;
    }
    send(res, endpoints.createWebhookSource, 201, { ...(await one(req, row)), secret });
  });

  route(router, endpoints.getWebhookSource, async (req, res) => {
    send(res, endpoints.getWebhookSource, 200, await one(req, await findSource(db, pathId(req.params))));
  });

  route(router, endpoints.changeWebhookSource, async (req, res) => {
    const existing = await findSource(db, pathId(req.params));
    const change = parseInput(WebhookSourceChange, req.body, 'request body');
    const actor = principalOf(res).actor;
    let row: WebhookSource;
    try {
      row = await db.transaction(async (tx) => {
        const [updated] = await tx
          .update(webhookSources)
          .set({
            ...(change.name !== undefined ? { name: change.name } : {}),
            ...(change.leaverPolicy !== undefined ? { leaverPolicy: change.leaverPolicy } : {}),
            ...(change.leaverThreshold !== undefined ? { leaverThreshold: change.leaverThreshold } : {}),
            ...(change.disabled !== undefined ? { disabledAt: change.disabled ? (existing.disabledAt ?? new Date()) : null } : {}),
            updatedAt: new Date(),
          })
          .where(eq(webhookSources.id, existing.id))
          .returning();
        const before = { name: existing.name, leaverPolicy: existing.leaverPolicy, leaverThreshold: existing.leaverThreshold, disabled: existing.disabledAt !== null };
        await appendAudit(tx, {
          actor,
          action: 'webhook_source.changed',
          outcome: 'success',
          tenantId: existing.tenantId,
          targetType: 'webhook_source',
          targetId: existing.id,
          detail: { before, after: { ...before, ...change } },
        });
        return updated!;
      });
    } catch (error) {
      if (postgresErrorCode(error) === PG_UNIQUE_VIOLATION) throw nameTaken(change.name ?? existing.name);
      throw error;
    }
    send(res, endpoints.changeWebhookSource, 200, await one(req, row));
  });

  route(router, endpoints.rotateWebhookSecret, async (req, res) => {
    const existing = await findSource(db, pathId(req.params));
    const { graceHours, secret: given } = parseInput(SecretRotation, req.body ?? {}, 'request body');
    if (given !== undefined && existing.scheme === 'standard') {
      throw badRequest('A Standard Webhooks source gets a whsec_ secret made by Tokenfleet; only the hmac-* schemes take the sending system\'s own', [{ path: 'secret', message: 'not for this scheme' }]);
    }
    const actor = principalOf(res).actor;
    const secret = given ?? newSecret();
    const encrypted = deps.vault.encrypt(webhookSecretBinding(existing.id), secret);
    const expiresAt = new Date(Date.now() + graceHours * 3_600_000);
    const row = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(webhookSources)
        .set({
          secretKeyId: encrypted.keyId,
          secretCiphertext: encrypted.ciphertext,
          // The secret being replaced stays valid for the grace period, so the sender can switch without a gap.
          previousSecretKeyId: graceHours > 0 ? existing.secretKeyId : null,
          previousSecretCiphertext: graceHours > 0 ? existing.secretCiphertext : null,
          previousSecretExpiresAt: graceHours > 0 ? expiresAt : null,
          updatedAt: new Date(),
        })
        .where(eq(webhookSources.id, existing.id))
        .returning();
      await appendAudit(tx, {
        actor,
        action: 'webhook_source.secret_rotated',
        outcome: 'success',
        tenantId: existing.tenantId,
        targetType: 'webhook_source',
        targetId: existing.id,
        detail: { name: existing.name, graceHours, previousValidUntil: graceHours > 0 ? expiresAt.toISOString() : null },
      });
      return updated!;
    });
    send(res, endpoints.rotateWebhookSecret, 200, { source: await one(req, row), secret });
  });

  route(router, endpoints.listWebhookDeliveries, async (req, res) => {
    const source = await findSource(db, pathId(req.params));
    const query = parseInput(WebhookDeliveryQuery, req.query, 'query');
    const after = numericCursor(query.cursor);
    const rows = await db
      .select({ delivery: webhookDeliveries, position: sql<number>`(extract(epoch from ${webhookDeliveries.receivedAt}) * 1000000)::bigint`.mapWith(Number) })
      .from(webhookDeliveries)
      .where(
        and(
          eq(webhookDeliveries.sourceId, source.id),
          query.status ? eq(webhookDeliveries.status, query.status) : undefined,
          after === undefined ? undefined : sql`(extract(epoch from ${webhookDeliveries.receivedAt}) * 1000000)::bigint < ${after}`,
        ),
      )
      .orderBy(desc(webhookDeliveries.receivedAt), desc(webhookDeliveries.id))
      .limit(query.limit + 1);
    const more = rows.length > query.limit;
    const kept = more ? rows.slice(0, query.limit) : rows;
    const items = await deliveryItems(db, kept.map((row) => row.delivery));
    const last = kept[kept.length - 1];
    send(res, endpoints.listWebhookDeliveries, 200, { items, nextCursor: more && last ? Buffer.from(JSON.stringify([last.position]), 'utf8').toString('base64url') : null });
  });

  route(router, endpoints.decideHeldDeliveries, async (req, res) => {
    const source = await findSource(db, pathId(req.params));
    const { action } = parseInput(HeldDecision, req.body, 'request body');
    const actor = principalOf(res).actor;
    const [{ held } = { held: 0 }] = await db.select({ held: sql<number>`count(*)`.mapWith(Number) }).from(webhookDeliveries).where(and(eq(webhookDeliveries.sourceId, source.id), eq(webhookDeliveries.status, 'held')));
    const released = await decideHeld(db, source, action, actor);
    await enqueueDeliveries(deps, req, released);
    send(res, endpoints.decideHeldDeliveries, 200, { count: action === 'release' ? released.length : held });
  });

  route(router, endpoints.redeliverWebhook, async (req, res) => {
    const id = pathId(req.params);
    const [existing] = isUuid(id) ? await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)) : [];
    if (!existing) throw notFound(`Webhook delivery ${id}`);
    const row = await redeliver(db, id, principalOf(res).actor);
    if (!row) throw conflict(`Only a delivery that was accepted and then rejected or failed can be redelivered; this one is ${existing.status}`);
    await enqueueDeliveries(deps, req, [row]);
    send(res, endpoints.redeliverWebhook, 202, { deliveryId: row.id, status: 'queued' });
  });
}

/** Deliveries as the API shows them, each with the operations it caused. */
export async function deliveryItems(db: Database, rows: WebhookDelivery[]): Promise<DeliveryView[]> {
  const operationIds = rows.flatMap((row) => row.operationIds);
  const caused = operationIds.length
    ? await db
        .select({ id: operations.id, kind: operations.kind, status: operations.status, tokenId: operations.tokenId, serialNumber: tokens.serialNumber })
        .from(operations)
        .innerJoin(tokens, eq(tokens.id, operations.tokenId))
        .where(inArray(operations.id, operationIds))
    : [];
  const byId = new Map(caused.map((operation) => [operation.id, operation]));
  return rows.map((row) => ({
    id: row.id,
    sourceId: row.sourceId,
    webhookId: row.webhookId,
    status: row.status,
    eventType: row.eventType,
    data: (row.payload?.data as Record<string, unknown> | undefined) ?? null,
    reasonCode: row.reasonCode,
    reason: row.reason,
    result: (row.result as Record<string, unknown> | null) ?? null,
    operations: row.operationIds.flatMap((operationId) => byId.get(operationId) ?? []),
    redeliverable: REDELIVERABLE_STATUSES.includes(row.status),
    receivedAt: row.receivedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  }));
}

// ---- The joiners waiting for a token ----------------------------------------------------------------

export function webhookJoinerRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;

  route(router, endpoints.listWebhookJoiners, async (_req, res) => {
    const rows = await db
      .select({ joiner: webhookJoiners, sourceName: webhookSources.name })
      .from(webhookJoiners)
      .leftJoin(webhookSources, eq(webhookSources.id, webhookJoiners.sourceId))
      .where(eq(webhookJoiners.status, 'waiting'))
      .orderBy(asc(webhookJoiners.createdAt))
      .limit(1_000);
    send(
      res,
      endpoints.listWebhookJoiners,
      200,
      rows.map(({ joiner, sourceName }) => ({ id: joiner.id, upn: joiner.upn, sourceId: joiner.sourceId, sourceName, deliveryId: joiner.deliveryId, createdAt: joiner.createdAt.toISOString() })),
    );
  });

  async function waitingJoiner(id: string) {
    const [row] = isUuid(id) ? await db.select().from(webhookJoiners).where(eq(webhookJoiners.id, id)) : [];
    if (!row) throw notFound(`Joiner ${id}`);
    if (row.status !== 'waiting') throw conflict(`${row.upn} is not waiting for a token any more (${row.status})`);
    return row;
  }

  route(router, endpoints.assignJoiner, async (req, res) => {
    const joiner = await waitingJoiner(pathId(req.params));
    const { tokenId } = parseInput(JoinerAssignment, req.body, 'request body');
    const actor = principalOf(res).actor;
    const queued = await db.transaction(async (tx) => {
      const [token] = await tx.select({ id: tokens.id, assignedUpn: tokens.assignedUpn }).from(tokens).where(eq(tokens.id, tokenId));
      if (!token) throw notFound(`Token ${tokenId}`);
      let written;
      try {
        // Assigned and then activated, as a token.assign event does: the joiner has the token in hand.
        written = await assignAndActivate(tx, { tokenId, upn: joiner.upn, actor });
      } catch (error) {
        if (error instanceof TokenStateConflict) throw conflict(`This token is not in stock: ${error.message}`, error.code);
        throw error;
      }
      const [resolved] = await tx
        .update(webhookJoiners)
        .set({ status: 'assigned', tokenId, operationId: written[0]!.id, resolvedBy: actor, resolvedAt: new Date() })
        .where(and(eq(webhookJoiners.id, joiner.id), eq(webhookJoiners.status, 'waiting')))
        .returning();
      if (!resolved) throw conflict(`${joiner.upn} was given a token meanwhile`);
      await appendAudit(tx, { actor, action: 'webhook_joiner.assigned', outcome: 'info', tenantId: joiner.tenantId, targetType: 'webhook_joiner', targetId: joiner.id, tokenId, detail: { upn: joiner.upn } });
      return written;
    });
    await enqueueAfterCommit(deps, queued, (error) => req.log.error({ error: describeErrorForLog(error) }, 'could not enqueue; the reconciler will'));
    send(res, endpoints.assignJoiner, 202, { operationId: queued[0]!.id });
  });

  route(router, endpoints.dismissJoiner, async (req, res) => {
    const joiner = await waitingJoiner(pathId(req.params));
    const actor = principalOf(res).actor;
    await db.transaction(async (tx) => {
      await tx.update(webhookJoiners).set({ status: 'dismissed', resolvedBy: actor, resolvedAt: new Date() }).where(eq(webhookJoiners.id, joiner.id));
      await appendAudit(tx, { actor, action: 'webhook_joiner.dismissed', outcome: 'info', tenantId: joiner.tenantId, targetType: 'webhook_joiner', targetId: joiner.id, detail: { upn: joiner.upn } });
    });
    res.status(204).end();
  });
}

