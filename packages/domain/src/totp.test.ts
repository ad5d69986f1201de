import { describe, expect, it } from 'vitest';
import { activationWaitMs, findConsecutiveCodes, msToSpareInWindow, hotp, msLeftInWindow, RESYNC_WINDOW_STEPS, nextWindowBoundary, totpCode, totpStep, verifyTotp, type TotpKey } from './totp';
import type { HashFunction } from './vocabulary';
import { base32Decode, base32Encode } from './base32';

// RFC 6238 Appendix B: seeds are ASCII "1234567890" repeated to the hash's block of 20, 32, 64 bytes.
const seed = (length: number) => new TextEncoder().encode('1234567890'.repeat(7).slice(0, length));
const keys: Record<Exclude<HashFunction, never>, TotpKey> = {
  hmacsha1: { secret: seed(20), hashFunction: 'hmacsha1', periodSeconds: 30, digits: 8 },
  hmacsha256: { secret: seed(32), hashFunction: 'hmacsha256', periodSeconds: 30, digits: 8 },
  hmacsha512: { secret: seed(64), hashFunction: 'hmacsha512', periodSeconds: 30, digits: 8 },
};
const appendixB: Array<[number, string, string, string]> = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('RFC 6238 Appendix B', () => {
  for (const [seconds, sha1, sha256, sha512] of appendixB) {
    it(`T=${seconds}`, () => {
      expect(totpCode(keys.hmacsha1, seconds * 1000)).toBe(sha1);
      expect(totpCode(keys.hmacsha256, seconds * 1000)).toBe(sha256);
      expect(totpCode(keys.hmacsha512, seconds * 1000)).toBe(sha512);
    });
  }

  it('six-digit codes are the last six digits of the eight-digit ones', () => {
    expect(totpCode({ ...keys.hmacsha1, digits: 6 }, 59_000)).toBe('287082');
    expect(totpCode({ ...keys.hmacsha256, digits: 6 }, 1111111109_000)).toBe('084774');
  });

  it('RFC 4226 Appendix D HOTP values', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expected.forEach((code, counter) => expect(hotp(seed(20), counter, 'hmacsha1', 6)).toBe(code));
  });
});

describe('window arithmetic', () => {
  it('steps, time left and next boundary for 30 s and 60 s', () => {
    expect(totpStep(59_999, 30)).toBe(1);
    expect(totpStep(60_000, 30)).toBe(2);
    expect(totpStep(60_000, 60)).toBe(1);
    expect(msLeftInWindow(59_000, 30)).toBe(1_000);
    expect(msLeftInWindow(60_000, 30)).toBe(30_000);
    expect(msLeftInWindow(61_500, 60)).toBe(58_500);
    expect(nextWindowBoundary(61_500, 60)).toBe(120_000);
    expect(nextWindowBoundary(90_000, 30)).toBe(120_000);
  });

  it('a 60 s token keeps its code for the whole minute', () => {
    const key: TotpKey = { ...keys.hmacsha1, periodSeconds: 60, digits: 6 };
    expect(totpCode(key, 120_000)).toBe(totpCode(key, 179_999));
    expect(totpCode(key, 180_000)).not.toBe(totpCode(key, 179_999));
  });
});

describe('verifyTotp', () => {
  const key: TotpKey = { secret: seed(20), hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };
  const now = 1_700_000_000_000;

  it('accepts the current code with drift 0', () => {
    expect(verifyTotp(key, totpCode(key, now), now, 0)).toEqual({ ok: true, step: totpStep(now, 30), drift: 0 });
  });

  it('refuses the previous window at tolerance 0 and reports drift -1 at tolerance 1', () => {
    const previous = totpCode(key, now - 30_000);
    expect(verifyTotp(key, previous, now, 0)).toEqual({ ok: false });
    expect(verifyTotp(key, previous, now, 1)).toMatchObject({ ok: true, drift: -1 });
  });

  it('finds a code far away when searched around a stored drift', () => {
    const ahead = totpCode(key, now + 7 * 30_000);
    expect(verifyTotp(key, ahead, now, 2)).toEqual({ ok: false });
    expect(verifyTotp(key, ahead, now, 1, 7)).toMatchObject({ ok: true, drift: 7 });
  });

  it('refuses malformed codes', () => {
    expect(verifyTotp(key, '12345', now, 1)).toEqual({ ok: false });
    expect(verifyTotp(key, '12345a', now, 1)).toEqual({ ok: false });
  });
});

