// The signature checks against the Standard Webhooks reference library's signer, at the edges: the
// tolerance either way to the second, several signatures in one header, versions other than v1 ignored,
// a secret that is not whsec_; and the body-HMAC scheme in hex, base64 and with an algorithm prefix.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { verifySignature, type SignatureInput } from './signature';

const SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const OTHER = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const NOW = 1_800_000_000;
const BODY = Buffer.from('{"type":"user.left","timestamp":"2027-01-15T08:00:00Z","data":{"upn":"a@b.example"}}');

function standard(at: number, signature = new Webhook(SECRET).sign('msg_1', new Date(at * 1000), BODY), overrides: Partial<SignatureInput> = {}) {
  return verifySignature({
    scheme: 'standard',
    signatureHeader: null,
    secrets: [SECRET],
    headers: { 'webhook-id': 'msg_1', 'webhook-timestamp': String(at), 'webhook-signature': signature },
    body: BODY,
    nowSeconds: NOW,
    ...overrides,
  });
}

describe('Standard Webhooks signatures', () => {
  it('accept the reference signer within five minutes either way, to the second', () => {
    for (const at of [NOW, NOW - 300, NOW + 300]) expect(standard(at)).toEqual({ ok: true, webhookId: 'msg_1' });
    expect(standard(NOW - 301)).toMatchObject({ ok: false, code: 'stale_timestamp' });
    expect(standard(NOW + 301)).toMatchObject({ ok: false, code: 'future_timestamp' });
  });

  it('find a matching v1 signature among several, ignore other versions, and accept any valid secret', () => {
    const good = new Webhook(SECRET).sign('msg_1', new Date(NOW * 1000), BODY);
    const other = new Webhook(OTHER).sign('msg_1', new Date(NOW * 1000), BODY);
    expect(standard(NOW, `${other} ${good}`).ok).toBe(true);
    expect(standard(NOW, good.replace('v1,', 'v1a,'))).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(standard(NOW, other)).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(standard(NOW, other, { secrets: [SECRET, OTHER] }).ok).toBe(true);
    expect(standard(NOW, good, { secrets: ['not-a-whsec-secret'] }).ok).toBe(false);
  });

  it('are over the raw bytes: a body re-serialised differently does not verify', () => {
    const signature = new Webhook(SECRET).sign('msg_1', new Date(NOW * 1000), BODY);
    expect(standard(NOW, signature, { body: Buffer.from(JSON.stringify(JSON.parse(BODY.toString()), null, 1)) }).ok).toBe(false);
  });
});

describe('the body-HMAC scheme', () => {
  // Keyed with the secret's text, as the senders of this kind do.
  const key = Buffer.from(SECRET, 'utf8');
  const check = (value: string, algorithm: 'sha256' | 'sha512' = 'sha256', id: string | null = 'evt-1') =>
    verifySignature({
      scheme: algorithm === 'sha256' ? 'hmac-sha256' : 'hmac-sha512',
      signatureHeader: 'bob-signature',
      secrets: [SECRET],
      headers: { 'bob-signature': value, ...(id ? { 'webhook-id': id } : {}) },
      body: BODY,
      nowSeconds: NOW,
    });

  it('accepts hex, base64 and an algorithm prefix, and needs an id for idempotency', () => {
    const mac = createHmac('sha512', key).update(BODY).digest();
    expect(check(mac.toString('hex'), 'sha512').ok).toBe(true);
    expect(check(mac.toString('base64'), 'sha512').ok).toBe(true);
    expect(check(`sha512=${mac.toString('hex')}`, 'sha512').ok).toBe(true);
    expect(check(createHmac('sha256', key).update(BODY).digest('hex')).ok).toBe(true);
    expect(check(mac.toString('hex'))).toMatchObject({ ok: false, code: 'invalid_signature' });
    expect(check(mac.toString('hex'), 'sha512', null)).toMatchObject({ ok: false, code: 'missing_webhook_id' });
  });
});
