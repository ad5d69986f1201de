import { describe, expect, it } from 'vitest';
import { retryAfterSeconds, Throttle } from './throttle';

const budgets = { writeLimit: { requests: 3, windowMs: 1000 }, readLimit: { requests: 100, windowMs: 1000 } };

describe('Throttle', () => {
  it('computes Retry-After from when the oldest charge leaves the window, and admits then', () => {
    let now = 10_000;
    const throttle = new Throttle(() => now);
    expect(throttle.admit('app/tenant', true, budgets)).toHaveProperty('usage');
    now += 250;
    throttle.admit('app/tenant', true, budgets);
    now += 250;
    throttle.admit('app/tenant', true, budgets);
    now += 100;
    const verdict = throttle.admit('app/tenant', true, budgets);
    // The first charge (at 10 000) leaves the 1 000 ms window at 11 000: 400 ms from now (10 600).
    expect(verdict).toEqual({ retryAfterMs: 400, limit: 'Write', information: 'WriteLimitExceeded' });
    // Being throttled is not charged: at exactly that moment one write fits again, and only one.
    now += 400;
    expect(throttle.admit('app/tenant', true, budgets)).toHaveProperty('usage');
    expect(throttle.admit('app/tenant', true, budgets)).toMatchObject({ retryAfterMs: 250 });
  });

  it('keeps budgets per app+tenant pair, and reads away from the write budget', () => {
    const throttle = new Throttle(() => 0);
    for (let index = 0; index < 3; index += 1) throttle.admit('a', true, budgets);
    expect(throttle.admit('a', true, budgets)).toHaveProperty('retryAfterMs');
    expect(throttle.admit('a', false, budgets)).toHaveProperty('usage');
    expect(throttle.admit('b', true, budgets)).toHaveProperty('usage');
  });

  it('charges writes against the ResourceUnit budget too', () => {
    const throttle = new Throttle(() => 0);
    const tight = { writeLimit: { requests: 10, windowMs: 1000 }, readLimit: { requests: 2, windowMs: 1000 } };
    throttle.admit('a', true, tight);
    throttle.admit('a', true, tight);
    expect(throttle.admit('a', false, tight)).toMatchObject({ limit: 'Read', information: 'ResourceUnitLimitExceeded' });
  });
});

describe('retryAfterSeconds', () => {
  it('writes decimal seconds rounded up to the hundredth', () => {
    expect(retryAfterSeconds(1250)).toBe('1.25');
    expect(retryAfterSeconds(1241)).toBe('1.25');
    expect(retryAfterSeconds(3000)).toBe('3');
    expect(retryAfterSeconds(1)).toBe('0.01');
  });
});
