// The status an operator reads a token by, as an MFA server's token list shows it: ACTIVE, DISABLED or
// OBSOLETE, derived from the life-cycle state (lifecycle.ts) and a few facts. The state says where
// provisioning is; the status says whether the token is in service. Pure: `now` is passed in.
//
// The API computes it with this function for every answer, and filters with the same rules written as
// SQL (packages/db/src/token-status-sql.ts, built from the constants below); an integration test checks
// that the two agree.

import type { TokenState } from './lifecycle';

export const TOKEN_STATUSES = ['ACTIVE', 'DISABLED', 'OBSOLETE'] as const;
export type TokenStatus = (typeof TOKEN_STATUSES)[number];

/** States that are out of service for good. */
export const OBSOLETE_STATES: readonly TokenState[] = ['lost', 'retired', 'deleted'];
/** The one state that is in service (it signs its user in). */
export const IN_SERVICE_STATE = 'active';

export const DAY_MS = 86_400_000;

/** Why a token has its status, for a tooltip and the API's `statusReason`. */
export type TokenStatusReason = 'in_service' | 'disabled' | 'not_in_service_yet' | 'out_of_service' | 'expired' | 'unused';

export interface TokenStatusFacts {
  state: TokenState;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  /** When the token last went into service (activated or enabled); the idle clock starts here when never used. */
  activatedAt: Date | null;
}

export interface TokenStatusPolicy {
  /** A tenant setting: an active token not used for longer than this many days is OBSOLETE; null: never. */
  obsoleteAfterDays: number | null;
}

export interface TokenStatusVerdict {
  status: TokenStatus;
  reason: TokenStatusReason;
}

/**
 * OBSOLETE when out of service for good (lost, retired, deleted), past its expiry date, or active but not
 * used (since its last use, or since activation when never used) for longer than the tenant allows;
 * ACTIVE when active otherwise; DISABLED for everything that does not sign anyone in: disabled, and the
 * provisioning states (imported, created, assigned, failed).
 */
export function tokenStatus(facts: TokenStatusFacts, policy: TokenStatusPolicy, now: Date): TokenStatusVerdict {
  if (OBSOLETE_STATES.includes(facts.state)) return { status: 'OBSOLETE', reason: 'out_of_service' };
  if (facts.expiresAt && facts.expiresAt.getTime() <= now.getTime()) return { status: 'OBSOLETE', reason: 'expired' };
  if (facts.state !== IN_SERVICE_STATE) return { status: 'DISABLED', reason: facts.state === 'disabled' ? 'disabled' : 'not_in_service_yet' };
  const idleSince = facts.lastUsedAt ?? facts.activatedAt;
  if (policy.obsoleteAfterDays !== null && idleSince && now.getTime() - idleSince.getTime() > policy.obsoleteAfterDays * DAY_MS) {
    return { status: 'OBSOLETE', reason: 'unused' };
  }
  return { status: 'ACTIVE', reason: 'in_service' };
}

/** The verdict as a sentence an operator reads beside the badge. */
export function describeTokenStatus(verdict: TokenStatusVerdict, facts: TokenStatusFacts, policy: TokenStatusPolicy): string {
  switch (verdict.reason) {
    case 'in_service':
      return 'In service: it signs its user in';
    case 'disabled':
      return 'Disabled: it stays assigned but does not sign in';
    case 'not_in_service_yet':
      return `Not in service: the token is ${facts.state}, not activated`;
    case 'out_of_service':
      return `Out of service for good: the token is ${facts.state}`;
    case 'expired':
      return `Expired on ${facts.expiresAt!.toISOString().slice(0, 10)}`;
    case 'unused':
      return `Not used for more than ${policy.obsoleteAfterDays} days (${facts.lastUsedAt ? 'since its last use' : 'since activation, never used'})`;
  }
}
