// A Graph write budget per tenant, shared in Redis by every worker on every machine. It counts Graph
// calls, not jobs: one bulk-create job spends one write for fifty tokens, and a job that turns out to
// have nothing to do spends none. A sliding-window log (a sorted set of call times, on Redis's clock so
// machines with skewed clocks agree) answers "go" or "wait this long". A 429 blocks the whole budget
// for Retry-After, so calls already on their way to a worker wait too.
import type { Redis } from 'ioredis';

const ACQUIRE = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return blocked end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

const BLOCK = `
local current = redis.call('PTTL', KEYS[1])
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`;

export interface WriteBudgetOptions {
  /** Writes allowed per window, across all workers. */
  limit: number;
  windowMs: number;
  /** Key prefix (tests give each file its own). */
  prefix?: string;
}

export class WriteBudget {
  private sequence = 0;
  private readonly instance = Math.random().toString(36).slice(2);

  constructor(private readonly redis: Redis, private readonly tenantId: string, private readonly options: WriteBudgetOptions) {}

  private key(part: string): string {
    return `${this.options.prefix ?? 'tf'}:budget:${this.tenantId}:${part}`;
  }

  /** Takes one write if the budget allows; otherwise answers how many milliseconds to wait. */
  async tryAcquire(): Promise<number> {
    this.sequence += 1;
    const member = `${this.instance}-${this.sequence}`;
    const wait = await this.redis.eval(ACQUIRE, 2, this.key('writes'), this.key('blocked'), this.options.limit, this.options.windowMs, member);
    return Number(wait);
  }

  /**
   * Waits for one write, up to `maxWaitMs`. Returns 0 once a write is taken, or the wait still ahead when
   * that would exceed `maxWaitMs` (the caller then delays its job instead of holding a worker slot).
   */
  async acquire(maxWaitMs: number, sleep: (ms: number) => Promise<void> = defaultSleep): Promise<number> {
    let waited = 0;
    for (;;) {
      const wait = await this.tryAcquire();
      if (wait === 0) return 0;
      if (waited + wait > maxWaitMs) return wait;
      await sleep(wait);
      waited += wait;
    }
  }

  /** Stops every caller for `ms` (a 429's Retry-After). A shorter block never shortens a longer one. */
  async block(ms: number): Promise<void> {
    await this.redis.eval(BLOCK, 1, this.key('blocked'), Math.max(1, Math.ceil(ms)));
  }

  /** Milliseconds the budget stays blocked (0 when open): the dashboard shows "rate-limited until". */
  async blockedForMs(): Promise<number> {
    const ttl = await this.redis.pttl(this.key('blocked'));
    return ttl > 0 ? ttl : 0;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
