// A Graph write budget per tenant, shared in Redis by every worker on every machine. It counts Graph
// calls, not jobs: one bulk-create job spends one write for fifty tokens, and a job that turns out to
// have nothing to do spends none.
//
// Writes are paced evenly (GCRA: one write every windowMs/limit, with a small burst allowance) rather
// than let through a window's worth at once. A write is granted a little before it reaches Graph, and
// that delay varies; even pacing keeps Graph's own sliding window under its limit despite the jitter,
// where window-sized bursts granted a second apart can arrive less than a second apart. Times come from
// Redis's clock, so workers on machines with skewed clocks agree. A 429 blocks the whole budget for
// Retry-After, so calls already on their way to a worker wait too.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { DEFAULT_QUEUE_PREFIX } from './queues';

// Writes that could go back to back now, as `available` (KEYS[1] theoretical arrival time (TAT) of the
// next write, KEYS[2] the burst allowance Graph's answers showed lately (LEARNED_BURST_MS), which caps
// ours; ARGV[1] interval between writes (ms), ARGV[2] burst allowance (ms)); `tat` is at least now, and
// `burst` the allowance in force.
const AVAILABLE_NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local burst = math.min(tonumber(ARGV[2]), tonumber(redis.call('GET', KEYS[2]) or ARGV[2]))
local available = math.max(0, math.floor((now + burst - tat) / interval) + 1)
`;

// KEYS[1] and KEYS[2] as for AVAILABLE_NOW, KEYS[3] block marker; ARGV[1] and ARGV[2] as there, ARGV[3]
// writes taken at once, ARGV[4] the longest wait the caller will sleep through (ms).
// n writes at once fit when the last of them would be within the allowance: TAT + (n - 1) interval.
// Answers [answer, banked]: answer 0 (taken), a positive wait (nothing taken), or a negative one: the
// writes are taken for that many milliseconds from now, and the caller sleeps exactly so long. Reserving
// spares the waiters the herd they were: each woke at the same moment, one won, and the others asked
// again, some twenty scripts per write with a tenant's slots all waiting on its budget. `banked` is how
// many writes the bank still held after these were taken at once (0 for a wait).
const ACQUIRE = `
local blocked = redis.call('PTTL', KEYS[3])
if blocked > 0 then return {blocked, 0} end
${AVAILABLE_NOW}
local writes = tonumber(ARGV[3])
local earliest = tat + (writes - 1) * interval - burst
local wait = 0
if now < earliest then
  wait = math.max(1, math.ceil(earliest - now))
  if wait > tonumber(ARGV[4]) then return {wait, 0} end
end
local nextTat = tat + writes * interval
redis.call('SET', KEYS[1], tostring(nextTat), 'PX', math.ceil(nextTat - now + burst + 1000))
local banked = 0
if wait == 0 then banked = math.max(0, available - writes) end
return {-wait, banked}
`;

// Gives writes back: the request they were granted for never left (KEYS[1] TAT, ARGV[1] interval × writes).
const REFUND = `
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if tat > now then redis.call('SET', KEYS[1], tostring(math.max(now, tat - tonumber(ARGV[1]))), 'KEEPTTL') end
return 1
`;

// Read-only.
const AVAILABLE = `${AVAILABLE_NOW}
return available
`;

// Graph's word on its bucket: it has ARGV[3] writes left, and when none, the next write waits ARGV[4] ms.
// Our bank is cut to as many when it holds more, by moving the next write's theoretical arrival time.
// When it held more than one write more, Graph's bucket holds less than ours (it is smaller, or another
// app spends from it): for ARGV[5] ms the allowance is cut instead (KEYS[2]) to a bank of that many,
// less the writes granted and not yet sent, and it fills to no more later. Going at the pace with
// nothing banked, there is nothing to cut, and a 429 met then (jitter on the way) teaches nothing.
const GRAPH_HAS_LEFT = `${AVAILABLE_NOW}
local left = tonumber(ARGV[3])
local wait = tonumber(ARGV[4])
if available - left > 1 then
  -- A bank of as many writes as Graph has left; what is granted ahead of now (on its way, and so not
  -- yet counted by Graph) comes out of it.
  burst = math.max(0, left - 1) * interval
  redis.call('SET', KEYS[2], tostring(burst), 'PX', ARGV[5])
