// token.activate: sends one verification code for an assigned token. The code is computed inside the
// Graph client immediately before the request leaves, for the window Graph's clock is in.
import { base32Decode, totpStep, type TotpKey } from '@tokenfleet/domain';
import { eq } from 'drizzle-orm';
import { tenants, transitionToken, type Token } from '@tokenfleet/db';
import { CODE_MIN_LIFETIME_MS, codeAtSendTime, waitForFreshWindow, windowStillFresh, WindowClosing } from '../activation-gate';
import type { JobContext } from '../context';
import { delayJob, PermanentFailure } from '../errors';
import { callGraph, lookUpDevice, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenActivate: Handler<'token.activate'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    if (token.state === 'active') {
      await completeOperation(jc.db, op, undefined, { note: 'token was already active' });
      return { status: 'skipped', detail: 'already active' };
    }
    const { userId, deviceId } = requireAssigned(token);
    await markRunning(jc.db, op.id);
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };

    // An earlier attempt may have reached Graph and timed out on the way back: ask before sending again.
    if (op.sentAt) {
      const device = await lookUpDevice(jc, deviceId, audit);
      if (device.status === 'activated') {
        await finish(token, { status: 200, requestId: null }, 'found active on retry');
        return { status: 'done', detail: 'found active' };
      }
    }

    // A person who activated the token themselves (the self-service portal) typed a code: it is sent while
    // its window is still current, as the proof they hold the device; after that the seed's code is.
    const userCode = heldUserCode(jc, token, op.params.userCode);
    const codeSource = userCode ? 'holder' : 'seed';
    if (!userCode) await waitForFreshWindow(jc, token.timeIntervalSeconds);
    const key = seedKey(jc, token);
    const activate = () =>
      callGraph(
        jc,
        {
          action: 'activate',
          write: true,
          ...audit,
          detail: { periodSeconds: token.timeIntervalSeconds, hashFunction: token.hashFunction, codeSource },
          carries: [op.id],
          // A budget wait may have eaten the margin: look again, and stop before anything is marked sent.
          beforeSend: () => (userCode ? Promise.resolve() : windowStillFresh(jc, token.timeIntervalSeconds)),
        },
        () => jc.tenant.graph.activate(userId, token.graphMethodId ?? deviceId, userCode ? () => userCode : codeAtSendTime(jc, key), token.displayName),
      );
    // Graph saw nothing of a code that was never sent: the budget has its write back, the job waits.
    const outcome = await activate().catch((error: unknown) => (error instanceof WindowClosing ? delayJob(jc, error.waitMs) : Promise.reject(error)));
    if (outcome.kind === 'permanent') throw permanentFrom(outcome, 'activating the token');
    await finish(token, { status: outcome.status, requestId: outcome.requestId });
    return { status: 'done' };

    async function finish(current: Token, graph: { status: number; requestId: string | null }, note?: string) {
      await jc.db.transaction(async (tx) => {
        // A tenant may choose to keep no seed once Entra holds the token: it can then never be re-activated.
        // Read now, not at start-up, so an admin's change applies to the next activation.
        const [tenant] = await tx.select({ settings: tenants.settings }).from(tenants).where(eq(tenants.id, jc.tenant.tenantId));
        const purge = tenant?.settings.purgeSeedsWhenActive === true;
        await transitionToken(tx, current, { type: 'activated' }, { lastError: null, ...(purge ? { secretKeyId: null, secretCiphertext: null } : {}) }, { actor: 'worker', operationId: op.id, importId: op.importId, detail: { ...(note ? { note } : {}), ...(purge ? { seedPurged: true } : {}) } });
        await completeOperation(tx, op, graph);
      });
    }
  });

/**
 * The holder's code, if one came with the operation and Graph's clock is still in its window with enough of
 * it left for the request to arrive; otherwise null (the seed's code is sent instead).
 */
function heldUserCode(jc: JobContext, token: Token, sealed: unknown): string | null {
  if (typeof sealed !== 'object' || sealed === null) return null;
  const { keyId, ciphertext, step } = sealed as { keyId?: unknown; ciphertext?: unknown; step?: unknown };
  if (typeof keyId !== 'string' || typeof ciphertext !== 'string' || typeof step !== 'number') return null;
  const now = jc.tenant.graph.now();
  const periodMs = token.timeIntervalSeconds * 1000;
  if (totpStep(now, token.timeIntervalSeconds) !== step || (step + 1) * periodMs - now < CODE_MIN_LIFETIME_MS) return null;
  try {
    return jc.vault.decrypt(`user-code:${token.id}`, keyId, Buffer.from(ciphertext, 'base64'));
  } catch {
    return null;
  }
}

function requireAssigned(token: Token): { userId: string; deviceId: string } {
  if (token.state !== 'assigned' || !token.graphDeviceId || !token.assignedUserId) {
    throw new PermanentFailure('not_assigned', `token ${token.serialNumber} is ${token.state}; only a token assigned to a user can be activated`);
  }
  return { userId: token.assignedUserId, deviceId: token.graphDeviceId };
}

function seedKey(jc: { vault: { decrypt(tokenId: string, keyId: string, ciphertext: Buffer): string } }, token: Token): TotpKey {
  if (!token.secretKeyId || !token.secretCiphertext) {
    throw new PermanentFailure('seed_purged', `the seed of token ${token.serialNumber} was purged; import it again to activate it`);
  }
  const secret = base32Decode(jc.vault.decrypt(token.id, token.secretKeyId, token.secretCiphertext));
  if (!secret) throw new PermanentFailure('seed_unreadable', `the stored seed of token ${token.serialNumber} is not Base32`);
  return { secret, hashFunction: token.hashFunction, periodSeconds: token.timeIntervalSeconds, digits: token.digits };
}
