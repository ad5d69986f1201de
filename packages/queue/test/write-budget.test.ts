import { afterAll, describe, expect, it } from 'vitest';
import { testRedisPrefix, testServices } from '@tokenfleet/test-harness';
import { createRedis } from '../src/queues';
import { REFILL_AFTER_429_WRITES, WriteBudget } from '../src/write-budget';

const redis = createRedis(testServices().redisUrl);
afterAll(async () => { await redis.quit(); });

describe('WriteBudget (real Redis)', () => {
  it('lets a burst through, then paces writes one interval apart across instances', async () => {
    const prefix = testRedisPrefix('budget');
    const a = new WriteBudget(redis, 'tenant-a', { limit: 3, windowMs: 60_000, burst: 2, prefix });
    const b = new WriteBudget(redis, 'tenant-a', { limit: 3, windowMs: 60_000, burst: 2, prefix });
    expect(await a.tryAcquire()).toBe(0);
    expect(await b.tryAcquire()).toBe(0);
    const wait = await a.tryAcquire();
    // One write every 20 s: the third must wait for the second's slot, nearly a whole interval.
    expect(wait).toBeGreaterThan(15_000);
    expect(wait).toBeLessThanOrEqual(20_000);
    expect(await b.tryAcquire()).toBeGreaterThan(15_000);
  });

  it('never grants more than limit + burst writes within one window', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 10, windowMs: 60_000, prefix });
    let granted = 0;
    for (let i = 0; i < 50; i += 1) if ((await budget.tryAcquire()) === 0) granted += 1;
    expect(granted).toBe(2);
  });

  it('tells how many writes could go now without taking any, and none while blocked', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 10, windowMs: 60_000, burst: 3, prefix });
    expect(await budget.available()).toBe(3);
    expect(await budget.available()).toBe(3);
    expect(await budget.tryAcquire()).toBe(0);
    expect(await budget.available()).toBe(2);
    expect(await budget.tryAcquire()).toBe(0);
    expect(await budget.tryAcquire()).toBe(0);
    expect(await budget.available()).toBe(0);
    await budget.refund();
    expect(await budget.available()).toBe(1);
    await budget.block(5_000);
    expect(await budget.available()).toBe(0);
  });

  it('after a 429 stops every caller for Retry-After and a few intervals more, then lets writes go one interval apart with no banked burst', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 10, windowMs: 1_000, burst: 40, prefix });
    expect(await budget.available()).toBe(40);
    await budget.throttled(300);
    expect(await budget.available()).toBe(0);
    expect(await budget.tryAcquire()).toBeGreaterThan(200);
    // The block is over, and Graph's bucket refills a few writes (100 ms each) before the pace resumes.
    await new Promise((resolve) => setTimeout(resolve, 320));
    const refill = REFILL_AFTER_429_WRITES * 100;
    expect(await budget.tryAcquire()).toBeGreaterThan(refill - 100);
    await new Promise((resolve) => setTimeout(resolve, refill));
    // The bank is gone: one write now, the next not before an interval (100 ms) has passed.
    expect(await budget.tryAcquire()).toBe(0);
    expect(await budget.tryAcquire()).toBeGreaterThan(0);
  });

  it('keeps its burst after a 429 met with nothing banked: going at the pace, a 429 says nothing of the bucket', async () => {
    const prefix = testRedisPrefix('budget');
    // One write every 20 ms: the bank refills by one only 20 ms after it was emptied, and a lesson needs two.
    const budget = new WriteBudget(redis, 't', { limit: 50, windowMs: 1_000, burst: 40, prefix });
    let taken = 0;
    while ((await budget.tryAcquire()) === 0) taken += 1;
    expect(taken).toBeGreaterThanOrEqual(40);
    await budget.throttled(20);
    // Long enough for the whole bank of 40 to fill again (800 ms).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await budget.available()).toBe(40);
  });

  it('banks no burst again after a 429 that found one banked, however long the budget then idles, until the lesson has expired', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 100, windowMs: 1_000, burst: 40, prefix });
    const other = new WriteBudget(redis, 'other', { limit: 100, windowMs: 1_000, burst: 40, prefix });
    await budget.throttled(20);
    // Far longer than the 390 ms that would bank the whole burst of 40 again.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await budget.available()).toBe(1);
    expect(await budget.tryAcquire()).toBe(0);
    expect(await budget.tryAcquire()).toBeGreaterThan(0);
    // With no burst in force, Graph's usage share holds the next write back by at most one interval
    // (10 ms), not by the burst it no longer has.
    await new Promise((resolve) => setTimeout(resolve, 30));
    await budget.followUsage(0.9);
    expect(await budget.tryAcquire()).toBeLessThanOrEqual(10);
    // Another tenant's budget still bursts.
    expect(await other.available()).toBe(40);
    // The lesson lasts LEARNED_BURST_MS: then the bank fills again.
    await redis.pexpire(`${prefix}:budget:t:learned-burst`, 1);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await budget.available()).toBe(40);
  });

  it('a 429 for a write granted with writes still banked stops the banking for the lesson\'s time, however the bank stands when the answer comes', async () => {
    const prefix = testRedisPrefix('budget');
    // A slow pace (one write a minute): nothing refills while the test runs.
    const budget = new WriteBudget(redis, 't', { limit: 1, windowMs: 60_000, burst: 40, prefix });
    const bankedAfter: number[] = [];
    for (let index = 0; index < 6; index += 1) await budget.acquire(0, undefined, 1, (banked) => bankedAfter.push(banked));
    expect(bankedAfter).toEqual([39, 38, 37, 36, 35, 34]);
    // Graph held 5: it refused the 6th. By the time its answer comes the rest of our bank is spent (a rush
    // of the other slots), so the bank read then teaches nothing.
    while ((await budget.tryAcquire()) === 0);
    await budget.refusedWithBank(bankedAfter[5]!);
    await budget.throttled(20);
    // Once the block is over, however long the budget idles (the pace's key expired), writes go one at a time.
    await new Promise((resolve) => setTimeout(resolve, 40));
    await redis.del(`${prefix}:budget:t:pace`);
    expect(await budget.available()).toBe(1);
    // A write granted at the pace, or with one write banked (jitter on the way), teaches nothing.
    for (const banked of [0, 1]) {
      const other = new WriteBudget(redis, `other-${banked}`, { limit: 1, windowMs: 60_000, burst: 40, prefix });
      await other.refusedWithBank(banked);
      expect(await other.available()).toBe(40);
    }
  });

  it("fills its bank to no more than Graph's usage share left it, however long it then idles", async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 100, windowMs: 1_000, burst: 40, prefix });
    await budget.followUsage(0.5);
    expect(await budget.available()).toBe(20);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await budget.available()).toBe(20);
  });

  it("cuts the banked burst to what Graph's x-ms-throttle-limit-percentage says is left", async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 10, windowMs: 60_000, burst: 40, prefix });
    await budget.followUsage(0.5);
    expect(await budget.available()).toBe(20);
    // A lower share later does not give back what the higher one took.
    await budget.followUsage(0.25);
    expect(await budget.available()).toBe(20);
    await budget.followUsage(0.9);
    expect(await budget.available()).toBe(4);
    // At the limit or past it (1.2: Graph throttles a fifth of requests): nothing now, the next write an
    // interval (6 s) away.
    await budget.followUsage(1.2);
    expect(await budget.available()).toBe(0);
    const wait = await budget.tryAcquire();
    expect(wait).toBeGreaterThan(5_000);
    expect(wait).toBeLessThanOrEqual(6_000);
  });

  it('grants a call costing several writes only when all of them fit, and never one larger than the burst', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 10, windowMs: 1_000, burst: 10, prefix });
    expect(await budget.tryAcquire(6)).toBe(0);
    expect(await budget.available()).toBe(4);
    // 6 more need two refilled: 200 ms at 10/s.
    const wait = await budget.tryAcquire(6);
    expect(wait).toBeGreaterThan(100);
    expect(wait).toBeLessThanOrEqual(200);
    await budget.refund(6);
    expect(await budget.available()).toBe(10);
    expect(await budget.tryAcquire(11)).toBeGreaterThan(0);
    expect(await budget.available()).toBe(10);
  });

  it('keeps tenants apart', async () => {
    const prefix = testRedisPrefix('budget');
    const a = new WriteBudget(redis, 'tenant-a', { limit: 1, windowMs: 60_000, burst: 1, prefix });
    const b = new WriteBudget(redis, 'tenant-b', { limit: 1, windowMs: 60_000, burst: 1, prefix });
    expect(await a.tryAcquire()).toBe(0);
    expect(await b.tryAcquire()).toBe(0);
    expect(await a.tryAcquire()).toBeGreaterThan(0);
  });

  it('a block stops every caller and a shorter block does not shorten it', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 100, windowMs: 1_000, prefix });
    await budget.block(30_000);
    await budget.block(10);
    const wait = await budget.tryAcquire();
    expect(wait).toBeGreaterThan(10_000);
    expect(await budget.blockedForMs()).toBeGreaterThan(10_000);
  });

  it('a refund gives the next caller the write that was never sent', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 1, windowMs: 60_000, burst: 1, prefix });
    expect(await budget.tryAcquire()).toBe(0);
    expect(await budget.tryAcquire()).toBeGreaterThan(50_000);
    await budget.refund();
    expect(await budget.tryAcquire()).toBe(0);
    expect(await budget.tryAcquire()).toBeGreaterThan(50_000);
  });

  it('acquire waits through the window and gives up beyond maxWaitMs', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 1, windowMs: 200, burst: 1, prefix });
    const slept: number[] = [];
    const sleep = (ms: number) => { slept.push(ms); return new Promise<void>((r) => setTimeout(r, ms)); };
    expect(await budget.acquire(1_000, sleep)).toBe(0);
    expect(await budget.acquire(1_000, sleep)).toBe(0);
    expect(slept.length).toBeGreaterThan(0);
    await budget.block(5_000);
    expect(await budget.acquire(100, sleep)).toBeGreaterThan(100);
  });

  it('callers waiting at once each take a slot of their own and sleep once, not wake together and ask again', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 10, windowMs: 1_000, burst: 1, prefix });
    const sleeps: number[][] = [[], [], [], [], []];
    const answers = await Promise.all(sleeps.map((slept) => budget.acquire(2_000, (ms) => { slept.push(ms); return new Promise<void>((r) => setTimeout(r, ms)); })));
    expect(answers).toEqual([0, 0, 0, 0, 0]);
    // The first goes at once; the others slept once each, for slots one interval (100 ms) apart.
    const waits = sleeps.map((slept) => slept.reduce((a, b) => a + b, 0)).sort((a, b) => a - b);
    expect(sleeps.map((slept) => slept.length).sort()).toEqual([0, 1, 1, 1, 1]);
    for (let index = 1; index < waits.length; index += 1) expect(waits[index]! - waits[index - 1]!).toBeGreaterThanOrEqual(80);
  });

  it('a write reserved before a 429 waits out the block', async () => {
    const prefix = testRedisPrefix('budget');
    const budget = new WriteBudget(redis, 't', { limit: 10, windowMs: 1_000, burst: 1, prefix });
    expect(await budget.tryAcquire()).toBe(0);
    const slept: number[] = [];
    const answer = budget.acquire(300, async (ms) => {
      slept.push(ms);
      // Graph answers another caller's write with a 429 while this one sleeps toward its slot.
      if (slept.length === 1) await budget.throttled(5_000);
      await new Promise<void>((r) => setTimeout(r, ms));
    });
    expect(await answer).toBeGreaterThan(4_000);
    expect(slept).toHaveLength(1);
  });
});
