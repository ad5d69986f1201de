// RFC 6238 TOTP and the window arithmetic around it. Pure: every function takes `nowMs` (Unix epoch
// milliseconds) from the caller, which corrects it for the clock offset to Graph where that matters.
import { createHmac } from 'node:crypto';
import type { HashFunction } from './vocabulary';


const NODE_HASH: Record<HashFunction, string> = { hmacsha1: 'sha1', hmacsha256: 'sha256', hmacsha512: 'sha512' };

export interface TotpKey {
  secret: Uint8Array;
  hashFunction: HashFunction;
  /** Time step in seconds (Entra accepts 30 or 60). */
  periodSeconds: number;
  /** Code length: 6 (Entra) or 8. */
  digits: number;
}

/** RFC 4226 HOTP value for one counter. */
export function hotp(secret: Uint8Array, counter: number, hashFunction: HashFunction, digits: number): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(NODE_HASH[hashFunction], secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return binary.toString().padStart(digits, '0');
}

/** The TOTP time step (counter) that contains `nowMs`. */
export function totpStep(nowMs: number, periodSeconds: number): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/** The code for the step containing `nowMs`, or for that step plus `stepOffset`. */
export function totpCode(key: TotpKey, nowMs: number, stepOffset = 0): string {
  return hotp(key.secret, totpStep(nowMs, key.periodSeconds) + stepOffset, key.hashFunction, key.digits);
}

/** Milliseconds left before the window containing `nowMs` closes. */
export function msLeftInWindow(nowMs: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return periodMs - (((nowMs % periodMs) + periodMs) % periodMs);
}

/** The epoch millisecond at which the next window opens. */
export function nextWindowBoundary(nowMs: number, periodSeconds: number): number {
  return nowMs + msLeftInWindow(nowMs, periodSeconds);
}

export type TotpVerification = { ok: true; step: number; drift: number } | { ok: false };

/**
 * Checks `code` against the steps around `nowMs`, `window` steps either way, nearest first. On a match
 * it reports the matched step and the drift (matched step minus current step), so callers can store a
 * token's time shift and refuse a step they have already accepted.
 */
export function verifyTotp(
  key: TotpKey,
  code: string,
  nowMs: number,
  window: number,
  expectedDrift = 0,
): TotpVerification {
  if (!/^\d+$/.test(code) || code.length !== key.digits) return { ok: false };
  const current = totpStep(nowMs, key.periodSeconds);
  const centre = current + expectedDrift;
  for (let distance = 0; distance <= window; distance += 1) {
    for (const step of distance === 0 ? [centre] : [centre - distance, centre + distance]) {
      if (step < 0) continue;
      if (timingSafeEqualStrings(hotp(key.secret, step, key.hashFunction, key.digits), code)) {
        return { ok: true, step, drift: step - current };
      }
    }
  }
  return { ok: false };
}

function timingSafeEqualStrings(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * The activation gate's decision: how long to wait before computing and sending a code, or 0 to send
 * now. `graphNowMs` is the clock corrected to Graph's, and Graph's clock may read anywhere within
 * `uncertaintyMs` of it. Every instant it could read, from now until `marginMs` later, must fall in one
 * window: if the window opened less than the uncertainty ago, Graph may still be in the previous one; if
 * less than the margin (plus the uncertainty) is left, the code could expire on its way. Either way, wait
 * (`settleMs` more, as delayed jobs run a little late). The uncertainty is capped at a quarter window, so
 * some moment of every window always qualifies; an unknown one (Infinity) counts as that cap.
 */
export function activationWaitMs(graphNowMs: number, periodSeconds: number, marginMs: number, settleMs = 250, uncertaintyMs = 0): number {
  const periodMs = periodSeconds * 1000;
  const uncertainty = cappedUncertainty(periodMs, uncertaintyMs);
  const left = msLeftInWindow(graphNowMs, periodSeconds);
  const sinceOpened = periodMs - left;
  if (sinceOpened < uncertainty) return uncertainty - sinceOpened + settleMs;
  if (msToSpareInWindow(graphNowMs, periodSeconds, marginMs, uncertaintyMs) < 0) return nextWindowWaitMs(graphNowMs, periodSeconds, settleMs, uncertaintyMs);
  return 0;
}

/** How long until a code may be sent in the next window: its opening, the uncertainty, and `settleMs`. */
export function nextWindowWaitMs(graphNowMs: number, periodSeconds: number, settleMs = 250, uncertaintyMs = 0): number {
  return msLeftInWindow(graphNowMs, periodSeconds) + cappedUncertainty(periodSeconds * 1000, uncertaintyMs) + settleMs;
}

/**
 * How much longer a code may wait before it is computed and sent in the current window, by the rule of
 * activationWaitMs: the window left less `marginMs` and the uncertainty (negative: not in this window).
 * An activation waiting for the write budget waits no longer than this.
 */
export function msToSpareInWindow(graphNowMs: number, periodSeconds: number, marginMs: number, uncertaintyMs = 0): number {
  return msLeftInWindow(graphNowMs, periodSeconds) - marginMs - cappedUncertainty(periodSeconds * 1000, uncertaintyMs);
}

/** An unknown offset (no Date header seen yet) is the widest uncertainty allowed, never an exact clock. */
function cappedUncertainty(periodMs: number, uncertaintyMs: number): number {
  return Math.min(Number.isFinite(uncertaintyMs) ? Math.max(0, uncertaintyMs) : periodMs / 4, periodMs / 4);
}

/** How far a resync looks for the two codes, in time steps either way (about 8 hours at 30 s). */
export const RESYNC_WINDOW_STEPS = 1000;

/**
 * Where two consecutive codes sit among the steps around `currentStep`, nearest first: the step of the
 * newer code, or null when no two adjacent steps give exactly these codes.
 */
export function findConsecutiveCodes(key: TotpKey, code1: string, code2: string, currentStep: number, windowSteps: number): number | null {
  const codeAt = (step: number) => (step < 0 ? '' : hotp(key.secret, step, key.hashFunction, key.digits));
  for (let distance = 0; distance <= windowSteps; distance += 1) {
    for (const step of distance === 0 ? [currentStep] : [currentStep - distance, currentStep + distance]) {
      if (codeAt(step) === code2 && codeAt(step - 1) === code1) return step;
    }
  }
  return null;
}
