// Estimating Graph's clock from the Date header of its responses, so a TOTP code is computed for the
// window Graph is in, not the one our clock is in.
//
// Date has one-second resolution. A request sent at local time t0 and answered at t1 with `Date: d`
// (d = the server's clock floored to the second) tells us that at some local instant in [t0, t1] the
// server's clock read something in [d, d + 999]. So the offset (server − local) lies in
// [d − t1, d + 999 − t0]. Intersecting these intervals over several responses narrows the offset far
// below one second; the midpoint is the estimate.

export interface ClockObservation {
  /** Local epoch ms just before the request was sent. */
  sentAtMs: number;
  /** Local epoch ms when the response headers arrived. */
  receivedAtMs: number;
  /** The response's Date header as epoch ms (whole seconds). */
  serverDateMs: number;
}

export interface OffsetBounds {
  lowerMs: number;
  upperMs: number;
}

export interface OffsetEstimate extends OffsetBounds {
  offsetMs: number;
  /** How many of the newest observations agree (were intersected). */
  observationsUsed: number;
}

const DATE_RESOLUTION_MS = 1000;

export function offsetBounds(observation: ClockObservation): OffsetBounds {
  return {
    lowerMs: observation.serverDateMs - observation.receivedAtMs,
    upperMs: observation.serverDateMs + DATE_RESOLUTION_MS - 1 - observation.sentAtMs,
  };
}

/**
 * Intersects the bounds of the newest observations, newest first, and stops at the first one that does
 * not fit: an older observation that contradicts newer ones means the server's clock (or ours) jumped
 * in between, and only what came after the jump describes the clocks now. null without observations.
 */
export function estimateClockOffset(observations: readonly ClockObservation[]): OffsetEstimate | null {
  let bounds: OffsetBounds | null = null;
  let used = 0;
  for (let index = observations.length - 1; index >= 0; index -= 1) {
    const next = offsetBounds(observations[index]!);
    if (bounds === null) {
      bounds = next;
    } else {
      const lowerMs = Math.max(bounds.lowerMs, next.lowerMs);
      const upperMs = Math.min(bounds.upperMs, next.upperMs);
      if (lowerMs > upperMs) break;
      bounds = { lowerMs, upperMs };
    }
    used += 1;
  }
  if (bounds === null) return null;
  return { ...bounds, offsetMs: Math.round((bounds.lowerMs + bounds.upperMs) / 2), observationsUsed: used };
}

/** Keeps the recent observations and answers the current estimate; 0 until Graph has answered once. */
export class ClockOffsetTracker {
  private readonly observations: ClockObservation[] = [];
  private estimate: OffsetEstimate | null = null;

  constructor(private readonly keep = 32) {}

  observe(observation: ClockObservation): void {
    if (!Number.isFinite(observation.serverDateMs)) return;
    this.observations.push(observation);
    if (this.observations.length > this.keep) this.observations.shift();
    this.estimate = estimateClockOffset(this.observations);
    // Forget what no longer agrees with the newest answers, so a clock jump is not re-examined every time.
    if (this.estimate !== null && this.estimate.observationsUsed < this.observations.length) {
      this.observations.splice(0, this.observations.length - this.estimate.observationsUsed);
    }
  }

  offsetMs(): number {
    return this.estimate?.offsetMs ?? 0;
  }

  bounds(): OffsetEstimate | null {
    return this.estimate;
  }
}
