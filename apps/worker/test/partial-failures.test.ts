// Partial failures of a bulk create, against real Postgres, Redis and the sandbox: whatever happens to one
// token of a chunk is that token's. A sibling's failure never undoes the leader's success, a leader that
// fails keeps the claims its next attempt carries, one unreadable seed or one token retired mid-flight
// leaves the others created, a create that reached Graph is adopted on an operator's retry while a
// foreign device is refused and left alone, and a refused (429) call leaves nothing marked as sent.
import { and, eq, inArray } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { base32Encode } from '@tokenfleet/domain';
import { auditEvents, operations, retryOperations, tokens, transitionToken } from '@tokenfleet/db';
import { enqueueOperations } from '@tokenfleet/queue';
import { commitTokens, type CommittedToken } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { writeLimit: { requests: 20, windowMs: 1_000 }, generatedUsers: 20 } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});
beforeEach(() => {
  system.sandbox.configure({ bulkItemFailureSerials: [], singleCreateFailureSerials: [], transientFailureRate: 0, latencyMs: { min: 0, max: 0 }, writeLimit: { requests: 20, windowMs: 1_000 } });
});

const db = () => system.client.db;

/** Commits the tokens and enqueues only the first one's job: it leads, and claims the others. */
async function chunkLedByFirst(count: number): Promise<CommittedToken[]> {
  const committed = await commitTokens(system, null, Array.from({ length: count }, () => ({})));
  await enqueueOperations(worker.context.tenant.queue, [committed[0]!.operation]);
  return committed;
}

async function operationOf(token: CommittedToken) {
  const [row] = await db().select().from(operations).where(eq(operations.id, token.operation.id));
  return row!;
}

async function tokenRow(token: CommittedToken) {
  const [row] = await db().select().from(tokens).where(eq(tokens.id, token.id));
  return row!;
}

async function auditOf(token: CommittedToken, action: string) {
  return db().select().from(auditEvents).where(and(eq(auditEvents.operationId, token.operation.id), eq(auditEvents.action, action)));
}

function devicesWithSerial(serial: string) {
  return system.sandbox.inspect.devices().filter((device) => device.serialNumber === serial);
}

