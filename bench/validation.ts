// Benchmark: the TOTPRadius-compatible /validate route under load from concurrent clients, with a mix of
// right, wrong and replayed codes. The API runs as its own process (the bundle `npm run start:api` runs);
// the hardware tokens are imported through the API with seeds this script knows, then made active and
// assigned with one SQL statement, and each gets its validation user. Each right code is for a token not yet used in this run, so it is
// accepted once; a replay re-sends a code already accepted; a wrong code is one off the right one.
// Prints validations/s, p50 / p99 latency and whether every answer was the expected one; asserts nothing.
// Without a rate the clients send back to back (the most the machine carries, latency then being mostly
// queueing); with a rate they send on a fixed schedule at that many validations a second, and a request's
// latency counts from when it was due, so a server falling behind shows in the figures. The first three
// seconds of the same load are a warm-up, printed apart (its p99 is what a freshly started API gives).
//
//   npx tsx bench/validation.ts [seconds=10] [clients=32] [tokens=20000] [rate=0: as fast as they go]
//   BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" npx tsx bench/validation.ts   (profiles the API)
//   npx tsx bench/validation.ts 15 32 20000 1000 timeline=1   (also prints each slow tenth of a second
//   beside what the machine did in it: runnable tasks, and whose CPU, from /proc)
import { createHash } from 'node:crypto';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { base32Encode } from '../packages/domain/src/base32';
import { totpCode, type TotpKey } from '../packages/domain/src/totp';
import { startApiProcess, uploadSeedFile } from '../test/support/api-process';
import { BareHttpConnection } from './bare-http';
import { percentile } from './percentile';
import { cpuOf, cpuSeconds, watchMachine, type MachineSample } from './machine-timeline';

const positional = process.argv.slice(2).filter((arg) => !arg.includes('='));
const named = new Map(process.argv.slice(2).filter((arg) => arg.includes('=')).map((arg) => arg.split('=', 2) as [string, string]));
const seconds = Number(positional[0] ?? 10);
const clients = Number(positional[1] ?? 32);
const tokenCount = Number(positional[2] ?? 20_000);
const rate = Number(positional[3] ?? 0);
const timeline = named.get('timeline') === '1';
const MIX = { right: 0.6, wrong: 0.25, replay: 0.15 };
const WARM_UP_MS = 3000;

const secretOf = (index: number) => createHash('sha256').update(`bench-validation-${index}`).digest().subarray(0, 20);
const keyOf = (index: number): TotpKey => ({ secret: secretOf(index), hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 });
const upnOf = (index: number) => `val${index}@bench.example`;

const dir = await mkdtemp(join(tmpdir(), 'tf-bench-validation-'));
const file = join(dir, 'seeds.csv');
await writeFile(file, ['upn,serial number,secret key,timeinterval,manufacturer,model', ...Array.from({ length: tokenCount }, (_, i) => `${upnOf(i)},V${String(i).padStart(9, '0')},${base32Encode(secretOf(i))},30,Token2,C202`)].join('\n'));

