// The token list's filters as SQL, once: the API's token list answers them and a bulk action over "all N
// matching this filter" walks exactly the tokens the operator saw listed.
import { eq, like, sql, type SQL } from 'drizzle-orm';
import { tokens, type TokenFilter } from './schema';

/** A LIKE pattern matching values that start with `prefix` (its own % _ and \ taken literally). */
export function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** The conditions of a filter, to combine with `and(...)` (absent fields add none). */
export function tokenFilterConditions(filter: TokenFilter): (SQL | undefined)[] {
  return [
    filter.state ? eq(tokens.state, filter.state) : undefined,
    // lower() LIKE rather than ILIKE: the form tokens_upn_prefix_idx answers (UPNs ignore case anyway).
    filter.upn ? sql`lower(${tokens.assignedUpn}) like ${likePrefix(filter.upn.toLowerCase())}` : undefined,
    filter.serial ? like(tokens.serialNumber, likePrefix(filter.serial)) : undefined,
    filter.importId ? eq(tokens.importId, filter.importId) : undefined,
    filter.manufacturer ? eq(tokens.manufacturer, filter.manufacturer) : undefined,
    filter.tenantId ? eq(tokens.tenantId, filter.tenantId) : undefined,
  ];
}
