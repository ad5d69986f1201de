// Reconciliation through the API, on the whole system (API, worker, sandbox over HTTPS): only an admin
// starts a sync, which answers 202 with its id and is followed to its end; the tenant then shows when it
// last synced and the summary; devices Entra holds that Tokenfleet does not know are listed, paged, and
// adopted as tokens without a seed that the next sync agrees with.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditEvents } from '@tokenfleet/db';
import { base32Encode, totpCode, base32Decode } from '@tokenfleet/domain';
import { startFullSystem, type FullSystem } from '../../../test/support/full-system';
import { sandboxPortal } from '../../../test/support/sandbox-portal';
import { waitUntil } from '../../../test/support/wait';

let system: FullSystem;
const keys: Record<'operator' | 'viewer', string> = { operator: '', viewer: '' };

beforeAll(async () => {
  system = await startFullSystem({ sandbox: { generatedUsers: 5, totpToleranceSteps: 1 }, workerOverrides: { scheduleSyncs: false, syncPageSize: 2 } });
  for (const role of ['operator', 'viewer'] as const) {
    const answer = await system.call('/api/v1/api-keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `${role} key`, role }) });
    keys[role] = ((await answer.json()) as { key: string }).key;
  }
});
afterAll(async () => {
  await system?.stop();
});

const as = (key: string | null, path: string, init: RequestInit = {}) =>
  key === null ? system.call(path, init) : fetch(`${system.api.url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string> | undefined) } });

async function syncNow(): Promise<{ id: string; summary: Record<string, number> }> {
  const answer = await as(null, `/api/v1/tenants/${system.tenantId}/sync`, { method: 'POST' });
  expect(answer.status).toBe(202);
  const { id } = (await answer.json()) as { id: string };
  return waitUntil(
    async () => {
      const run = (await (await as(keys.viewer, `/api/v1/tenants/${system.tenantId}/syncs/${id}`)).json()) as { id: string; status: string; summary: Record<string, number> };
      if (run.status === 'failed') throw new Error(`sync failed: ${JSON.stringify(run)}`);
      return run.status === 'succeeded' ? run : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, failure: () => `sync ${id} never finished` },
  );
}

const deviceBody = (overrides: Record<string, unknown> = {}) => ({
  serialNumber: `U${randomBytes(4).toString('hex')}`,
  manufacturer: 'Feitian',
  model: 'c200',
  secretKey: base32Encode(randomBytes(20)),
  timeIntervalInSeconds: 30,
  hashFunction: 'hmacsha1',
  ...overrides,
});

it('only an admin starts a sync; it answers 202 with the sync, and the tenant shows when it last synced', async () => {
  for (const key of [keys.operator, keys.viewer]) expect((await as(key, `/api/v1/tenants/${system.tenantId}/sync`, { method: 'POST' })).status).toBe(403);
  expect((await as(null, '/api/v1/tenants/nope/sync', { method: 'POST' })).status).toBe(404);
  const run = await syncNow();
  expect(run.summary).toMatchObject({ devicesRead: 0, changedInEntra: 0 });
  const [tenant] = (await (await as(keys.viewer, '/api/v1/tenants')).json()) as Array<{ lastSync: { id: string; status: string; requestedBy: string }; lastSyncedAt: string }>;
  expect(tenant!.lastSync).toMatchObject({ id: run.id, status: 'succeeded', requestedBy: expect.stringMatching(/^api-key:/) });
  expect(Date.parse(tenant!.lastSyncedAt)).toBeGreaterThan(Date.now() - 60_000);
  const [requested] = await system.client.db.select().from(auditEvents).where(eq(auditEvents.action, 'inventory.sync_requested'));
  expect(requested).toMatchObject({ targetId: system.tenantId, detail: { syncId: run.id } });
});

it('lists devices Tokenfleet does not know, a page at a time, and an operator adopts one without a seed', async () => {
  const portal = sandboxPortal(system.sandbox);
  const user = system.sandbox.inspect.users().find((entry) => entry.userType !== 'Guest')!;
  const active = deviceBody({ assignTo: { id: user.id } });
  const created = await portal.createDevice(active);
  expect(created.status).toBe(201);
  const code = totpCode({ secret: base32Decode(active.secretKey)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, system.sandbox.now());
  expect((await portal.activate(created.body.id, code)).status).toBe(204);
  for (let index = 0; index < 2; index += 1) expect((await portal.createDevice(deviceBody())).status).toBe(201);

  const run = await syncNow();
  expect(run.summary).toMatchObject({ devicesRead: 3, unmanagedFound: 3 });
  const first = await as(keys.viewer, `/api/v1/tenants/${system.tenantId}/unmanaged-devices?limit=2`);
  expect(first.status).toBe(200);
  const firstPage = (await first.json()) as { items: Array<{ graphDeviceId: string; serialNumber: string }>; nextCursor: string };
  expect(firstPage.items).toHaveLength(2);
  const second = (await (await as(keys.viewer, `/api/v1/tenants/${system.tenantId}/unmanaged-devices?limit=2&cursor=${firstPage.nextCursor}`)).json()) as typeof firstPage;
  expect(second.nextCursor).toBeNull();
  const all = [...firstPage.items, ...second.items];
  expect(all.map((device) => device.serialNumber)).toEqual([...all.map((device) => device.serialNumber)].sort());
  const listed = all.find((device) => device.graphDeviceId === created.body.id) as unknown as Record<string, unknown>;
  expect(listed).toMatchObject({ serialNumber: active.serialNumber, status: 'activated', assignedUserId: user.id, assignedUserName: user.displayName });
  const filtered = (await (await as(keys.viewer, `/api/v1/tenants/${system.tenantId}/unmanaged-devices?serial=${active.serialNumber}`)).json()) as typeof firstPage;
  expect(filtered.items.map((device) => device.graphDeviceId)).toEqual([created.body.id]);

  const adoptPath = `/api/v1/tenants/${system.tenantId}/unmanaged-devices/${created.body.id}/adopt`;
  expect((await as(keys.viewer, adoptPath, { method: 'POST' })).status).toBe(403);
  const adopted = await as(keys.operator, adoptPath, { method: 'POST' });
  expect(adopted.status).toBe(201);
  const token = (await adopted.json()) as { id: string; state: string; assignedUpn: string; serialNumber: string };
  expect(token).toMatchObject({ state: 'active', assignedUpn: user.userPrincipalName, serialNumber: active.serialNumber });
  const detail = (await (await as(keys.viewer, `/api/v1/tokens/${token.id}`)).json()) as { hasSeed: boolean; graphDeviceId: string };
  expect(detail).toMatchObject({ hasSeed: false, graphDeviceId: created.body.id });
  // Without a seed there is no code to test.
  expect((await as(keys.operator, `/api/v1/tokens/${token.id}/test`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: '123456' }) })).status).toBe(409);
  expect((await as(keys.operator, adoptPath, { method: 'POST' })).status).toBe(404);
  const [audit] = await system.client.db.select().from(auditEvents).where(eq(auditEvents.action, 'token.adopted'));
  expect(audit).toMatchObject({ tokenId: token.id, actor: 'api-key:operator key', detail: { hasSeed: false, state: 'active', graphDeviceId: created.body.id } });

  // A second device with the adopted one's serial cannot be adopted too: it stays listed.
  system.sandbox.configure({ duplicateSerial: 'allow' });
  const twin = await portal.createDevice(deviceBody({ serialNumber: active.serialNumber }));
  const again = await syncNow();
  // The adopted token agrees with Entra; only the twin is new.
  expect(again.summary).toMatchObject({ devicesRead: 4, changedInEntra: 0, missingFromEntra: 0, unmanagedFound: 1, unmanagedGone: 0 });
  const refused = await as(keys.operator, `/api/v1/tenants/${system.tenantId}/unmanaged-devices/${twin.body.id}/adopt`, { method: 'POST' });
  expect(refused.status).toBe(409);
  const [tenant] = (await (await as(keys.viewer, '/api/v1/tenants')).json()) as Array<{ unmanagedDevices: number }>;
  expect(tenant!.unmanagedDevices).toBe(3);
}, 90_000);
