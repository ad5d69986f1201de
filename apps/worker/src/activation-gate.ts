// The TOTP gate: a code is computed at send time from the clock corrected to Graph's, and only when
// enough of its window is left for the request to arrive while it is still current. Otherwise the job
// moves to the next window boundary without spending an attempt. The wait for the write budget between
// the gate and the send is bounded by the window (windowBoundBudget), and the check runs again at send
// time.
import { activationWaitMs, msLeftInWindow, msToSpareInWindow, nextWindowWaitMs, totpCode, totpStep, type TotpKey } from '@tokenfleet/domain';
import type { JobContext } from './context';
import type { GraphCallSpec } from './graph-call';
import { delayJob, NotSent } from './errors';

/**
 * The least time that must be left in the window when the code is computed, immediately before the
 * request leaves: the request's trip to Graph. It is measured, not assumed: three times the slowest of
 * the tenant's recent activation calls (RoundTrips below), never under SEND_MARGIN_FLOOR_MS, which covers a
 * stall of this process between computing the code and writing the request. The gate uses the same
 * margin (or ACTIVATION_MARGIN_MS, if an operator sets a larger one): the budget's wait after it never
 * outlasts the window, and if the work before the send ran long all the same, the check at send time
 * stops the request, gives its write back and the job waits for the next window.
 */
export const SEND_MARGIN_FLOOR_MS = 1_000;
/**
 * Until calls have been measured, the margin assumes a slow trip: a worker just started (or restarted
 * after a crash, with a backlog) opens its TLS connections to Graph while its first codes are on their way,
 * on a cold runtime and often a busy machine. Only the first few activations of a process pay for it.
 */
export const SEND_MARGIN_UNMEASURED_MS = 5_000;
/** A third of the shortest window (30 s): some moment of every window still qualifies. */
export const SEND_MARGIN_CEILING_MS = 10_000;

/** The durations of a tenant's latest activation calls, for the send margin. */
export class RoundTrips {
  private readonly durations: number[] = [];
  private next = 0;
  constructor(private readonly size = 50) {}

  record(durationMs: number): void {
    if (this.durations.length < this.size) this.durations.push(durationMs);
    else this.durations[this.next] = durationMs;
    this.next = (this.next + 1) % this.size;
  }

  /**
   * How long before the window ends a code may still be computed and sent. Never more than
   * SEND_MARGIN_CEILING_MS: a margin as long as the window would never let a code go, so no trip would be
   * measured again to bring it down.
   */
  sendMarginMs(): number {
    if (this.durations.length < 5) return SEND_MARGIN_UNMEASURED_MS;
    return Math.min(SEND_MARGIN_CEILING_MS, Math.max(SEND_MARGIN_FLOOR_MS, 3 * Math.max(...this.durations)));
  }
}

/**
 * The gate before the work that precedes the send: the send margin, or ACTIVATION_MARGIN_MS when an
 * operator set a larger one (a job let through with less than the send margin would only be stopped at
 * send time). The budget's wait needs no margin here, as it is bounded by the window (windowBoundBudget);
 * a fixed one (2 s, once) held every token of both intervals back together before each minute's boundary.
 */
export async function waitForFreshWindow(jc: JobContext, periodSeconds: number): Promise<void> {
  const { graph } = jc.tenant;
  const margin = Math.max(jc.config.activationMarginMs, jc.tenant.roundTrips.sendMarginMs());
  const wait = activationWaitMs(graph.now(), periodSeconds, margin, undefined, graph.clockUncertaintyMs());
  if (wait > 0) await delayJob(jc, wait);
}

/**
 * How an activation with a code from the seed waits for the write budget, and looks at its window once
 * more before the request leaves (GraphCallSpec's three hooks):
 * - It waits for a write no longer than its window allows: the window left less the send margin and the
 *   clock's uncertainty. A longer wait takes no write, so the slot stays free for a call that can use it
 *   (a create, a token whose window ends later) and no slot is reserved for a code that could not go.
 * - Such a job waits for its next window, or for the budget if that is later. If the window would still
 *   have been open when the budget's wait ended, the budget was what stopped it (a 429's pause, a
 *   saturated budget), and it waits just that long.
 * - After the budget's wait, `windowStillFresh` looks again before anything is marked sent.
 * The gate before (waitForFreshWindow) therefore needs no margin for the budget's wait.
 */
