// Benchmark: one worker process carrying ten tenants at once, each its own Entra (a sandbox of its own at
// 20 writes/s with a burst of 40, 40 ms latency, strict TOTP), each given the same number of tokens (a mix
// of 30 s / 60 s, SHA-1 / SHA-256) committed as an import commits them. Prints tokens/s for the whole
// worker, how much of each tenant's budget it spent, and where the worker's process stood (CPU, RSS). A
// benchmark prints figures; nothing here is asserted.
//
//   npx tsx bench/tenants.ts [tenants=10] [tokens per tenant=300]
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addTenant, type Tenant } from '@tokenfleet/db';
import { startSandbox, type Sandbox, type SandboxOptions } from '@tokenfleet/entra-sandbox';
import { createRedis, createTenantQueue } from '@tokenfleet/queue';
import { commitTokens, type TokenSpec } from '../test/support/commit-tokens';
import { startTestSystem, waitForOperations } from '../test/support/system';
import { startWorker } from '../apps/worker/src/start-worker';

const tenantCount = Number(process.argv[2] ?? 10);
const perTenant = Number(process.argv[3] ?? 300);
const services = { databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet', redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
const stateDir = mkdtempSync(join(tmpdir(), 'tf-bench-tenants-'));
const behaviour: SandboxOptions = { stateDir, writeLimit: { requests: 20, windowMs: 1000, burst: 40 }, latencyMs: { min: 40, max: 40 }, totpToleranceSteps: 0, generatedUsers: perTenant };

const system = await startTestSystem({ sandbox: behaviour, services });
const others: Sandbox[] = [];
const redis = createRedis(services.redisUrl);
try {
  for (let index = 1; index < tenantCount; index += 1) others.push(await startSandbox({ ...behaviour, tenantId: randomUUID(), clientId: randomUUID() }));
  const stored: Tenant[] = [];
  for (const sandbox of others) {
    stored.push(await addTenant(system.client.db, system.vault, { name: `bench ${sandbox.port}`, entraTenantId: sandbox.tenantId, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, authorityHost: sandbox.origin, graphBaseUrl: sandbox.origin, actor: 'bench' }));
  }
  const worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000, scheduleSyncs: false });
  const specsOf = (sandbox: Pick<Sandbox, 'inspect'>): TokenSpec[] =>
    sandbox.inspect.users().filter((user) => user.userType !== 'Guest').slice(0, perTenant).map((user, index) => ({ upn: user.userPrincipalName, interval: index % 2 === 0 ? 30 : 60, hash: index % 4 >= 2 ? 'hmacsha256' : 'hmacsha1' }));

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const committed = await Promise.all([
    commitTokens(system, worker.context.tenant.queue, specsOf(system.sandbox)),
    ...others.map((sandbox, index) => commitTokens(system, createTenantQueue({ connection: redis, prefix: system.prefix }, stored[index]!.id), specsOf(sandbox), { tenantId: stored[index]!.id })),
  ]);
  await waitForOperations(system.client.db, committed.flat().map((token) => token.id), 60 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);

  const sandboxes = [system.sandbox, ...others];
  const activeEverywhere = sandboxes.reduce((sum, sandbox) => sum + sandbox.inspect.devices().filter((device) => device.status === 'activated').length, 0);
  const budgetShares = sandboxes.map((sandbox) => (sandbox.inspect.counters().writes / seconds / 20) * 100);
  const rows: Array<[string, string]> = [
    ['tenants × tokens', `${tenantCount} × ${perTenant} = ${tenantCount * perTenant}`],
    ['activated in the sandboxes', String(activeEverywhere)],
    ['wall time, commit to last activation', `${seconds.toFixed(1)} s`],
    ['**tokens/s, the whole worker**', (activeEverywhere / seconds).toFixed(1)],
    ['writes/s ÷ budget per tenant: min / mean / max', `${Math.min(...budgetShares).toFixed(1)} / ${(budgetShares.reduce((a, b) => a + b, 0) / budgetShares.length).toFixed(1)} / ${Math.max(...budgetShares).toFixed(1)} %`],
    ['429s, all tenants', String(sandboxes.reduce((sum, sandbox) => sum + sandbox.inspect.counters().throttled, 0))],
    ['activations refused, all tenants', String(sandboxes.reduce((sum, sandbox) => sum + sandbox.inspect.counters().activationsRefused, 0))],
    ['CPU of this process (worker and the sandboxes) per second', `${((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)} cores`],
    ['peak RSS of this process', `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`],
  ];
  for (const [name, value] of rows) console.log(`${name.padEnd(58)} ${value}`);
  await worker.close(5_000);
} finally {
  for (const sandbox of others) await sandbox.close();
  await system.stop();
  await redis.quit();
}
process.exit(0);
