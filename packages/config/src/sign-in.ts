// Settings of signing in (docs/sign-in.md): Sign in with Microsoft, local break-glass accounts, how long a
// session may live, group ids that grant roles, and an optional app registration of its own for sign-in.
import { z } from 'zod';
import { ROLES, type Role } from '@tokenfleet/contract/values';

const onOff = (name: string) => z.enum(['on', 'off', '1', '0', 'true', 'false'], { error: `${name} must be on or off` });
const isOn = (value: string | undefined, fallback: boolean) => (value === undefined ? fallback : ['on', '1', 'true'].includes(value));

export const signInEnvSchema = z.object({
  TOKENFLEET_MICROSOFT_SIGN_IN: onOff('TOKENFLEET_MICROSOFT_SIGN_IN').optional(),
  TOKENFLEET_LOCAL_SIGN_IN: onOff('TOKENFLEET_LOCAL_SIGN_IN').optional(),
  TOKENFLEET_SESSION_MAX_AGE_HOURS: z.coerce
    .number({ error: 'TOKENFLEET_SESSION_MAX_AGE_HOURS must be a number' })
    .positive('TOKENFLEET_SESSION_MAX_AGE_HOURS must be above 0')
    .max(24 * 30, 'TOKENFLEET_SESSION_MAX_AGE_HOURS may be at most 720 (30 days)')
    .default(12),
  ENTRA_ROLE_GROUPS: z.string().optional(),
  ENTRA_SIGN_IN_CLIENT_ID: z.string().uuid('ENTRA_SIGN_IN_CLIENT_ID must be the application (client) GUID').optional(),
  ENTRA_SIGN_IN_CLIENT_SECRET: z.string().min(1).optional(),
});

export interface SignInConfig {
  /** Sign in with Microsoft (Entra ID, or the sandbox in sandbox mode). */
  microsoft: boolean;
  /** Local accounts with a password (break-glass). */
  local: boolean;
  /** No session outlives this, used or not; an Entra role change takes effect at the next sign-in. */
  sessionMaxAgeMs: number;
  /** Entra group object id → the role its members get (besides the app roles). */
  roleGroups: Record<string, Role>;
  /** A separate app registration for sign-in; without it the tenant's (ENTRA_CLIENT_ID) signs people in too. */
  client?: { clientId: string; clientSecret: string };
}

export function toSignInConfig(e: z.infer<typeof signInEnvSchema>, problems: string[]): SignInConfig {
  const roleGroups: Record<string, Role> = {};
  for (const entry of (e.ENTRA_ROLE_GROUPS ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    const [role, groupId] = entry.split('=').map((part) => part.trim());
    if (!role || !(ROLES as readonly string[]).includes(role) || !groupId || !/^[0-9a-f-]{36}$/i.test(groupId)) {
      problems.push(`ENTRA_ROLE_GROUPS: "${entry}" must be <${ROLES.join('|')}>=<group object id>`);
      continue;
    }
    roleGroups[groupId.toLowerCase()] = role as Role;
  }
  if (Boolean(e.ENTRA_SIGN_IN_CLIENT_ID) !== Boolean(e.ENTRA_SIGN_IN_CLIENT_SECRET)) problems.push('set both ENTRA_SIGN_IN_CLIENT_ID and ENTRA_SIGN_IN_CLIENT_SECRET, or neither');
  const microsoft = isOn(e.TOKENFLEET_MICROSOFT_SIGN_IN, true);
  const local = isOn(e.TOKENFLEET_LOCAL_SIGN_IN, true);
  if (!microsoft && !local) problems.push('TOKENFLEET_MICROSOFT_SIGN_IN and TOKENFLEET_LOCAL_SIGN_IN are both off: nobody could sign in');
  return {
    microsoft,
    local,
    sessionMaxAgeMs: Math.round(e.TOKENFLEET_SESSION_MAX_AGE_HOURS * 3600_000),
    roleGroups,
    ...(e.ENTRA_SIGN_IN_CLIENT_ID && e.ENTRA_SIGN_IN_CLIENT_SECRET ? { client: { clientId: e.ENTRA_SIGN_IN_CLIENT_ID, clientSecret: e.ENTRA_SIGN_IN_CLIENT_SECRET } } : {}),
  };
}
