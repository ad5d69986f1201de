import { describe, expect, it } from 'vitest';
import { DAY_MS, describeTokenStatus, tokenStatus, type TokenStatusFacts } from './status';

const now = new Date('2026-06-01T12:00:00Z');
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
const facts = (overrides: Partial<TokenStatusFacts>): TokenStatusFacts => ({ state: 'active', expiresAt: null, lastUsedAt: null, activatedAt: daysAgo(10), ...overrides });
const never = { obsoleteAfterDays: null };
const ninety = { obsoleteAfterDays: 90 };

describe('tokenStatus', () => {
  it('is ACTIVE for an active token in date and in use', () => {
    expect(tokenStatus(facts({ lastUsedAt: daysAgo(1) }), ninety, now)).toEqual({ status: 'ACTIVE', reason: 'in_service' });
  });

  it('is DISABLED for a disabled token and for tokens still being provisioned', () => {
    expect(tokenStatus(facts({ state: 'disabled' }), ninety, now)).toEqual({ status: 'DISABLED', reason: 'disabled' });
    for (const state of ['imported', 'created', 'assigned', 'failed'] as const) {
      expect(tokenStatus(facts({ state }), ninety, now)).toEqual({ status: 'DISABLED', reason: 'not_in_service_yet' });
    }
  });

  it('is OBSOLETE when lost, retired or deleted, whatever else is true', () => {
    for (const state of ['lost', 'retired', 'deleted'] as const) {
      expect(tokenStatus(facts({ state, lastUsedAt: daysAgo(0) }), never, now)).toEqual({ status: 'OBSOLETE', reason: 'out_of_service' });
    }
  });

  it('is OBSOLETE from the moment its expiry date is reached, disabled or not', () => {
    expect(tokenStatus(facts({ expiresAt: now }), never, now).status).toBe('OBSOLETE');
    expect(tokenStatus(facts({ state: 'disabled', expiresAt: daysAgo(1) }), never, now)).toEqual({ status: 'OBSOLETE', reason: 'expired' });
    expect(tokenStatus(facts({ expiresAt: new Date(now.getTime() + 1) }), never, now).status).toBe('ACTIVE');
  });

  it('is OBSOLETE when not used for longer than the tenant allows, counting from activation when never used', () => {
    expect(tokenStatus(facts({ lastUsedAt: daysAgo(91) }), ninety, now)).toEqual({ status: 'OBSOLETE', reason: 'unused' });
    expect(tokenStatus(facts({ lastUsedAt: daysAgo(90) }), ninety, now).status).toBe('ACTIVE');
    expect(tokenStatus(facts({ lastUsedAt: null, activatedAt: daysAgo(120) }), ninety, now).status).toBe('OBSOLETE');
    expect(tokenStatus(facts({ lastUsedAt: daysAgo(5), activatedAt: daysAgo(400) }), ninety, now).status).toBe('ACTIVE');
  });

  it('never counts idleness when the tenant sets no limit, nor against a token that is not in service', () => {
    expect(tokenStatus(facts({ lastUsedAt: daysAgo(5000) }), never, now).status).toBe('ACTIVE');
    expect(tokenStatus(facts({ state: 'disabled', lastUsedAt: daysAgo(5000) }), ninety, now).status).toBe('DISABLED');
  });

  it('says why in words', () => {
    const expired = facts({ expiresAt: new Date('2026-01-31T00:00:00Z') });
    expect(describeTokenStatus(tokenStatus(expired, never, now), expired, never)).toBe('Expired on 2026-01-31');
    const idle = facts({ activatedAt: daysAgo(200) });
    expect(describeTokenStatus(tokenStatus(idle, ninety, now), idle, ninety)).toMatch(/more than 90 days .*never used/);
  });
});
