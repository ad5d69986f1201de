import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, jobBackoffMs, outageWaitMs, PermanentFailure, TransientFailure } from './errors';

describe('jobBackoffMs', () => {
  it('doubles from 2 s with each attempt, up to its ceiling', () => {
    expect([1, 2, 3, 4].map((attempts) => jobBackoffMs(attempts, new Error('x')))).toEqual([2_000, 4_000, 8_000, 16_000]);
    expect(jobBackoffMs(30, new Error('x'))).toBe(BACKOFF_MAX_MS);
  });

  it("never retries sooner than a 503's Retry-After", () => {
    const shed = new TransientFailure('serviceNotAvailable', 'Graph answered 503', { status: 503, requestId: null }, 45_000);
    expect(jobBackoffMs(1, shed)).toBe(45_000);
    expect(jobBackoffMs(6, shed)).toBe(64_000);
    expect(jobBackoffMs(1, new TransientFailure('http_500', 'no header'))).toBe(2_000);
    expect(jobBackoffMs(1, new PermanentFailure('badRequest', 'refused'))).toBe(2_000);
  });
});

describe('outageWaitMs', () => {
  it('looks again after 1 s, doubling to 30 s, with a quarter of jitter either way', () => {
    expect(outageWaitMs(0, () => 0.5)).toBe(1_000);
    expect(outageWaitMs(3, () => 0.5)).toBe(8_000);
    expect(outageWaitMs(50, () => 0.5)).toBe(30_000);
    expect(outageWaitMs(50, () => 0)).toBe(22_500);
    expect(outageWaitMs(50, () => 1)).toBe(37_500);
  });
});
