// token.assign: gives an inventory token to a user (an operator's action, a webhook, or an import whose
// create could not carry the assignment). An assignment that already exists for the same user counts as
// done, so a retry after a lost answer is harmless.
import { insertOperations, transitionToken } from '@tokenfleet/db';
import { enqueueOperations } from '@tokenfleet/queue';
import { PermanentFailure } from '../errors';
import { callGraph, lookUpDevice, lookUpUserId, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenAssign: Handler<'token.assign'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    const upn = op.params.upn;
    if (!upn) throw new PermanentFailure('no_user', 'the assign operation names no user');
    if (!token.graphDeviceId) throw new PermanentFailure('not_created', `token ${token.serialNumber} is not in Entra yet`);
    await markRunning(jc.db, op.id);
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };

    const userId = await lookUpUserId(jc, upn, audit);
    if (!userId) throw new PermanentFailure('user_not_found', `no user ${upn} in Entra`);

    let methodId = token.graphDeviceId;
    let graph = { status: 200 as number, requestId: null as string | null };
    const already = op.sentAt ? await deviceHolder(token.graphDeviceId) : null;
    if (already !== userId) {
      const outcome = await callGraph(jc, { action: 'assign', write: true, ...audit, carries: [op.id] }, () => jc.tenant.graph.assign(userId, token.graphDeviceId!));
      if (outcome.kind === 'permanent') {
        // Refused: fine if the device is already this user's (an earlier attempt's answer was lost).
        if ((await deviceHolder(token.graphDeviceId)) !== userId) throw permanentFrom(outcome, `assigning the token to ${upn}`);
      } else {
        methodId = outcome.value.id || methodId;
        graph = { status: outcome.status, requestId: outcome.requestId };
      }
    }

    const next = await jc.db.transaction(async (tx) => {
      await transitionToken(tx, token, { type: 'assigned' }, { assignedUserId: userId, assignedUpn: upn, graphMethodId: methodId, lastError: null }, { actor: 'worker', operationId: op.id, importId: op.importId, detail: { upn } });
      await completeOperation(tx, op, graph);
      return op.params.activate === true
        ? insertOperations(tx, [{ tenantId: op.tenantId, tokenId: token.id, kind: 'token.activate', generation: op.generation, importId: op.importId, createdBy: op.chainId ? op.createdBy : 'worker', params: { upn }, chainId: op.chainId }])
        : [];
    });
    await enqueueOperations(jc.tenant.queue, next);
    return { status: 'done' };

    async function deviceHolder(deviceId: string): Promise<string | null> {
      return (await lookUpDevice(jc, deviceId, audit)).assignedTo?.id ?? null;
    }
  });
