// Tenants added in Tokenfleet, through the API: an admin adds one with its app registration, tests the
// connection (a token issued for it and one device read), replaces a credential that stopped working,
// and never sees the credential again. Two sandboxes stand for two Entra tenants: the environment's, and
// the added one (same CA, as a second `npm run sandbox` on the same state directory has).
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSandboxConnection } from '@tokenfleet/config';
import { auditEvents, tenants } from '@tokenfleet/db';
import { startSandbox, type Sandbox } from '@tokenfleet/entra-sandbox';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
let environment: Sandbox;
let added: Sandbox;
const secret = `added-${randomUUID()}`;

beforeAll(async () => {
  environment = await startSandbox({ totpToleranceSteps: 0 });
  added = await startSandbox({ stateDir: dirname(environment.caCertificatePath), tenantId: randomUUID(), clientId: randomUUID(), clientSecret: secret });
  const stateDir = mkdtempSync(join(tmpdir(), 'tf-api-tenants-'));
  writeSandboxConnection(stateDir, { origin: environment.origin, tenantId: environment.tenantId, clientId: environment.clientId, clientSecret: environment.clientSecret, caCertificatePath: environment.caCertificatePath });
  t = await startTestApi({ env: { TOKENFLEET_STATE_DIR: stateDir } });
});
afterAll(async () => {
  await t?.close();
  await added?.close();
  await environment?.close();
});

const registration = (overrides: Record<string, unknown> = {}) => ({
  name: 'Fabrikam',
  entraTenantId: added.tenantId,
  clientId: added.clientId,
  clientSecret: secret,
  authorityHost: added.origin,
  graphBaseUrl: added.origin,
  ...overrides,
});

describe('adding a tenant', () => {
  let tenantId: string;

  it('an admin adds one with its app registration; the answer, the list and the audit trail never hold the secret', async () => {
    const answer = await t.call('POST', '/api/v1/tenants', { json: registration() });
    expect(answer.status).toBe(201);
    tenantId = answer.body.id;
    expect(answer.body).toMatchObject({
      id: `entra-${added.tenantId}`,
      name: 'Fabrikam',
      mode: 'live',
      connection: { source: 'stored', entraTenantId: added.tenantId, clientId: added.clientId, credential: 'secret', authorityHost: added.origin, graphBaseUrl: added.origin, lastTest: null },
    });
    const list = await t.call('GET', '/api/v1/tenants', { key: t.keys.viewer });
    expect(list.body.map((tenant: { id: string }) => tenant.id)).toEqual(expect.arrayContaining(['sandbox', tenantId]));
    const audit = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenantId));
    expect(audit.map((event) => event.action)).toEqual(['tenant.added']);
    for (const text of [answer.text, list.text, JSON.stringify(audit)]) expect(text).not.toContain(secret);
  });

  it('the connection test signs in as the added app and reads its inventory, and is kept as the last test', async () => {
    const test = await t.call('POST', `/api/v1/tenants/${tenantId}/connection-test`);
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ ok: true, graphStatus: 200 });
    const [row] = await t.api.deps.db.select().from(tenants).where(eq(tenants.id, tenantId));
    expect(row!.lastConnectionTest).toMatchObject({ ok: true });
    expect(added.inspect.calls().some((call) => call.path.includes('hardwareOathDevices'))).toBe(true);
    expect(environment.inspect.calls().some((call) => call.path.includes('hardwareOathDevices'))).toBe(false);
  });

  it('a credential that no longer works fails the test with what Entra answered; replacing it makes the test pass again', async () => {
    const wrong = await t.call('PUT', `/api/v1/tenants/${tenantId}/connection`, { json: { clientId: added.clientId, clientSecret: 'not-the-secret', authorityHost: added.origin, graphBaseUrl: added.origin } });
    expect(wrong.status).toBe(200);
    expect(wrong.body.connection.lastTest).toBeNull();
    const failed = await t.call('POST', `/api/v1/tenants/${tenantId}/connection-test`);
    expect(failed.body.ok).toBe(false);
    expect(failed.body.message).toMatch(/invalid_client|AADSTS7000215|secret/i);
    const audit = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'tenant.connection_tested'));
    expect(audit.map((event) => event.outcome)).toEqual(expect.arrayContaining(['success', 'failure']));

    const fixed = await t.call('PUT', `/api/v1/tenants/${tenantId}/connection`, { json: { clientId: added.clientId, clientSecret: secret, authorityHost: added.origin, graphBaseUrl: added.origin } });
    expect(fixed.body.connection.credential).toBe('secret');
    expect((await t.call('POST', `/api/v1/tenants/${tenantId}/connection-test`)).body.ok).toBe(true);
    const [row] = await t.api.deps.db.select().from(tenants).where(eq(tenants.id, tenantId));
    expect(row!.connectionVersion).toBe(2);
  });

  it('the same Entra tenant cannot be added twice', async () => {
    const again = await t.call('POST', '/api/v1/tenants', { json: registration({ name: 'Fabrikam again' }) });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('tenant_exists');
  });

  it('refuses a registration without exactly one credential, or with a host that is not https', async () => {
    const both = await t.call('POST', '/api/v1/tenants', { json: registration({ entraTenantId: randomUUID(), clientCertificatePem: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----' }) });
    expect(both.status).toBe(400);
    const { clientSecret: _omitted, ...none } = registration({ entraTenantId: randomUUID() });
    expect((await t.call('POST', '/api/v1/tenants', { json: none })).status).toBe(400);
    const plain = await t.call('POST', '/api/v1/tenants', { json: registration({ entraTenantId: randomUUID(), graphBaseUrl: 'http://graph.example' }) });
    expect(plain.status).toBe(400);
    expect(plain.body.error.details.map((detail: { path: string }) => detail.path)).toContain('graphBaseUrl');
  });

  it('only admins add tenants, change their credential or test them', async () => {
    expect((await t.call('POST', '/api/v1/tenants', { key: t.keys.operator, json: registration({ entraTenantId: randomUUID() }) })).status).toBe(403);
    expect((await t.call('POST', `/api/v1/tenants/${tenantId}/connection-test`, { key: t.keys.operator })).status).toBe(403);
    expect((await t.call('PUT', `/api/v1/tenants/${tenantId}/connection`, { key: t.keys.viewer, json: { clientId: added.clientId, clientSecret: 'x' } })).status).toBe(403);
  });
});

describe("the environment's tenant", () => {
  it('tests its connection through the environment (here the sandbox), and its credential is not changed here', async () => {
    const list = await t.call('GET', '/api/v1/tenants');
    const sandbox = list.body.find((tenant: { id: string }) => tenant.id === 'sandbox');
    expect(sandbox.connection).toMatchObject({ source: 'environment', entraTenantId: environment.tenantId, clientId: environment.clientId, credential: 'secret', graphBaseUrl: environment.origin });
    expect((await t.call('POST', '/api/v1/tenants/sandbox/connection-test')).body.ok).toBe(true);
    const change = await t.call('PUT', '/api/v1/tenants/sandbox/connection', { json: { clientId: environment.clientId, clientSecret: 'x' } });
    expect(change.status).toBe(409);
    expect(change.body.error.code).toBe('environment_tenant');
  });
});
