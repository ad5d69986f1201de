// A per-key rate limit in Redis, shared by every API process: a counter per key and second. A guessing
// client is slowed here; the per-user lockout is what stops it for good.
import type { Redis } from 'ioredis';

const SCRIPT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

export interface RateLimiter {
  /** Whether one more request of `keyId` fits this second; when not, how long until the next one does. */
  take(keyId: string, nowMs: number): Promise<{ allowed: true } | { allowed: false; retryAfterMs: number }>;
}

export function redisRateLimiter(redis: Redis, prefix: string, perSecond: () => number): RateLimiter {
  return {
    async take(keyId, nowMs) {
      const second = Math.floor(nowMs / 1000);
      const count = Number(await redis.eval(SCRIPT, 1, `${prefix}:validation-rate:${keyId}:${second}`, 2000));
      if (count <= perSecond()) return { allowed: true };
      return { allowed: false, retryAfterMs: (second + 1) * 1000 - nowMs };
    },
  };
}
