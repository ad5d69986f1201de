// Graph's identity-and-access throttling, modelled per app+tenant pair: every request costs 1
// ResourceUnit (the "read" budget, default 3,500 / 10 s) and every POST/PATCH/PUT/DELETE also costs 1
// write (default 3,000 / 150 s). A budget is one of the two models a Tokenfleet configuration can
// describe (GRAPH_WRITE_LIMIT per GRAPH_WRITE_WINDOW_MS, with or without GRAPH_WRITE_BURST):
//   - a sliding window (Graph's published form, "3,000 per 150 s"): a sliding log, so Retry-After is
//     exact, the time until the oldest charge inside the window leaves it;
//   - a rate with a burst (`burst` set: a token bucket holding at most `burst` writes, refilled at
//     `requests` per `windowMs`): Retry-After is the time until one write has refilled.
// Throttled requests are not charged, so a client that waits Retry-After gets through.
import { performance } from 'node:perf_hooks';
import type { RequestBudget, SandboxBehaviour } from './types';

/** How one budget is spent: whether a request fits now, charging it, and the share in use. */
interface Meter {
  /** 0 when `cost` requests fit now; otherwise the ms until they do. */
  waitMs(now: number, budget: RequestBudget, cost: number): number;
  charge(now: number, budget: RequestBudget, cost: number): void;
  /** Share of the budget in use now (for x-ms-throttle-limit-percentage). */
  usage(now: number, budget: RequestBudget): number;
}

/** Timestamps (monotonic ms) of the charges still inside one budget's window. */
class SlidingWindow implements Meter {
  private stamps: number[] = [];
  private head = 0;

  private prune(now: number, windowMs: number): void {
    while (this.head < this.stamps.length && this.stamps[this.head]! <= now - windowMs) this.head += 1;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head);
      this.head = 0;
    }
  }

  used(now: number, budget: RequestBudget): number {
    this.prune(now, budget.windowMs);
    return this.stamps.length - this.head;
  }

  /** 0 when `cost` fits now; otherwise the ms until enough old charges have left the window. */
  waitMs(now: number, budget: RequestBudget, cost: number): number {
    const used = this.used(now, budget);
    if (used + cost <= budget.requests) return 0;
    // More than the window holds can never fit: the caller hears "a window from now", every time.
    if (cost > budget.requests) return budget.windowMs;
    // Once this charge expires, used drops to budget.requests - cost and the request fits.
    const freeing = this.stamps[this.head + (used + cost - budget.requests) - 1]!;
    return Math.max(1, freeing + budget.windowMs - now);
  }

  charge(now: number, _budget: RequestBudget, cost: number): void {
    for (let i = 0; i < cost; i += 1) this.stamps.push(now);
  }

  usage(now: number, budget: RequestBudget): number {
    return this.used(now, budget) / budget.requests;
  }
}

/** A bucket of `burst` writes, full at first, refilled continuously at `requests` per `windowMs`. */
class TokenBucket implements Meter {
  private tokens: number | null = null;
  private at = 0;

  private refill(now: number, budget: RequestBudget): number {
    const capacity = budget.burst!;
    const perMs = budget.requests / budget.windowMs;
    this.tokens = this.tokens === null ? capacity : Math.min(capacity, this.tokens + (now - this.at) * perMs);
    this.at = now;
    return this.tokens;
  }

  waitMs(now: number, budget: RequestBudget, cost: number): number {
    const tokens = this.refill(now, budget);
    if (tokens >= cost) return 0;
    // More than the bucket holds can never fit: the caller hears "when it is full", every time.
    const needed = Math.min(cost, budget.burst!);
    return Math.max(1, Math.ceil((needed - tokens) / (budget.requests / budget.windowMs)));
  }

  charge(now: number, budget: RequestBudget, cost: number): void {
    this.tokens = this.refill(now, budget) - cost;
  }

  usage(now: number, budget: RequestBudget): number {
    return 1 - this.refill(now, budget) / budget.burst!;
  }
}

const meterFor = (budget: RequestBudget): Meter => (budget.burst === undefined ? new SlidingWindow() : new TokenBucket());

export interface ThrottleVerdict {
  retryAfterMs: number;
  limit: 'Read' | 'Write';
  information: 'ResourceUnitLimitExceeded' | 'WriteLimitExceeded';
}

export interface ChargeResult {
  /** Share of the fuller budget in use after this request (for x-ms-throttle-limit-percentage). */
  usage: number;
}

export class Throttle {
  private readonly pairs = new Map<string, { resourceUnits: Meter; writes: Meter; model: string }>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  private windows(pair: string, behaviour: Pick<SandboxBehaviour, 'readLimit' | 'writeLimit'>) {
    // A budget reconfigured to the other model starts afresh, as a new budget would.
    const model = `${behaviour.readLimit.burst === undefined}/${behaviour.writeLimit.burst === undefined}`;
    let windows = this.pairs.get(pair);
    if (!windows || windows.model !== model) {
      windows = { resourceUnits: meterFor(behaviour.readLimit), writes: meterFor(behaviour.writeLimit), model };
      this.pairs.set(pair, windows);
    }
    return windows;
  }

  /**
   * Admits and charges a request costing `writes` of the write budget (0 for a read), or returns why it is
   * throttled (and charges nothing). `pair` identifies the app+tenant the budget belongs to.
   */
  admit(pair: string, writes: number, behaviour: Pick<SandboxBehaviour, 'readLimit' | 'writeLimit'>): ThrottleVerdict | ChargeResult {
    const now = this.clock();
    const windows = this.windows(pair, behaviour);
    const write = writes > 0;
    const writeWait = write ? windows.writes.waitMs(now, behaviour.writeLimit, writes) : 0;
    const readWait = windows.resourceUnits.waitMs(now, behaviour.readLimit, 1);
    if (writeWait > 0 || readWait > 0) {
      return writeWait >= readWait
        ? { retryAfterMs: writeWait, limit: 'Write', information: 'WriteLimitExceeded' }
        : { retryAfterMs: readWait, limit: 'Read', information: 'ResourceUnitLimitExceeded' };
    }
    windows.resourceUnits.charge(now, behaviour.readLimit, 1);
    let usage = windows.resourceUnits.usage(now, behaviour.readLimit);
    if (write) {
      windows.writes.charge(now, behaviour.writeLimit, writes);
      usage = Math.max(usage, windows.writes.usage(now, behaviour.writeLimit));
    }
    return { usage };
  }

  reset(): void {
    this.pairs.clear();
  }
}

/** Retry-After in seconds as Graph may send it: a decimal, here rounded up to the hundredth (e.g. "1.25"). */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(0.01, Math.ceil(ms / 10) / 100));
}
