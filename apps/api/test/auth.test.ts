import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { apiKeys, auditEvents } from '@tokenfleet/db';
import { loadConfig } from '@tokenfleet/config';
import { createTestDatabase, testRedisPrefix, testServices } from '@tokenfleet/test-harness';
import { pino } from 'pino';
import { hashApiKey, startApi } from '../src/index';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

describe('API key authentication', () => {
  it('refuses a request without credentials, with a malformed header, or with an unknown key', async () => {
    const none = await t.call('GET', '/api/v1/tokens', { key: null });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('unauthenticated');
    const basic = await t.call('GET', '/api/v1/tokens', { key: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(basic.status).toBe(401);
    const unknown = await t.call('GET', '/api/v1/tokens', { key: 'tfk_not-a-key-anyone-was-given' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe('invalid_api_key');
  });

  it('refuses a revoked key', async () => {
    const created = await t.call('POST', '/api/v1/api-keys', { json: { name: 'short-lived', role: 'viewer' } });
    expect(created.status).toBe(201);
    expect((await t.call('GET', '/api/v1/overview', { key: created.body.key })).status).toBe(200);
    expect((await t.call('DELETE', `/api/v1/api-keys/${created.body.id}`)).status).toBe(204);
    const revoked = await t.call('GET', '/api/v1/overview', { key: created.body.key });
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.message).toContain('revoked');
  });

  it('answers health and ready without credentials', async () => {
    expect((await t.call('GET', '/api/v1/health', { key: null })).body).toEqual({ status: 'ok' });
    expect((await t.call('GET', '/api/v1/ready', { key: null })).body).toEqual({ postgres: true, redis: true });
  });

  it('records when a key was last used', async () => {
    const keyHash = hashApiKey(t.keys.viewer);
    await t.api.deps.db.update(apiKeys).set({ lastUsedAt: null }).where(eq(apiKeys.keyHash, keyHash));
    await t.call('GET', '/api/v1/overview', { key: t.keys.viewer });
    const [row] = await t.api.deps.db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
    expect(row!.lastUsedAt).not.toBeNull();
  });
});

describe('roles', () => {
  it('lets operators act and admins manage keys; names the role a caller lacks', async () => {
    const asOperator = await t.call('POST', '/api/v1/operations/retry', { key: t.keys.operator, json: { code: 'nothing-has-this-code' } });
    expect(asOperator.status).toBe(202);
    expect(asOperator.body).toEqual({ retried: 0 });
    const asViewer = await t.call('POST', '/api/v1/operations/retry', { key: t.keys.viewer, json: {} });
    expect(asViewer.status).toBe(403);
    expect(asViewer.body.error.message).toContain('operator');
    const keysAsOperator = await t.call('GET', '/api/v1/api-keys', { key: t.keys.operator });
    expect(keysAsOperator.status).toBe(403);
    expect(keysAsOperator.body.error.message).toContain('admin role');
    const uploadAsViewer = await t.upload(t.keys.viewer, { name: 'x.csv', content: 'serial number,secret key\n1,JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S\n' });
    expect(uploadAsViewer.status).toBe(403);
  });
});

describe('API keys', () => {
  it('shows a new key once, stores only its hash, lists without it, audits who made it', async () => {
    const created = await t.call('POST', '/api/v1/api-keys', { json: { name: 'ci pipeline', role: 'operator' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'ci pipeline', role: 'operator', revokedAt: null });
    expect(created.body.key).toMatch(/^tfk_[\w-]{43}$/);
    const [row] = await t.api.deps.db.select().from(apiKeys).where(eq(apiKeys.id, created.body.id));
    expect(row!.keyHash).toBe(hashApiKey(created.body.key));
    expect(row!.keyPrefix).toBe(created.body.key.slice(0, 8));
    const list = await t.call('GET', '/api/v1/api-keys');
    expect(list.text).not.toContain(created.body.key);
    expect(list.text).not.toContain(row!.keyHash);
    expect(list.body.map((key: { name: string }) => key.name)).toContain('ci pipeline');
    const [audit] = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.targetId, created.body.id));
    expect(audit).toMatchObject({ action: 'api_key.created', actor: 'api-key:admin-key' });
    expect(JSON.stringify(audit)).not.toContain(created.body.key);
    expect(t.logs()).not.toContain(created.body.key);
    expect(t.logs()).not.toContain(t.keys.admin);
  });

  it('validates the role', async () => {
    const answer = await t.call('POST', '/api/v1/api-keys', { json: { name: 'x', role: 'root' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].path).toBe('role');
  });
});

describe('startApi', () => {
  it('migrates a fresh database and creates the bootstrap admin key once', async () => {
    const database = await createTestDatabase({ migrate: false });
    const bootstrapKey = `bootstrap-${randomBytes(16).toString('hex')}`;
    const config = loadConfig({ DATABASE_URL: database.url, REDIS_URL: testServices().redisUrl, TOKENFLEET_BOOTSTRAP_API_KEY: bootstrapKey, TOKENFLEET_STATE_DIR: '/tmp/tf-api-bootstrap-test' });
    const options = { port: 0, host: '127.0.0.1', logger: pino({ level: 'silent' }), queuePrefix: testRedisPrefix('api'), env: { TOKENFLEET_MASTER_KEY: randomBytes(32).toString('base64') } };
    try {
      const first = await startApi(config, options);
      const overview = await fetch(`${first.url}/api/v1/overview`, { headers: { authorization: `Bearer ${bootstrapKey}` } });
      expect(overview.status).toBe(200);
      expect(((await overview.json()) as { mode: string }).mode).toBe('sandbox');
      await first.close();
      const second = await startApi(config, options);
      expect(await second.deps.db.select().from(apiKeys)).toHaveLength(1);
      await second.close();
    } finally {
      await database.drop();
    }
  });
});
