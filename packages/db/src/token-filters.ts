// The token list's filters as SQL, once: the API's token list answers them and a bulk action over "all N
// matching this filter" walks exactly the tokens the operator saw listed.
import { and, eq, gt, like, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { DAY_MS, OBSOLETE_STATES } from '@tokenfleet/domain';
import { tokens, type TokenFilter } from './schema';
import { tokenStatusSql } from './token-status-sql';

/** A LIKE pattern matching values that start with `prefix` (its own % _ and \ taken literally). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** The conditions of a filter, to combine with `and(...)` (absent fields add none); `now` for the status and expiry. */
export function tokenFilterConditions(filter: TokenFilter, now: Date = new Date()): (SQL | undefined)[] {
  return [
    filter.state ? eq(tokens.state, filter.state) : undefined,
    // The status rules as SQL (token-status-sql.ts), so paging stays in the database.
    filter.status ? sql`${tokenStatusSql(now)} = ${filter.status}` : undefined,
    filter.expiresWithinDays ? expiringWithin(now, filter.expiresWithinDays) : undefined,
    // lower() LIKE rather than ILIKE: the form tokens_upn_prefix_idx answers (UPNs ignore case anyway).
    filter.upn ? sql`lower(${tokens.assignedUpn}) like ${likePrefix(filter.upn.toLowerCase())}` : undefined,
    filter.serial ? like(tokens.serialNumber, likePrefix(filter.serial)) : undefined,
    filter.importId ? eq(tokens.importId, filter.importId) : undefined,
    filter.manufacturer ? eq(tokens.manufacturer, filter.manufacturer) : undefined,
    filter.tenantId ? eq(tokens.tenantId, filter.tenantId) : undefined,
  ];
}

/** Tokens still in service (or on their way) whose expiry falls between now and `days` from now: the overview's count. */
export function expiringWithin(now: Date, days: number): SQL | undefined {
  return and(gt(tokens.expiresAt, now), lte(tokens.expiresAt, new Date(now.getTime() + days * DAY_MS)), notInArray(tokens.state, [...OBSOLETE_STATES]));
}
