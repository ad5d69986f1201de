// The token status written as SQL (the token list's filter) against the domain's function (every answer):
// over a matrix of states, expiries, last uses and tenant limits, both must say the same.
import { eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { DAY_MS, tokenStatus, type TokenState } from '@tokenfleet/domain';
import { tenants, tokens } from '../src/schema';
import { tokenStatusSql } from '../src/token-status-sql';
import { transitionToken } from '../src/token-store';
import { insertTenant, insertToken, useTestDatabase } from './fixtures';

const database = useTestDatabase();

describe('tokenStatusSql', () => {
  it('agrees with tokenStatus on every combination of state, expiry, use and tenant limit', async () => {
    const { db } = database.client;
    const now = new Date('2026-06-01T12:00:00Z');
    const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
    const limited = await insertTenant(db);
    await db.update(tenants).set({ obsoleteAfterDays: 90 }).where(eq(tenants.id, limited));
    const unlimited = await insertTenant(db);
    const states: TokenState[] = ['imported', 'assigned', 'failed', 'active', 'disabled', 'retired', 'deleted'];
    const expiries = [null, ago(1), ago(-1)];
    const uses: [Date | null, Date | null][] = [[null, null], [null, ago(200)], [ago(10), ago(200)], [ago(91), ago(300)], [ago(90), null]];
    const ids: string[] = [];
    for (const tenantId of [limited, unlimited]) {
      for (const state of states) {
        for (const expiresAt of expiries) {
          for (const [lastUsedAt, activatedAt] of uses) ids.push((await insertToken(db, tenantId, { state, expiresAt, lastUsedAt, activatedAt })).id);
        }
      }
    }
    const rows = await db
      .select({ state: tokens.state, tenantId: tokens.tenantId, expiresAt: tokens.expiresAt, lastUsedAt: tokens.lastUsedAt, activatedAt: tokens.activatedAt, sqlStatus: tokenStatusSql(now) })
      .from(tokens)
      .where(inArray(tokens.id, ids));
    expect(rows).toHaveLength(states.length * expiries.length * uses.length * 2);
    const disagreements = rows.filter((row) => tokenStatus(row, { obsoleteAfterDays: row.tenantId === limited ? 90 : null }, now).status !== row.sqlStatus);
    expect(disagreements).toEqual([]);
    expect(new Set(rows.map((row) => row.sqlStatus))).toEqual(new Set(['ACTIVE', 'DISABLED', 'OBSOLETE']));
  });

  it('starts the idle clock when a token goes into service', async () => {
    const { db } = database.client;
    const tenantId = await insertTenant(db);
    const token = await insertToken(db, tenantId, { state: 'assigned' });
    const before = Date.now();
    const active = await transitionToken(db, token, { type: 'activated' }, {}, { actor: 'worker' });
    expect(active.activatedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });
});
