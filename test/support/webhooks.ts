// Deliveries as an HR system sends them, signed by the Standard Webhooks reference library for JavaScript
// (the npm package `standardwebhooks`), not by Tokenfleet's own code: a test passes only if Tokenfleet
// verifies what the reference signer produces.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface SignedDelivery {
  headers: Record<string, string>;
  body: string;
  webhookId: string;
}

export interface SignOptions {
  /** Defaults to a fresh `msg_…` id. */
  webhookId?: string;
  /** When the sender signed it (default now). */
  at?: Date;
  /** Further secrets to sign with too (a sender in the middle of its own rotation). */
  alsoWith?: string[];
}

/** An event in the recommended `{type, timestamp, data}` shape. */
export function webhookEvent(type: string, data: Record<string, unknown>, at = new Date()): Record<string, unknown> {
  return { type, timestamp: at.toISOString(), data };
}

/** Signs `payload` (an object is JSON-encoded; a string is sent as it is) with `secret`. */
export function signDelivery(secret: string, payload: unknown, options: SignOptions = {}): SignedDelivery {
  const webhookId = options.webhookId ?? `msg_${randomUUID().replaceAll('-', '')}`;
  const at = options.at ?? new Date();
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signatures = [secret, ...(options.alsoWith ?? [])].map((key) => new Webhook(key).sign(webhookId, at, body));
  return {
    webhookId,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signatures.join(' '),
    },
  };
}

/** POSTs a delivery to a source of the API at `baseUrl`. */
export async function deliver(baseUrl: string, sourceId: string, delivery: Pick<SignedDelivery, 'headers' | 'body'>): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/webhooks/${sourceId}`, { method: 'POST', headers: delivery.headers, body: delivery.body });
}
