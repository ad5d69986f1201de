// token.activate: sends one verification code for an assigned token. The code is computed inside the
// Graph client immediately before the request leaves, for the window Graph's clock is in.
//
// The same job enables a disabled token again (`params.enable`): the same gate and code, or, where the
// seed was purged, the code the operator typed (sealed in the operation row, removed once sent). A token
// reported lost is never activated: the job fails for good, and a lost token Entra activated anyway (an
// activation already on its way when the report came) is deactivated again at once.
import { base32Decode, totpStep, type TotpKey } from '@tokenfleet/domain';
import { activationWindowLeftSeconds } from '@tokenfleet/config';
import { eq, sql } from 'drizzle-orm';
import { finishStep, insertOperations, operations, operatorCodeBinding, tenants, tokens, transitionToken, type DbOrTx, type Operation, type Token } from '@tokenfleet/db';
import { enqueueOperations } from '@tokenfleet/queue';
import { codeAtSendTime, codeMayHaveArrivedLate, waitForFreshWindow, waitForUnusedWindow, windowBoundBudget, WindowClosing } from '../activation-gate';
import { delayJob, PermanentFailure, TransientFailure } from '../errors';
import { callGraph, lookUpDevice, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { JobContext } from '../context';
import type { Handler } from './handler';

export const tokenActivate: Handler<'token.activate'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    if (token.state === 'active') {
      await completeOperation(jc.db, op, undefined, { note: 'token was already active' });
      return { status: 'skipped', detail: 'already active' };
    }
    const enabling = op.params.enable === true;
    const { userId, deviceId } = requireAssigned(token, enabling);
    const { lastActivationSentMs } = await markRunning(jc.db, op.id, { lastActivationOf: token.id });
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };

    // An earlier attempt may have reached Graph and timed out on the way back: ask before sending again.
    if (op.sentAt) {
      const device = await lookUpDevice(jc, deviceId, audit);
      if (device.status === 'activated') {
        await finish(token, { status: 200, requestId: null }, 'found active on retry');
        return { status: 'done', detail: 'found active' };
      }
    }

    const typed = op.params.sealedCode ? await takeOperatorCode(jc, op, token) : null;
    // The holder's code (self-service) is of a known step: once Graph's clock has left it (an assign took
    // its time), the seed's code is sent instead; the holder proved possession when Tokenfleet checked it.
    const operatorCode = typed !== null && stillCurrent(jc, op.params.sealedCode?.step, token.timeIntervalSeconds) ? typed : null;
    const typedBy = op.params.selfService === true ? 'the holder' : 'the operator';
    if (!operatorCode) {
      await waitForUnusedWindow(jc, lastActivationSentMs, token.timeIntervalSeconds);
      await waitForFreshWindow(jc, token.timeIntervalSeconds);
    }
    // The metric is of computed codes only: how much of its window an operator's code had left is unknown.
    let msLeftAtSend: number | undefined;
    let codeMadeAt = 0;
    const code = operatorCode
      ? () => operatorCode
      : codeAtSendTime(jc, seedKey(jc, token), (msLeft) => {
          msLeftAtSend = msLeft;
          codeMadeAt = Date.now();
        });
    const activate = () =>
      callGraph(
        jc,
        {
          action: 'activate',
          write: true,
          ...audit,
          detail: { periodSeconds: token.timeIntervalSeconds, hashFunction: token.hashFunction, ...(enabling ? { enable: true } : {}), ...(operatorCode ? { code: `typed by ${typedBy}` } : typed !== null ? { code: `from the seed: the code typed by ${typedBy} was no longer current` } : {}) },
          carries: [op.id],
          // A code from the seed waits for the budget only as long as its window allows, and is looked at
          // again before anything is marked sent. An operator's code is for the window it was typed in:
          // waiting would only make it stale.
          ...(operatorCode ? {} : windowBoundBudget(jc, token.timeIntervalSeconds)),
        },
        () => jc.tenant.graph.activate(userId, token.graphMethodId ?? deviceId, code, token.displayName),
      );
    // Graph saw nothing of a code that was never sent: the budget has its write back, the job waits.
    const outcome = await activate().catch((error: unknown) => (error instanceof WindowClosing ? delayJob(jc, error.waitMs) : Promise.reject(error)));
    if (outcome.kind === 'permanent') {
      // A code from the seed that may have reached Graph after its window closed (a stalled process, a
      // slow network) is sent again, fresh, in a later window: the token is not failed for a late trip.
      const tripMs = Date.now() - codeMadeAt;
      if (msLeftAtSend !== undefined && outcome.status === 400 && codeMayHaveArrivedLate(msLeftAtSend, tripMs, jc.tenant.graph.clockUncertaintyMs())) {
        throw new TransientFailure('code_late', `activating the token: Graph refused the code (${outcome.code}: ${outcome.message}), which may have reached it after its window closed: the request took ${tripMs} ms with ${msLeftAtSend} ms of the window left. A fresh code is sent in a later window`, { status: outcome.status, requestId: outcome.requestId });
      }
      throw permanentFrom(outcome, 'activating the token');
    }
    if (msLeftAtSend !== undefined) activationWindowLeftSeconds.observe({ tenant: jc.tenant.tenantId }, msLeftAtSend / 1000);
    await finish(token, { status: outcome.status, requestId: outcome.requestId });
    return { status: 'done' };

    async function finish(current: Token, graph: { status: number; requestId: string | null }, note?: string) {
      const event = { type: enabling ? 'enabled' : 'activated' } as const;
      const detail = { ...(note ? { note } : {}), ...(enabling ? { inEntra: 'activated' } : {}) };
      // The usual case in one statement; a token that changed meanwhile (reported lost) takes the transaction below.
      if (await finishStep(jc.db, { actor: 'worker', operation: op, graph, token: { from: current.state, event, changes: { lastError: null }, detail, purgeSeedIfTenantSays: true } })) return;
      const redo = await jc.db.transaction(async (tx): Promise<Operation[]> => {
        // A tenant may choose to keep no seed once Entra holds the token: it can then never be re-activated.
        // Its settings are read with the token, not at start-up, so an admin's change applies to the next activation.
        const [locked] = await tx.select({ token: tokens, settings: tenants.settings }).from(tokens).innerJoin(tenants, eq(tenants.id, tokens.tenantId)).where(eq(tokens.id, current.id)).for('update', { of: tokens });
        const now = locked?.token;
        if (now?.state === 'lost') return deactivateLost(tx, now, graph);
        const purge = locked?.settings.purgeSeedsWhenActive === true;
        await transitionToken(tx, now ?? current, event, { lastError: null, ...(purge ? { secretKeyId: null, secretCiphertext: null } : {}) }, { actor: 'worker', operationId: op.id, importId: op.importId, detail: { ...detail, ...(purge ? { seedPurged: true } : {}) } });
        await completeOperation(tx, op, graph);
        return [];
      });
      await enqueueOperations(jc.tenant.queue, redo);
    }

    /** Entra activated a token reported lost while this job ran: record it, and deactivate it again first thing. */
    async function deactivateLost(tx: DbOrTx, lost: Token, graph: { status: number; requestId: string | null }): Promise<Operation[]> {
      await completeOperation(tx, op, graph, { note: 'the token was reported lost while it was activated; it is deactivated again' });
      const [bumped] = await tx.update(tokens).set({ generation: sql`${tokens.generation} + 1` }).where(eq(tokens.id, lost.id)).returning({ generation: tokens.generation });
      return insertOperations(tx, [{ tenantId: op.tenantId, tokenId: lost.id, kind: 'token.deactivate', generation: bumped!.generation, createdBy: 'worker', params: { urgent: true }, chainId: op.chainId }]);
    }
  });

