// The worker against real Postgres, Redis and the Entra sandbox over HTTPS: tokens committed the way an
// import commits them (token rows with encrypted seeds, one create operation each) end up created,
// assigned and activated in the sandbox, at fewer than 1.05 Graph writes per token.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, directoryUsers, imports, operations, retryOperations, tenants as tenantsTable, tokens } from '@tokenfleet/db';
import { metricsRegistry } from '@tokenfleet/config';
import { createRedis, enqueueOperations } from '@tokenfleet/queue';
import { histogramCount, readPrometheusText } from '@tokenfleet/test-harness/prometheus';
import { commitTokens as commitTokensOf, sandboxMembers, type TokenSpec } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { writeLimit: { requests: 20, windowMs: 1_000 }, generatedUsers: 200 } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
  await redis.quit();
});

const commitTokens = (specs: TokenSpec[]) => commitTokensOf(system, worker.context.tenant.queue, specs);
const members = (count: number, offset = 0) => sandboxMembers(system, count, offset);

describe('provisioning pipeline (worker)', () => {
  it('creates, assigns and activates a mix of 30 s / 60 s and SHA-1 / SHA-256 tokens in bulk', async () => {
    const upns = members(60);
    const specs: TokenSpec[] = upns.map((upn, index) => ({ upn, interval: index % 3 === 0 ? 60 : 30, hash: index % 2 === 0 ? 'hmacsha256' : 'hmacsha1' }));
    const writesBefore = system.sandbox.inspect.counters().writes;
    const callsBefore = system.sandbox.inspect.calls().length;
    const tenant = { tenant: system.tenantId };
    const metricsBefore = readPrometheusText(await metricsRegistry.metrics());
    const activationsBefore = await histogramCount(metricsRegistry, 'tokenfleet_activation_window_left_seconds', tenant);
    const created = await commitTokens(specs);
    await waitForOperations(system.client.db, created.map((t) => t.id), 180_000);

    const rows = await system.client.db.select().from(tokens).where(inArray(tokens.id, created.map((t) => t.id)));
    expect(rows.filter((row) => row.state !== 'active').map((row) => `${row.serialNumber} ${row.state}: ${row.lastError}`)).toEqual([]);
    const devices = new Map(system.sandbox.inspect.devices().map((device) => [device.serialNumber, device]));
    for (const token of created) expect(devices.get(token.serial)?.status).toBe('activated');
    const writes = system.sandbox.inspect.counters().writes - writesBefore;
    expect(writes / created.length).toBeLessThanOrEqual(1.05);
    // A code late on its way (a stalled machine) is sent again fresh; a code wrong for its window never is.
    const { activationsRefused, activationsRefusedLate } = system.sandbox.inspect.counters();
    expect(activationsRefused - activationsRefusedLate).toBe(0);

    // The users were looked up fifteen to a read (Graph's limit on `in`), not one read per token.
    const userReads = system.sandbox.inspect.calls().slice(callsBefore).filter((call) => call.method === 'GET' && /\/users(\/[^/]+)?$/.test(call.path));
    expect(userReads.filter((call) => call.path.endsWith('/users')).length).toBeLessThanOrEqual(Math.ceil(created.length / 15) + 4);
    expect(userReads.filter((call) => !call.path.endsWith('/users'))).toEqual([]);
    // What the reads answered is kept for the screens: every user's id and display name, one row each.
    const kept = await system.client.db.select().from(directoryUsers).where(inArray(directoryUsers.upnLower, upns.map((upn) => upn.toLowerCase())));
    const sandboxUsers = new Map(system.sandbox.inspect.users().map((user) => [user.userPrincipalName.toLowerCase(), user]));
    expect(kept).toHaveLength(new Set(upns.map((upn) => upn.toLowerCase())).size);
    for (const row of kept) expect(row).toMatchObject({ userId: sandboxUsers.get(row.upnLower)!.id, displayName: sandboxUsers.get(row.upnLower)!.displayName });

    // The worker's metrics tell the same story as the sandbox's own counters.
    const metrics = readPrometheusText(await metricsRegistry.metrics());
    const grew = (name: string, labels: Record<string, string>) => metrics.value(name, labels) - metricsBefore.value(name, labels);
    expect(grew('tokenfleet_graph_writes_total', tenant)).toBe(writes);
    expect(grew('tokenfleet_graph_calls_total', { ...tenant, operation: 'activate', outcome: 'ok' })).toBe(created.length);
    expect((await histogramCount(metricsRegistry, 'tokenfleet_activation_window_left_seconds', tenant)) - activationsBefore).toBe(created.length);
    expect(await histogramCount(metricsRegistry, 'tokenfleet_graph_call_duration_seconds', { ...tenant, operation: 'activate' })).toBeGreaterThanOrEqual(created.length);
  }, 240_000);

  it('an unknown user leaves the token in the inventory with a failed, retryable assignment', async () => {
    const [token] = await commitTokens([{ upn: 'nobody-here@contoso.example' }]);
    await waitForOperations(system.client.db, [token!.id], 60_000);
    const [row] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
    expect(row!.state).toBe('created');
    const ops = await system.client.db.select().from(operations).where(eq(operations.tokenId, token!.id));
    const assign = ops.find((op) => op.kind === 'token.assign');
    expect(assign).toMatchObject({ status: 'failed', lastErrorCode: 'user_not_found' });
  }, 90_000);

  it('a refused activation fails the operation with Graph\'s reason, and a retry activates the token', async () => {
    system.sandbox.configure({ refuseActivations: 1 });
    const [token] = await commitTokens([{ upn: members(1, 70)[0] }]);
    await waitForOperations(system.client.db, [token!.id], 60_000);
    const ops = await system.client.db.select().from(operations).where(eq(operations.tokenId, token!.id));
    expect(ops.map((op) => `${op.kind}:${op.status}:${op.lastErrorCode}`)).toContain('token.activate:failed:badRequest');
    const failed = ops.find((op) => op.kind === 'token.activate')!;
    expect(failed.status).toBe('failed');
    expect(failed.lastGraphStatus).toBe(400);
    const [before] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
    expect(before!.state).toBe('failed');

    const retried = await system.client.db.transaction((tx) => retryOperations(tx, [failed.id], 'user:test'));
    await enqueueOperations(worker.context.tenant.queue, retried);
    await waitForOperations(system.client.db, [token!.id], 60_000);
    const [after] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
    expect(after!.state).toBe('active');
  }, 150_000);

  it('a create that already reached Graph before a crash is adopted, not created twice', async () => {
    // Simulate the crash: the device exists in Entra and the operation says a request was sent.
    const [token] = await commitTokensWithoutEnqueue({});
    const device = await system.graph.createDevice({ serialNumber: token!.serial, manufacturer: 'Token2', model: 'C202', secretKey: token!.secret, timeIntervalInSeconds: 30, hashFunction: 'hmacsha1' });
    expect(device.kind).toBe('ok');
    const [op] = await system.client.db.update(operations).set({ sentAt: new Date() }).where(eq(operations.tokenId, token!.id)).returning();
    const createdBefore = system.sandbox.inspect.counters().devicesCreated;
    await enqueueOperations(worker.context.tenant.queue, [op!]);
    await waitForOperations(system.client.db, [token!.id], 60_000);
    const [row] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
    expect(row).toMatchObject({ state: 'created', graphDeviceId: device.kind === 'ok' ? device.value.id : 'x' });
    expect(system.sandbox.inspect.counters().devicesCreated).toBe(createdBefore);
  }, 90_000);

  it('the reconciler enqueues operations that were committed but never queued', async () => {
    const [token] = await commitTokensWithoutEnqueue({});
    await system.client.db.update(operations).set({ updatedAt: new Date(Date.now() - 10 * 60_000) }).where(eq(operations.tokenId, token!.id));
    await worker.reconcileNow();
    await waitForOperations(system.client.db, [token!.id], 60_000);
    const [row] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
    expect(row!.state).toBe('created');
  }, 90_000);

  it('a create left claimed by a leader that finished without it is put back in line and carried', async () => {
    const [leader, orphan] = await commitTokensWithoutEnqueue({}, {});
    const [leaderOp] = await system.client.db.select().from(operations).where(eq(operations.tokenId, leader!.id));
    await system.client.db.update(operations).set({ status: 'failed', claimedBy: leaderOp!.id }).where(eq(operations.id, leaderOp!.id));
    await system.client.db
      .update(operations)
      .set({ status: 'running', claimedBy: leaderOp!.id, updatedAt: new Date(Date.now() - 10 * 60_000) })
      .where(eq(operations.tokenId, orphan!.id));
    await worker.reconcileNow();
    await waitForOperations(system.client.db, [orphan!.id], 60_000);
    const [op] = await system.client.db.select().from(operations).where(eq(operations.tokenId, orphan!.id));
    expect(op).toMatchObject({ status: 'succeeded', generation: 1 });
    const [row] = await system.client.db.select().from(tokens).where(eq(tokens.id, orphan!.id));
    expect(row!.state).toBe('created');
  }, 90_000);
});

