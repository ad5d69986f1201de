// The OpenAPI document against the API, both ways: the router has exactly the documented routes, and a
// walk through every route answers what the document says (each answer is checked by the test API's
// contract check, contract-check.ts); at the end every documented route must have answered a success.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Router } from 'express';
import { operations, tokens, unmanagedDevices, walkBulkChunk, webhookDeliveries } from '@tokenfleet/db';
import { base32Decode, hotp, totpCode, totpStep, type TotpKey } from '@tokenfleet/domain';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { createApiRouter, openApiDocument, webhookDeliveryRouter } from '../src/index';
import { deliver, signDelivery, webhookEvent } from '@tokenfleet/test-harness/webhooks';
import { checkAnswer } from './contract-check';
import { PortalSessionStore } from '../src/portal/sessions';
import { createSetupToken } from '../src/sign-in/setup-link';
import { answeredRoutes, documentedOperations } from './contract-check';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({
    overrides: {
      graph: { searchUsers: async () => ({ kind: 'ok', value: [{ id: 'u1', userPrincipalName: 'alice@contoso.example', displayName: 'Alice' }], status: 200, requestId: 'r1', durationMs: 2 }) },
    },
  });
});
afterAll(async () => {
  await t?.close();
});

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `METHOD /path` for every route on the router, in OpenAPI's `{param}` spelling. */
function registeredRoutes(router: Router): string[] {
  const routes: string[] = [];
  for (const layer of router.stack as RouteLayer[]) {
    if (!layer.route) continue;
    const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
    for (const [method, handled] of Object.entries(layer.route.methods)) {
      if (handled && method !== '_all') routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes.sort();
}

const SEEDS = sampleFile('token2-classic.csv')
  .toString('utf8')
  .split('\n')
  .slice(1)
  .filter(Boolean)
  .map((line) => ({ serial: line.split(',')[1]!, secret: line.split(',')[2]! }));

describe('the OpenAPI document', () => {
  it('describes exactly the routes the router has', () => {
    // The webhook delivery route sits ahead of the JSON parser (app.ts), outside the main router.
    const registered = [...registeredRoutes(createApiRouter(t.api.deps)), ...registeredRoutes(webhookDeliveryRouter(t.api.deps))].sort();
    expect(registered.length).toBeGreaterThan(30);
    expect(registered).toEqual(documentedOperations());
  });

  it('is served to callers, as OpenAPI 3.1 with resolvable schema references', async () => {
    const answer = await t.call('GET', '/api/v1/openapi.json', { key: t.keys.viewer });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    const refs = [...answer.text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(answer.body.components.schemas).toHaveProperty(name);
  });

  it('matches what every route really answers', async () => {
    const ok = async (method: string, path: string, options: Parameters<TestApi['call']>[2] = {}) => {
      const answer = await t.call(method, path, options);
      expect(answer.status, `${method} ${path}: ${answer.text.slice(0, 200)}`).toBeLessThan(300);
      return answer;
    };
    const tokenId = async (serial: string, state: 'imported' | 'created' | 'assigned' | 'active' | 'disabled') => {
      const [row] = await t.api.deps.db.update(tokens).set({ state }).where(eq(tokens.serialNumber, serial)).returning();
      return row!.id;
    };

    await ok('GET', '/api/v1/health', { key: null });
    await ok('GET', '/api/v1/ready', { key: null });
    await ok('GET', '/api/v1/openapi.json');
    const upload = await t.upload(t.keys.operator, { name: 'token2-classic.csv', content: sampleFile('token2-classic.csv') }, { mode: 'import' });
    expect(upload.status).toBe(202);
    const messy = await t.upload(t.keys.operator, { name: 'messy.csv', content: sampleFile('messy.csv') }, { mode: 'import' });
    expect(messy.status).toBe(202);
    await ok('GET', '/api/v1/overview');
    await ok('GET', '/api/v1/metrics');
    await ok('GET', '/api/v1/imports?limit=1');
    await ok('GET', `/api/v1/imports/${upload.body.id}`);
    expect((await ok('GET', `/api/v1/imports/${messy.body.id}/errors`)).body.items.length).toBeGreaterThan(0);
    await ok('GET', `/api/v1/imports/${messy.body.id}/errors.csv`);
    const page = await ok('GET', `/api/v1/tokens?importId=${upload.body.id}`);
    expect(page.body.items).toHaveLength(6);
    const [first] = page.body.items as { id: string }[];
    await ok('GET', `/api/v1/tokens/${first!.id}`);
    await ok('GET', `/api/v1/tokens/${first!.id}/audit`);
    await ok('PATCH', `/api/v1/tokens/${first!.id}/expiry`, { json: { expiresAt: '2030-01-31' } });
    await ok('GET', '/api/v1/tokens?status=DISABLED');

    const [s1, s2, s3, s4, s5, s6] = SEEDS.map((seed) => seed.serial);
    await ok('POST', `/api/v1/tokens/${await tokenId(s1!, 'imported')}/assign`, { json: { upn: 'alice@contoso.example' } });
    await ok('POST', `/api/v1/tokens/${await tokenId(s2!, 'assigned')}/activate`);
    await ok('POST', `/api/v1/tokens/${await tokenId(s3!, 'imported')}/delete`);
    await ok('POST', `/api/v1/tokens/${await tokenId(s4!, 'imported')}/retire`);
    const active = await tokenId(s5!, 'active');
    // No worker runs here: each queued step is cancelled so that the next action is not refused as in flight.
    const cancelQueued = () => t.api.deps.db.update(operations).set({ status: 'cancelled' }).where(eq(operations.tokenId, active));
    await t.api.deps.db.update(tokens).set({ graphDeviceId: 'walk-device', assignedUserId: 'walk-user', assignedUpn: 'bob@contoso.example' }).where(eq(tokens.id, active));
    await ok('POST', `/api/v1/tokens/${active}/disable`);
    await cancelQueued();
    await tokenId(s5!, 'disabled');
    await ok('POST', `/api/v1/tokens/${active}/enable`);
    await cancelQueued();
    await tokenId(s5!, 'active');
    await ok('POST', `/api/v1/tokens/${active}/edit`, { json: { comment: 'walked through' } });
    await ok('POST', `/api/v1/tokens/${active}/reassign`, { json: { upn: 'carol@contoso.example' } });
    await cancelQueued();
    await ok('POST', `/api/v1/tokens/${active}/unassign`);
    await cancelQueued();
    await ok('POST', `/api/v1/tokens/${active}/lost`, { json: { note: 'walked away' } });
    const seed = SEEDS.find((entry) => entry.serial === s6)!;
    const key: TotpKey = { secret: base32Decode(seed.secret)!, hashFunction: seed.secret.length > 32 ? 'hmacsha256' : 'hmacsha1', periodSeconds: 30, digits: 6 };
    const checked = await tokenId(s6!, 'active');
    await ok('POST', `/api/v1/tokens/${checked}/test`, { json: { code: totpCode(key, Date.now()) } });
    const step = totpStep(Date.now(), 30);
    await ok('POST', `/api/v1/tokens/${checked}/resync`, { json: { code1: hotp(key.secret, step + 3, key.hashFunction, 6), code2: hotp(key.secret, step + 4, key.hashFunction, 6) } });

    await ok('GET', '/api/v1/users?search=ali');
    const operationPage = await ok('GET', '/api/v1/operations');
    const operationId = (operationPage.body.items as { id: string }[])[0]!.id;
    await ok('GET', `/api/v1/operations/${operationId}`);
    await t.api.deps.db.update(operations).set({ status: 'failed', lastErrorCode: 'badRequest' });
    await ok('GET', '/api/v1/operations/failed/groups');
    await ok('POST', `/api/v1/operations/${operationId}/retry`);
    await ok('POST', '/api/v1/operations/retry', { json: {} });
    // A bulk action cancelled before its walk, and one walked (as the worker's bulk.expand does) to its end.
    const bulkSelection = { action: 'retire', tokenIds: [first!.id] };
    await ok('POST', '/api/v1/bulk-actions/preview', { key: t.keys.operator, json: bulkSelection });
    const bulk = await ok('POST', '/api/v1/bulk-actions', { key: t.keys.operator, json: { ...bulkSelection, confirm: true } });
    await ok('POST', `/api/v1/bulk-actions/${bulk.body.id}/cancel`, { key: t.keys.operator });
    const refused = await ok('POST', '/api/v1/bulk-actions', { key: t.keys.operator, json: { action: 'enable', filter: {}, confirm: true } });
    while (!(await walkBulkChunk(t.api.deps.db, refused.body.id)).finished);
    await ok('GET', '/api/v1/bulk-actions');
    await ok('GET', `/api/v1/bulk-actions/${refused.body.id}`);
    await ok('GET', `/api/v1/bulk-actions/${refused.body.id}/failures`);
    await ok('POST', `/api/v1/bulk-actions/${refused.body.id}/retry`, { key: t.keys.operator });
    await ok('GET', '/api/v1/audit?limit=5');
    await ok('GET', '/api/v1/audit.csv');

    const created = await ok('POST', '/api/v1/api-keys', { json: { name: 'contract walk', role: 'viewer' } });
    await ok('GET', '/api/v1/api-keys');
    await ok('DELETE', `/api/v1/api-keys/${created.body.id}`);
    const password = 'a contract walk password';
    const account = await ok('POST', '/api/v1/accounts', { json: { username: 'walker', password, role: 'operator' } });
    await ok('GET', '/api/v1/accounts');
    await ok('PATCH', `/api/v1/accounts/${account.body.id}`, { json: { role: 'viewer' } });
    const tenantsAnswer = await ok('GET', '/api/v1/tenants');
    await ok('PATCH', `/api/v1/tenants/${tenantsAnswer.body[0].id}/settings`, { json: { purgeSeedsWhenActive: false } });
    const tenantId = tenantsAnswer.body[0].id as string;
    // A tenant added with an app registration at an address nothing answers: its connection test answers 200, not ok.
    const unreachable = { clientId: 'c1c1c1c1-0000-4000-8000-000000000001', clientSecret: 'not-used', authorityHost: 'https://127.0.0.1:9', graphBaseUrl: 'https://127.0.0.1:9' };
    const added = await ok('POST', '/api/v1/tenants', { json: { name: 'Walked', entraTenantId: 'aaaaaaaa-0000-4000-8000-00000000abcd', ...unreachable } });
    await ok('PUT', `/api/v1/tenants/${added.body.id}/connection`, { json: unreachable });
    expect((await ok('POST', `/api/v1/tenants/${added.body.id}/connection-test`)).body.ok).toBe(false);
    const queuedSync = await ok('POST', `/api/v1/tenants/${tenantId}/sync`);
    await ok('GET', `/api/v1/tenants/${tenantId}/syncs/${queuedSync.body.id}`);
    // An unmanaged device as a sync records one (no worker runs in this walk).
    await t.api.deps.db.insert(unmanagedDevices).values({
      tenantId, graphDeviceId: 'd0f1c1a2-0000-4000-8000-00000000a001', serialNumber: 'UNMANAGED-1', manufacturer: 'Feitian', model: 'c200',
      displayName: null, hashFunction: 'hmacsha1', timeIntervalSeconds: 30, status: 'available', lastSeenSyncId: queuedSync.body.id,
    });
    await ok('GET', `/api/v1/tenants/${tenantId}/unmanaged-devices`);
    await ok('POST', `/api/v1/tenants/${tenantId}/unmanaged-devices/d0f1c1a2-0000-4000-8000-00000000a001/adopt`);

    const validator = await ok('POST', '/api/v1/api-keys', { json: { name: 'contract walk validator', role: 'validator' } });
    const validationUser = await t.call('GET', `/createuser?api_key=${validator.body.key}&email=walk@contoso.example&format=1`, { key: null });
    expect(validationUser.status).toBe(200);
    await ok('GET', '/api/v1/validation/settings');
    await ok('GET', '/api/v1/validation/users');
    await ok('POST', `/api/v1/validation/users/${validationUser.body.userid}/unlock`);
    await ok('GET', `/api/v1/tokens/${checked}/validations`);

    const source = await ok('POST', '/api/v1/webhook-sources', { json: { name: 'contract walk hr' } });
    await ok('GET', '/api/v1/webhook-sources');
    await ok('GET', `/api/v1/webhook-sources/${source.body.id}`);
    await ok('PATCH', `/api/v1/webhook-sources/${source.body.id}`, { json: { leaverThreshold: 1 } });
    const rotated = await ok('POST', `/api/v1/webhook-sources/${source.body.id}/rotate`, { json: {} });
    const deliveries: { status: number; text: string }[] = [];
    for (const event of [webhookEvent('user.left', { upn: 'a@contoso.example' }), webhookEvent('user.left', { upn: 'b@contoso.example' })]) {
      const delivery = signDelivery(rotated.body.secret, event);
      const response = await deliver(t.url, source.body.id, delivery);
      const text = await response.text();
      const answer = { status: response.status, headers: response.headers, text, body: JSON.parse(text) };
      checkAnswer('POST', `/api/v1/webhooks/${source.body.id}`, answer);
      deliveries.push(answer);
      if (deliveries.length === 1) {
        const again = await deliver(t.url, source.body.id, delivery);
        const againText = await again.text();
        checkAnswer('POST', `/api/v1/webhooks/${source.body.id}`, { status: again.status, headers: again.headers, text: againText, body: JSON.parse(againText) });
        expect(again.status).toBe(200);
      }
    }
    expect(deliveries.map((answer) => answer.status)).toEqual([202, 202]);
    const listed = await ok('GET', `/api/v1/webhook-sources/${source.body.id}/deliveries`);
    await ok('POST', `/api/v1/webhook-sources/${source.body.id}/held`, { json: { action: 'discard' } });
    await t.api.deps.db.update(webhookDeliveries).set({ status: 'failed' }).where(eq(webhookDeliveries.id, listed.body.items.at(-1).id));
    await ok('POST', `/api/v1/webhook-deliveries/${listed.body.items.at(-1).id}/redeliver`);
    const joiners = await t.api.deps.sql`insert into webhook_joiners (id, tenant_id, upn) values (gen_random_uuid(), ${t.api.deps.tenant.id}, 'joiner@contoso.example'), (gen_random_uuid(), ${t.api.deps.tenant.id}, 'other@contoso.example') returning id`;
    await ok('GET', '/api/v1/webhook-joiners');
    const joinerStock = await tokenId(s3!, 'created');
    await t.api.deps.db.update(operations).set({ status: 'succeeded' }).where(eq(operations.tokenId, joinerStock));
    await ok('POST', `/api/v1/webhook-joiners/${joiners[0]!.id}/assign`, { json: { tokenId: joinerStock } });
    await ok('POST', `/api/v1/webhook-joiners/${joiners[1]!.id}/dismiss`);

    const signedIn = await ok('POST', '/api/v1/session', { key: null, json: { username: 'walker', password } });
    const cookie = signedIn.headers.get('set-cookie')!.split(';')[0]!;
    await ok('GET', '/api/v1/session', { key: null, headers: { cookie } });
    await ok('DELETE', '/api/v1/session', { key: null, headers: { cookie, 'x-csrf-token': signedIn.body.csrfToken } });

    await ok('GET', '/api/v1/session/options', { key: null });
    const setupToken = await createSetupToken(t.api.deps.db);
    await ok('POST', '/api/v1/setup', { key: null, json: { token: setupToken, username: 'first-admin', password } });

    // The portal, with a session as Sign in with Microsoft makes one (sign-in.test.ts and portal.test.ts go through the sandbox).
    const portalCookie = `tf_my_session=${await new PortalSessionStore(t.api.deps.db, 3600_000).create({ tenantId: t.api.deps.tenant.id, objectId: 'walker-oid', upn: 'walker@contoso.example', name: 'Walker' })}`;
    const portal = await ok('GET', '/api/v1/my/session', { key: null, headers: { cookie: portalCookie } });
    const portalHeaders = { cookie: portalCookie, 'x-csrf-token': portal.body.csrfToken };
    const [stock] = await t.api.deps.db.update(tokens).set({ state: 'created', graphDeviceId: 'walk-device' }).where(eq(tokens.importId, messy.body.id)).returning();
    const stockKey: TotpKey = { secret: base32Decode(t.api.deps.vault.decrypt(stock!.id, stock!.secretKeyId!, stock!.secretCiphertext!))!, hashFunction: stock!.hashFunction, periodSeconds: stock!.timeIntervalSeconds, digits: stock!.digits };
    await ok('POST', '/api/v1/my/tokens/activate', { key: null, headers: portalHeaders, json: { serialNumber: stock!.serialNumber, code: totpCode(stockKey, Date.now()) } });
    await ok('GET', '/api/v1/my/tokens', { key: null, headers: portalHeaders });
    await ok('POST', `/api/v1/my/tokens/${stock!.id}/test`, { key: null, headers: portalHeaders, json: { code: totpCode(stockKey, Date.now()) } });
    await ok('POST', `/api/v1/my/tokens/${stock!.id}/lost`, { key: null, headers: portalHeaders });
    await ok('DELETE', '/api/v1/my/session', { key: null, headers: portalHeaders });

    const unanswered = documentedOperations().filter((name) => ![...(answeredRoutes.get(name) ?? [])].some((status) => status < 300));
    expect(unanswered).toEqual([]);
  });
});
