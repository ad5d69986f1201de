// Benchmark: the token table's server-side queries over a large inventory, as the dashboard sends them
// (first page, a deep page by cursor, each filter alone and combined). The inventory is imported through
// the API, then spread over the life-cycle states with one SQL statement, since the question is how the
// list answers at this size, not how it got there. Prints the latency of each query over HTTP; asserts
// nothing.
//
//   npx tsx bench/token-list.ts [tokens=100000] [runs=30]
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startApiProcess, uploadSeedFile } from '../test/support/api-process';
import { benchSerial, writeSeedCsv } from './seed-csv';

const count = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 30);
const dir = await mkdtemp(join(tmpdir(), 'tf-bench-'));
const file = join(dir, 'seeds.csv');
await writeSeedCsv(file, count);

type Page = { items: Array<{ id: string }>; nextCursor: string | null };

const api = await startApiProcess({ stateDir: dir, label: 'bench-list' });
try {
  const upload = await uploadSeedFile(api, file, 'import');
  // A rollout well under way: most tokens active, some still travelling, a few failed or retired.
  const sql = postgres(api.database.url, { max: 1, onnotice: () => {} });
  // Every token has its file's user (user<n>@contoso.example for serial B<n>), as after an assigning import.
  await sql`
    update tokens set assigned_upn = 'user' || substring(serial_number from 2)::int || '@contoso.example', state = case
      when n < 80 then 'active' when n < 88 then 'assigned' when n < 93 then 'created'
      when n < 96 then 'imported' when n < 98 then 'failed' when n < 99 then 'disabled' else 'retired' end
    from (select id, abs(hashtext(id::text)) % 100 as n from tokens) spread
    where tokens.id = spread.id`;
  await sql`analyze tokens`;
  await sql.end();

  // The cursor of page 1,000 (50,000 rows in), reached by walking: what a deep page costs is the keyset
  // query, not the walk.
  let deepCursor: string | null = null;
  for (let page = 0, cursor: string | null = null; page < 1000 && (page === 0 || cursor); page += 1) {
    const body: Page = await api.getJson<Page>(`/api/v1/tokens?limit=50${cursor ? `&cursor=${cursor}` : ''}`);
    cursor = body.nextCursor;
    deepCursor = cursor;
  }

  const middle = Math.floor(count / 2);
  const queries: Array<[string, string]> = [
    ['first page (50)', '/api/v1/tokens?limit=50'],
    ['page 1,001 by cursor', `/api/v1/tokens?limit=50&cursor=${deepCursor ?? ''}`],
    ['state = failed (2 %)', '/api/v1/tokens?limit=50&state=failed'],
    ['state = active (80 %)', '/api/v1/tokens?limit=50&state=active'],
    ['user prefix, one match', `/api/v1/tokens?limit=50&upn=user${middle}%40`],
    ['user prefix, ~1,100 matches', `/api/v1/tokens?limit=50&upn=user${String(middle).slice(0, 2)}`],
    ['serial prefix, one match', `/api/v1/tokens?limit=50&serial=${benchSerial(middle)}`],
    ['serial, no match', '/api/v1/tokens?limit=50&serial=ZZ'],
    ['import', `/api/v1/tokens?limit=50&importId=${upload.id}`],
    ['manufacturer = Yubico (25 %)', '/api/v1/tokens?limit=50&manufacturer=Yubico'],
    ['state = failed + manufacturer', '/api/v1/tokens?limit=50&state=failed&manufacturer=Feitian'],
    ['state = retired, 500 per page', '/api/v1/tokens?limit=500&state=retired'],
  ];
  console.log(`${count} tokens, ${runs} runs per query, latency over HTTP in ms`);
  console.log(`${'query'.padEnd(34)} ${'rows'.padStart(5)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'max'.padStart(7)}`);
  for (const [name, path] of queries) {
    const times: number[] = [];
    let rows = 0;
    for (let run = 0; run < runs; run += 1) {
      const started = performance.now();
      rows = (await api.getJson<Page>(path)).items.length;
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
    console.log(`${name.padEnd(34)} ${String(rows).padStart(5)} ${at(0.5).padStart(7)} ${at(0.95).padStart(7)} ${at(1).padStart(7)}`);
  }
} finally {
  await api.stop();
}
process.exit(0);