// The per-key rate limit would (rightly) stop one client this fast; the benchmark measures the route.
process.env.VALIDATION_RATE_LIMIT = '1000000';
const api = await startApiProcess({ stateDir: dir, label: 'bench-validation' });
// One kept-alive connection per client, written and read by hand (bench/bare-http.ts): undici's fetch cost
// the clients more CPU per request than the API spent answering it, node:http about half as much, on the
// same two cores.
const target = new URL(api.base);
const connections = Array.from({ length: clients }, () => new BareHttpConnection(target.hostname, Number(target.port)));
try {
  await uploadSeedFile(api, file, 'import');
  const sql = postgres(api.database.url, { max: 1, onnotice: () => {} });
  for (let i = 0; i < 600; i += 1) {
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from tokens`;
    if (row!.n >= tokenCount) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await sql`update tokens set state = 'active', assigned_upn = 'val' || substring(serial_number from 2)::int || '@bench.example'`;
  // Users as after their first validation (the first one makes the row); the run measures the steady state.
  await sql`insert into validation_users (id, email, created_by) select substr(md5(id::text), 1, 16), assigned_upn, 'bench' from tokens`;
  await sql`analyze`;
  await sql.end();

  const made = await fetch(`${api.base}/api/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench-radius', role: 'validator' }),
  });
  const validatorKey = ((await made.json()) as { key: string }).key;

  let nextToken = 0;
  const accepted: { index: number; code: string }[] = [];
  const latencies: number[] = [];
  /** performance.now() at each recorded answer, beside its latency (for the timeline). */
  const finishedAt: number[] = [];
  const counts = { right: 0, wrong: 0, replay: 0, unexpected: 0, errors: 0 };

  async function once(connection: BareHttpConnection, dueAt?: number): Promise<void> {
    const draw = Math.random();
    let kind: 'right' | 'wrong' | 'replay' = draw < MIX.right ? 'right' : draw < MIX.right + MIX.wrong ? 'wrong' : 'replay';
    if (kind === 'replay' && accepted.length === 0) kind = 'right';
    if (kind === 'right' && nextToken >= tokenCount) kind = 'wrong';
    let index: number;
    let code: string;
    if (kind === 'right') {
      index = nextToken++;
      code = totpCode(keyOf(index), Date.now());
    } else if (kind === 'replay') {
      ({ index, code } = accepted[Math.floor(Math.random() * accepted.length)]!);
    } else {
      index = Math.floor(Math.random() * tokenCount);
      code = String((Number(totpCode(keyOf(index), Date.now())) + 500_000) % 1_000_000).padStart(6, '0');
    }
    const params = new URLSearchParams({ api_key: validatorKey, userid: upnOf(index), token: code, format: '1' });
    const started = dueAt ?? performance.now();
    let valid: string | undefined;
    try {
      // Half the clients' requests as GET with a query string, half as a form POST.
      const response = Math.random() < 0.5 ? await connection.request('GET', `/validate?${params.toString()}`) : await connection.request('POST', '/validate', params.toString());
      valid = (JSON.parse(response.body) as { validation?: string }).validation;
      if (response.status !== 200) counts.errors += 1;
    } catch {
      counts.errors += 1;
    }
    const elapsed = performance.now() - started;
    if (kind === 'right' && valid === 'true') accepted.push({ index, code });
    latencies.push(elapsed);
    finishedAt.push(started + elapsed);
    counts[kind] += 1;
    if ((kind === 'right') !== (valid === 'true')) counts.unexpected += 1;
  }

  /** The clients for `ms`, back to back or paced at `rate`; answers when it started. */
  async function drive(ms: number): Promise<number> {
    const started = performance.now();
    const deadline = started + ms;
    await Promise.all(
      connections.map(async (connection, client) => {
        if (rate <= 0) {
          while (performance.now() < deadline) await once(connection);
          return;
        }
        // Client `client` sends the requests numbered client, client + clients, …, each at its due time.
        for (let n = client; ; n += clients) {
          const dueAt = started + (n * 1000) / rate;
          if (dueAt >= deadline) return;
          const wait = dueAt - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          await once(connection, dueAt);
        }
      }),
    );
    return started;
  }

  // Warm-up, the same load for WARM_UP_MS, measured apart: connections, prepared statements, the JIT
  // (the API's and the clients'), the database's caches. Its p99 is printed too: it is what the first
  // seconds after a restart look like.
  await drive(WARM_UP_MS);
  const warmUp = { count: latencies.length, p99: percentile([...latencies].sort((a, b) => a - b), 0.99) };
  latencies.length = 0;
  finishedAt.length = 0;
  // The mix starts again; unexpected answers and errors are counted from the warm-up on.
  for (const kind of ['right', 'wrong', 'replay'] as const) counts[kind] = 0;

  const apiPid = api.child.pid!;
  // PostgreSQL's CPU is that of the backends serving this benchmark's database (others share the server).
  const monitor = postgres(api.database.url, { max: 1, onnotice: () => {} });
  const backends = async () => {
    const rows = await monitor<{ pid: number }[]>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
    return new Map(rows.map(({ pid }) => [pid, cpuSeconds(pid)]));
  };
  const backendsBefore = await backends();
  const cpuBefore = { api: cpuSeconds(apiPid), redis: cpuOf(/^redis-server/), bench: process.cpuUsage() };
  const loadBefore = loadavg()[0]!;
  const machine = timeline ? watchMachine({ apiPid, database: new URL(api.database.url).pathname.slice(1) }) : null;
  const started = await drive(seconds * 1000);
  const wall = (performance.now() - started) / 1000;
  const samples = machine?.stop() ?? [];
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  const backendsAfter = await backends();
  await monitor.end();
  const cpu = {
    api: cpuSeconds(apiPid) - cpuBefore.api,
    postgres: [...backendsAfter].reduce((sum, [pid, seconds]) => sum + seconds - (backendsBefore.get(pid) ?? 0), 0),
    redis: cpuOf(/^redis-server/) - cpuBefore.redis,
    clients: (benchCpu.user + benchCpu.system) / 1e6,
  };

  // For scale: the same clients against the API's cheapest route (no database, no Redis) right after,
  // which is as fast as any route of this API can be answered on this machine at this moment.
  let baseline = 0;
  const baselineStarted = performance.now();
  await Promise.all(
    connections.map(async (connection) => {
      while (performance.now() < baselineStarted + 3000) {
        await connection.request('GET', '/api/v1/health');
        baseline += 1;
      }
    }),
  );
  const baselineRate = baseline / ((performance.now() - baselineStarted) / 1000);

  if (timeline) printTimeline(samples, started, finishedAt, latencies);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => percentile(latencies, q).toFixed(1);
  const total = latencies.length;
  console.log(`/validate, ${clients} concurrent clients for ${wall.toFixed(1)} s${rate > 0 ? `, paced at ${rate}/s (latency from when each request was due)` : ', back to back'}, ${tokenCount} hardware tokens (each its own user), GET and form POST, format 1`);
  console.log(`mix: ${counts.right} right, ${counts.wrong} wrong, ${counts.replay} replayed`);
  console.log(`validations/s        ${(total / wall).toFixed(0)}`);
  console.log(`latency p50 / p99    ${at(0.5)} / ${at(0.99)} ms (max ${at(1)} ms)`);
  console.log(`warm-up (before; not in the figures above or below): ${(WARM_UP_MS / 1000).toFixed(0)} s, ${warmUp.count} validations, p99 ${warmUp.p99.toFixed(1)} ms`);
  console.log(`unexpected answers   ${counts.unexpected} (a right code refused, or a wrong or replayed one accepted; warm-up included)`);
  console.log(`non-200 or failed    ${counts.errors} (warm-up included)`);
  const perValidation = (value: number) => ((value * 1000) / total).toFixed(2);
  console.log(`CPU ms per validation: API ${perValidation(cpu.api)}, PostgreSQL ${perValidation(cpu.postgres)} (this database's backends), Redis ${perValidation(cpu.redis)} (the whole server, shared), the benchmark's clients ${perValidation(cpu.clients)}`);
  console.log(`for scale: GET /api/v1/health (no database) from the same clients right after: ${baselineRate.toFixed(0)}/s`);
  console.log(`machine: ${cpus().length} cores; 1-minute load average ${loadBefore.toFixed(2)} before the run (other processes share the cores)`);
} finally {
  for (const connection of connections) connection.close();
  await api.stop();
}

