// Benchmark: one worker process carrying ten tenants at once, each its own Entra (a sandbox of its own at
// 20 writes/s with a burst of 40, 40 ms latency, strict TOTP), each given the same number of tokens (a mix
// of 30 s / 60 s, SHA-1 / SHA-256) committed and enqueued as an import does, before the worker starts. Prints
// tokens/s for the whole worker from its start, how much of each tenant's budget it spent, where the CPU
// went (the worker's process, the simulated Entras, PostgreSQL), how late the worker's thread ran its
// timers, and the activations' send margin. A benchmark prints figures; nothing here is asserted.
//
// The loaded tenants' sandboxes run in processes of their own (bench/sandbox-child.ts), as Graph is not
// in the worker's process in production; `sandboxes=inline` runs them in this one instead (the first
// version of this bench), so the worker's CPU figure then includes theirs.
//
// `timeline=1` also prints the writes all the tenants' Graphs admitted in each second of the run, and
// `routes=1` every tenant's Graph calls in each second by kind (activations, creates, reads, refusals).
//
// Tokenfleet is told each service's rate as it is (GRAPH_WRITE_LIMIT 20 per 1000 ms) and banks half its
// burst (GRAPH_WRITE_BURST 20): a bank as large as Graph's meets it with no room for the requests' jitter
// on the way. It drew 8-18 429s a run here, each of which empties that tenant's bank, and the tenants'
// last operations ended up to 5 s apart (under 2.5 s with a bank of 20, and no 429). `VAR=value` sets any
// of Tokenfleet's settings instead, e.g. GRAPH_WRITE_BURST=2 (the default of a deployment told nothing of
// Graph's burst).
//
//   npx tsx bench/tenants.ts [tenants=10] [tokens per tenant=300] [sandboxes=process|inline] [timeline=1] [routes=1] [VAR=value …]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, count, inArray, notInArray, sql } from 'drizzle-orm';
import { addTenant, operations, type Tenant } from '@tokenfleet/db';
import { startSandbox, type SandboxOptions } from '@tokenfleet/entra-sandbox';
import { createRedis, createTenantQueue } from '@tokenfleet/queue';
import { commitTokens, type TokenSpec } from '../test/support/commit-tokens';
import { startTestSystem } from '../test/support/system';
import { waitUntil } from '../test/support/wait';
import { cpuOf, cpuSeconds } from './machine-timeline';
import { percentile } from './percentile';
import { enqueueCreateLanes } from '../apps/worker/src/jobs/import-expand';
import { startWorker } from '../apps/worker/src/start-worker';

