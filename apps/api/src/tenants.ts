// Which tenant a request acts on: the one it names, else the default tenant of this installation.
import { eq } from 'drizzle-orm';
import { tenants, type Tenant } from '@tokenfleet/db';
import type { ApiDeps } from './deps';
import { ApiError } from './errors';

export async function resolveTenant(deps: Pick<ApiDeps, 'db' | 'tenant'>, tenantId: string | undefined): Promise<Tenant> {
  if (!tenantId || tenantId === deps.tenant.id) return deps.tenant;
  const [tenant] = await deps.db.select().from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw new ApiError(400, 'validation_failed', `There is no tenant ${tenantId}`, [{ path: 'tenantId', message: 'unknown tenant' }]);
  return tenant;
}