/** Each tenth of a second with an answer slower than the goal's 20 ms, beside what the machine did then. */
function printTimeline(samples: MachineSample[], started: number, finished: number[], latency: number[]): void {
  const SLOW_MS = 20;
  const ms = (seconds: number) => (seconds * 1000).toFixed(0).padStart(4);
  console.log(`\ntimeline: tenths of a second with an answer over ${SLOW_MS} ms (CPU ms in the tenth; two cores give 200)`);
  console.log('    t s  answers  slow    max  runnable   api clients backends autovac ckpt pg-other other');
  const slowIn = { total: 0, autovacuum: 0, checkpointer: 0, busy: 0 };
  let from = started;
  for (const sample of samples) {
    const inTenth = finished.flatMap((at, i) => (at > from && at <= sample.at ? [latency[i]!] : []));
    const slow = inTenth.filter((value) => value > SLOW_MS).length;
    const { cpu } = sample;
    const busy = Object.values(cpu).reduce((sum, value) => sum + value, 0);
    if (slow > 0) {
      slowIn.total += slow;
      if (cpu.autovacuum > 0) slowIn.autovacuum += slow;
      if (cpu.checkpointer > 0.005) slowIn.checkpointer += slow;
      if (busy > 0.18) slowIn.busy += slow;
      console.log(
        `${((sample.at - started) / 1000).toFixed(1).padStart(7)} ${String(inTenth.length).padStart(8)} ${String(slow).padStart(5)} ${Math.max(...inTenth).toFixed(0).padStart(6)} ${String(sample.runnable).padStart(9)} ` +
          `${ms(cpu.api)} ${ms(cpu.clients).padStart(7)} ${ms(cpu.backends).padStart(8)} ${ms(cpu.autovacuum).padStart(7)} ${ms(cpu.checkpointer)} ${ms(cpu.postgresOther).padStart(8)} ${ms(cpu.other).padStart(5)}`,
      );
    }
    from = sample.at;
  }
  const share = (n: number) => `${slowIn.total ? ((100 * n) / slowIn.total).toFixed(0) : 0} %`;
  console.log(`slow answers: ${slowIn.total}; in tenths with autovacuum running ${share(slowIn.autovacuum)}, with the checkpointer or WAL writer working ${share(slowIn.checkpointer)}, with both cores over 90 % busy ${share(slowIn.busy)}`);
  const tenths = samples.length || 1;
  const mean = (pick: (sample: MachineSample) => number) => ((1000 * samples.reduce((sum, sample) => sum + pick(sample), 0)) / tenths).toFixed(0);
  console.log(`mean CPU ms per tenth: api ${mean((s) => s.cpu.api)}, clients ${mean((s) => s.cpu.clients)}, backends ${mean((s) => s.cpu.backends)}, autovacuum ${mean((s) => s.cpu.autovacuum)}, checkpointer ${mean((s) => s.cpu.checkpointer)}, other ${mean((s) => s.cpu.other)}`);
}
process.exit(0);