/**
 * The operator's code, decrypted, and removed from the operation row at once: it is sent at most once,
 * and a retry asks the operator for a fresh one.
 */
async function takeOperatorCode(jc: JobContext, op: Operation, token: Token): Promise<string> {
  const sealed = op.params.sealedCode!;
  const { sealedCode: _sealed, ...rest } = op.params;
  await jc.db.update(operations).set({ params: rest, updatedAt: new Date() }).where(eq(operations.id, op.id));
  try {
    return jc.vault.decrypt(operatorCodeBinding(token.id), sealed.keyId, Buffer.from(sealed.ciphertext, 'base64'));
  } catch (error) {
    throw new PermanentFailure('code_unreadable', `the code typed for token ${token.serialNumber} cannot be decrypted (${(error as Error).message}); enable it again with a fresh code`);
  }
}

/** Whether Graph's clock is still in `step` (unknown: yes), with time left for the request to arrive. */
function stillCurrent(jc: JobContext, step: number | undefined, periodSeconds: number): boolean {
  if (step === undefined) return true;
  const now = jc.tenant.graph.now();
  return totpStep(now, periodSeconds) === step && (step + 1) * periodSeconds * 1000 - now >= jc.tenant.roundTrips.sendMarginMs();
}

function requireAssigned(token: Token, enabling: boolean): { userId: string; deviceId: string } {
  if (token.state === 'lost') throw new PermanentFailure('token_lost', `token ${token.serialNumber} was reported lost; it is never activated again`);
  const expected = enabling ? 'disabled' : 'assigned';
  if (token.state !== expected || !token.graphDeviceId || !token.assignedUserId) {
    throw new PermanentFailure('not_assigned', enabling ? `token ${token.serialNumber} is ${token.state}; only a disabled token can be enabled` : `token ${token.serialNumber} is ${token.state}; only a token assigned to a user can be activated`);
  }
  return { userId: token.assignedUserId, deviceId: token.graphDeviceId };
}

function seedKey(jc: { vault: { decrypt(tokenId: string, keyId: string, ciphertext: Buffer): string } }, token: Token): TotpKey {
  if (!token.secretKeyId || !token.secretCiphertext) {
    throw new PermanentFailure('seed_purged', `the seed of token ${token.serialNumber} was purged; enable it with the code it shows now, or import it again`);
  }
  const secret = base32Decode(jc.vault.decrypt(token.id, token.secretKeyId, token.secretCiphertext));
  if (!secret) throw new PermanentFailure('seed_unreadable', `the stored seed of token ${token.serialNumber} is not Base32`);
  return { secret, hashFunction: token.hashFunction, periodSeconds: token.timeIntervalSeconds, digits: token.digits };
}
