import { describe, expect, it } from 'vitest';
import { ClockOffsetTracker, estimateClockOffset, offsetBounds } from './clock';
import type { ClockObservation } from './clock';

/**
 * What a server whose clock runs `offsetMs` ahead of ours would answer to a request sent at local t0 and
 * answered at t1, if it stamped the Date header at local instant `stampedAt` (t0 ≤ stampedAt ≤ t1).
 */
function observe(offsetMs: number, sentAtMs: number, stampedAtMs: number, receivedAtMs: number): ClockObservation {
  const serverNow = stampedAtMs + offsetMs;
  return { sentAtMs, receivedAtMs, serverDateMs: Math.floor(serverNow / 1000) * 1000 };
}

describe('offsetBounds', () => {
  it('is [d − t1, d + 999 − t0]', () => {
    expect(offsetBounds({ sentAtMs: 10_100, receivedAtMs: 10_300, serverDateMs: 15_000 })).toEqual({ lowerMs: 4700, upperMs: 5899 });
  });

  it('always contains the true offset', () => {
    for (const offset of [-7_345, -1, 0, 250, 999, 1000, 86_400_123]) {
      for (const [t0, stamp, t1] of [[1_000_000, 1_000_010, 1_000_020], [2_000_500, 2_000_999, 2_001_700], [3_000_000, 3_000_000, 3_000_000]] as const) {
        const bounds = offsetBounds(observe(offset, t0, stamp, t1));
        expect(bounds.lowerMs).toBeLessThanOrEqual(offset);
        expect(bounds.upperMs).toBeGreaterThanOrEqual(offset);
      }
    }
  });
});

describe('estimateClockOffset', () => {
  it('is null without observations', () => {
    expect(estimateClockOffset([])).toBeNull();
  });

  it('narrows well below the 1 s resolution as responses land at different sub-second phases', () => {
    const trueOffset = 2_437;
    const observations: ClockObservation[] = [];
    for (let i = 0; i < 20; i += 1) {
      const t0 = 5_000_000 + i * 1_137; // phases spread across the second
      observations.push(observe(trueOffset, t0, t0 + 15, t0 + 30));
    }
    const estimate = estimateClockOffset(observations)!;
    expect(estimate.lowerMs).toBeLessThanOrEqual(trueOffset);
    expect(estimate.upperMs).toBeGreaterThanOrEqual(trueOffset);
    expect(estimate.upperMs - estimate.lowerMs).toBeLessThan(100);
    expect(Math.abs(estimate.offsetMs - trueOffset)).toBeLessThan(50);
    expect(estimate.observationsUsed).toBe(20);
  });

  it('after the server clock jumps, uses only what came after the jump', () => {
    const before = [0, 1, 2, 3].map((i) => observe(0, 1_000_000 + i * 777, 1_000_000 + i * 777 + 5, 1_000_000 + i * 777 + 10));
    const after = [0, 1, 2, 3].map((i) => observe(90_000, 2_000_000 + i * 777, 2_000_000 + i * 777 + 5, 2_000_000 + i * 777 + 10));
    const estimate = estimateClockOffset([...before, ...after])!;
    expect(estimate.observationsUsed).toBe(4);
    expect(estimate.lowerMs).toBeLessThanOrEqual(90_000);
    expect(estimate.upperMs).toBeGreaterThanOrEqual(90_000);
  });
});

describe('ClockOffsetTracker', () => {
  it('answers 0 before any response, then the estimate, and follows a jump', () => {
    const tracker = new ClockOffsetTracker(8);
    expect(tracker.offsetMs()).toBe(0);
    for (let i = 0; i < 10; i += 1) tracker.observe(observe(-3_000, 1_000_000 + i * 613, 1_000_000 + i * 613 + 2, 1_000_000 + i * 613 + 4));
    expect(Math.abs(tracker.offsetMs() - -3_000)).toBeLessThan(100);
    for (let i = 0; i < 10; i += 1) tracker.observe(observe(45_000, 2_000_000 + i * 613, 2_000_000 + i * 613 + 2, 2_000_000 + i * 613 + 4));
    expect(Math.abs(tracker.offsetMs() - 45_000)).toBeLessThan(100);
  });

  it('ignores a response without a readable Date', () => {
    const tracker = new ClockOffsetTracker();
    tracker.observe({ sentAtMs: 1, receivedAtMs: 2, serverDateMs: Number.NaN });
    expect(tracker.bounds()).toBeNull();
  });
});
