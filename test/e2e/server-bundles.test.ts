// `npm start`, `npm run start:api` and `npm run start:worker` run bundles built by
// scripts/server-bundles.ts, not the TypeScript sources. This runs the API's bundle as its own process on
// an empty database and checks what a bundle can get wrong that the sources cannot: files found relative
// to the module (the migrations, the built dashboard) and the workspace packages bundled in (an upload
// parsed, encrypted and stored).
import { mkdtempSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '@tokenfleet/db';
import { testServices } from '../support/index';
import { samplePath } from '../support/samples';
import { ensureDashboardBuilt } from '../browser/support';
import { startApiProcess, uploadSeedFile, type ApiProcess } from '../support/api-process';

let api: ApiProcess;

beforeAll(async () => {
  const { databaseUrl, redisUrl } = testServices();
  await ensureDashboardBuilt();
  api = await startApiProcess({ stateDir: mkdtempSync(join(tmpdir(), 'tf-bundle-')), label: 'bundle', migrate: false, databaseUrl, redisUrl });
}, 120_000);

afterAll(async () => {
  await api?.stop();
});

it('applies every migration to an empty database', async () => {
  const journal = JSON.parse(await readFile(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
  const sql = postgres(api.database.url, { max: 1, onnotice: () => {} });
  try {
    const [{ applied }] = await sql<[{ applied: number }]>`select count(*)::int as applied from drizzle.__drizzle_migrations`;
    expect(applied).toBe(journal.entries.length);
    expect(await api.getJson('/api/v1/ready')).toEqual({ postgres: true, redis: true });
  } finally {
    await sql.end();
  }
});

it('serves the built dashboard and its assets on its own origin', async () => {
  const page = await fetch(`${api.base}/tokens`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<div id="root">');
  const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script).toBeDefined();
  const asset = await fetch(`${api.base}${script}`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('content-type')).toMatch(/javascript/);
});

it('stores an uploaded seed file', async () => {
  const upload = await uploadSeedFile(api, samplePath('token2-classic.csv'), 'import');
  expect(upload.status).toBe(202);
  const summary = await api.getJson<{ validRows: number; rejectedRows: number; status: string }>(`/api/v1/imports/${upload.id}`);
  expect(summary).toMatchObject({ validRows: 6, rejectedRows: 0, status: 'running' });
  const tokens = await api.getJson<{ items: Array<{ serialNumber: string; importId: string }> }>(`/api/v1/tokens?importId=${upload.id}`);
  expect(tokens.items).toHaveLength(6);
});
