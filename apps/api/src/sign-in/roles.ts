// The Tokenfleet role an Entra identity carries: from the app roles assigned to it in the enterprise
// application (Tokenfleet.Admin / .Operator / .Viewer), or from the groups configuration maps to roles
// (ENTRA_ROLE_GROUPS). The highest role wins; none means no access to the operators' dashboard.
import { ROLE_RANK, type Role } from '@tokenfleet/contract';
import type { VerifiedIdentity } from '@tokenfleet/graph';

export const APP_ROLES: Record<string, Role> = {
  'Tokenfleet.Admin': 'admin',
  'Tokenfleet.Operator': 'operator',
  'Tokenfleet.Viewer': 'viewer',
};

export function roleOf(identity: Pick<VerifiedIdentity, 'roles' | 'groups'>, roleGroups: Record<string, Role>): Role | null {
  const granted: Role[] = [
    ...identity.roles.flatMap((value) => (APP_ROLES[value] ? [APP_ROLES[value]] : [])),
    ...identity.groups.flatMap((id) => (roleGroups[id.toLowerCase()] ? [roleGroups[id.toLowerCase()]!] : [])),
  ];
  return granted.sort((a, b) => ROLE_RANK[b] - ROLE_RANK[a])[0] ?? null;
}
