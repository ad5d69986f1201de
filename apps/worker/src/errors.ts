// Errors as the control channel. A handler throws one of these and the operation runner (see
// operation-runner.ts) decides in one place what happens next: record and stop, or retry with backoff.
// Throttling never arrives here: graph-call.ts turns a 429 into BullMQ's RateLimitError itself. Waiting
// is not failing either: `delayJob` moves a job to later without spending an attempt.
import { DelayedError } from 'bullmq';
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
}

/** Moves the job to the delayed set without spending an attempt (the runner lets DelayedError pass). */
export async function delayJob(jc: Pick<JobContext, 'job' | 'jobToken'>, waitMs: number): Promise<never> {
  // A duration, so the local clock's error against Graph's does not matter here.
  await jc.job.moveToDelayed(Date.now() + waitMs, jc.jobToken);
  throw new DelayedError();
}
