// Webhook rules as pure logic: which events are leaver events (they count towards the mass-change guard),
// whether the guard holds the next one, and the Standard Webhooks secret format. No clock is read here:
// the caller passes what it counted.
import type { WebhookDeliveryStatus, WebhookEventType } from './vocabulary';

/** Events that take tokens away from people: the ones an upstream outage could send by the thousand. */
export const LEAVER_EVENT_TYPES: readonly WebhookEventType[] = ['user.left', 'token.unassign'];

export function isLeaverEvent(type: WebhookEventType): boolean {
  return LEAVER_EVENT_TYPES.includes(type);
}

/** The guard counts leaver events per source over this rolling window. */
export const GUARD_WINDOW_MS = 3_600_000;
export const DEFAULT_LEAVER_THRESHOLD = 50;

/**
 * Whether the next leaver event of a source is held: once `counted` leaver events (accepted or held) have
 * arrived in the window, or while earlier ones still wait for an admin's decision, every further one waits too.
 */
export function guardHolds(input: { counted: number; threshold: number; heldWaiting: number }): boolean {
  return input.heldWaiting > 0 || input.counted >= input.threshold;
}

/** Statuses whose delivery holds its webhook-id: a later copy of the same id is a duplicate. */
export const IDEMPOTENT_STATUSES: readonly WebhookDeliveryStatus[] = ['queued', 'held', 'done', 'rejected', 'failed', 'discarded'];

/** Statuses a redelivery may start from: accepted, then not carried out. */
export const REDELIVERABLE_STATUSES: readonly WebhookDeliveryStatus[] = ['rejected', 'failed'];

/** Standard Webhooks: `whsec_` + base64 of 24 to 64 random bytes. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const WEBHOOK_SECRET_BYTES = 32;

/** The key bytes of a `whsec_` secret, or null when it is not one. */
export function webhookSecretKey(secret: string): Uint8Array | null {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) return null;
  const text = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return null;
  const bytes = Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
  return bytes.length >= 24 && bytes.length <= 64 ? bytes : null;
}
