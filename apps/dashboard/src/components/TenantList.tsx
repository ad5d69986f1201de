// The tenants a screen shows one card each for (tenant settings, Entra sync), with the same line while
// they load and the same empty state when none is configured.
import type { ReactNode } from 'react';
import type { Tenant } from '@tokenfleet/contract';
import type { Resource } from '../hooks';
import { EmptyState, Loading } from './ui';

export function TenantList({ tenants, children }: { tenants: Resource<Tenant[]>; children: (tenant: Tenant) => ReactNode }) {
  if (!tenants.data) return tenants.error ? null : <Loading what="tenants" />;
  if (tenants.data.length === 0) return <EmptyState title="No tenant is configured yet." />;
  return <>{tenants.data.map(children)}</>;
}
