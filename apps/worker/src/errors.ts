// Errors as the control channel. A handler throws one of these and the operation runner (see
// operation-runner.ts) decides in one place what happens next: record and stop, or retry with backoff.
// Throttling never arrives here: graph-call.ts turns a 429 into BullMQ's RateLimitError itself. Waiting
// is not failing either: `delayJob` moves a job to later without spending an attempt, and so does an
// outage of a part the job needs (`PartUnavailable`): the work waits for the part, however long it is away.
import { DelayedError, RateLimitError } from 'bullmq';
import { isDatabaseUnavailable } from '@tokenfleet/db';
import type { JobContext } from './context';

/** A failure with a code for the operation row and what Graph said, if it was Graph. */
abstract class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly graph: { status: number | null; requestId: string | null } = { status: null, requestId: null },
  ) {
    super(message);
  }
}

/** The job cannot succeed by repeating it (Graph said 4xx, or the token is in the wrong state). */
export class PermanentFailure extends JobFailure {
  override readonly name = 'PermanentFailure';
}

/** Worth another attempt later (5xx, timeout, connection reset); BullMQ retries it with backoff. */
export class TransientFailure extends JobFailure {
  override readonly name = 'TransientFailure';
  constructor(
    code: string,
    message: string,
    graph?: { status: number | null; requestId: string | null },
    /** Graph's Retry-After on a 503: the next attempt waits at least this long (see jobBackoffMs). */
    readonly retryAfterMs: number | null = null,
  ) {
    super(code, message, graph);
  }
}

/** The parts a job depends on that can be away for a while without it being the job's fault. */
export type Part = 'postgres' | 'redis' | 'graph';

/** A part does not answer at all. The job waits for it without spending an attempt. */
export class PartUnavailable extends Error {
  override readonly name = 'PartUnavailable';
  constructor(readonly part: Part, message: string) {
    super(message);
  }
}

/** The outage an error speaks of, if it is one: a PartUnavailable, or Postgres refusing or dropping us. */
export function outageOf(error: unknown): PartUnavailable | null {
  if (error instanceof PartUnavailable) return error;
  if (isDatabaseUnavailable(error)) return new PartUnavailable('postgres', `PostgreSQL is not answering (${error instanceof Error ? error.message : String(error)})`);
  return null;
}

/**
 * Thrown before a request leaves when it must not leave after all (the TOTP window is about to close):
 * Graph saw nothing, so nothing needs looking up and the write budget gets its write back.
 */
export class NotSent extends Error {
  override readonly name: string = 'NotSent';
  constructor(message: string, readonly waitMs: number) {
    super(message);
  }
}

/** Errors that mean "later", not "failed": they pass through the runner untouched. */
export function isWait(error: unknown): boolean {
  return error instanceof DelayedError || error instanceof RateLimitError;
}

/** Moves the job to the delayed set without spending an attempt (the runner lets DelayedError pass). */
export async function delayJob(jc: Pick<JobContext, 'job' | 'jobToken'>, waitMs: number): Promise<never> {
  // A duration, so the local clock's error against Graph's does not matter here.
  await jc.job.moveToDelayed(Date.now() + waitMs, jc.jobToken);
  throw new DelayedError();
}

/** The base of the retry backoff: 2 s, doubling with each attempt. */
export const BACKOFF_BASE_MS = 2_000;
/** No retry waits longer than this (a Retry-After beyond it is still honoured). */
export const BACKOFF_MAX_MS = 5 * 60_000;

/**
 * BullMQ's backoff for a failed attempt: exponential from BACKOFF_BASE_MS, and never shorter than a
 * Retry-After Graph sent with a 503.
 */
export function jobBackoffMs(attemptsMade: number, error: unknown): number {
  const exponential = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attemptsMade - 1));
  const retryAfter = error instanceof TransientFailure && error.retryAfterMs !== null ? error.retryAfterMs : 0;
  return Math.max(exponential, retryAfter);
}

/** How long a job waits before it looks again whether a part is back: 1 s doubling to 30 s, with jitter. */
export function outageWaitMs(waitsSoFar: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1_000 * 2 ** Math.min(waitsSoFar, 5));
  return Math.round(base * (0.75 + random() * 0.5));
}
