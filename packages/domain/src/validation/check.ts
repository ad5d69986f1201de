// The validation decision, pure: which of a user's tokens a code belongs to, at which time step, with
// which drift, and whether that step was already spent. The caller stores the outcome atomically (the
// replay check is repeated in SQL, where concurrent submissions meet); here nothing is read or written.
import { verifyTotp, type TotpKey } from '../totp';

export interface ValidationCandidate {
  /** Whatever the caller identifies the token by (a token row id, or the user's software token). */
  id: string;
  key: TotpKey;
  /** The drift the token is known to have, in steps (matched step minus the clock's step). */
  driftSteps: number;
  /** The last step accepted for this token; codes at or before it are replays. */
  lastAcceptedStep: number | null;
}

export type CodeCheck =
  | { outcome: 'match'; candidateId: string; step: number; driftSteps: number; previousDriftSteps: number }
  | { outcome: 'replay'; candidateId: string; step: number; lastAcceptedStep: number }
  | { outcome: 'no_match' };

/**
 * Checks `code` against each candidate within `window` steps either way of its known drift, nearest
 * first. A match at a step not after the candidate's last accepted step is a replay, unless another
 * candidate matches afresh (two tokens showing one code: the fresh match wins).
 */
export function checkCode(candidates: readonly ValidationCandidate[], code: string, nowMs: number, window: number): CodeCheck {
  let replay: CodeCheck | undefined;
  for (const candidate of candidates) {
    const result = verifyTotp(candidate.key, code, nowMs, window, candidate.driftSteps);
    if (!result.ok) continue;
    if (candidate.lastAcceptedStep !== null && result.step <= candidate.lastAcceptedStep) {
      replay ??= { outcome: 'replay', candidateId: candidate.id, step: result.step, lastAcceptedStep: candidate.lastAcceptedStep };
      continue;
    }
    return { outcome: 'match', candidateId: candidate.id, step: result.step, driftSteps: result.drift, previousDriftSteps: candidate.driftSteps };
  }
  return replay ?? { outcome: 'no_match' };
}

/** Whether a lock set at `lockedAtMs` still holds at `nowMs`; a clear-timeout of 0 means until an operator unlocks. */
export function isLocked(lockedAtMs: number | null, nowMs: number, clearTimeoutMs: number): boolean {
  if (lockedAtMs === null) return false;
  return clearTimeoutMs <= 0 || nowMs < lockedAtMs + clearTimeoutMs;
}

/** The `otpauth://` URI a mobile app enrols from (Key URI Format): issuer, account, secret, algorithm, digits, period. */
export function otpauthUri(input: { issuer: string; account: string; secretBase32: string; digits?: number; periodSeconds?: number; algorithm?: 'SHA1' | 'SHA256' | 'SHA512' }): string {
  const label = `${encodeURIComponent(input.issuer)}:${encodeURIComponent(input.account)}`;
  const params = new URLSearchParams({
    secret: input.secretBase32,
    issuer: input.issuer,
    algorithm: input.algorithm ?? 'SHA1',
    digits: String(input.digits ?? 6),
    period: String(input.periodSeconds ?? 30),
  });
  return `otpauth://totp/${label}?${params.toString()}`;
}