describe('a bulk create that partly fails', () => {
  it("a sibling whose single create fails goes back in line on its own; the leader's success stands", async () => {
    const committed = await commitTokens(system, null, [{}, {}, {}]);
    const [leader, failing, other] = committed as [CommittedToken, CommittedToken, CommittedToken];
    system.sandbox.configure({ bulkItemFailureSerials: [failing.serial], singleCreateFailureSerials: [failing.serial] });
    await enqueueOperations(worker.context.tenant.queue, [leader.operation]);

    await waitUntil(async () => ((await auditOf(failing, 'operation.attempt_failed')).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
      failure: () => "the failing sibling's attempt was never recorded",
    });
    expect(await operationOf(leader)).toMatchObject({ status: 'succeeded' });
    expect(await tokenRow(leader)).toMatchObject({ state: 'created' });
    expect(await operationOf(failing)).toMatchObject({ status: 'queued', claimedBy: null, generation: 1 });

    system.sandbox.configure({ bulkItemFailureSerials: [], singleCreateFailureSerials: [] });
    await waitForOperations(db(), committed.map((token) => token.id), 60_000);
    for (const token of committed) expect(await tokenRow(token)).toMatchObject({ state: 'created' });
    expect(await auditOf(leader, 'operation.attempt_failed')).toEqual([]);
    expect(await auditOf(leader, 'operation.failed')).toEqual([]);
    for (const token of [leader, failing, other]) expect(devicesWithSerial(token.serial)).toHaveLength(1);
  }, 90_000);

  it('a leader whose bulk call fails keeps its claim and its siblings for its next attempt', async () => {
    system.sandbox.configure({ transientFailureRate: 1 });
    const committed = await chunkLedByFirst(3);
    const [leader, ...siblings] = committed as [CommittedToken, ...CommittedToken[]];
    await waitUntil(async () => ((await auditOf(leader, 'operation.attempt_failed')).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 50,
      failure: () => 'the bulk call never failed',
    });
    expect(await operationOf(leader)).toMatchObject({ status: 'running', claimedBy: leader.operation.id });
    for (const sibling of siblings) expect(await operationOf(sibling)).toMatchObject({ status: 'running', claimedBy: leader.operation.id });

    system.sandbox.configure({ transientFailureRate: 0 });
    await waitForOperations(db(), committed.map((token) => token.id), 60_000);
    for (const token of committed) expect(await tokenRow(token)).toMatchObject({ state: 'created' });
  }, 90_000);

  it('one unreadable seed fails its own token only', async () => {
    const committed = await commitTokens(system, null, [{}, {}, {}]);
    const [leader, broken, other] = committed as [CommittedToken, CommittedToken, CommittedToken];
    await db().update(tokens).set({ secretCiphertext: randomBytes(48) }).where(eq(tokens.id, broken.id));
    await enqueueOperations(worker.context.tenant.queue, [leader.operation]);
    await waitForOperations(db(), committed.map((token) => token.id), 30_000);
    expect(await tokenRow(leader)).toMatchObject({ state: 'created' });
    expect(await tokenRow(other)).toMatchObject({ state: 'created' });
    expect(await operationOf(broken)).toMatchObject({ status: 'failed', lastErrorCode: 'seed_unreadable' });
    expect(await tokenRow(broken)).toMatchObject({ state: 'failed' });
    expect(devicesWithSerial(broken.serial)).toEqual([]);
  }, 60_000);

  it('a token retired while its bulk create is in flight stays retired, its device is removed, the others are created', async () => {
    system.sandbox.configure({ latencyMs: { min: 1_500, max: 1_500 } });
    const committed = await chunkLedByFirst(3);
    const [leader, retired, other] = committed as [CommittedToken, CommittedToken, CommittedToken];
    // The bulk call has left once the operations are marked sent; the sandbox holds it for 1.5 s.
    await waitUntil(async () => ((await operationOf(retired)).sentAt ? true : undefined), { timeoutMs: 20_000, intervalMs: 20, failure: () => 'the bulk call never left' });
    await transitionToken(db(), await tokenRow(retired), { type: 'retired' }, { secretKeyId: null, secretCiphertext: null }, { actor: 'user:test' });
    system.sandbox.configure({ latencyMs: { min: 0, max: 0 } });

    await waitForOperations(db(), committed.map((token) => token.id), 30_000);
    expect(await tokenRow(leader)).toMatchObject({ state: 'created' });
    expect(await tokenRow(other)).toMatchObject({ state: 'created' });
    expect(await tokenRow(retired)).toMatchObject({ state: 'retired', graphDeviceId: null });
    const retiredOps = await db().select().from(operations).where(eq(operations.tokenId, retired.id));
    expect(retiredOps.map((op) => `${op.kind}:${op.status}`).sort()).toEqual(['token.create:succeeded', 'token.delete:succeeded']);
    expect(devicesWithSerial(retired.serial)).toEqual([]);
    for (const token of [leader, other]) expect(devicesWithSerial(token.serial)).toHaveLength(1);
  }, 60_000);

  it('a bulk call refused with 429 leaves nothing marked sent, so its retry looks nothing up', async () => {
    system.sandbox.configure({ writeLimit: { requests: 1, windowMs: 2_000 } });
    // Spend the sandbox's one write of the window, so the bulk call meets a 429.
    await system.graph.createDevice({ serialNumber: `X${randomBytes(5).toString('hex')}`, manufacturer: 'Token2', model: 'C202', secretKey: base32Encode(randomBytes(20)), timeIntervalInSeconds: 30, hashFunction: 'hmacsha1' });
    const committed = await chunkLedByFirst(3);
    const leader = committed[0]!;
    await waitUntil(
      async () => {
        const calls = await db().select().from(auditEvents).where(and(eq(auditEvents.operationId, leader.operation.id), eq(auditEvents.action, 'graph.createDevices')));
        return calls.some((call) => call.graphStatus === 429) ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50, failure: () => 'the bulk call was never throttled' },
    );
    for (const token of committed) expect((await operationOf(token)).sentAt).toBeNull();
    await waitForOperations(db(), committed.map((token) => token.id), 60_000);
    for (const token of committed) expect(await tokenRow(token)).toMatchObject({ state: 'created' });
    const lookUps = await db().select().from(auditEvents).where(and(inArray(auditEvents.operationId, committed.map((token) => token.operation.id)), eq(auditEvents.action, 'graph.findDeviceBySerial')));
    expect(lookUps).toEqual([]);
  }, 90_000);
});