describe('tenant policy', () => {
  it('with seed purging on, a token keeps no seed once Entra holds it active', async () => {
    await system.client.db.update(tenantsTable).set({ settings: { purgeSeedsWhenActive: true } }).where(eq(tenantsTable.id, system.tenantId));
    try {
      const [token] = await commitTokens([{ upn: members(1, 90)[0] }]);
      await waitForOperations(system.client.db, [token!.id], 60_000);
      const [row] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
      expect(row).toMatchObject({ state: 'active', secretKeyId: null, secretCiphertext: null });
    } finally {
      await system.client.db.update(tenantsTable).set({ settings: {} }).where(eq(tenantsTable.id, system.tenantId));
    }
  }, 90_000);
});

describe('transient failures', () => {
  it('a bulk create that meets a 503 keeps its claimed tokens and carries them all on its next attempt', async () => {
    system.sandbox.configure({ transientFailureRate: 1 });
    const created = await commitTokens([{}, {}, {}]);
    const ids = created.map((t) => t.id);
    // Wait until the bulk call has failed twice (from its second attempt on, the leader holds its claim).
    await waitUntil(
      async () => {
        const failures = await system.client.db.select().from(auditEvents).where(and(inArray(auditEvents.tokenId, ids), eq(auditEvents.action, 'operation.attempt_failed')));
        return failures.length >= 2 || undefined;
      },
      { timeoutMs: 20_000, intervalMs: 50, failure: () => 'the bulk call never failed twice' },
    );
    system.sandbox.configure({ transientFailureRate: 0 });
    await waitForOperations(system.client.db, ids, 60_000);
    const rows = await system.client.db.select().from(tokens).where(inArray(tokens.id, ids));
    expect(rows.map((row) => `${row.state} ${row.lastError ?? ''}`.trim())).toEqual(['created', 'created', 'created']);
  }, 90_000);
});

describe('reconciler', () => {
  it('marks an import finished once its last operation has ended, though nobody reads it', async () => {
    const importId = randomUUID();
    await system.client.db.insert(imports).values({ id: importId, tenantId: system.tenantId, fileName: 'x.csv', format: 'csv', mode: 'import', status: 'running', totalRows: 1, validRows: 1, createdBy: 'test' });
    const [token] = await commitTokens([{}]);
    await system.client.db.update(tokens).set({ importId }).where(eq(tokens.id, token!.id));
    await system.client.db.update(operations).set({ importId }).where(eq(operations.tokenId, token!.id));
    await waitForOperations(system.client.db, [token!.id], 60_000);
    await worker.reconcileNow();
    const [row] = await system.client.db.select().from(imports).where(eq(imports.id, importId));
    expect(row).toMatchObject({ status: 'completed' });
    expect(row!.finishedAt).not.toBeNull();
  }, 90_000);
});

/** Committed, as a process that died between its commit and its enqueue leaves them. */
function commitTokensWithoutEnqueue(...specs: TokenSpec[]) {
  return commitTokensOf(system, null, specs);
}
