// One worker process carries every tenant of the installation (docs/tenants.md): the environment's tenant
// A (sandbox 1) and tenants added in Tokenfleet, each simulated by a sandbox of its own that shares
// sandbox 1's state directory, hence its CA, as `npm run sandbox -- --port …` would. Real Postgres, Redis
// and HTTPS throughout: a tenant's tokens must land in its own sandbox only.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, metricsRegistry } from '@tokenfleet/config';
import { addTenant, auditEvents, changeTenantConnection, operations, tokens, type Tenant } from '@tokenfleet/db';
import { startSandbox, type Sandbox } from '@tokenfleet/entra-sandbox';
import { createRedis, createTenantQueue, type TenantQueue } from '@tokenfleet/queue';
import { readPrometheusText } from '@tokenfleet/test-harness/prometheus';
import { commitTokens, sandboxMembers, type TokenSpec } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { startWorker, type RunningWorker } from '../src/start-worker';

const FAIRNESS_TOKENS_A = 240;
const sandboxStateDir = mkdtempSync(join(tmpdir(), 'tf-tenants-sandbox-'));
let system: TestSystem;
let worker: RunningWorker;
const sandboxes: Sandbox[] = [];
const queues: TenantQueue[] = [];
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
/** Everything the worker logs, at debug level through the product's logger: no secret may appear in it. */
const logLines: string[] = [];
const logger = createLogger({ level: 'debug', name: 'worker', mode: 'sandbox' }, new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } }));

beforeAll(async () => {
  // A budget of 8 writes a second per tenant: tenant A's large import takes half a minute, so the fairness
  // test can see B finish while most of A is still waiting for A's budget.
  system = await startTestSystem({ sandbox: { stateDir: sandboxStateDir, generatedUsers: FAIRNESS_TOKENS_A + 20 }, env: { GRAPH_WRITE_LIMIT: '8', GRAPH_WRITE_WINDOW_MS: '1000' } });
  // The test system wrote sandbox 1's connection file, where the worker finds the CA stored tenants' clients trust.
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, logger, reconcileEveryMs: 3_600_000, scheduleSyncs: false });
}, 60_000);
afterAll(async () => {
  await worker?.close(5_000);
  for (const queue of queues) await queue.close();
  for (const sandbox of sandboxes) await sandbox.close();
  await system?.stop();
  await redis.quit();
});

/** Another simulated Entra tenant, trusted through sandbox 1's CA. */
async function anotherSandbox(): Promise<Sandbox> {
  const sandbox = await startSandbox({ stateDir: sandboxStateDir, tenantId: randomUUID(), clientId: randomUUID(), totpToleranceSteps: 0 });
  sandboxes.push(sandbox);
  return sandbox;
}

async function addSandboxTenant(sandbox: Sandbox, clientSecret = sandbox.clientSecret): Promise<Tenant> {
  return addTenant(system.client.db, system.vault, {
    name: `Tenant at ${sandbox.origin}`,
    entraTenantId: sandbox.tenantId,
    clientId: sandbox.clientId,
    clientSecret,
    authorityHost: sandbox.origin,
    graphBaseUrl: sandbox.origin,
    actor: 'test',
  });
}

/** The queue the API enqueues a tenant's operations on (the worker's, by name and prefix). */
function queueOf(tenantId: string): TenantQueue {
  const queue = createTenantQueue({ connection: redis, prefix: system.prefix }, tenantId);
  queues.push(queue);
  return queue;
}

const membersOf = (sandbox: Sandbox, count: number, offset = 0) =>
  sandbox.inspect.users().filter((user) => user.userType !== 'Guest').slice(offset, offset + count).map((user) => ({ upn: user.userPrincipalName }));

const serialsIn = (sandbox: Sandbox) => new Set(sandbox.inspect.devices().map((device) => device.serialNumber));

