// Tenants and their policy settings. Everyone signed in may read them (the overview names the tenants);
// only an admin changes a setting, and every change is audited with what it was before.
import { asc, eq } from 'drizzle-orm';
import type { Router } from 'express';
import { endpoints, TenantSettingsChange, type Tenant as TenantView } from '@tokenfleet/contract';
import { appendAudit, tenants, type Tenant } from '@tokenfleet/db';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { notFound } from '../errors';
import { selfServiceSettings } from '../portal/settings';
import { parseInput } from '../validation';

function tenantItem(row: Tenant): TenantView {
  return { id: row.id, name: row.name, mode: row.mode, settings: { purgeSeedsWhenActive: row.settings.purgeSeedsWhenActive === true, selfService: selfServiceSettings(row) } };
}

export function tenantRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;

  route(router, endpoints.listTenants, async (_req, res) => {
    send(res, endpoints.listTenants, 200, (await db.select().from(tenants).orderBy(asc(tenants.id))).map(tenantItem));
  });

  route(router, endpoints.changeTenantSettings, async (req, res) => {
    const tenantId = String(req.params.tenantId);
    const change = parseInput(TenantSettingsChange, req.body, 'request body');
    const updated = await db.transaction(async (tx) => {
      const [existing] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for('update');
      if (!existing) throw notFound(`tenant ${tenantId}`);
      const settings = {
        ...existing.settings,
        ...(change.purgeSeedsWhenActive === undefined ? {} : { purgeSeedsWhenActive: change.purgeSeedsWhenActive }),
        ...(change.selfService ? { selfService: { ...selfServiceSettings(existing), ...change.selfService } } : {}),
      };
      const [row] = await tx.update(tenants).set({ settings }).where(eq(tenants.id, tenantId)).returning();
      await appendAudit(tx, {
        actor: principalOf(res).actor,
        action: 'tenant.settings_changed',
        outcome: 'success',
        tenantId,
        targetType: 'tenant',
        targetId: tenantId,
        detail: { before: tenantItem(existing).settings, after: tenantItem(row!).settings },
      });
      return row!;
    });
    send(res, endpoints.changeTenantSettings, 200, tenantItem(updated));
  });
}