export function windowBoundBudget(jc: JobContext, periodSeconds: number): Required<Pick<GraphCallSpec, 'budgetWaitLimitMs' | 'waitForBudget' | 'beforeSend'>> {
  const { graph } = jc.tenant;
  const spareMs = () => msToSpareInWindow(graph.now(), periodSeconds, jc.tenant.roundTrips.sendMarginMs(), graph.clockUncertaintyMs());
  return {
    budgetWaitLimitMs: spareMs,
    waitForBudget: (waitMs) => delayJob(jc, waitMs <= spareMs() ? waitMs : Math.max(waitMs, nextWindowWaitMs(graph.now(), periodSeconds, undefined, graph.clockUncertaintyMs()))),
    beforeSend: () => windowStillFresh(jc, periodSeconds),
  };
}

/**
 * Thrown before the request leaves when the window is about to close (by `windowStillFresh`, or by the
 * code provider inside the Graph client, which lets it pass): nothing is sent, and the job waits for the
 * next window.
 */
export class WindowClosing extends NotSent {
  override readonly name = 'WindowClosing';
  constructor(waitMs: number) {
    super(`the TOTP window closes too soon to send a code`, waitMs);
  }
}

/**
 * The check just before the send, after the budget wait: enough of the window left for the request's trip
 * (the send margin, not the gate's). Throws WindowClosing rather than delaying, so the write is given back.
 */
async function windowStillFresh(jc: JobContext, periodSeconds: number): Promise<void> {
  const { graph } = jc.tenant;
  const wait = activationWaitMs(graph.now(), periodSeconds, jc.tenant.roundTrips.sendMarginMs(), undefined, graph.clockUncertaintyMs());
  if (wait > 0) throw new WindowClosing(wait);
}

/**
 * The code for Graph's current window, computed when called; refuses when the window is about to close.
 * `onCode` learns how much of the window was left when the code was made (for the metrics).
 */
export function codeAtSendTime(jc: JobContext, key: TotpKey, onCode?: (msLeft: number) => void): () => string {
  return () => {
    const { graph } = jc.tenant;
    const now = graph.now();
    const wait = activationWaitMs(now, key.periodSeconds, jc.tenant.roundTrips.sendMarginMs(), undefined, graph.clockUncertaintyMs());
    if (wait > 0) throw new WindowClosing(wait);
    onCode?.(msLeftInWindow(now, key.periodSeconds));
    return totpCode(key, now);
  };
}

/**
 * Whether a code Graph refused may simply have reached it after its window closed: the request took
 * longer than the window had left when the code was made (less the clock estimate's uncertainty). Such a
 * refusal says nothing about the seed, and a fresh code in a fresh window is the cure; any other refusal
 * of a code computed from the seed means the seed, hash or interval does not match the token.
 */
export function codeMayHaveArrivedLate(msLeftAtCode: number, tripMs: number, uncertaintyMs: number): boolean {
  return tripMs + (Number.isFinite(uncertaintyMs) ? uncertaintyMs : msLeftAtCode) >= msLeftAtCode;
}

/**
 * A token activated again (enable, reassign) must not send a code of a window it already sent one in:
 * Entra may refuse a code it has seen (docs/graph-hardware-oath.md §9), and the sandbox does. Waits,
 * without spending an attempt, until Graph's clock is past the window of the token's last code sent by
 * another activation (`lastSentMs`, as `markRunning` read it).
 */
export async function waitForUnusedWindow(jc: JobContext, lastSentMs: number | null, periodSeconds: number): Promise<void> {
  if (lastSentMs === null) return;
  const { graph } = jc.tenant;
  // The code was computed on Graph's clock a moment after sentAt; the uncertainty covers the offset's error.
  const uncertainty = Math.min(graph.clockUncertaintyMs(), periodSeconds * 1000);
  const usedStep = totpStep(lastSentMs + graph.clockOffsetMs() + uncertainty, periodSeconds);
  const wait = (usedStep + 1) * periodSeconds * 1000 - graph.now();
  if (wait > 0) await delayJob(jc, wait + 250);
}
