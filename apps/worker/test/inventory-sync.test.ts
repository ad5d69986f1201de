// inventory.sync against real Postgres, Redis and the sandbox: Entra is changed behind Tokenfleet's back
// through the sandbox's portal routes (a user activating in Security info, an administrator unassigning,
// deleting, reassigning, a device nobody imported, a sign-in that moves last use), and one sync later each
// change shows in Tokenfleet with its "changed in Entra" audit event, read two devices a page.
import { randomBytes } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditEvents, inventorySyncs, operations, requestSync, tokens, unmanagedDevices } from '@tokenfleet/db';
import { base32Decode, base32Encode, totpCode } from '@tokenfleet/domain';
import { enqueueInventorySync } from '@tokenfleet/queue';
import { commitTokens, sandboxMembers } from '../../../test/support/commit-tokens';
import { sandboxPortal } from '../../../test/support/sandbox-portal';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { writeLimit: { requests: 20, windowMs: 1_000 }, generatedUsers: 10 } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000, scheduleSyncs: false, syncPageSize: 2 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

/** Asks for a sync as the API does and waits for it to end; answers the run. */
async function sync() {
  const { sync: run } = await requestSync(system.client.db, system.tenantId, 'test');
  await enqueueInventorySync(worker.context.tenant.queue, system.tenantId, run.id);
  return waitUntil(
    async () => {
      const [row] = await system.client.db.select().from(inventorySyncs).where(eq(inventorySyncs.id, run.id));
      return row && (row.status === 'succeeded' || row.status === 'failed') ? row : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, failure: () => `sync ${run.id} never finished` },
  );
}