const positional = process.argv.slice(2).filter((arg) => !arg.includes('='));
const named = new Map(process.argv.slice(2).filter((arg) => arg.includes('=')).map((arg) => arg.split('=', 2) as [string, string]));
const tenantCount = Number(positional[0] ?? 10);
const perTenant = Number(positional[1] ?? 300);
const inline = named.get('sandboxes') === 'inline';
const timeline = named.get('timeline') === '1';
const routes = named.get('routes') === '1';
const services = { databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet', redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
const stateDir = mkdtempSync(join(tmpdir(), 'tf-bench-tenants-'));
const behaviour: SandboxOptions = { stateDir, writeLimit: { requests: 20, windowMs: 1000, burst: 40 }, latencyMs: { min: 40, max: 40 }, totpToleranceSteps: 0, generatedUsers: perTenant };
const env = { GRAPH_WRITE_LIMIT: '20', GRAPH_WRITE_WINDOW_MS: '1000', GRAPH_WRITE_BURST: '20', ...Object.fromEntries([...named].filter(([name]) => /^[A-Z_]+$/.test(name))) };

/** What the bench needs of a loaded tenant's Entra, wherever it runs. */
interface BenchSandbox {
  origin: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  users(): Promise<Array<{ userPrincipalName: string; userType?: string }>>;
  counters(): Promise<{ writes: number; throttled: number; activationsRefused: number }>;
  activated(): Promise<number>;
  calls(): Promise<Array<{ at: string; route: string; method: string; status: number }>>;
  pid: number | null;
  close(): Promise<void>;
}

async function inlineSandbox(): Promise<BenchSandbox> {
  const sandbox = await startSandbox({ ...behaviour, tenantId: randomUUID(), clientId: randomUUID() });
  return {
    ...sandbox,
    users: async () => sandbox.inspect.users(),
    counters: async () => sandbox.inspect.counters(),
    activated: async () => sandbox.inspect.devices().filter((device) => device.status === 'activated').length,
    calls: async () => sandbox.inspect.calls(),
    pid: null,
    close: () => sandbox.close(),
  };
}

async function childSandbox(): Promise<BenchSandbox> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'sandbox-child.ts'), JSON.stringify({ ...behaviour, tenantId: randomUUID(), clientId: randomUUID() })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`a sandbox process exited with ${code} before it started`)));
  });
  const coordinates = JSON.parse(first) as { origin: string; tenantId: string; clientId: string; clientSecret: string; caCertificatePem: string };
  const inspect = <T>(path: string) =>
    new Promise<T>((resolve, reject) => {
      const call = request(`${coordinates.origin}/_sandbox/${path}`, { ca: coordinates.caCertificatePem, headers: { authorization: `Bearer ${coordinates.clientSecret}` } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T));
      });
      call.on('error', reject);
      call.end();
    });
  return {
    ...coordinates,
    users: async () => (await inspect<{ value: Array<{ userPrincipalName: string; userType?: string }> }>('users')).value,
    counters: () => inspect('counters'),
    activated: async () => (await inspect<{ value: Array<{ status: string }> }>('devices')).value.filter((device) => device.status === 'activated').length,
    calls: async () => (await inspect<{ value: Array<{ at: string; route: string; method: string; status: number }> }>('calls')).value,
    pid: child.pid ?? null,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

// The environment's tenant (tenant A) stays idle: every loaded tenant is one added in Tokenfleet, its
// sandbox placed as the run asks.
const system = await startTestSystem({ sandbox: { ...behaviour, generatedUsers: 1 }, services, env });
const sandboxes: BenchSandbox[] = [];
const redis = createRedis(services.redisUrl);
try {
  for (let index = 0; index < tenantCount; index += 1) sandboxes.push(await (inline ? inlineSandbox() : childSandbox()));
  const stored: Tenant[] = [];
  for (const sandbox of sandboxes) {
    stored.push(await addTenant(system.client.db, system.vault, { name: `bench ${sandbox.origin}`, entraTenantId: sandbox.tenantId, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, authorityHost: sandbox.origin, graphBaseUrl: sandbox.origin, actor: 'bench' }));
  }
  const specsOf = async (sandbox: BenchSandbox): Promise<TokenSpec[]> =>
    (await sandbox.users()).filter((user) => user.userType !== 'Guest').slice(0, perTenant).map((user, index) => ({ upn: user.userPrincipalName, interval: index % 2 === 0 ? 30 : 60, hash: index % 4 >= 2 ? 'hmacsha256' : 'hmacsha1' }));
  const specs = await Promise.all(sandboxes.map(specsOf));

  // The import's commit is the API's work: done before the worker starts, so the figures below are the
  // worker's own, from its start (its clock calibration against each tenant's Graph included).
  const commitStarted = performance.now();
  const committed = await Promise.all(sandboxes.map((_, index) => commitTokens(system, null, specs[index]!, { tenantId: stored[index]!.id })));
  const commitSeconds = (performance.now() - commitStarted) / 1000;
  // Enqueued as an import's expansion enqueues them (a few create lanes at once, the rest delayed), and
  // only once every tenant's commit is done: the delays count from the enqueue, and an import's expansion
  // runs in a worker already started. Enqueued during a 10 s commit, a tenant's first five delayed
  // chunks were all due when the worker started, and their leaders queued for the claim in turn.
  await Promise.all(
    committed.map((tokens, index) =>
      enqueueCreateLanes(createTenantQueue({ connection: redis, prefix: system.prefix }, stored[index]!.id), tokens.map((token) => token.operation), 0, system.config.graph.bulkChunkSize),
    ),
  );

  const sandboxPids = sandboxes.flatMap((sandbox) => (sandbox.pid === null ? [] : [sandbox.pid]));
  const sandboxCpuBefore = sum(sandboxPids.map(cpuSeconds));
  const pgCpuBefore = cpuOf(/^postgres/);
  const cpuBefore = process.cpuUsage();
  // How late the worker's one thread runs what is due: a timer, an answer, a job's next step.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const started = performance.now();
  const worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000, scheduleSyncs: false });
  // One count a second by tenant: a poll naming every token would cost this process (the worker's) more
  // CPU than the work it waits for.
  const tenantIds = stored.map((tenant) => tenant.id);
  // The activation's send margin (apps/worker/src/activation-gate.ts) grows with the slowest recent trips:
  // how much of each TOTP window the load itself takes away.
  const margins: number[] = [];
  /** [seconds since the worker's start, writes all the tenants' Graphs admitted so far], with timeline=1. */
  const writesSoFar: Array<[number, number]> = [];
  await waitUntil(
    async () => {
      for (const id of tenantIds) margins.push(worker.tenantContext(id)?.tenant.roundTrips.sendMarginMs() ?? 0);
      if (timeline) writesSoFar.push([(performance.now() - started) / 1000, sum((await Promise.all(sandboxes.map((sandbox) => sandbox.counters()))).map((counter) => counter.writes))]);
      const [open] = await system.client.db.select({ n: count() }).from(operations).where(and(inArray(operations.tenantId, tenantIds), notInArray(operations.status, ['succeeded', 'failed', 'cancelled'])));
      return open!.n === 0 ? true : undefined;
    },
    { timeoutMs: 60 * 60_000, intervalMs: 1_000, failure: () => 'operations still open after an hour' },
  );
  const seconds = (performance.now() - started) / 1000;
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const sandboxCpu = sum(sandboxPids.map(cpuSeconds)) - sandboxCpuBefore;
  const pgCpu = cpuOf(/^postgres/) - pgCpuBefore;

  const counters = await Promise.all(sandboxes.map((sandbox) => sandbox.counters()));
  // Writes all the Graphs admitted in the 6 s around each minute's boundary within the run (where the 30 s
  // and the 60 s windows close together, and no code may go in the last moments of either), as a share of
  // the budget of those 6 s: what the boundary costs, apart from the rest of the run.
  const callLogs = await Promise.all(sandboxes.map((sandbox) => sandbox.calls()));
  const runStartMs = Date.now() - (performance.now() - started);
  const boundaryShares: string[] = [];
  for (let boundary = Math.ceil((runStartMs + 5_000) / 60_000) * 60_000; boundary + 5_000 < runStartMs + seconds * 1000; boundary += 60_000) {
    const near = sum(callLogs.map((calls) => calls.filter((call) => (call.route.includes('/activate') || call.method === 'PATCH') && call.status < 400 && Math.abs(Date.parse(call.at) - boundary) < 3_000).length));
    boundaryShares.push(`${((near / (6 * 20 * tenantCount)) * 100).toFixed(0)} %`);
  }
  const routeLines: string[] = [];
  if (routes) {
    // Every tenant's Graph calls by second of the run and by kind, from the sandboxes' call logs (their
    // clock is this machine's): which calls stop when the writes dip.
    const bySecond = new Map<number, Map<string, number>>();
    for (const calls of callLogs) {
      for (const call of calls) {
        const second = Math.floor((Date.parse(call.at) - runStartMs) / 1000);
        const kind = (call.route.includes('/activate') ? 'activate' : call.method === 'PATCH' ? 'create' : call.method === 'GET' ? 'read' : call.method) + (call.status >= 400 ? ` ${call.status}` : '');
        const counts = bySecond.get(second) ?? new Map<string, number>();
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        bySecond.set(second, counts);
      }
    }
    for (const second of [...bySecond.keys()].sort((x, y) => x - y)) {
      routeLines.push(`Graph calls in second ${second}: ${[...bySecond.get(second)!].sort().map(([kind, n]) => `${kind} ${n}`).join(', ')}`);
    }
  }
  // Each run of an operation's job past its first checks counts an attempt (a wait for the budget or the
  // TOTP window ends a run, and the next one starts over).
  const runs = await system.client.db.select({ kind: operations.kind, ops: count(), runs: sql<number>`sum(${operations.attempts})::int` }).from(operations).where(inArray(operations.tenantId, tenantIds)).groupBy(operations.kind);
  const activeEverywhere = sum(await Promise.all(sandboxes.map((sandbox) => sandbox.activated())));
  // When each tenant's last operation ended, after the worker's start: the whole run ends with the last
  // tenant, and tenants that finish earlier leave their budgets idle in the tail.
  const finishes = (
    await system.client.db
      .select({ last: sql<string>`max(${operations.finishedAt})` })
      .from(operations)
      .where(inArray(operations.tenantId, tenantIds))
      .groupBy(operations.tenantId)
  ).map((row) => (Date.parse(row.last) - runStartMs) / 1000);
  // The pace is over the run itself, to the last operation's end: the wait above looks once a second, so
  // its own end is up to a second late.
  const runSeconds = Math.max(...finishes);
  const budgetShares = counters.map((counter) => (counter.writes / runSeconds / 20) * 100);
  const rows: Array<[string, string]> = [
    ['tenants × tokens; where the sandboxes run', `${tenantCount} × ${perTenant} = ${tenantCount * perTenant}; ${inline ? 'in the worker\'s process' : 'a process each'}`],
    ['Tokenfleet\'s budget per tenant', `${system.config.graph.writeLimit} writes per ${system.config.graph.writeWindowMs} ms, burst ${system.config.graph.writeBurst}`],
    ['activated in the sandboxes', String(activeEverywhere)],
    ['commit of every tenant\'s tokens (before the worker starts)', `${commitSeconds.toFixed(1)} s`],
    ['wall time, worker start to the last operation\'s end', `${runSeconds.toFixed(1)} s`],
    ['each tenant\'s last operation ended, after the start: first / last', `${Math.min(...finishes).toFixed(1)} / ${Math.max(...finishes).toFixed(1)} s`],
    ['**tokens/s, the whole worker**', (activeEverywhere / runSeconds).toFixed(1)],
    ['writes/s ÷ budget per tenant: min / mean / max', `${Math.min(...budgetShares).toFixed(1)} / ${(sum(budgetShares) / budgetShares.length).toFixed(1)} / ${Math.max(...budgetShares).toFixed(1)} %`],
    ['writes in the 6 s around each minute\'s boundary ÷ budget', boundaryShares.join(', ') || 'no boundary inside the run'],
    ['429s, all tenants', String(sum(counters.map((counter) => counter.throttled)))],
    ['activations refused, all tenants', String(sum(counters.map((counter) => counter.activationsRefused)))],
    // CPU is counted to the wait's end, and divided by it.
    [`CPU per second: this process (the worker${inline ? ' and the sandboxes' : ''})`, `${((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)} cores`],
    ...(inline ? [] : [['CPU per second: the sandbox processes', `${(sandboxCpu / seconds).toFixed(2)} cores`] as [string, string]]),
    ['CPU per second: PostgreSQL', `${(pgCpu / seconds).toFixed(2)} cores`],
    ['CPU ms per token: worker / PostgreSQL', `${((cpu.user + cpu.system) / 1e3 / activeEverywhere).toFixed(2)} / ${((pgCpu * 1000) / activeEverywhere).toFixed(2)}`],
    ['job runs per operation, by kind', runs.map((row) => `${row.kind} ${(row.runs / row.ops).toFixed(2)}`).join(', ')],
    // The histogram holds the time between the 10 ms timer's runs; what is over 10 ms is how late it ran.
    ['event-loop lateness of this process: p50 / p99 / max', [50, 99].map((q) => (loopDelay.percentile(q) / 1e6 - 10).toFixed(1)).join(' / ') + ` / ${(loopDelay.max / 1e6 - 10).toFixed(1)} ms`],
    ['send margin of the activations, sampled each second: p50 / max', `${percentile([...margins].sort((a, b) => a - b), 0.5)} / ${Math.max(...margins)} ms`],
    ['peak RSS of this process', `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`],
  ];
  for (const [name, value] of rows) console.log(`${name.padEnd(58)} ${value}`);
  if (timeline) {
    // Writes per second between samples (about a second apart), all tenants together: 200 is every budget spent.
    const perSecond = writesSoFar.slice(1).map(([at, writes], index) => Math.round((writes - writesSoFar[index]![1]) / (at - writesSoFar[index]![0])));
    console.log(`writes/s admitted, all tenants, second by second: ${perSecond.join(' ')}`);
  }
  for (const line of routeLines) console.log(line);
  await worker.close(5_000);
} finally {
  for (const sandbox of sandboxes) await sandbox.close();
  await system.stop();
  await redis.quit();
}
process.exit(0);
