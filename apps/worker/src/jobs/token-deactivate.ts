// token.deactivate: disables a token in Entra (docs/graph-hardware-oath.md §2.14): the user's hardware
// OATH method stays assigned but no longer signs in. The token becomes disabled only once Graph has
// confirmed; a token reported lost (or retired) meanwhile stays lost (or retired).
//
// Graph refuses to deactivate a method that is not activated. That refusal counts as done when Entra
// holds the token, assigned to the same user, in any status but activated: an earlier attempt whose
// answer was lost, or a lost token that was never activated.
import { eq } from 'drizzle-orm';
import { canApply } from '@tokenfleet/domain';
import { tokens, transitionToken } from '@tokenfleet/db';
import { PermanentFailure } from '../errors';
import { callGraph, lookUpDevice, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenDeactivate: Handler<'token.deactivate'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    if (!token.graphDeviceId || !token.assignedUserId) {
      throw new PermanentFailure('not_assigned', `token ${token.serialNumber} is ${token.state} and not assigned to a user in Entra; there is nothing to disable`);
    }
    await markRunning(jc.db, op.id);
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };
    const userId = token.assignedUserId;
    const outcome = await callGraph(jc, { action: 'deactivate', write: true, ...audit, carries: [op.id] }, () => jc.tenant.graph.deactivate(userId, token.graphMethodId ?? token.graphDeviceId!));
    let note: string | undefined;
    if (outcome.kind === 'permanent') {
      const device = await lookUpDevice(jc, token.graphDeviceId, audit);
      if (device.status === 'activated' || device.assignedTo?.id !== userId) throw permanentFrom(outcome, 'deactivating the token');
      note = `Entra holds the token ${device.status}, not activated`;
    }
    await jc.db.transaction(async (tx) => {
      // The state now, not when the job started: the token may have been reported lost meanwhile.
      const [current] = await tx.select().from(tokens).where(eq(tokens.id, token.id)).for('update');
      if (current && canApply(current.state, 'disabled')) {
        await transitionToken(tx, current, { type: 'disabled' }, { lastError: null }, { actor: 'worker', operationId: op.id, detail: { inEntra: 'deactivated', ...(note ? { note } : {}) } });
      }
      await completeOperation(tx, op, { status: outcome.status, requestId: outcome.requestId }, note ? { note } : undefined);
    });
    return { status: 'done', ...(note ? { detail: note } : {}) };
  });
