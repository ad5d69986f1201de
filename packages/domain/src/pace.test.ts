import { describe, expect, it } from 'vitest';
import { paceOf } from './pace';

const now = new Date('2026-12-02T10:00:00.000Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

describe('the pace of running work', () => {
  it('counts the last minute once the work has run longer, and projects the rest at that pace', () => {
    const pace = paceOf({ tokensFinishedRecently: 900, pendingTokens: 9_000 }, { startedAt: minutesAgo(5), now, windowMs: 60_000 });
    expect(pace.tokensPerMinute).toBe(900);
    expect(pace.estimatedFinishAt).toEqual(new Date(now.getTime() + 10 * 60_000));
  });

  it('measures over the time since the start when that is shorter than the window', () => {
    const pace = paceOf({ tokensFinishedRecently: 100, pendingTokens: 100 }, { startedAt: minutesAgo(0.25), now, windowMs: 60_000 });
    expect(pace.tokensPerMinute).toBe(400);
    expect(pace.estimatedFinishAt).toEqual(new Date(now.getTime() + 15_000));
  });

  it('promises nothing while no token has finished in the window', () => {
    expect(paceOf({ tokensFinishedRecently: 0, pendingTokens: 50 }, { startedAt: minutesAgo(3), now, windowMs: 60_000 })).toEqual({ tokensPerMinute: 0, estimatedFinishAt: null });
    expect(paceOf({ tokensFinishedRecently: 3, pendingTokens: 50 }, { startedAt: now, now, windowMs: 60_000 })).toEqual({ tokensPerMinute: 0, estimatedFinishAt: null });
  });

  it('is done now when nothing is left', () => {
    expect(paceOf({ tokensFinishedRecently: 20, pendingTokens: 0 }, { startedAt: minutesAgo(2), now, windowMs: 60_000 }).estimatedFinishAt).toEqual(now);
  });
});
