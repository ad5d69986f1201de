// The API as its own process on a scratch database, for tests and benchmarks that look at it from
// outside: its memory is its own and its answers cross a real socket. It runs what `npm run start:api` runs (the built
// bundle under node). Sandbox mode, so no tenant is needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildServerBundles, serverBundlePath } from '../../scripts/server-bundles';
import { createScratchDatabase, type TestDatabase } from './index';
import { waitUntil } from './wait';

export interface ApiProcess {
  base: string;
  apiKey: string;
  database: TestDatabase;
  child: ChildProcess;
  /** Resident memory of the API process in MB: now (`VmRSS`) or its high-water mark (`VmHWM`). */
  rssMb(field: 'VmRSS' | 'VmHWM'): number;
  /** GET a JSON document with the admin key; throws on anything but 200. */
  getJson<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export interface ApiProcessOptions {
  stateDir: string;
  /** Names the scratch database. */
  label: string;
  /** false: hand the API an empty database, so it must apply the migrations itself. */
  migrate?: boolean;
  /** The services; else DATABASE_URL / REDIS_URL, else the local defaults. */
  databaseUrl?: string;
  redisUrl?: string;
}

export async function startApiProcess(options: ApiProcessOptions): Promise<ApiProcess> {
  const { stateDir, label, migrate = true } = options;
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet';
  const redisUrl = options.redisUrl ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  await buildServerBundles();
  const database = await createScratchDatabase(databaseUrl, { label, migrate });
  const apiKey = randomBytes(24).toString('base64url');
  const port = 3900 + Math.floor(Math.random() * 90);
  // BENCH_API_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the API a benchmark drives:
  // Node refuses --cpu-prof in NODE_OPTIONS.
  const nodeArgs = process.env.BENCH_API_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, serverBundlePath('api')], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      TOKENFLEET_SANDBOX: '1',
      TOKENFLEET_STATE_DIR: stateDir,
      TOKENFLEET_REDIS_PREFIX: `${label}-${randomBytes(4).toString('hex')}`,
      TOKENFLEET_MASTER_KEY: randomBytes(32).toString('base64'),
      TOKENFLEET_BOOTSTRAP_API_KEY: apiKey,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await database.drop();
  };
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode} before it answered`);
        return (await fetch(`${base}/api/v1/health`).then((r) => r.ok, () => false)) || undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, failure: () => 'the API did not answer within 60 s' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    base,
    apiKey,
    database,
    child,
    rssMb(field) {
      const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      return match ? Number(match[1]) / 1024 : 0;
    },
    async getJson<T>(path: string) {
      const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
      if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as T;
    },
    stop,
  };
}

/** Uploads a seed file on disk as one streamed multipart request; answers the import id. */
export async function uploadSeedFile(api: ApiProcess, file: string, mode: 'import' | 'assign' | 'activate'): Promise<{ id: string; status: number }> {
  const { openAsBlob } = await import('node:fs');
  const form = new FormData();
  // Fields first: the API reads the multipart stream in order and needs the mode before the file.
  form.append('mode', mode);
  form.append('file', await openAsBlob(file), 'seeds.csv');
  const response = await fetch(`${api.base}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${api.apiKey}` }, body: form });
  const body = (await response.json()) as { id: string; error?: { message: string } };
  if (response.status !== 202) throw new Error(`the upload answered ${response.status}: ${body.error?.message}`);
  return { id: body.id, status: response.status };
}
