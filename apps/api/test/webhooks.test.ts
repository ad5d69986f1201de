// Receiving webhooks: deliveries signed by the Standard Webhooks reference library (test/support/webhooks.ts)
// are accepted, stored once per webhook-id (also when copies arrive at the same moment on two API
// processes) and queued; forged, stale, future, unsigned, malformed, unknown and oversized ones are
// refused with a reason, recorded, and queue nothing; a rotated secret keeps the old one valid for its
// grace period; the mass-change guard holds the 51st leaver event of an hour. The worker's side is in
// test/e2e/webhooks.test.ts.
import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, webhookDeliveries } from '@tokenfleet/db';
import { deliver, signDelivery, webhookEvent, type SignedDelivery } from '@tokenfleet/test-harness/webhooks';
import { webhookJobId } from '@tokenfleet/domain';
import { startApi, type RunningApi } from '../src/index';
import { checkAnswer } from './contract-check';
import { startTestApi, type Answer, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

async function send(delivery: Pick<SignedDelivery, 'headers' | 'body'>, sourceId: string, baseUrl = t.url): Promise<Answer> {
  const response = await deliver(baseUrl, sourceId, delivery);
  const text = await response.text();
  const answer = { status: response.status, headers: response.headers, text, body: text ? JSON.parse(text) : null };
  checkAnswer('POST', `/api/v1/webhooks/${sourceId}`, answer);
  return answer;
}

async function createSource(body: Record<string, unknown> = {}): Promise<{ id: string; secret: string; deliveryUrl: string }> {
  const answer = await t.call('POST', '/api/v1/webhook-sources', { json: { name: `hr ${randomUUID().slice(0, 8)}`, ...body } });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

async function deliveriesOf(sourceId: string) {
  return t.api.deps.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.sourceId, sourceId));
}

const assign = (serialNumber = 'SN-1', upn = 'alice@contoso.example') => webhookEvent('token.assign', { upn, serialNumber });
const left = (upn: string) => webhookEvent('user.left', { upn });

describe('webhook sources', () => {
  it('are made by admins only, with a whsec_ secret of 32 random bytes shown once and the delivery URL', async () => {
    for (const role of ['viewer', 'operator'] as const) {
      expect((await t.call('POST', '/api/v1/webhook-sources', { key: t.keys[role], json: { name: 'nope' } })).status).toBe(403);
    }
    const source = await createSource();
    expect(source.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(source.secret.slice(6), 'base64')).toHaveLength(32);
    expect(source.deliveryUrl).toBe(`${t.url}/api/v1/webhooks/${source.id}`);
    const listed = await t.call('GET', '/api/v1/webhook-sources');
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(source.secret);
    expect((listed.body as { id: string; leaverPolicy: string; leaverThreshold: number }[]).find((item) => item.id === source.id)).toMatchObject({ leaverPolicy: 'disable', leaverThreshold: 50, heldCount: 0 });
    const again = await t.call('POST', '/api/v1/webhook-sources', { json: { name: (listed.body as { id: string; name: string }[]).find((item) => item.id === source.id)!.name.toUpperCase() } });
    expect(again.status).toBe(409);
    expect(t.logs()).not.toContain(source.secret);
  });
});

