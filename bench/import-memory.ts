// Benchmark: the API's peak memory while it streams a 100,000-row seed file into the database. The API
// runs as its own process (`npm run start:api`'s entry) so its RSS is its own; the file is generated on
// disk and uploaded as a stream. Goal: under 256 MB. Prints figures; asserts nothing.
//
//   npx tsx bench/import-memory.ts [rows=100000]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, openAsBlob, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base32Encode } from '../packages/domain/src/base32';
import { createScratchDatabase } from '../test/harness/index';

const rows = Number(process.argv[2] ?? 100_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const repoRoot = fileURLToPath(new URL('../', import.meta.url));

const dir = await mkdtemp(join(tmpdir(), 'tf-bench-'));
const file = join(dir, 'seeds.csv');
await new Promise<void>((resolve, reject) => {
  const out = createWriteStream(file);
  out.on('error', reject);
  out.write('upn,serial number,secret key,timeinterval,manufacturer,model\n');
  for (let index = 0; index < rows; index += 1) out.write(`user${index}@contoso.example,B${String(index).padStart(9, '0')},${base32Encode(randomBytes(20))},30,Token2,C202\n`);
  out.end(resolve);
});

const database = await createScratchDatabase(databaseUrl, { label: 'bench' });
const apiKey = randomBytes(24).toString('base64url');
const port = 3900 + Math.floor(Math.random() * 90);
const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
  cwd: repoRoot,
  env: {
    ...process.env,
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    PORT: String(port),
    LOG_LEVEL: 'warn',
    TOKENFLEET_SANDBOX: '1',
    TOKENFLEET_STATE_DIR: dir,
    TOKENFLEET_REDIS_PREFIX: `bench-${randomBytes(4).toString('hex')}`,
    TOKENFLEET_MASTER_KEY: randomBytes(32).toString('base64'),
    TOKENFLEET_BOOTSTRAP_API_KEY: apiKey,
  },
  stdio: ['ignore', 'inherit', 'inherit'],
});

const rssMb = (field: 'VmRSS' | 'VmHWM') => {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
};

try {
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    const ready = await fetch(`${base}/api/v1/health`).then((r) => r.ok, () => false);
    if (ready) break;
    if (i > 600) throw new Error('the API did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const idle = rssMb('VmRSS');
  let peak = idle;
  const sampler = setInterval(() => { peak = Math.max(peak, rssMb('VmRSS')); }, 50);
  const form = new FormData();
  // Fields first: the API reads the multipart stream in order and needs the mode before the file.
  form.append('mode', 'import');
  form.append('file', await openAsBlob(file), 'seeds.csv');
  const started = performance.now();
  const response = await fetch(`${base}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` }, body: form });
  const body = (await response.json()) as { id: string; error?: { message: string } };
  if (response.status !== 202) throw new Error(`the upload answered ${response.status}: ${body.error?.message}`);
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const summary = (await (await fetch(`${base}/api/v1/imports/${body.id}`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { validRows: number; status: string };
  const lines: Array<[string, string]> = [
    ['rows', String(rows)],
    ['file size', `${(readFileSync(file).length / 1024 / 1024).toFixed(1)} MB`],
    ['upload answered', `${response.status} after ${seconds.toFixed(1)} s (${(rows / seconds).toFixed(0)} rows/s)`],
    ['tokens stored', `${summary.validRows} (${summary.status})`],
    ['API RSS idle', `${idle.toFixed(0)} MB`],
    ['API RSS peak while importing (sampled)', `${Math.max(peak, rssMb('VmHWM')).toFixed(0)} MB (goal < 256 MB)`],
  ];
  for (const [name, value] of lines) console.log(`${name.padEnd(42)} ${value}`);
} finally {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await database.drop();
}
process.exit(0);
