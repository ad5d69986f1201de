import { describe, expect, it } from 'vitest';
import { retryAfterSeconds, Throttle } from './throttle';

const budgets = { writeLimit: { requests: 3, windowMs: 1000 }, readLimit: { requests: 100, windowMs: 1000 } };

describe('Throttle', () => {
  it('computes Retry-After from when the oldest charge leaves the window, and admits then', () => {
    let now = 10_000;
    const throttle = new Throttle(() => now);
    expect(throttle.admit('app/tenant', 1, budgets)).toHaveProperty('usage');
    now += 250;
    throttle.admit('app/tenant', 1, budgets);
    now += 250;
    throttle.admit('app/tenant', 1, budgets);
    now += 100;
    const verdict = throttle.admit('app/tenant', 1, budgets);
    // The first charge (at 10 000) leaves the 1 000 ms window at 11 000: 400 ms from now (10 600).
    expect(verdict).toEqual({ retryAfterMs: 400, limit: 'Write', information: 'WriteLimitExceeded' });
    // Being throttled is not charged: at exactly that moment one write fits again, and only one.
    now += 400;
    expect(throttle.admit('app/tenant', 1, budgets)).toHaveProperty('usage');
    expect(throttle.admit('app/tenant', 1, budgets)).toMatchObject({ retryAfterMs: 250 });
  });

  it('keeps budgets per app+tenant pair, and reads away from the write budget', () => {
    const throttle = new Throttle(() => 0);
    for (let index = 0; index < 3; index += 1) throttle.admit('a', 1, budgets);
    expect(throttle.admit('a', 1, budgets)).toHaveProperty('retryAfterMs');
    expect(throttle.admit('a', 0, budgets)).toHaveProperty('usage');
    expect(throttle.admit('b', 1, budgets)).toHaveProperty('usage');
  });

  it('charges writes against the ResourceUnit budget too', () => {
    const throttle = new Throttle(() => 0);
    const tight = { writeLimit: { requests: 10, windowMs: 1000 }, readLimit: { requests: 2, windowMs: 1000 } };
    throttle.admit('a', 1, tight);
    throttle.admit('a', 1, tight);
    expect(throttle.admit('a', 0, tight)).toMatchObject({ limit: 'Read', information: 'ResourceUnitLimitExceeded' });
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

describe('Throttle with a sliding window, for calls costing several writes', () => {
  const window = { writeLimit: { requests: 10, windowMs: 1000 }, readLimit: { requests: 1000, windowMs: 1000 } };

  it('admits a call only when all of its writes fit, waits until enough old ones leave, refuses one larger than the window', () => {
    let now = 0;
    const throttle = new Throttle(() => now);
    expect(throttle.admit('w', 6, window)).toHaveProperty('usage');
    now = 400;
    expect(throttle.admit('w', 3, window)).toHaveProperty('usage');
    // 9 used: 5 more must wait for the first six (charged at 0) to leave at 1000.
    expect(throttle.admit('w', 5, window)).toMatchObject({ retryAfterMs: 600 });
    now = 1000;
    expect(throttle.admit('w', 5, window)).toHaveProperty('usage');
    expect(throttle.admit('w', 11, window)).toMatchObject({ retryAfterMs: 1000, limit: 'Write' });
  });
});

describe('Throttle with a rate and a burst', () => {
  const bucket = { writeLimit: { requests: 20, windowMs: 1000, burst: 40 }, readLimit: { requests: 1000, windowMs: 1000 } };

  it('lets a full burst through at once, then one write per refill, and says when the next fits', () => {
    let now = 0;
    const throttle = new Throttle(() => now);
    for (let index = 0; index < 40; index += 1) expect(throttle.admit('p', 1, bucket)).toHaveProperty('usage');
    // Empty: one write refills every 50 ms at 20/s.
    expect(throttle.admit('p', 1, bucket)).toEqual({ retryAfterMs: 50, limit: 'Write', information: 'WriteLimitExceeded' });
    now += 50;
    expect(throttle.admit('p', 1, bucket)).toHaveProperty('usage');
    expect(throttle.admit('p', 1, bucket)).toMatchObject({ retryAfterMs: 50 });
  });

  it('banks an idle second up to the burst, never more, and admits the steady rate for good', () => {
    let now = 0;
    const throttle = new Throttle(() => now);
    for (let index = 0; index < 40; index += 1) throttle.admit('p', 1, bucket);
    now += 10_000; // idle far longer than the burst needs to refill
    let admitted = 0;
    while ('usage' in throttle.admit('p', 1, bucket)) admitted += 1;
    expect(admitted).toBe(40);
    // At exactly the rate (one every 50 ms) nothing is refused, for as long as it goes on.
    for (let index = 0; index < 200; index += 1) {
      now += 50;
      expect(throttle.admit('p', 1, bucket)).toHaveProperty('usage');
    }
  });

  it('charges a call that costs several writes all at once, and refuses one larger than the burst every time', () => {
    let now = 0;
    const throttle = new Throttle(() => now);
    expect(throttle.admit('p', 30, bucket)).toHaveProperty('usage');
    // 10 left: 20 more need 10 refilled, 500 ms at 20/s.
    expect(throttle.admit('p', 20, bucket)).toMatchObject({ retryAfterMs: 500 });
    expect(throttle.admit('p', 10, bucket)).toHaveProperty('usage');
    now += 60_000;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      expect(throttle.admit('p', 50, bucket)).toMatchObject({ limit: 'Write' });
      now += 60_000;
    }
  });

  it('reads a rate with a burst from its SANDBOX_* text form', async () => {
    const { standaloneOptionsFromEnv } = await import('./standalone');
    const { options, problems } = await standaloneOptionsFromEnv({ SANDBOX_WRITE_LIMIT: '20/1000+40', SANDBOX_STATE_DIR: '/tmp/tf-sandbox-throttle-test' }, process.cwd());
    expect(problems).toEqual([]);
    expect(options.writeLimit).toEqual({ requests: 20, windowMs: 1000, burst: 40 });
  });
});
