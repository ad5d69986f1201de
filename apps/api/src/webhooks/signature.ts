// Signature checks of webhook deliveries, over the raw body bytes as received (docs/webhooks.md).
// Standard Webhooks: HMAC-SHA256 with the secret's key bytes over `{webhook-id}.{webhook-timestamp}.{body}`,
// `v1,<base64>` in webhook-signature (several space-separated, for rotations on the sender's side), the
// timestamp within five minutes either way. The hmac-* schemes (BambooHR, HiBob and the like): the body's
// HMAC in a header the source names, hex or base64, keyed with the secret's text (UTF-8), as those senders do. Every
// comparison is constant-time; a failure says which check failed, never what was expected.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_TOLERANCE_SECONDS, type WebhookSignatureScheme } from '@tokenfleet/contract/values';
import { webhookSecretKey } from '@tokenfleet/domain/webhooks';

export type SignatureVerdict =
  | { ok: true; webhookId: string }
  | { ok: false; code: 'missing_signature' | 'invalid_signature' | 'stale_timestamp' | 'future_timestamp' | 'missing_webhook_id'; reason: string };

export interface SignatureInput {
  scheme: WebhookSignatureScheme;
  /** The header a source of an hmac-* scheme signs in, lower case. */
  signatureHeader: string | null;
  /** Secrets valid now: the current one and, during a rotation's grace period, the previous one. */
  secrets: string[];
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  nowSeconds: number;
}

const header = (headers: SignatureInput['headers'], name: string): string | undefined => {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(' ') : value;
};

const WEBHOOK_ID = /^[\x21-\x7e]{1,256}$/;

export function verifySignature(input: SignatureInput): SignatureVerdict {
  if (input.scheme === 'standard') {
    // Standard Webhooks keys the HMAC with the bytes the base64 after `whsec_` encodes.
    return verifyStandard(input, input.secrets.map(webhookSecretKey).filter((key): key is Uint8Array => key !== null));
  }
  // HR systems of the body-HMAC kind key it with the secret as the text it is (their own, or ours pasted in).
  return verifyBodyHmac(input, input.secrets.map((secret) => Buffer.from(secret, 'utf8')), input.scheme === 'hmac-sha256' ? 'sha256' : 'sha512');
}

function verifyStandard(input: SignatureInput, keys: Uint8Array[]): SignatureVerdict {
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) return { ok: false, code: 'missing_signature', reason: 'webhook-id, webhook-timestamp and webhook-signature are all required' };
  if (!WEBHOOK_ID.test(id)) return { ok: false, code: 'invalid_signature', reason: 'webhook-id must be 1 to 256 printable characters' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, code: 'invalid_signature', reason: 'webhook-timestamp must be Unix seconds' };
  const seconds = Number(timestamp);
  if (seconds < input.nowSeconds - WEBHOOK_TOLERANCE_SECONDS) return { ok: false, code: 'stale_timestamp', reason: `webhook-timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS} seconds in the past` };
  if (seconds > input.nowSeconds + WEBHOOK_TOLERANCE_SECONDS) return { ok: false, code: 'future_timestamp', reason: `webhook-timestamp is more than ${WEBHOOK_TOLERANCE_SECONDS} seconds in the future` };
  const signed = Buffer.concat([Buffer.from(`${id}.${timestamp}.`, 'utf8'), input.body]);
  const expected = keys.map((key) => createHmac('sha256', key).update(signed).digest());
  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (expected.some((digest) => given.length === digest.length && timingSafeEqual(given, digest))) return { ok: true, webhookId: id };
  }
  return { ok: false, code: 'invalid_signature', reason: 'no v1 signature in webhook-signature matches the source\'s secret' };
}

function verifyBodyHmac(input: SignatureInput, keys: Uint8Array[], algorithm: 'sha256' | 'sha512'): SignatureVerdict {
  const given = input.signatureHeader ? header(input.headers, input.signatureHeader) : undefined;
  if (!given) return { ok: false, code: 'missing_signature', reason: `the ${input.signatureHeader ?? 'signature'} header is required` };
  // These senders have no id header of their own in common; Standard Webhooks' name, then X-Request-Id.
  const id = header(input.headers, 'webhook-id') ?? header(input.headers, 'x-request-id');
  if (!id || !WEBHOOK_ID.test(id)) return { ok: false, code: 'missing_webhook_id', reason: 'a webhook-id (or X-Request-Id) header of 1 to 256 printable characters is required: it makes a resent event harmless' };
  // Some senders prefix the algorithm (`sha256=`); hex or base64 both occur.
  const value = given.trim().replace(/^(sha256|sha512)=/i, '');
  const bytes = /^[0-9a-f]+$/i.test(value) && value.length % 2 === 0 ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  for (const key of keys) {
    const digest = createHmac(algorithm, key).update(input.body).digest();
    if (bytes.length === digest.length && timingSafeEqual(bytes, digest)) return { ok: true, webhookId: id };
  }
  return { ok: false, code: 'invalid_signature', reason: `the ${input.signatureHeader} header does not match the HMAC-${algorithm.toUpperCase()} of the body` };
}