describe('base32', () => {
  it('round-trips and matches RFC 4648 vectors', () => {
    expect(base32Encode(new TextEncoder().encode('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Encode(new TextEncoder().encode('f'))).toBe('MY');
    expect(Buffer.from(base32Decode('MZXW6YTBOI')!).toString()).toBe('foobar');
    const bytes = seed(20);
    expect(base32Decode(base32Encode(bytes))).toEqual(bytes);
  });

  it('refuses characters outside the alphabet', () => {
    expect(base32Decode('ABC1')).toBeNull();
    expect(base32Decode('abc')).toBeNull();
  });
});

describe('activationWaitMs', () => {
  it('sends at once with enough of the window left', () => {
    expect(activationWaitMs(60_000, 30, 5_000)).toBe(0);
    expect(activationWaitMs(84_999, 30, 5_000)).toBe(0);
  });

  it('waits for the next window (plus settle time) when too little is left', () => {
    expect(activationWaitMs(86_000, 30, 5_000, 250)).toBe(4_000 + 250);
    expect(activationWaitMs(119_500, 60, 5_000, 0)).toBe(500);
  });

  it('with an uncertain clock, waits until every instant Graph may be at lies in one window', () => {
    // 1 s uncertainty: just after a window opens, Graph may still be in the previous one.
    expect(activationWaitMs(90_400, 30, 5_000, 0, 1_000)).toBe(600);
    // Near the end, the margin grows by the uncertainty, and the wait carries into the new window by it.
    expect(activationWaitMs(114_500, 30, 5_000, 0, 1_000)).toBe(5_500 + 1_000);
    expect(activationWaitMs(100_000, 30, 5_000, 0, 1_000)).toBe(0);
    // A wait ends where the next check passes.
    const now = 114_500;
    expect(activationWaitMs(now + activationWaitMs(now, 30, 5_000, 250, 1_000), 30, 5_000, 250, 1_000)).toBe(0);
  });

  it('an unknown clock counts as the widest uncertainty, and no uncertainty blocks every moment of a window', () => {
    // Unknown: a quarter window on each side. 400 ms into a window is too early, mid-window is fine.
    expect(activationWaitMs(90_400, 30, 5_000, 0, Number.POSITIVE_INFINITY)).toBe(7_500 - 400);
    expect(activationWaitMs(100_000, 30, 5_000, 0, Number.POSITIVE_INFINITY)).toBe(0);
    expect(activationWaitMs(112_000, 30, 5_000, 0, Number.POSITIVE_INFINITY)).toBe(8_000 + 7_500);
    const wait = activationWaitMs(100_000, 30, 5_000, 0, 60_000);
    expect(activationWaitMs(100_000 + wait, 30, 5_000, 0, 60_000)).toBe(0);
  });

  it('a 60 s token near the 30 s mark is mid-window, not at its end', () => {
    expect(activationWaitMs(1_000_000 * 60 + 29_000, 60, 5_000)).toBe(0);
  });
});

describe('msToSpareInWindow', () => {
  it('is the window left less the margin and the uncertainty', () => {
    expect(msToSpareInWindow(60_000, 30, 1_000)).toBe(29_000);
    expect(msToSpareInWindow(88_000, 30, 1_000, 300)).toBe(700);
    expect(msToSpareInWindow(89_500, 30, 1_000)).toBe(-500);
    // An unknown clock counts as a quarter window, as in the gate.
    expect(msToSpareInWindow(60_000, 30, 1_000, Number.POSITIVE_INFINITY)).toBe(30_000 - 1_000 - 7_500);
  });

  it('agrees with the gate: a wait of what is to spare still sends in this window, a longer one does not', () => {
    for (const [now, period, margin, uncertainty] of [[84_321, 30, 1_000, 120], [119_000, 60, 1_500, 0], [61_234, 30, 2_000, 900]] as const) {
      const spare = msToSpareInWindow(now, period, margin, uncertainty);
      expect(activationWaitMs(now + spare, period, margin, 0, uncertainty)).toBe(0);
      expect(activationWaitMs(now + spare + 1, period, margin, 0, uncertainty)).toBeGreaterThan(0);
    }
  });
});

describe('findConsecutiveCodes (resync)', () => {
  const key: TotpKey = { secret: seed(20), hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 };
  const codeAt = (step: number) => hotp(key.secret, step, key.hashFunction, key.digits);
  const now = 5_000;

  it('finds two consecutive codes behind and ahead of now, and answers the step of the newer one', () => {
    expect(findConsecutiveCodes(key, codeAt(now - 1), codeAt(now), now, 10)).toBe(now);
    expect(findConsecutiveCodes(key, codeAt(now - 8), codeAt(now - 7), now, 10)).toBe(now - 7);
    expect(findConsecutiveCodes(key, codeAt(now + 6), codeAt(now + 7), now, 10)).toBe(now + 7);
  });

  it('refuses codes out of order, apart, or beyond the window', () => {
    expect(findConsecutiveCodes(key, codeAt(now), codeAt(now - 1), now, 10)).toBeNull();
    expect(findConsecutiveCodes(key, codeAt(now - 3), codeAt(now - 1), now, 10)).toBeNull();
    expect(findConsecutiveCodes(key, codeAt(now + 20), codeAt(now + 21), now, 10)).toBeNull();
    expect(findConsecutiveCodes(key, codeAt(now + 20), codeAt(now + 21), now, RESYNC_WINDOW_STEPS)).toBe(now + 21);
  });
});
