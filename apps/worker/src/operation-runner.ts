// Runs one operation job: loads the operation row (the truth; the job carries only its id), skips work
// already finished, and turns what the handler throws into the operation's recorded outcome.
import { UnrecoverableError } from 'bullmq';
import { canApply } from '@tokenfleet/domain';
import { eq } from 'drizzle-orm';
import { tokens, transitionToken, type DbOrTx, type Operation } from '@tokenfleet/db';
import type { JobContext } from './context';
import { isWait, outageOf, PermanentFailure, TransientFailure } from './errors';
import { FINAL_STATUSES, loadOperation, recordOperationFailure, type OperationWork } from './store';

export type OperationOutcome = { status: 'done' | 'skipped' | 'covered'; detail?: string };

export async function runOperation(jc: JobContext, operationId: string, body: (work: OperationWork) => Promise<OperationOutcome>): Promise<OperationOutcome> {
  const work = await loadOperation(jc.db, operationId);
  if (!work) throw new UnrecoverableError(`operation ${operationId} no longer exists`);
  if (FINAL_STATUSES.has(work.op.status)) return { status: 'skipped', detail: `operation already ${work.op.status}` };
  try {
    return await body(work);
  } catch (error) {
    // Waiting is not failing: a delay for the TOTP window or the budget, a tenant-wide 429 pause, or a
    // part that is away (the worker's processor delays the job for it without spending an attempt).
    if (isWait(error) || outageOf(error)) throw error;
    const final = error instanceof PermanentFailure || jc.job.attemptsMade + 1 >= (jc.job.opts.attempts ?? 1);
    await failOperation(jc, work.op, error, { final, includeClaimed: true });
    if (error instanceof PermanentFailure) throw new UnrecoverableError(error.message);
    throw error;
  }
}

/**
 * Records an attempt's failure; on the last attempt the operation fails and its token with it. With
 * `includeClaimed`, operations this one claimed for a bulk call share its fate (the call they rode on failed).
 */
export async function failOperation(
  jc: Pick<JobContext, 'db' | 'logger'>,
  op: Operation,
  error: unknown,
  { final, includeClaimed }: { final: boolean; includeClaimed: boolean },
): Promise<void> {
  const failure = describeFailure(error);
  jc.logger.warn({ operationId: op.id, kind: op.kind, code: failure.code, final }, `operation attempt failed: ${failure.message}`);
  await jc.db.transaction(async (tx) => {
    const affected = await recordOperationFailure(tx, op, { ...failure, final }, { includeClaimed });
    if (!final) return;
    for (const row of affected) {
      // A rename that Entra refused leaves the token as it was: it says nothing about its provisioning.
      if (row.kind === 'token.update') continue;
      const token = await loadToken(tx, row.tokenId);
      if (token && canApply(token.state, 'failed')) {
        await transitionToken(tx, token, { type: 'failed' }, { lastError: `${row.kind}: ${failure.message}` }, { actor: 'worker', operationId: row.id, importId: row.importId });
      }
    }
  });
}

async function loadToken(tx: DbOrTx, tokenId: string) {
  const [token] = await tx.select().from(tokens).where(eq(tokens.id, tokenId));
  return token;
}

/** An error as an operation row records it: our code and Graph's answer for our failures, `internal_error` otherwise. */
export function describeFailure(error: unknown): Omit<Parameters<typeof recordOperationFailure>[2], 'final'> {
  if (error instanceof PermanentFailure || error instanceof TransientFailure) {
    return { code: error.code, message: error.message, graphStatus: error.graph.status, requestId: error.graph.requestId };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal_error', message, graphStatus: null, requestId: null };
}
