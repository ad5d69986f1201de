import { describe, expect, it } from 'vitest';
import { totpCode, type TotpKey } from '@tokenfleet/domain';
import { codeAtSendTime, codeMayHaveArrivedLate, RoundTrips, SEND_MARGIN_CEILING_MS, SEND_MARGIN_FLOOR_MS, SEND_MARGIN_UNMEASURED_MS, WindowClosing } from './activation-gate';
import type { JobContext } from './context';

const key: TotpKey = { secret: new TextEncoder().encode('12345678901234567890'), hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };

/** Recent activation trips this long each: enough of them for the margin to be measured. */
function tripsOf(durationMs: number, count = 10): RoundTrips {
  const trips = new RoundTrips();
  for (let index = 0; index < count; index += 1) trips.record(durationMs);
  return trips;
}

function contextAt(graphNowMs: number, uncertaintyMs = 0, roundTrips = tripsOf(40)): JobContext {
  // Only the corrected clock, its uncertainty and the recent trips are read by the code provider.
  return { tenant: { graph: { now: () => graphNowMs, clockUncertaintyMs: () => uncertaintyMs }, roundTrips } } as unknown as JobContext;
}

describe('codeAtSendTime', () => {
  it('computes the code for the window Graph is in, at the moment it is called', () => {
    const now = 1_700_000_010_000 + 10_000; // 1_700_000_010_000 opens a 30 s window
    expect(codeAtSendTime(contextAt(now), key)()).toBe(totpCode(key, now));
  });

  it('refuses to hand out a code that could expire on its way, and says how long to wait', () => {
    const boundary = 1_700_000_010_000 + 30_000;
    const provider = codeAtSendTime(contextAt(boundary - SEND_MARGIN_FLOOR_MS + 100), key);
    const error = (() => { try { provider(); return null; } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(WindowClosing);
    expect((error as WindowClosing).waitMs).toBeGreaterThanOrEqual(SEND_MARGIN_FLOOR_MS - 100);
    expect(codeAtSendTime(contextAt(boundary - SEND_MARGIN_FLOOR_MS - 100), key)()).toMatch(/^\d{6}$/);
  });

  it('sizes the time a code must have left from the measured trips: three slowest trips, a second at least, a cold start\'s before five are measured', () => {
    expect(tripsOf(40).sendMarginMs()).toBe(SEND_MARGIN_FLOOR_MS);
    expect(tripsOf(600).sendMarginMs()).toBe(1_800);
    expect(tripsOf(40, 4).sendMarginMs()).toBe(SEND_MARGIN_UNMEASURED_MS);
    expect(tripsOf(40, 5).sendMarginMs()).toBe(SEND_MARGIN_FLOOR_MS);
    // A trip stretched by a stall never makes the margin so long that no code could go again.
    expect(tripsOf(60_000).sendMarginMs()).toBe(SEND_MARGIN_CEILING_MS);
    // Only the latest fifty count: a slow spell passes.
    const trips = tripsOf(900);
    for (let index = 0; index < 50; index += 1) trips.record(150);
    expect(trips.sendMarginMs()).toBe(SEND_MARGIN_FLOOR_MS);
    // Slow trips to Graph: a code that would have been sent 1.5 s before the window closes waits.
    const boundary = 1_700_000_010_000 + 30_000;
    expect(() => codeAtSendTime(contextAt(boundary - 1_500, 0, tripsOf(600)), key)()).toThrow(WindowClosing);
  });

  it('counts the clock estimate\'s uncertainty in: just after a window opens, Graph may still be in the last one', () => {
    const opened = 1_700_000_010_000;
    expect(() => codeAtSendTime(contextAt(opened + 500, 800), key)()).toThrow(WindowClosing);
    expect(codeAtSendTime(contextAt(opened + 500, 0), key)()).toBe(totpCode(key, opened + 500));
  });
});

describe('codeMayHaveArrivedLate', () => {
  it('blames the trip when the request took longer than the window had left, the clock\'s uncertainty counted against us', () => {
    expect(codeMayHaveArrivedLate(3_000, 40, 0)).toBe(false);
    expect(codeMayHaveArrivedLate(3_000, 3_200, 0)).toBe(true);
    expect(codeMayHaveArrivedLate(3_000, 2_600, 300)).toBe(false);
    expect(codeMayHaveArrivedLate(3_000, 2_800, 300)).toBe(true);
    // Without a clock estimate nothing can be ruled out.
    expect(codeMayHaveArrivedLate(3_000, 40, Number.POSITIVE_INFINITY)).toBe(true);
  });
});
