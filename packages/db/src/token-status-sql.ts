// The token status (packages/domain/src/status.ts) as SQL, for filtering the token list in the database:
// the same rules, from the same constants, in the same order. An integration test
// (packages/db/test/token-status.test.ts) checks that this and the domain's function agree.
import { sql, type SQL } from 'drizzle-orm';
import { IN_SERVICE_STATE, OBSOLETE_STATES, type TokenStatus } from '@tokenfleet/domain';
import { tenants, tokens } from './schema';

/** The tenant's idle limit for the token's row (a correlated look-up by primary key). */
export const obsoleteAfterDaysOfToken = sql<number | null>`(select ${tenants.obsoleteAfterDays} from ${tenants} where ${tenants.id} = ${tokens.tenantId})`;

const list = (values: readonly string[]) => sql.join(values.map((value) => sql`${value}`), sql`, `);

/** `case … end` answering 'ACTIVE', 'DISABLED' or 'OBSOLETE' for the row of `tokens` at `now`. */
export function tokenStatusSql(now: Date): SQL<TokenStatus> {
  const at = sql`${now.toISOString()}::timestamptz`;
  return sql<TokenStatus>`(case
    when ${tokens.state} in (${list(OBSOLETE_STATES)}) then 'OBSOLETE'
    when ${tokens.expiresAt} is not null and ${tokens.expiresAt} <= ${at} then 'OBSOLETE'
    when ${tokens.state} <> ${IN_SERVICE_STATE} then 'DISABLED'
    when ${obsoleteAfterDaysOfToken} is not null
      and coalesce(${tokens.lastUsedAt}, ${tokens.activatedAt}) < ${at} - make_interval(days => ${obsoleteAfterDaysOfToken})
      then 'OBSOLETE'
    else 'ACTIVE' end)`;
}