describe('a delivery', () => {
  let source: { id: string; secret: string };
  beforeAll(async () => {
    source = await createSource();
  });

  it('signed by the reference library is accepted with 202, stored and queued for the worker', async () => {
    const delivery = signDelivery(source.secret, assign());
    const answer = await send(delivery, source.id);
    expect(answer.status).toBe(202);
    expect(answer.body.status).toBe('queued');
    const [row] = (await deliveriesOf(source.id)).filter((item) => item.webhookId === delivery.webhookId);
    expect(row).toMatchObject({ status: 'queued', eventType: 'token.assign', runs: 1 });
    const job = await t.api.deps.queues(t.api.deps.tenant.id).getJob(webhookJobId(row!.id, 1));
    expect(job?.name).toBe('webhook.deliver');
    expect(job?.data).toEqual({ tenantId: t.api.deps.tenant.id, deliveryId: row!.id });
    const [audit] = await t.api.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, row!.id), eq(auditEvents.action, 'webhook.accepted')));
    expect(audit?.actor).toMatch(/^webhook:hr /);
  });

  const refusals: [string, () => Pick<SignedDelivery, 'headers' | 'body'>, number, string][] = [
    ['forged (signed with another secret)', () => signDelivery(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, assign()), 401, 'invalid_signature'],
    ['with its body changed after signing', () => ({ ...signDelivery(source.secret, assign()), body: JSON.stringify(assign('SN-2')) }), 401, 'invalid_signature'],
    ['stale (signed six minutes ago)', () => signDelivery(source.secret, assign(), { at: new Date(Date.now() - 6 * 60_000) }), 401, 'stale_timestamp'],
    ['from the future (six minutes ahead)', () => signDelivery(source.secret, assign(), { at: new Date(Date.now() + 6 * 60_000) }), 401, 'future_timestamp'],
    ['unsigned', () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(assign()) }), 401, 'missing_signature'],
    ['malformed JSON', () => signDelivery(source.secret, '{"type": "token.assign", '), 400, 'invalid_json'],
    ['of an unknown event type', () => signDelivery(source.secret, webhookEvent('user.promoted', { upn: 'a@b.c' })), 422, 'unknown_event_type'],
    ['of a known type without its fields', () => signDelivery(source.secret, webhookEvent('token.assign', { upn: 'alice@contoso.example' })), 422, 'invalid_event'],
    ['larger than 64 KiB', () => signDelivery(source.secret, { ...assign(), padding: 'x'.repeat(70_000) }), 413, 'payload_too_large'],
  ];
  for (const [name, make, status, code] of refusals) {
    it(`${name} is refused with ${status} ${code}, recorded, and queues nothing`, async () => {
      const delivery = make();
      const answer = await send(delivery, source.id);
      expect(answer.status).toBe(status);
      expect(answer.body.error.code).toBe(code);
      const recorded = (await deliveriesOf(source.id)).filter((row) => row.reasonCode === code);
      expect(recorded.length).toBeGreaterThan(0);
      expect(recorded.every((row) => row.status === 'refused')).toBe(true);
    });
  }

  it('to an unknown source is refused with 404 and audited; to a disabled one with 403', async () => {
    const unknown = randomUUID();
    const answer = await send(signDelivery(source.secret, assign()), unknown);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('unknown_source');
    const audited = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'webhook.refused'));
    expect(audited.some((row) => (row.detail as { sourceId?: string }).sourceId === unknown)).toBe(true);

    const other = await createSource();
    expect((await t.call('PATCH', `/api/v1/webhook-sources/${other.id}`, { json: { disabled: true } })).body.disabled).toBe(true);
    const refused = await send(signDelivery(other.secret, assign()), other.id);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('source_disabled');
    await t.call('PATCH', `/api/v1/webhook-sources/${other.id}`, { json: { disabled: false } });
    expect((await send(signDelivery(other.secret, assign()), other.id)).status).toBe(202);
  });

  it('with a repeated webhook-id is answered 200 duplicate and stored for acting once', async () => {
    const first = signDelivery(source.secret, assign('SN-dup'));
    expect((await send(first, source.id)).status).toBe(202);
    // The sender retries later: same id, a fresh timestamp and signature.
    const retry = signDelivery(source.secret, assign('SN-dup'), { webhookId: first.webhookId });
    const answer = await send(retry, source.id);
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('duplicate');
    const rows = (await deliveriesOf(source.id)).filter((row) => row.webhookId === first.webhookId);
    expect(rows.map((row) => row.status).sort()).toEqual(['duplicate', 'queued']);
  });

  it('that a forger sent first does not block the genuine one with the same id', async () => {
    const genuine = signDelivery(source.secret, assign('SN-forged-first'));
    const forged = { ...signDelivery(`whsec_${Buffer.alloc(32, 9).toString('base64')}`, assign('SN-forged-first'), { webhookId: genuine.webhookId }) };
    expect((await send(forged, source.id)).status).toBe(401);
    expect((await send(genuine, source.id)).status).toBe(202);
  });

  describe('copies of one id arriving at the same moment', () => {
    let second: RunningApi;
    beforeAll(async () => {
      // A second API process on the same database and Redis, as a scaled-out installation runs them.
      second = await startApi(t.api.deps.config, { port: 0, host: '127.0.0.1', logger: t.api.deps.logger, queuePrefix: t.queuePrefix, skipMigrations: true, env: { TOKENFLEET_MASTER_KEY: t.masterKey } });
    });
    afterAll(async () => {
      await second?.close();
    });

    it('on two API processes are stored once: one 202, the rest 200 duplicate, one job', async () => {
      for (let round = 0; round < 5; round += 1) {
        const delivery = signDelivery(source.secret, assign(`SN-race-${round}`));
        const answers = await Promise.all(Array.from({ length: 8 }, (_, index) => send(delivery, source.id, index % 2 === 0 ? t.url : second.url)));
        expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 202]);
        const rows = (await deliveriesOf(source.id)).filter((row) => row.webhookId === delivery.webhookId);
        expect(rows.filter((row) => row.status !== 'duplicate')).toHaveLength(1);
      }
    });
  });
});

