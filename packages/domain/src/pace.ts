// How fast a running import (or bulk action) is going and when it should be done, from how many of its
// tokens finished in the recent window and how many are still to go. The window is the last minute, or
// less when the work started less than a minute ago: its first tokens are not diluted by time before it
// began.

export interface Pace {
  tokensPerMinute: number;
  /** When the tokens still to go are done at this pace; null while nothing has finished to measure by. */
  estimatedFinishAt: Date | null;
}

export function paceOf(counts: { tokensFinishedRecently: number; pendingTokens: number }, at: { startedAt: Date; now: Date; windowMs: number }): Pace {
  const windowMs = Math.min(at.windowMs, Math.max(0, at.now.getTime() - at.startedAt.getTime()));
  if (windowMs <= 0 || counts.tokensFinishedRecently === 0) return { tokensPerMinute: 0, estimatedFinishAt: null };
  const perMs = counts.tokensFinishedRecently / windowMs;
  return {
    tokensPerMinute: Math.round(perMs * 60_000 * 10) / 10,
    estimatedFinishAt: new Date(at.now.getTime() + Math.ceil(counts.pendingTokens / perMs)),
  };
}