describe("an operator's retry of creates that reached Graph", () => {
  it('adopts the devices this installation sent and refuses, untouched, one that is not its own', async () => {
    const committed = await commitTokens(system, null, [{}, {}]);
    const [ours, foreign] = committed as [CommittedToken, CommittedToken];
    const sent = await system.graph.createDevice({ serialNumber: ours.serial, manufacturer: 'Token2', model: 'C202', secretKey: ours.secret, timeIntervalInSeconds: 30, hashFunction: 'hmacsha1' });
    const theirs = await system.graph.createDevice({ serialNumber: foreign.serial, manufacturer: 'Token2', model: 'C302', secretKey: base32Encode(randomBytes(32)), timeIntervalInSeconds: 30, hashFunction: 'hmacsha256' });
    if (sent.kind !== 'ok' || theirs.kind !== 'ok') throw new Error('the sandbox refused the setup devices');
    // Both creates reached Graph and then failed for good, as an earlier run left them.
    const ids = committed.map((token) => token.operation.id);
    await db().update(operations).set({ status: 'failed', sentAt: new Date(), lastErrorCode: 'serial_exists', finishedAt: new Date() }).where(inArray(operations.id, ids));
    await db().update(tokens).set({ state: 'failed' }).where(inArray(tokens.id, committed.map((token) => token.id)));
    const createdBefore = system.sandbox.inspect.counters().devicesCreated;

    const retried = await db().transaction((tx) => retryOperations(tx, ids, 'user:test'));
    await enqueueOperations(worker.context.tenant.queue, retried);
    await waitForOperations(db(), committed.map((token) => token.id), 60_000);

    expect(await tokenRow(ours)).toMatchObject({ state: 'created', graphDeviceId: sent.value.id });
    expect(await operationOf(ours)).toMatchObject({ status: 'succeeded' });
    const refused = await operationOf(foreign);
    expect(refused).toMatchObject({ status: 'failed', lastErrorCode: 'serial_exists' });
    expect(refused.lastErrorMessage).toContain('hash or interval');
    expect(devicesWithSerial(foreign.serial)).toMatchObject([{ id: theirs.value.id, hashFunction: 'hmacsha256' }]);
    expect(system.sandbox.inspect.counters().devicesCreated).toBe(createdBefore);
  }, 90_000);
});

describe('the reconciler', () => {
  it('leaves alone a sibling that its leader is still carrying alone, though the leader has ended', async () => {
    const committed = await commitTokens(system, null, [{}, {}]);
    const [leader, refused] = committed as [CommittedToken, CommittedToken];
    system.sandbox.configure({ bulkItemFailureSerials: [refused.serial], latencyMs: { min: 1_000, max: 1_000 } });
    await enqueueOperations(worker.context.tenant.queue, [leader.operation]);
    await waitUntil(async () => ((await operationOf(leader)).status === 'succeeded' ? true : undefined), { timeoutMs: 20_000, intervalMs: 20, failure: () => 'the leader never succeeded' });
    // The leader's job now creates the refused sibling alone; the reconciler must see that, not an orphan.
    await db().update(operations).set({ updatedAt: new Date(Date.now() - 10 * 60_000) }).where(eq(operations.id, refused.operation.id));
    await worker.reconcileNow();
    expect(await operationOf(refused)).toMatchObject({ claimedBy: leader.operation.id, generation: 0 });
    system.sandbox.configure({ latencyMs: { min: 0, max: 0 } });
    await waitForOperations(db(), committed.map((token) => token.id), 30_000);
    expect(await operationOf(refused)).toMatchObject({ status: 'succeeded', generation: 0 });
    for (const token of committed) expect(devicesWithSerial(token.serial)).toHaveLength(1);
  }, 60_000);

  it('puts back in line a running operation whose job Redis no longer holds', async () => {
    const [token] = await commitTokens(system, null, [{}]);
    // As after Redis lost its data: Postgres says running, Redis has no job.
    await db().update(operations).set({ status: 'running', claimedBy: token!.operation.id, updatedAt: new Date(Date.now() - 10 * 60_000) }).where(eq(operations.id, token!.operation.id));
    await worker.reconcileNow();
    await waitForOperations(db(), [token!.id], 30_000);
    expect(await tokenRow(token!)).toMatchObject({ state: 'created' });
  }, 60_000);
});