describe('a rotated secret', () => {
  it('keeps the old secret valid for the grace period, the new one at once; without grace the old one is refused', async () => {
    const source = await createSource();
    const rotated = await t.call('POST', `/api/v1/webhook-sources/${source.id}/rotate`, { json: { graceHours: 1 } });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).not.toBe(source.secret);
    expect(rotated.body.source.previousSecretExpiresAt).not.toBeNull();
    expect((await send(signDelivery(source.secret, assign()), source.id)).status).toBe(202);
    expect((await send(signDelivery(fresh, assign()), source.id)).status).toBe(202);
    // A sender mid-rotation signs with both; either match is enough.
    expect((await send(signDelivery(fresh, assign(), { alsoWith: [source.secret] }), source.id)).status).toBe(202);

    const again = await t.call('POST', `/api/v1/webhook-sources/${source.id}/rotate`, { json: { graceHours: 0 } });
    expect(again.body.source.previousSecretExpiresAt).toBeNull();
    expect((await send(signDelivery(fresh, assign()), source.id)).body.error.code).toBe('invalid_signature');
    expect((await send(signDelivery(source.secret, assign()), source.id)).body.error.code).toBe('invalid_signature');
    expect((await send(signDelivery(again.body.secret, assign()), source.id)).status).toBe(202);
  });
});

describe('a source of the body-HMAC scheme (HiBob, BambooHR style)', () => {
  it('accepts the hex HMAC-SHA256 of the body in its header with a webhook-id, and refuses a wrong one', async () => {
    const source = await createSource({ scheme: 'hmac-sha256', signatureHeader: 'X-HR-Signature' });
    const body = JSON.stringify(assign());
    // The secret pasted into the sender as it is: the HMAC is keyed with its text.
    const mac = createHmac('sha256', source.secret).update(body).digest('hex');
    const headers = { 'content-type': 'application/json', 'x-hr-signature': mac, 'webhook-id': `evt-${randomUUID()}` };
    expect((await send({ headers, body }, source.id)).status).toBe(202);
    expect((await send({ headers, body }, source.id)).body.status).toBe('duplicate');
    expect((await send({ headers: { ...headers, 'x-hr-signature': mac.replace(/^./, mac[0] === 'a' ? 'b' : 'a') }, body }, source.id)).body.error.code).toBe('invalid_signature');
    expect((await send({ headers: { ...headers, 'webhook-id': '' }, body }, source.id)).status).toBe(400);
  });
});

describe('a source keyed with the sending system\'s own secret (BambooHR, HiBob make theirs)', () => {
  it('verifies with the secret the admin entered, and takes a new one at rotation; a Standard Webhooks source refuses one', async () => {
    const vendorSecret = 'bamboo-generated-secret-0123456789';
    const source = await createSource({ scheme: 'hmac-sha512', signatureHeader: 'Bob-Signature', secret: vendorSecret });
    expect(source.secret).toBe(vendorSecret);
    const body = JSON.stringify(webhookEvent('user.joined', { upn: 'new.hire@contoso.example' }));
    const signed = (secret: string) => ({ headers: { 'content-type': 'application/json', 'bob-signature': createHmac('sha512', secret).update(body).digest('hex'), 'webhook-id': `evt-${randomUUID()}` }, body });
    expect((await send(signed(vendorSecret), source.id)).status).toBe(202);
    const rotated = await t.call('POST', `/api/v1/webhook-sources/${source.id}/rotate`, { json: { secret: 'the-next-vendor-secret-abcdef', graceHours: 0 } });
    expect(rotated.status).toBe(200);
    expect((await send(signed('the-next-vendor-secret-abcdef'), source.id)).status).toBe(202);
    expect((await send(signed(vendorSecret), source.id)).status).toBe(401);

    expect((await t.call('POST', '/api/v1/webhook-sources', { json: { name: 'own secret std', secret: vendorSecret } })).status).toBe(400);
    const standard = await createSource();
    expect((await t.call('POST', `/api/v1/webhook-sources/${standard.id}/rotate`, { json: { secret: vendorSecret } })).status).toBe(400);
  });
});

