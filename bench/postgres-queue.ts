// Benchmark: postgres.js's CPU per statement as statements accumulate, on a pool of two connections kept
// busy by 32 callers (the validation routes' pool under load). Unpatched, postgres.js 3.4.9's pool queue
// grows by one entry per statement and every connection move searches it, so the CPU per statement climbs
// round after round; with scripts/patch-postgres.mjs (run by `npm ci`) it stays flat. Prints each round;
// asserts nothing.
//
//   npx tsx bench/postgres-queue.ts [rounds=12] [statements per round=20000]
import { readFileSync } from 'node:fs';
import postgres from 'postgres';

const rounds = Number(process.argv[2] ?? 12);
const perRound = Number(process.argv[3] ?? 20_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet';

// The copy `import postgres from 'postgres'` loads (the package's ESM build).
const queueSource = readFileSync(new URL('../node_modules/postgres/src/queue.js', import.meta.url), 'utf8');
console.log(`postgres.js queue: ${queueSource.includes('tokenfleet: queue without holes') ? 'patched (scripts/patch-postgres.mjs)' : 'as released'}`);

const sql = postgres(databaseUrl, { max: 2, fetch_types: false, onnotice: () => {} });
let total = 0;
for (let round = 1; round <= rounds; round += 1) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  let issued = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (issued++ < perRound) await sql`select 1 as one`;
    }),
  );
  total += perRound;
  const used = process.cpuUsage(cpu);
  const seconds = (performance.now() - started) / 1000;
  console.log(`round ${String(round).padStart(2)}: ${String(total).padStart(7)} statements so far, ${(perRound / seconds).toFixed(0).padStart(6)}/s, ${((used.user + used.system) / perRound).toFixed(1).padStart(6)} µs of this process's CPU per statement`);
}
await sql.end();