const codeOf = (secret: string, at: number) => totpCode({ secret: base32Decode(secret)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, at);

it('brings every change made in the portal into Tokenfleet with its audit event, page by page', async () => {
  const [alice, bob, carol, dave, erin] = sandboxMembers(system, 5);
  const committed = await commitTokens(system, worker.context.tenant.queue, [
    { upn: alice, activate: false },
    { upn: bob },
    {},
    { upn: carol, activate: false },
    { upn: erin },
  ]);
  await waitForOperations(system.client.db, committed.map((token) => token.id), 90_000);
  const rowOf = async (id: string) => (await system.client.db.select().from(tokens).where(eq(tokens.id, id)))[0]!;
  const [selfActivated, unassigned, deleted, reassigned, signedIn] = await Promise.all(committed.map((token) => rowOf(token.id)));
  expect([selfActivated, unassigned, deleted, reassigned, signedIn].map((row) => row!.state)).toEqual(['assigned', 'active', 'created', 'assigned', 'active']);

  // A first sync agrees with everything and finds nothing unmanaged.
  const quiet = await sync();
  expect(quiet.status).toBe('succeeded');
  expect(quiet.summary).toMatchObject({ devicesRead: 5, pages: 3, changedInEntra: 0, missingFromEntra: 0, unmanagedFound: 0 });

  // Behind Tokenfleet's back. One step of tolerance, so codes computed now never straddle a window edge.
  system.sandbox.configure({ totpToleranceSteps: 1 });
  const portal = sandboxPortal(system.sandbox);
  expect((await portal.activate(selfActivated!.graphDeviceId!, codeOf(committed[0]!.secret, system.sandbox.now()))).status).toBe(204);
  expect((await portal.unassign(unassigned!.graphDeviceId!)).status).toBe(204);
  expect((await portal.delete(deleted!.graphDeviceId!)).status).toBe(204);
  expect((await portal.reassign(reassigned!.graphDeviceId!, dave!)).status).toBe(204);
  // The activation spent the current step of this token; the next one signs in.
  const signIn = await portal.signIn(signedIn!.graphDeviceId!, codeOf(committed[4]!.secret, system.sandbox.now() + 30_000));
  expect(signIn.status).toBe(200);
  const unknownSerial = `U${randomBytes(4).toString('hex')}`;
  const unknown = await portal.createDevice({ serialNumber: unknownSerial, manufacturer: 'Feitian', model: 'c100', secretKey: base32Encode(randomBytes(20)), timeIntervalInSeconds: 30, hashFunction: 'hmacsha1' });
  expect(unknown.status).toBe(201);

  const run = await sync();
  expect(run.status).toBe('succeeded');
  // Five devices are left in Entra (one deleted, one added), two a page.
  expect(run.summary).toMatchObject({ devicesRead: 5, pages: 3, changedInEntra: 3, missingFromEntra: 1, unmanagedFound: 1, lastUsedUpdated: 1 });

  const after = new Map((await system.client.db.select().from(tokens).where(inArray(tokens.id, committed.map((token) => token.id)))).map((row) => [row.id, row]));
  expect(after.get(selfActivated!.id)).toMatchObject({ state: 'active', assignedUpn: alice });
  expect(after.get(unassigned!.id)).toMatchObject({ state: 'created', assignedUpn: null, assignedUserId: null });
  expect(after.get(deleted!.id)).toMatchObject({ state: 'deleted', graphDeviceId: null });
  const daveId = system.sandbox.inspect.users().find((user) => user.userPrincipalName === dave)!.id;
  expect(after.get(reassigned!.id)).toMatchObject({ state: 'assigned', assignedUpn: dave, assignedUserId: daveId });
  expect(after.get(signedIn!.id)!.lastUsedAt?.toISOString().replace(/\.\d{3}Z$/, 'Z')).toBe(signIn.body.lastUsedDateTime);

  const events = await system.client.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'token.changedInEntra'), eq(auditEvents.tenantId, system.tenantId)));
  const eventOf = (id: string) => events.filter((event) => event.tokenId === id);
  expect(events).toHaveLength(4);
  for (const event of events) expect(event.actor).toBe('Entra');
  expect(eventOf(selfActivated!.id)[0]!.detail).toMatchObject({ from: 'assigned', to: 'active', changes: [{ field: 'state', before: 'assigned', after: 'active' }] });
  expect(eventOf(unassigned!.id)[0]!.detail).toMatchObject({
    from: 'active',
    to: 'created',
    changes: [{ field: 'state', before: 'active', after: 'created' }, { field: 'assignedTo', before: bob }],
  });
  expect(eventOf(deleted!.id)[0]!.detail).toMatchObject({ from: 'created', to: 'deleted', graphDeviceId: deleted!.graphDeviceId });
  expect(eventOf(reassigned!.id)[0]!.detail).toMatchObject({ from: 'assigned', to: 'assigned', changes: [{ field: 'assignedTo', before: carol, after: dave }] });
  expect(String((eventOf(reassigned!.id)[0]!.detail as { summary: string }).summary)).toContain(`changed in Entra: user ${carol} → ${dave}`);
  expect(eventOf(signedIn!.id)).toEqual([]);

  const [listed] = await system.client.db.select().from(unmanagedDevices).where(eq(unmanagedDevices.tenantId, system.tenantId));
  expect(listed).toMatchObject({ serialNumber: unknownSerial, graphDeviceId: unknown.body.id, manufacturer: 'Feitian', status: 'available', assignedUserId: null });
  const found = await system.client.db.select().from(auditEvents).where(eq(auditEvents.action, 'inventory.unmanagedFound'));
  expect(found.map((event) => event.targetId)).toEqual([unknown.body.id]);

  // Nothing changed since: a sync changes nothing again, and still knows the unmanaged device (no second event).
  expect((await sync()).summary).toMatchObject({ changedInEntra: 0, missingFromEntra: 0, unmanagedFound: 0, unmanagedGone: 0 });

  // The unmanaged device vanishes from Entra: it leaves the list.
  expect((await portal.delete(unknown.body.id)).status).toBe(204);
  expect((await sync()).summary).toMatchObject({ unmanagedGone: 1 });
  expect(await system.client.db.select().from(unmanagedDevices).where(eq(unmanagedDevices.tenantId, system.tenantId))).toEqual([]);
  const summaries = await system.client.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'inventory.synced'), eq(auditEvents.tenantId, system.tenantId)));
  expect(summaries).toHaveLength(4);
}, 150_000);

it('leaves a token alone while an operation of its own is open, and compares it once that has ended', async () => {
  const [frank] = sandboxMembers(system, 1, 6);
  const [token] = await commitTokens(system, worker.context.tenant.queue, [{ upn: frank, activate: false }]);
  await waitForOperations(system.client.db, [token!.id], 60_000);
  const [row] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
  expect((await sandboxPortal(system.sandbox).unassign(row!.graphDeviceId!)).status).toBe(204);
  // An operation Tokenfleet has queued for the token (committed, its job not yet run).
  const [op] = await system.client.db.select().from(operations).where(eq(operations.tokenId, token!.id));
  await system.client.db.update(operations).set({ status: 'queued' }).where(eq(operations.id, op!.id));
  const busy = await sync();
  expect(busy.summary).toMatchObject({ changedInEntra: 0, skippedBusy: 1 });
  expect((await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id)))[0]!.state).toBe('assigned');
  await system.client.db.update(operations).set({ status: 'succeeded' }).where(eq(operations.id, op!.id));
  expect((await sync()).summary).toMatchObject({ changedInEntra: 1, skippedBusy: 0 });
  expect((await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id)))[0]!.state).toBe('created');
}, 90_000);