describe('the mass-change guard', () => {
  it('holds the 51st leaver event of an hour (and every one after it), counts no joiners, and lets an admin release or discard them', async () => {
    const source = await createSource();
    const answers = [];
    for (let index = 1; index <= 52; index += 1) answers.push(await send(signDelivery(source.secret, left(`leaver${index}@contoso.example`)), source.id));
    expect(answers.slice(0, 50).every((answer) => answer.status === 202 && answer.body.status === 'queued')).toBe(true);
    expect(answers.slice(50).map((answer) => answer.body.status)).toEqual(['held', 'held']);
    // Not a leaver event: the guard does not stand in its way.
    expect((await send(signDelivery(source.secret, assign()), source.id)).body.status).toBe('queued');
    const queue = t.api.deps.queues(t.api.deps.tenant.id);
    const held = (await deliveriesOf(source.id)).filter((row) => row.status === 'held');
    expect(held).toHaveLength(2);
    expect(await queue.getJob(webhookJobId(held[0]!.id, 1))).toBeUndefined();

    const listed = await t.call('GET', `/api/v1/webhook-sources/${source.id}`);
    expect(listed.body.heldCount).toBe(2);
    const deliveries = await t.call('GET', `/api/v1/webhook-sources/${source.id}/deliveries?status=held`);
    expect(deliveries.body.items.map((item: { data: { upn: string } }) => item.data.upn)).toEqual(['leaver52@contoso.example', 'leaver51@contoso.example']);

    expect((await t.call('POST', `/api/v1/webhook-sources/${source.id}/held`, { key: t.keys.operator, json: { action: 'release' } })).status).toBe(403);
    const released = await t.call('POST', `/api/v1/webhook-sources/${source.id}/held`, { json: { action: 'release' } });
    expect(released.body.count).toBe(2);
    const after = await deliveriesOf(source.id);
    expect(after.filter((row) => held.some((item) => item.id === row.id)).map((row) => row.status)).toEqual(['queued', 'queued']);
    expect(await queue.getJob(webhookJobId(held[0]!.id, 1))).toBeDefined();

    // Released: the guard counts afresh, so the next leaver goes through; a new flood is held again.
    expect((await send(signDelivery(source.secret, left('next@contoso.example')), source.id)).body.status).toBe('queued');
    await t.call('PATCH', `/api/v1/webhook-sources/${source.id}`, { json: { leaverThreshold: 1 } });
    const flood = await send(signDelivery(source.secret, left('flood@contoso.example')), source.id);
    expect(flood.body.status).toBe('held');
    const discarded = await t.call('POST', `/api/v1/webhook-sources/${source.id}/held`, { json: { action: 'discard' } });
    expect(discarded.body.count).toBe(1);
    const [row] = (await deliveriesOf(source.id)).filter((item) => item.id === flood.body.deliveryId);
    expect(row!.status).toBe('discarded');
    // A discarded event resent under its id stays discarded.
    expect((await send(signDelivery(source.secret, left('flood@contoso.example'), { webhookId: row!.webhookId! }), source.id)).body.status).toBe('duplicate');
  });
});

describe('deliveries', () => {
  it('are listed newest first with their outcome, and only a rejected or failed one can be redelivered', async () => {
    const source = await createSource();
    const first = await send(signDelivery(source.secret, assign('SN-a')), source.id);
    await send(signDelivery(source.secret, 'not json'), source.id);
    const page = await t.call('GET', `/api/v1/webhook-sources/${source.id}/deliveries?limit=1`);
    expect(page.status).toBe(200);
    expect(page.body.items[0]).toMatchObject({ status: 'refused', reasonCode: 'invalid_json', redeliverable: false });
    const next = await t.call('GET', `/api/v1/webhook-sources/${source.id}/deliveries?limit=1&cursor=${page.body.nextCursor}`);
    expect(next.body.items[0]).toMatchObject({ id: first.body.deliveryId, status: 'queued', data: { serialNumber: 'SN-a', upn: 'alice@contoso.example' } });
    expect((await t.call('POST', `/api/v1/webhook-deliveries/${first.body.deliveryId}/redeliver`)).status).toBe(409);
    await t.api.deps.db.update(webhookDeliveries).set({ status: 'rejected', reasonCode: 'unknown_serial' }).where(eq(webhookDeliveries.id, first.body.deliveryId));
    const redelivered = await t.call('POST', `/api/v1/webhook-deliveries/${first.body.deliveryId}/redeliver`);
    expect(redelivered.status).toBe(202);
    expect(await t.api.deps.queues(t.api.deps.tenant.id).getJob(webhookJobId(first.body.deliveryId, 2))).toBeDefined();
  });
});
