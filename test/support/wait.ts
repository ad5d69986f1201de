// One polling loop for tests that wait on a state kept elsewhere (a row in Postgres, an answer of a
// process under test), where there is no event to await.

export interface WaitOptions {
  timeoutMs: number;
  intervalMs: number;
  /** What the timeout error says; called at the deadline, so it can tell the last state seen. */
  failure: () => string;
}

/**
 * Calls `check` until it answers something other than undefined, and returns that. `check` may throw to
 * give up at once (a process that exited, say).
 */
export async function waitUntil<T>(check: () => Promise<T | undefined>, { timeoutMs, intervalMs, failure }: WaitOptions): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(failure());
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
