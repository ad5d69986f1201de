// Errors as the control channel. A handler throws one of these and the operation runner (see
// operation-runner.ts) decides in one place what happens next: record and stop, or retry with backoff.
// Throttling never arrives here: graph-call.ts turns a 429 into BullMQ's RateLimitError itself.

/** The job cannot succeed by repeating it (Graph said 4xx, or the token is in the wrong state). */
export class PermanentFailure extends Error {
  override readonly name = 'PermanentFailure';
  constructor(
    readonly code: string,
    message: string,
    readonly graph: { status: number | null; requestId: string | null } = { status: null, requestId: null },
  ) {
    super(message);
  }
}

/** Worth another attempt later (5xx, timeout, connection reset); BullMQ retries it with backoff. */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
  constructor(
    readonly code: string,
    message: string,
    readonly graph: { status: number | null; requestId: string | null } = { status: null, requestId: null },
  ) {
    super(message);
  }
}
