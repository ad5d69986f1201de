// Graph's identity-and-access throttling, modelled per app+tenant pair with sliding windows:
// every request costs 1 ResourceUnit (the "read" budget, default 3,500 / 10 s) and every
// POST/PATCH/PUT/DELETE also costs 1 write (default 3,000 / 150 s). A sliding log rather than a
// token bucket, so Retry-After is exact: it is the time until the oldest charge inside the window
// leaves it. Throttled requests are not charged, so a client that waits Retry-After gets through.
import { performance } from 'node:perf_hooks';
import type { RequestBudget, SandboxBehaviour } from './types';

/** Timestamps (monotonic ms) of the charges still inside one budget's window. */
class SlidingWindow {
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

  /** 0 when a request fits now; otherwise the ms until enough old charges have left the window. */
  waitMs(now: number, budget: RequestBudget): number {
    const used = this.used(now, budget);
    if (used < budget.requests) return 0;
    // Once this charge expires, used drops to budget.requests - 1 and one request fits again.
    const freeing = this.stamps[this.head + (used - budget.requests)]!;
    return Math.max(1, freeing + budget.windowMs - now);
  }

  charge(now: number): void {
    this.stamps.push(now);
  }
}

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
  private readonly pairs = new Map<string, { resourceUnits: SlidingWindow; writes: SlidingWindow }>();

  constructor(private readonly clock: () => number = () => performance.now()) {}

  private windows(pair: string) {
    let windows = this.pairs.get(pair);
    if (!windows) {
      windows = { resourceUnits: new SlidingWindow(), writes: new SlidingWindow() };
      this.pairs.set(pair, windows);
    }
    return windows;
  }

  /**
   * Admits and charges a request, or returns why it is throttled (and charges nothing).
   * `pair` identifies the app+tenant the budget belongs to.
   */
  admit(pair: string, write: boolean, behaviour: Pick<SandboxBehaviour, 'readLimit' | 'writeLimit'>): ThrottleVerdict | ChargeResult {
    const now = this.clock();
    const windows = this.windows(pair);
    const writeWait = write ? windows.writes.waitMs(now, behaviour.writeLimit) : 0;
    const readWait = windows.resourceUnits.waitMs(now, behaviour.readLimit);
    if (writeWait > 0 || readWait > 0) {
      return writeWait >= readWait
        ? { retryAfterMs: writeWait, limit: 'Write', information: 'WriteLimitExceeded' }
        : { retryAfterMs: readWait, limit: 'Read', information: 'ResourceUnitLimitExceeded' };
    }
    windows.resourceUnits.charge(now);
    let usage = windows.resourceUnits.used(now, behaviour.readLimit) / behaviour.readLimit.requests;
    if (write) {
      windows.writes.charge(now);
      usage = Math.max(usage, windows.writes.used(now, behaviour.writeLimit) / behaviour.writeLimit.requests);
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
