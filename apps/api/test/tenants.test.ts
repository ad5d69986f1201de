import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, tenants } from '@tokenfleet/db';
import { startTestApi, type TestApi } from './helpers';

/** A sandbox tenant's self-service portal is open by default, every stock token eligible. */
const SANDBOX_SELF_SERVICE = { enabled: true, eligibleImportIds: null, attemptsPerHour: 10 };

let t: TestApi;
beforeAll(async () => { t = await startTestApi(); });
afterAll(async () => { await t?.close(); });

describe('tenant settings', () => {
  it('everyone signed in reads the tenants and their settings', async () => {
    const answer = await t.call('GET', '/api/v1/tenants', { key: t.keys.viewer });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([
      {
        id: 'sandbox',
        name: expect.any(String),
        mode: 'sandbox',
        // No sandbox runs for this API, so nothing says where the environment's Graph is.
        connection: { source: 'environment', entraTenantId: null, clientId: null, credential: null, authorityHost: null, graphBaseUrl: null, lastTest: null },
        settings: { purgeSeedsWhenActive: false, obsoleteAfterDays: null, syncIntervalHours: 6, selfService: SANDBOX_SELF_SERVICE },
        lastSync: null,
        lastSyncedAt: null,
        unmanagedDevices: 0,
      },
    ]);
  });

  it('an admin turns seed purging on, and the change is audited with its before and after', async () => {
    const answer = await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { purgeSeedsWhenActive: true } });
    expect(answer.status).toBe(200);
    expect(answer.body.settings).toEqual({ purgeSeedsWhenActive: true, obsoleteAfterDays: null, syncIntervalHours: 6, selfService: SANDBOX_SELF_SERVICE });
    const [row] = await t.api.deps.db.select().from(tenants).where(eq(tenants.id, 'sandbox'));
    expect(row!.settings.purgeSeedsWhenActive).toBe(true);
    const [audit] = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.action, 'tenant.settings_changed'));
    expect(audit).toMatchObject({ actor: expect.stringMatching(/^api-key:/), targetId: 'sandbox', detail: { before: { purgeSeedsWhenActive: false, obsoleteAfterDays: null, syncIntervalHours: 6 }, after: { purgeSeedsWhenActive: true, obsoleteAfterDays: null, syncIntervalHours: 6 } } });
  });

  it('an admin sets the idle limit after which an unused active token is OBSOLETE, and clears it again', async () => {
    const set = await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { obsoleteAfterDays: 180 } });
    expect(set.status).toBe(200);
    expect(set.body.settings.obsoleteAfterDays).toBe(180);
    const [row] = await t.api.deps.db.select().from(tenants).where(eq(tenants.id, 'sandbox'));
    expect(row!.obsoleteAfterDays).toBe(180);
    expect((await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { obsoleteAfterDays: 0 } })).status).toBe(400);
    expect((await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: {} })).status).toBe(400);
    const cleared = await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { obsoleteAfterDays: null } });
    expect(cleared.body.settings.obsoleteAfterDays).toBeNull();
  });

  it('an admin sets how often the tenant is reconciled with Entra, within sane bounds', async () => {
    const answer = await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { syncIntervalHours: 1.5 } });
    expect(answer.status).toBe(200);
    expect(answer.body.settings).toEqual({ purgeSeedsWhenActive: true, obsoleteAfterDays: null, syncIntervalHours: 1.5, selfService: SANDBOX_SELF_SERVICE });
    for (const syncIntervalHours of [0, 0.1, 1000, '6']) {
      expect((await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { syncIntervalHours } })).status).toBe(400);
    }
    expect((await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: {} })).status).toBe(400);
  });

  it('an admin changes the self-service settings, member by member, audited', async () => {
    const importId = '7d3c1c1e-8c4b-4f59-9d36-0d2f5b0f0a11';
    const answer = await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { selfService: { enabled: false, eligibleImportIds: [importId] } } });
    expect(answer.status).toBe(200);
    expect(answer.body.settings.selfService).toEqual({ enabled: false, eligibleImportIds: [importId], attemptsPerHour: 10 });
    const again = await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { selfService: { attemptsPerHour: 3 } } });
    expect(again.body.settings.selfService).toEqual({ enabled: false, eligibleImportIds: [importId], attemptsPerHour: 3 });
    expect((await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { selfService: { attemptsPerHour: 0 } } })).status).toBe(400);
  });

  it('an operator may not change settings; unknown tenants and unknown settings are refused', async () => {
    expect((await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.operator, json: { purgeSeedsWhenActive: false } })).status).toBe(403);
    expect((await t.call('PATCH', '/api/v1/tenants/nope/settings', { key: t.keys.admin, json: { purgeSeedsWhenActive: false } })).status).toBe(404);
    expect((await t.call('PATCH', '/api/v1/tenants/sandbox/settings', { key: t.keys.admin, json: { keepForever: true } })).status).toBe(400);
  });
});