end
local least = now + burst - (left - 1) * interval
if left == 0 then least = now + burst + wait end
if tat < least then redis.call('SET', KEYS[1], tostring(least), 'PX', math.ceil(least - now + burst + 1000)) end
return 1
`;

const BLOCK = `
local current = redis.call('PTTL', KEYS[1])
if current < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1
`;

/**
 * How long a burst Graph's answers showed smaller than ours caps ours: a 429 while we still banked a
 * burst, or an `x-ms-throttle-limit-percentage` leaving Graph less than we banked. Graph's bucket is
 * smaller than ours (or another app of the tenant spends from it); filled again during an idle spell, our
 * bank would meet Graph's empty bucket after every pause of the run, each time with every write then on
 * its way.
 */
export const LEARNED_BURST_MS = 10 * 60_000;

/**
 * After a 429's block, the next write waits this many intervals more, so that Graph's bucket holds a few
 * writes again when the pace resumes. Empty, and met at exactly its own rate, it refuses any writes that
 * bunch on the way (the sandbox's Retry-After is one write's refill): `npx tsx bench/provisioning.ts 1000
 * 150` drew 14-38 429s (1.3-3.3 % of calls) without the wait, 5 and 9 with 3 intervals, 6 and 3 with 6,
 * but 28 in a later run with 6 (one every 1.15 s, not yet explained; docs/performance.md).
 */
export const REFILL_AFTER_429_WRITES = 6;

export interface WriteBudgetOptions {
  /** Writes allowed per window, across all workers. */
  limit: number;
  windowMs: number;
  /** Writes that may go back to back before pacing applies (default 2). */
  burst?: number;
  /** Key prefix (tests give each file its own). */
  prefix?: string;
}

export class WriteBudget {
  constructor(private readonly redis: Redis, private readonly tenantId: string, private readonly options: WriteBudgetOptions) {}

  private key(part: string): string {
    return `${this.options.prefix ?? DEFAULT_QUEUE_PREFIX}:budget:${this.tenantId}:${part}`;
  }

  /** Milliseconds between writes, and the allowance that lets `burst` writes go back to back. */
  private pacing(): { interval: number; burst: number } {
    const interval = this.options.windowMs / this.options.limit;
    return { interval, burst: interval * Math.max(0, (this.options.burst ?? 2) - 1) };
  }

  /**
   * Takes `writes` writes (a call Graph charges that many) if the budget allows them all at once;
   * otherwise answers how many milliseconds to wait. More than `burst` at once can never be granted: the
   * caller sizes its calls to the burst.
   */
  async tryAcquire(writes = 1): Promise<number> {
    return (await this.take(writes, 0)).answer;
  }

  /**
   * ACQUIRE: `answer` 0 taken now, < 0 taken for that many ms from now (at most `reserveUpToMs`), > 0 the
   * wait, nothing taken; `banked` the writes the bank still held after taking these at once.
   */
  private async take(writes: number, reserveUpToMs: number): Promise<{ answer: number; banked: number }> {
    const { interval, burst } = this.pacing();
    const [answer, banked] = (await runScript(this.redis, ACQUIRE, [this.key('pace'), this.key('learned-burst'), this.key('blocked')], [interval, burst, writes, Math.max(0, Math.floor(reserveUpToMs))])) as [number, number];
    return { answer: Number(answer), banked: Number(banked) };
  }

  /** Writes that can go back to back at most: the largest call the budget can ever grant. */
  get burstWrites(): number {
    return Math.max(1, this.options.burst ?? 2);
  }

  /** How many writes could be taken back to back right now (0 while blocked); takes none. */
  async available(): Promise<number> {
    if ((await this.blockedForMs()) > 0) return 0;
    const { interval, burst } = this.pacing();
    return Number(await runScript(this.redis, AVAILABLE, [this.key('pace'), this.key('learned-burst')], [interval, burst]));
  }

  /**
   * Waits for one write, up to `maxWaitMs`. Returns 0 once a write is taken, or the wait still ahead when
   * that would exceed `maxWaitMs` (the caller then delays its job instead of holding a worker slot).
   * `granted` hears how many writes the bank still held once these were taken (0 after a wait).
   */
  async acquire(maxWaitMs: number, sleep: (ms: number) => Promise<void> = defaultSleep, writes = 1, granted?: (banked: number) => void): Promise<number> {
    let waited = 0;
    for (;;) {
      const { answer, banked } = await this.take(writes, maxWaitMs - waited);
      if (answer === 0) {
        granted?.(banked);
        return 0;
      }
      const wait = Math.abs(answer);
      if (answer > 0 && waited + wait > maxWaitMs) return wait;
      await sleep(wait);
      waited += wait;
      if (answer > 0) continue;
      // Taken for now. A 429 that came meanwhile voids it: Graph's bucket is empty, whatever was reserved.
      const blocked = await this.blockedForMs();
      if (blocked === 0) {
        granted?.(0);
        return 0;
      }
      if (waited + blocked > maxWaitMs) return blocked;
      await sleep(blocked);
      waited += blocked;
    }
  }

  /** Gives back the writes taken by `tryAcquire` for a request that was never sent. */
  async refund(writes = 1): Promise<void> {
    await runScript(this.redis, REFUND, [this.key('pace')], [this.pacing().interval * writes]);
  }

  /**
   * Graph refused (429) a write granted while our bank still held `banked` writes more (as `acquire`'s
   * `granted` reported). With two or more, Graph's bucket was empty while ours was not: it is smaller, and
   * for LEARNED_BURST_MS ours banks none, as `throttled` decides from the bank it reads when the answer
   * comes. That reading depends on how much the other slots spent meanwhile: in a rush they can spend the
   * whole bank before the first 429 is in, and the lesson was missed now and then. The bank at the grant
   * does not. None banked again, not Graph's size less a write: at the pace, writes that bunch on the way
   * need the room of Graph's whole bucket (with a bank one write smaller than Graph's, a second batch drew
   * a 429 in one run of ten).
   */
  async refusedWithBank(banked: number): Promise<void> {
    if (banked < 2) return;
    await this.redis.set(this.key('learned-burst'), '0', 'PX', LEARNED_BURST_MS);
  }

  /** Stops every caller for `ms` (a 429's Retry-After). A shorter block never shortens a longer one. */
  async block(ms: number): Promise<void> {
    await runScript(this.redis, BLOCK, [this.key('blocked')], [Math.max(1, Math.ceil(ms))]);
  }

  /**
   * Graph answered 429 with Retry-After `ms`: every caller stops for that long, and then writes go one
   * interval apart, with no banked burst. Graph's own bucket is empty at a 429, whatever ours believed, and
   * a burst sent into it would only draw more 429s; if ours still held one, none is banked again for
   * LEARNED_BURST_MS. The pace resumes REFILL_AFTER_429_WRITES intervals after the block.
   */
  async throttled(ms: number): Promise<void> {
    await this.block(ms);
    // None left: the next write when the block ends.
    await this.graphHasLeft(0, Math.max(1, Math.ceil(ms)) + REFILL_AFTER_429_WRITES * this.pacing().interval);
  }

  /**
   * Graph said how much of the limit is in use (`x-ms-throttle-limit-percentage`, as a share): the burst
   * banked here is cut to what Graph has left, (1 − share) of it, and at or past the limit (1.0) the next
   * write waits an interval and the ones after it go one interval apart. Ours is only a model of Graph's
   * budget; another app of the tenant, or a budget smaller than configured, spends from the same one. A cut
   * of more than one write caps our bank at what was left for LEARNED_BURST_MS.
   */
  async followUsage(share: number): Promise<void> {
    if (share <= 0) return;
    const { interval } = this.pacing();
    // The epsilon keeps 0.1 of 40 at 4 (1 − 0.9 is 0.0999… in binary).
    await this.graphHasLeft(Math.floor((1 - Math.min(1, share)) * this.burstWrites + 1e-9), interval);
  }

  /** GRAPH_HAS_LEFT: Graph has `writes` left; when none, the next write waits `waitMs`. */
  private async graphHasLeft(writes: number, waitMs: number): Promise<void> {
    const { interval, burst } = this.pacing();
    await runScript(this.redis, GRAPH_HAS_LEFT, [this.key('pace'), this.key('learned-burst')], [interval, burst, writes, Math.ceil(waitMs), LEARNED_BURST_MS]);
  }

  /** Milliseconds the budget stays blocked (0 when open): the dashboard shows "rate-limited until". */
  async blockedForMs(): Promise<number> {
    const ttl = await this.redis.pttl(this.key('blocked'));
    return ttl > 0 ? ttl : 0;
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const scriptDigests = new Map<string, string>();

/**
 * Runs a script by its digest (EVALSHA), sending its text only when Redis does not know it yet (after a
 * restart or a SCRIPT FLUSH): the budget is asked for every write, and EVAL made Redis hash the text and
 * both sides carry it each time.
 */
async function runScript(redis: Redis, script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
  let digest = scriptDigests.get(script);
  if (!digest) {
    digest = createHash('sha1').update(script).digest('hex');
    scriptDigests.set(script, digest);
  }
  try {
    return await redis.evalsha(digest, keys.length, ...keys, ...args);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return redis.eval(script, keys.length, ...keys, ...args);
  }
}
