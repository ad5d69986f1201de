import { afterAll, describe, expect, it } from 'vitest';
import { testRedisPrefix, testServices } from '@tokenfleet/test-harness';
import { createRedis } from '../src/queues';
import { WriteBudget } from '../src/write-budget';

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
});
