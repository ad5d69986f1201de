// The dashboard's one route table: every screen with its address, the least role that sees it, and (for
// the screens the sidebar lists) its label. The navigation and the screen switch both read it, so a
// screen cannot be reachable without its navigation entry being checked for the same role, or the other
// way round.
import type { ReactNode } from 'react';
import type { Role } from '@tokenfleet/contract';
import { matchPath } from './router';
import { Accounts } from './screens/Accounts';
import { ApiKeys } from './screens/ApiKeys';
import { AuditTrail } from './screens/AuditTrail';
import { BulkActionDetail } from './screens/BulkActionDetail';
import { BulkActions } from './screens/BulkActions';
import { EntraSync } from './screens/EntraSync';
import { FailedJobs } from './screens/FailedJobs';
import { ImportDetail } from './screens/ImportDetail';
import { Imports } from './screens/Imports';
import { Overview } from './screens/Overview';
import { Tenants } from './screens/Tenants';
import { TenantSettings } from './screens/TenantSettings';
import { TokenDetail } from './screens/TokenDetail';
import { Tokens } from './screens/Tokens';
import { Validation } from './screens/Validation';
import { Joiners } from './screens/Joiners';
import { Webhooks } from './screens/Webhooks';

export interface ScreenRoute {
  /** `/tokens/:id` style. */
  path: string;
  role: Role;
  render: (params: Record<string, string>) => ReactNode;
  /** Listed in the sidebar under this label; the screens below a listed one (`/tokens/:id`) count as its. */
  nav?: string;
}

export const ROUTES: readonly ScreenRoute[] = [
  { path: '/', role: 'viewer', nav: 'Overview', render: () => <Overview /> },
  { path: '/imports', role: 'viewer', nav: 'Imports', render: () => <Imports /> },
  { path: '/imports/:id', role: 'viewer', render: ({ id }) => <ImportDetail key={id} id={id!} /> },
  { path: '/tokens', role: 'viewer', nav: 'Tokens', render: () => <Tokens /> },
  { path: '/tokens/:id', role: 'viewer', render: ({ id }) => <TokenDetail key={id} id={id!} /> },
  { path: '/bulk-actions', role: 'viewer', nav: 'Bulk actions', render: () => <BulkActions /> },
  { path: '/bulk-actions/:id', role: 'viewer', render: ({ id }) => <BulkActionDetail key={id} id={id!} /> },
  { path: '/failed', role: 'viewer', nav: 'Failed jobs', render: () => <FailedJobs /> },
  { path: '/audit', role: 'viewer', nav: 'Audit trail', render: () => <AuditTrail /> },
  { path: '/validation', role: 'viewer', nav: 'Validation', render: () => <Validation /> },
  { path: '/entra-sync', role: 'viewer', nav: 'Entra sync', render: () => <EntraSync /> },
  { path: '/tenants', role: 'viewer', nav: 'Tenants', render: () => <Tenants /> },
  { path: '/joiners', role: 'operator', nav: 'Needs a token', render: () => <Joiners /> },
  { path: '/accounts', role: 'admin', nav: 'Accounts', render: () => <Accounts /> },
  { path: '/api-keys', role: 'admin', nav: 'API keys', render: () => <ApiKeys /> },
  { path: '/webhooks', role: 'admin', nav: 'Webhooks', render: () => <Webhooks /> },
  { path: '/webhooks/:id', role: 'admin', render: ({ id }) => <Webhooks sourceId={id!} /> },
  { path: '/settings', role: 'admin', nav: 'Tenant settings', render: () => <TenantSettings /> },
];

/** The route that answers `pathname`, with its parameters; undefined when none does. */
export function findRoute(pathname: string): { route: ScreenRoute; params: Record<string, string> } | undefined {
  for (const route of ROUTES) {
    const params = matchPath(route.path, pathname);
    if (params) return { route, params };
  }
  return undefined;
}

/** Whether a sidebar entry is the current page: its own address or one below it (not for `/`). */
export function isCurrentNav(route: ScreenRoute, pathname: string): boolean {
  return route.path === '/' ? pathname === '/' : pathname === route.path || pathname.startsWith(`${route.path}/`);
}
