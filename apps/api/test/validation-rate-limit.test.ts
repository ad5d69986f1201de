// The per-key rate limit against a real Redis: exact within one process, and shared by several (each
// learns the others' count when it reports its own), so two API processes together are held to the limit.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '@tokenfleet/queue';
import { testRedisPrefix, testServices } from '@tokenfleet/test-harness';
import { waitUntil } from '../../../test/support/wait';
import { redisRateLimiter } from '../src/validation/rate-limit';

const redis = createRedis(testServices().redisUrl);
afterAll(async () => {
  await redis.quit();
});

// A fixed second far from any boundary the test could cross while it runs: the limiter takes `now` from its caller.
const NOW = Math.floor(Date.now() / 1000) * 1000 + 100;

describe('the validation rate limit', () => {
  it('admits exactly the limit per key and second in one process, and each key has its own', async () => {
    const limiter = redisRateLimiter(redis, testRedisPrefix('rate'), () => 3);
    const answers = [];
    for (let i = 0; i < 5; i += 1) answers.push((await limiter.take('key-a', NOW)).allowed);
    expect(answers).toEqual([true, true, true, false, false]);
    expect(await limiter.take('key-b', NOW)).toEqual({ allowed: true });
    expect(await limiter.take('key-a', NOW + 1000)).toEqual({ allowed: true });
    for (let i = 0; i < 3; i += 1) await limiter.take('key-c', NOW + 500);
    expect(await limiter.take('key-c', NOW + 500)).toEqual({ allowed: false, retryAfterMs: 400 });
  });

  it('holds two processes sharing one Redis to the limit together, once they have reported their counts', async () => {
    const prefix = testRedisPrefix('rate');
    const counter = (keyId: string) => `${prefix}:validation-rate:${keyId}:${Math.floor(NOW / 1000)}`;
    const first = redisRateLimiter(redis, prefix, () => 5);
    const second = redisRateLimiter(redis, prefix, () => 5);
    const keyId = randomUUID();
    for (let i = 0; i < 5; i += 1) expect((await first.take(keyId, NOW)).allowed).toBe(true);
    expect((await first.take(keyId, NOW)).allowed).toBe(false);
    await waitUntil(async () => ((await redis.get(counter(keyId))) === '5' ? true : undefined), {
      timeoutMs: 5000,
      intervalMs: 20,
      failure: () => 'the first limiter never reported its count',
    });
    // The second process has admitted nothing itself, yet once it has reported (and so heard of the
    // first's five) it refuses: far fewer than its own limit of five get through.
    let admitted = 0;
    await waitUntil(
      async () => {
        if (!(await second.take(keyId, NOW)).allowed) return true;
        admitted += 1;
        return undefined;
      },
      { timeoutMs: 5000, intervalMs: 150, failure: () => "the second limiter never learnt the first one's count" },
    );
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThan(5);
  });
});
