// token.unassign: takes a token back from its user; the device stays in Entra's inventory. A method Graph
// no longer knows counts as already unassigned.
import { transitionToken } from '@tokenfleet/db';
import { PermanentFailure } from '../errors';
import { callGraph, lookUpDevice, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenUnassign: Handler<'token.unassign'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    if (!token.graphDeviceId) throw new PermanentFailure('not_created', `token ${token.serialNumber} is not in Entra`);
    await markRunning(jc.db, op.id);
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };
    let graph = { status: 204 as number, requestId: null as string | null };
    if (token.assignedUserId) {
      const outcome = await callGraph(jc, { action: 'unassign', write: true, ...audit }, () => jc.tenant.graph.unassign(token.assignedUserId!, token.graphMethodId ?? token.graphDeviceId!));
      if (outcome.kind === 'permanent') {
        const device = await lookUpDevice(jc, token.graphDeviceId, audit);
        if (device.assignedTo) throw permanentFrom(outcome, 'unassigning the token');
      } else {
        graph = { status: outcome.status, requestId: outcome.requestId };
      }
    }
    await jc.db.transaction(async (tx) => {
      await transitionToken(tx, token, { type: 'unassigned' }, { assignedUserId: null, assignedUpn: null, graphMethodId: null, lastError: null }, { actor: 'worker', operationId: op.id });
      await completeOperation(tx, op, graph);
    });
    return { status: 'done' };
  });
