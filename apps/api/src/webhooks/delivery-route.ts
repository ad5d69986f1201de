// POST /api/v1/webhooks/{sourceId}: where HR systems deliver events. Mounted ahead of the JSON body parser
// (app.ts), because the signature is over the raw bytes as sent; authenticated by that signature, not by
// a key or a session. It only verifies, stores and enqueues, and answers 202 at once (Personio gives up
// after three seconds); the worker carries the event out (apps/worker/src/jobs/webhook-deliver.ts).
// Every refusal is recorded against its source (or in the audit trail, for an unknown source) and
// changes nothing else. See docs/webhooks.md.
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import { eq } from 'drizzle-orm';
import { endpoints, WebhookEvent } from '@tokenfleet/contract';
import { WEBHOOK_BODY_MAX_BYTES, WEBHOOK_EVENT_TYPES } from '@tokenfleet/contract/values';
import { receiveDelivery, recordRefusal, webhookSecretBinding, webhookSources, type WebhookDelivery, type WebhookSource } from '@tokenfleet/db';
import { isLeaverEvent, type WebhookEventType } from '@tokenfleet/domain';
import { enqueueWebhookDelivery } from '@tokenfleet/queue';
import { expressPath, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError, describeErrorForLog } from '../errors';
import { isUuid } from '../validation';
import { verifySignature } from './signature';

interface DeliveryState {
  source: WebhookSource | null;
  sourceId: string;
  webhookId: string | null;
  eventType: string | null;
}

/** The secrets a source accepts now: its current one, and the previous one until its grace period ends. */
export function validSecrets(deps: Pick<ApiDeps, 'vault'>, source: WebhookSource, now = Date.now()): string[] {
  const binding = webhookSecretBinding(source.id);
  const secrets = [deps.vault.decrypt(binding, source.secretKeyId, source.secretCiphertext)];
  if (source.previousSecretKeyId && source.previousSecretCiphertext && source.previousSecretExpiresAt && source.previousSecretExpiresAt.getTime() > now) {
    secrets.push(deps.vault.decrypt(binding, source.previousSecretKeyId, source.previousSecretCiphertext));
  }
  return secrets;
}

/**
 * Enqueues committed deliveries; a failure is only logged: they are stored as queued, and the worker's
 * reconciler enqueues queued deliveries whose job Redis does not know.
 */
export async function enqueueDeliveries(deps: Pick<ApiDeps, 'queues'>, req: Request, rows: WebhookDelivery[]): Promise<void> {
  for (const row of rows) {
    try {
      await enqueueWebhookDelivery(deps.queues(row.tenantId), row);
    } catch (error) {
      req.log.error({ error: describeErrorForLog(error), deliveryId: row.id }, 'could not enqueue a webhook delivery; the reconciler will');
    }
  }
}

export function webhookDeliveryRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const endpoint = endpoints.deliverWebhook;
  const path = expressPath(endpoint.path);
  const states = new WeakMap<Request, DeliveryState>();

  /** Records the refusal, then answers it. */
  async function refuse(req: Request, state: DeliveryState, status: number, code: string, reason: string): Promise<never> {
    const bodyBytes = Buffer.isBuffer(req.body) ? req.body.length : Number(req.headers['content-length'] ?? 0) || 0;
    await recordRefusal(deps.db, state.source, state.sourceId, { webhookId: state.webhookId, eventType: state.eventType, code, reason, bodyBytes });
    throw new ApiError(status, code, reason);
  }

  // The source first, so a body that is too large is recorded against it.
  const findSource: RequestHandler = async (req, _res, next) => {
    try {
      const sourceId = String(req.params.sourceId ?? '');
      const [source] = isUuid(sourceId) ? await deps.db.select().from(webhookSources).where(eq(webhookSources.id, sourceId)) : [];
      const webhookId = typeof req.headers['webhook-id'] === 'string' ? req.headers['webhook-id'] : null;
      const state: DeliveryState = { source: source ?? null, sourceId, webhookId, eventType: null };
      states.set(req, state);
      if (!source) await refuse(req, state, 404, 'unknown_source', `There is no webhook source ${sourceId}`);
      if (source!.disabledAt) await refuse(req, state, 403, 'source_disabled', `The webhook source "${source!.name}" is disabled`);
      next();
    } catch (error) {
      next(error);
    }
  };

  const rawBody = express.raw({ type: () => true, limit: WEBHOOK_BODY_MAX_BYTES });

  const tooLarge: ErrorRequestHandler = (error: unknown, req, _res, next) => {
    const state = states.get(req);
    if (state && typeof error === 'object' && error !== null && (error as { type?: unknown }).type === 'entity.too.large') {
      refuse(req, state, 413, 'payload_too_large', `The body is larger than ${WEBHOOK_BODY_MAX_BYTES} bytes`).catch(next);
      return;
    }
    next(error);
  };

  const receive: RequestHandler = async (req, res, next) => {
    try {
      const state = states.get(req)!;
      const source = state.source!;
      const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const verdict = verifySignature({
        scheme: source.scheme,
        signatureHeader: source.signatureHeader?.toLowerCase() ?? null,
        secrets: validSecrets(deps, source),
        headers: req.headers,
        body,
        nowSeconds: Math.floor(Date.now() / 1000),
      });
      if (!verdict.ok) await refuse(req, state, verdict.code === 'missing_webhook_id' ? 400 : 401, verdict.code, verdict.reason);
      const webhookId = (verdict as { webhookId: string }).webhookId;
      state.webhookId = webhookId;

      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        return await refuse(req, state, 400, 'invalid_json', 'The body is not valid JSON');
      }
      const type = typeof parsed === 'object' && parsed !== null ? (parsed as { type?: unknown }).type : undefined;
      state.eventType = typeof type === 'string' ? type : null;
      if (!(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(type)) {
        await refuse(req, state, 422, 'unknown_event_type', `Unknown event type ${JSON.stringify(type ?? null).slice(0, 100)}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
      }
      const event = WebhookEvent.safeParse(parsed);
      if (!event.success) {
        const issue = event.error.issues[0]!;
        await refuse(req, state, 422, 'invalid_event', `Invalid ${String(type)} event: ${issue.path.map(String).join('.') || 'body'}: ${issue.message}`);
      }
      const eventType = type as WebhookEventType;
      const receipt = await receiveDelivery(deps.db, source, {
        webhookId,
        type: eventType,
        leaver: isLeaverEvent(eventType),
        payload: event.data as unknown as Record<string, unknown>,
        bodyBytes: body.length,
      });
      if (receipt.status === 'queued') await enqueueDeliveries(deps, req, [receipt.delivery]);
      send(res, endpoint, receipt.status === 'duplicate' ? 200 : 202, { deliveryId: receipt.delivery.id, status: receipt.status });
    } catch (error) {
      next(error);
    }
  };

  router.post(path, findSource, rawBody, tooLarge, receive);
  return router;
}
