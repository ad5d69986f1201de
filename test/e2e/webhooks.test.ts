// HR webhooks end to end against the sandbox: the API receives deliveries signed by the Standard Webhooks
// reference library, the worker carries them out through Graph. Tokens imported without users are
// assigned and activated by token.assign; user.left takes the leaver's tokens out of service and leaves
// everyone else's alone; an unknown serial or user is rejected and changes nothing; while Graph fails
// during a leaver event the event waits, and is carried out once Graph answers again; user.joined puts the
// joiner on the "needs a token" list, from which an operator assigns a stock token.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, tokens, webhookDeliveries } from '@tokenfleet/db';
import { base32Encode } from '@tokenfleet/domain';
import { deliver, signDelivery, webhookEvent } from '@tokenfleet/test-harness/webhooks';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { waitUntil } from '../support/wait';

let system: FullSystem;
let source: { id: string; secret: string };
const SERIALS = Array.from({ length: 6 }, (_, index) => `WH${String(index).padStart(6, '0')}`);
let users: string[];

beforeAll(async () => {
  system = await startFullSystem();
  users = system.sandbox.inspect
    .users()
    .filter((user) => user.userType !== 'Guest')
    .slice(0, 5)
    .map((user) => user.userPrincipalName);
  const created = await system.call('/api/v1/webhook-sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'workday-e2e', leaverPolicy: 'unassign' }) });
  expect(created.status).toBe(201);
  source = (await created.json()) as typeof source;
  // Tokens as a box arrives: serials and seeds, no users.
  const csv = ['serial number,secret key,timeinterval,manufacturer,model', ...SERIALS.map((serial) => [serial, base32Encode(randomBytes(20)), 30, 'Token2', 'C202'].join(','))].join('\n');
  const importId = await system.upload('box.csv', `${csv}\n`, { mode: 'import' });
  await system.waitForImport(importId, 60_000);
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

async function send(event: Record<string, unknown>): Promise<string> {
  const response = await deliver(system.api.url, source.id, signDelivery(source.secret, event));
  const body = (await response.json()) as { deliveryId: string };
  expect(response.status, JSON.stringify(body)).toBe(202);
  return body.deliveryId;
}

async function settled(deliveryId: string, timeoutMs = 60_000) {
  return waitUntil(
    async () => {
      const [row] = await system.client.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
      return row && !['queued', 'held'].includes(row.status) ? row : undefined;
    },
    { timeoutMs, intervalMs: 200, failure: () => `delivery ${deliveryId} still not carried out after ${timeoutMs} ms` },
  );
}

async function tokenBySerial(serial: string) {
  const [row] = await system.client.db.select().from(tokens).where(eq(tokens.serialNumber, serial));
  return row!;
}

async function untilState(serial: string, state: string, timeoutMs = 60_000) {
  let seen = '';
  return waitUntil(
    async () => {
      const token = await tokenBySerial(serial);
      seen = `${token.state} (${token.lastError})`;
      return token.state === state ? true : undefined;
    },
    { timeoutMs, intervalMs: 250, failure: () => `token ${serial} is ${seen}, not ${state}` },
  );
}

const deviceOf = (serial: string) => system.sandbox.inspect.devices().find((device) => device.serialNumber === serial)!;

describe('HR webhooks against the sandbox', () => {
  it('token.assign for each imported token activates it on the named user', async () => {
    for (const serial of SERIALS) expect((await tokenBySerial(serial)).state).toBe('created');
    const deliveries = await Promise.all(SERIALS.slice(0, 5).map((serial, index) => send(webhookEvent('token.assign', { upn: users[index], serialNumber: serial }))));
    for (const id of deliveries) expect((await settled(id)).status).toBe('done');
    for (const [index, serial] of SERIALS.slice(0, 5).entries()) {
      await untilState(serial, 'active');
      const device = deviceOf(serial);
      expect(device.status).toBe('activated');
      expect(device.method?.userId).toBe(system.sandbox.inspect.users().find((user) => user.userPrincipalName === users[index])!.id);
    }
    // What each delivery caused, with the source as the actor.
    const [row] = await system.client.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveries[0]!));
    expect(row!.operationIds).toHaveLength(1);
    const requested = await system.client.db.select().from(auditEvents).where(eq(auditEvents.operationId, row!.operationIds[0]!));
    expect(requested.find((event) => event.action === 'operation.requested')?.actor).toBe('webhook:workday-e2e');
  }, 120_000);

  it('user.left takes that user\'s token out of service and leaves the others untouched', async () => {
    const id = await send(webhookEvent('user.left', { upn: users[0] }));
    const row = await settled(id);
    expect(row.status).toBe('done');
    expect(row.result?.tokens?.map((token) => token.serialNumber)).toEqual([SERIALS[0]]);
    await untilState(SERIALS[0]!, 'created');
    expect(deviceOf(SERIALS[0]!).status).not.toBe('activated');
    expect(deviceOf(SERIALS[0]!).assignedTo).toBeNull();
    for (const serial of SERIALS.slice(1, 5)) {
      expect((await tokenBySerial(serial)).state).toBe('active');
      expect(deviceOf(serial).status).toBe('activated');
    }
  }, 60_000);

  it('under the default policy, user.left disables the leaver\'s token in Entra and keeps it assigned', async () => {
    const created = await system.call('/api/v1/webhook-sources', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bamboo-e2e' }) });
    const disabling = (await created.json()) as { id: string; secret: string; leaverPolicy: string };
    expect(disabling.leaverPolicy).toBe('disable');
    const response = await deliver(system.api.url, disabling.id, signDelivery(disabling.secret, webhookEvent('user.left', { upn: users[4] })));
    expect(response.status).toBe(202);
    const row = await settled(((await response.json()) as { deliveryId: string }).deliveryId);
    expect(row.status).toBe('done');
    expect(row.result?.tokens).toEqual([expect.objectContaining({ serialNumber: SERIALS[4], action: 'disable' })]);
    await untilState(SERIALS[4]!, 'disabled');
    expect(deviceOf(SERIALS[4]!).status).not.toBe('activated');
    expect(deviceOf(SERIALS[4]!).assignedTo).not.toBeNull();
    expect((await tokenBySerial(SERIALS[4]!)).assignedUpn).toBe(users[4]);
    for (const serial of SERIALS.slice(1, 4)) expect(deviceOf(serial).status).toBe('activated');
  }, 60_000);

  it('an unknown serial or an unknown user is rejected with its reason and changes nothing', async () => {
    const before = system.sandbox.inspect.calls().filter((call) => call.write).length;
    const unknownSerial = await settled(await send(webhookEvent('token.assign', { upn: users[1], serialNumber: 'NO-SUCH-SERIAL' })));
    expect(unknownSerial).toMatchObject({ status: 'rejected', reasonCode: 'unknown_serial' });
    const unknownUser = await settled(await send(webhookEvent('token.assign', { upn: 'nobody.here@contoso.example', serialNumber: SERIALS[5] })));
    expect(unknownUser).toMatchObject({ status: 'rejected', reasonCode: 'user_not_found' });
    const unknownLeaver = await settled(await send(webhookEvent('user.left', { upn: 'nobody.here@contoso.example' })));
    expect(unknownLeaver).toMatchObject({ status: 'rejected', reasonCode: 'user_not_found' });
    expect((await tokenBySerial(SERIALS[5]!)).state).toBe('created');
    expect(system.sandbox.inspect.calls().filter((call) => call.write).length).toBe(before);
  }, 60_000);

  it('while Graph fails during a leaver event the event waits without acting, and is carried out once Graph answers', async () => {
    system.sandbox.configure({ transientFailureRate: 1 });
    let id = '';
    try {
      id = await send(webhookEvent('user.left', { upn: users[1] }));
      // The directory look-up failed (Graph answered 503 to every try), and nothing was done.
      await waitUntil(
        async () => {
          const [row] = await system.client.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
          return row?.reason?.startsWith('waiting to retry') ? row : undefined;
        },
        { timeoutMs: 30_000, intervalMs: 200, failure: () => 'the delivery never recorded a failed look-up' },
      );
      const [waiting] = await system.client.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id));
      expect(waiting!.status).toBe('queued');
      expect((await tokenBySerial(SERIALS[1]!)).state).toBe('active');
    } finally {
      system.sandbox.configure({ transientFailureRate: 0 });
    }
    expect((await settled(id)).status).toBe('done');
    await untilState(SERIALS[1]!, 'created');
    expect((await tokenBySerial(SERIALS[2]!)).state).toBe('active');
  }, 90_000);

  it('user.joined puts the joiner on the "needs a token" list, and an operator assigns a stock token from it', async () => {
    const joiner = users[0]!;
    expect((await settled(await send(webhookEvent('user.joined', { upn: joiner })))).status).toBe('done');
    const list = (await (await system.call('/api/v1/webhook-joiners')).json()) as { id: string; upn: string; sourceName: string }[];
    const entry = list.find((item) => item.upn === joiner);
    expect(entry?.sourceName).toBe('workday-e2e');
    const stock = await tokenBySerial(SERIALS[5]!);
    const assigned = await system.call(`/api/v1/webhook-joiners/${entry!.id}/assign`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tokenId: stock.id }) });
    expect(assigned.status).toBe(202);
    await untilState(SERIALS[5]!, 'active');
    expect((await tokenBySerial(SERIALS[5]!)).assignedUpn).toBe(joiner);
    const after = (await (await system.call('/api/v1/webhook-joiners')).json()) as { upn: string }[];
    expect(after.some((item) => item.upn === joiner)).toBe(false);
  }, 90_000);
});
