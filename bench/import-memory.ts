// Benchmark: the API's peak memory while it streams a 100,000-row seed file into the database. The API
// runs as its own process (`npm run start:api`'s entry) so its RSS is its own; the file is generated on
// disk and uploaded as a stream. Goal: under 256 MB. Prints figures; asserts nothing.
//
//   npx tsx bench/import-memory.ts [rows=100000]
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiProcess, uploadSeedFile } from '../test/support/api-process';
import { writeSeedCsv } from './seed-csv';

const rows = Number(process.argv[2] ?? 100_000);
const dir = await mkdtemp(join(tmpdir(), 'tf-bench-'));
const file = join(dir, 'seeds.csv');
await writeSeedCsv(file, rows);

const api = await startApiProcess({ stateDir: dir, label: 'bench' });
try {
  const idle = api.rssMb('VmRSS');
  let peak = idle;
  const sampler = setInterval(() => { peak = Math.max(peak, api.rssMb('VmRSS')); }, 50);
  const started = performance.now();
  const upload = await uploadSeedFile(api, file, 'import');
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const summary = await api.getJson<{ validRows: number; status: string }>(`/api/v1/imports/${upload.id}`);
  const lines: Array<[string, string]> = [
    ['rows', String(rows)],
    ['file size', `${(readFileSync(file).length / 1024 / 1024).toFixed(1)} MB`],
    ['upload answered', `${upload.status} after ${seconds.toFixed(1)} s (${(rows / seconds).toFixed(0)} rows/s)`],
    ['tokens stored', `${summary.validRows} (${summary.status})`],
    ['API RSS idle', `${idle.toFixed(0)} MB`],
    ['API RSS peak while importing (sampled)', `${Math.max(peak, api.rssMb('VmHWM')).toFixed(0)} MB (goal < 256 MB)`],
  ];
  for (const [name, value] of lines) console.log(`${name.padEnd(42)} ${value}`);
} finally {
  await api.stop();
}
process.exit(0);