async function statesOf(ids: string[]): Promise<string[]> {
  const rows = await system.client.db.select({ state: tokens.state }).from(tokens).where(inArray(tokens.id, ids));
  return rows.map((row) => row.state);
}

async function calibrationsOf(tenantId: string) {
  return system.client.db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.action, 'graph.listDevices'), eq(auditEvents.actor, 'worker')));
}

let sandboxB: Sandbox;
let tenantB: Tenant;

describe('one worker carries every tenant', () => {
  it('a tenant added while the worker runs is picked up at its next pass; each tenant provisions into its own Entra only', async () => {
    expect(worker.tenantIds()).toEqual([system.tenantId]);
    sandboxB = await anotherSandbox();
    tenantB = await addSandboxTenant(sandboxB);
    // Committed and enqueued as the API does, before the worker carries B: B's jobs wait in B's queue.
    const onB = await commitTokens(system, queueOf(tenantB.id), membersOf(sandboxB, 5), { tenantId: tenantB.id });
    const onA = await commitTokens(system, worker.context.tenant.queue, sandboxMembers(system, 5).map((upn): TokenSpec => ({ upn })));
    expect(worker.tenantContext(tenantB.id)).toBeUndefined();

    await worker.reconcileNow();
    expect(worker.tenantIds()).toEqual([system.tenantId, tenantB.id]);
    const contextB = worker.tenantContext(tenantB.id)!;
    expect(contextB.tenant.tenantId).toBe(tenantB.id);
    expect(contextB.tenant.graph).not.toBe(worker.context.tenant.graph);
    expect((await calibrationsOf(tenantB.id)).map((event) => event.outcome)).toEqual(['success']);

    await waitForOperations(system.client.db, [...onA, ...onB].map((token) => token.id), 90_000);
    expect(await statesOf(onB.map((token) => token.id))).toEqual(onB.map(() => 'active'));
    expect(await statesOf(onA.map((token) => token.id))).toEqual(onA.map(() => 'active'));
    const inA = serialsIn(system.sandbox);
    const inB = serialsIn(sandboxB);
    expect(onB.filter((token) => !inB.has(token.serial) || inA.has(token.serial))).toEqual([]);
    expect(onA.filter((token) => !inA.has(token.serial) || inB.has(token.serial))).toEqual([]);
    expect(sandboxB.inspect.devices().filter((device) => device.status === 'activated')).toHaveLength(onB.length);

    // The worker's metrics name the second tenant too.
    const metrics = readPrometheusText(await metricsRegistry.metrics());
    expect(metrics.value('tokenfleet_graph_writes_total', { tenant: tenantB.id })).toBeGreaterThanOrEqual(onB.length);
    expect(metrics.value('tokenfleet_graph_calls_total', { tenant: tenantB.id, operation: 'activate', outcome: 'ok' })).toBe(onB.length);
  }, 120_000);

  it('a stored tenant with a wrong secret: its failed calibration is audited, its jobs fail visibly, tenant A still provisions; a corrected secret gets a new client', async () => {
    const sandboxC = await anotherSandbox();
    const wrongSecret = `wrong-${randomUUID()}`;
    const tenantC = await addSandboxTenant(sandboxC, wrongSecret);
    await worker.reconcileNow();
    expect(worker.tenantIds()).toContain(tenantC.id);

    const [calibration] = await calibrationsOf(tenantC.id);
    expect(calibration).toMatchObject({ outcome: 'failure', graphStatus: 401 });
    expect(JSON.stringify(calibration!.detail)).not.toContain(wrongSecret);
    const warnings = logLines.filter((line) => line.includes(tenantC.id) && line.includes('clock calibration failed'));
    expect(warnings).toHaveLength(1);

    const [onC] = await commitTokens(system, queueOf(tenantC.id), membersOf(sandboxC, 1), { tenantId: tenantC.id });
    const [onA] = await commitTokens(system, worker.context.tenant.queue, [{ upn: sandboxMembers(system, 1, 10)[0] }]);
    await waitForOperations(system.client.db, [onA!.id, onC!.id], 60_000);
    expect(await statesOf([onA!.id])).toEqual(['active']);
    const [failed] = await system.client.db.select().from(operations).where(eq(operations.tokenId, onC!.id));
    expect(failed).toMatchObject({ status: 'failed', lastGraphStatus: 401 });
    expect(sandboxC.inspect.devices()).toEqual([]);

    // The secret is corrected: the next pass builds C a new client from the new version and calibrates it.
    const graphBefore = worker.tenantContext(tenantC.id)!.tenant.graph;
    await changeTenantConnection(system.client.db, system.vault, tenantC.id, { clientId: sandboxC.clientId, clientSecret: sandboxC.clientSecret, authorityHost: sandboxC.origin, graphBaseUrl: sandboxC.origin, actor: 'test' });
    await worker.reconcileNow();
    expect(worker.tenantContext(tenantC.id)!.tenant.graph).not.toBe(graphBefore);
    expect((await calibrationsOf(tenantC.id)).map((event) => event.outcome).sort()).toEqual(['failure', 'success']);
    const [again] = await commitTokens(system, queueOf(tenantC.id), membersOf(sandboxC, 1, 1), { tenantId: tenantC.id });
    await waitForOperations(system.client.db, [again!.id], 60_000);
    expect(await statesOf([again!.id])).toEqual(['active']);
    expect(serialsIn(sandboxC).has(again!.serial)).toBe(true);
    expect(logLines.filter((line) => line.includes(wrongSecret) || line.includes(sandboxC.clientSecret))).toEqual([]);
  }, 150_000);

  it('a stored credential no client can be built from is audited once; the tenant is not started and the pass goes on', async () => {
    const tenantD = await addTenant(system.client.db, system.vault, {
      name: 'Tenant with a broken certificate',
      entraTenantId: randomUUID(),
      clientId: randomUUID(),
      clientCertificatePem: 'not a PEM certificate',
      authorityHost: system.sandbox.origin,
      graphBaseUrl: system.sandbox.origin,
      actor: 'test',
    });
    await worker.reconcileNow();
    await worker.reconcileNow();
    expect(worker.tenantIds()).not.toContain(tenantD.id);
    const calibrations = await calibrationsOf(tenantD.id);
    expect(calibrations.map((event) => [event.outcome, (event.detail as { result?: string }).result])).toEqual([['failure', 'no-client']]);
    expect(logLines.filter((line) => line.includes('not a PEM certificate'))).toEqual([]);
  }, 60_000);

  it('a worker started while tenants are stored carries them from the start', async () => {
    const second = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, logger, reconcileEveryMs: 3_600_000, scheduleSyncs: false });
    try {
      expect(second.tenantIds()).toEqual(worker.tenantIds());
      expect(second.tenantContext(tenantB.id)?.tenant.tenantId).toBe(tenantB.id);
    } finally {
      await second.close(5_000);
    }
  }, 60_000);

  // Last in the file: it leaves tenant A's large import unfinished (the worker's close releases it).
  it("fairness: a small import on B finishes while most of a large one on A, started before it, still waits for A's budget", async () => {
    const large = await commitTokens(system, worker.context.tenant.queue, sandboxMembers(system, FAIRNESS_TOKENS_A, 20).map((upn): TokenSpec => ({ upn })));
    const small = await commitTokens(system, queueOf(tenantB.id), membersOf(sandboxB, 10, 10), { tenantId: tenantB.id });
    await waitForOperations(system.client.db, small.map((token) => token.id), 60_000);
    expect(await statesOf(small.map((token) => token.id))).toEqual(small.map(() => 'active'));

    const largeStates = await statesOf(large.map((token) => token.id));
    const unfinished = largeStates.filter((state) => state !== 'active').length;
    expect(unfinished).toBeGreaterThan(FAIRNESS_TOKENS_A / 2);
  }, 90_000);
});
