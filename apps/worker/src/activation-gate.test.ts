import { describe, expect, it } from 'vitest';
import { totpCode, type TotpKey } from '@tokenfleet/domain';
import { CODE_MIN_LIFETIME_MS, codeAtSendTime, WindowClosing } from './activation-gate';
import type { JobContext } from './context';

const key: TotpKey = { secret: new TextEncoder().encode('12345678901234567890'), hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };

function contextAt(graphNowMs: number, uncertaintyMs = 0): JobContext {
  // Only the corrected clock and its uncertainty are read by the code provider.
  return { tenant: { graph: { now: () => graphNowMs, clockUncertaintyMs: () => uncertaintyMs } } } as unknown as JobContext;
}

describe('codeAtSendTime', () => {
  it('computes the code for the window Graph is in, at the moment it is called', () => {
    const now = 1_700_000_010_000 + 10_000; // 1_700_000_010_000 opens a 30 s window
    expect(codeAtSendTime(contextAt(now), key)()).toBe(totpCode(key, now));
  });

  it('refuses to hand out a code that could expire on its way, and says how long to wait', () => {
    const boundary = 1_700_000_010_000 + 30_000;
    const provider = codeAtSendTime(contextAt(boundary - CODE_MIN_LIFETIME_MS + 100), key);
    const error = (() => { try { provider(); return null; } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(WindowClosing);
    expect((error as WindowClosing).waitMs).toBeGreaterThanOrEqual(CODE_MIN_LIFETIME_MS - 100);
  });

  it('counts the clock estimate\'s uncertainty in: just after a window opens, Graph may still be in the last one', () => {
    const opened = 1_700_000_010_000;
    expect(() => codeAtSendTime(contextAt(opened + 500, 800), key)()).toThrow(WindowClosing);
    expect(codeAtSendTime(contextAt(opened + 500, 0), key)()).toBe(totpCode(key, opened + 500));
  });
});
