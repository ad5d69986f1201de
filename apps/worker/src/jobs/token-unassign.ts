// token.unassign: takes a token back from its user; the device stays in Entra's inventory. A method Graph
// no longer knows counts as already unassigned.
//
// As the first step of a chain (`params.then`), it writes the next step in the same transaction: the
// assignment to the new user of a reassign (which chains the activation), or the delete of an assigned
// token. Every step carries the chain's id, so the token's detail shows them as one action.
import { insertOperations, transitionToken, type NewOperationInput } from '@tokenfleet/db';
import { enqueueOperations } from '@tokenfleet/queue';
import { PermanentFailure } from '../errors';
import { callGraph, lookUpDevice, lookUpUserId, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenUnassign: Handler<'token.unassign'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    if (!token.graphDeviceId) throw new PermanentFailure('not_created', `token ${token.serialNumber} is not in Entra`);
    await markRunning(jc.db, op.id);
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };
    // A reassign takes the token from its user only once the new user is known to Entra: otherwise
    // nobody would hold it, for nothing.
    if (op.params.then === 'assign' && !(await lookUpUserId(jc, op.params.upn!, audit))) {
      throw new PermanentFailure('user_not_found', `no user ${op.params.upn} in Entra; the token was left with ${token.assignedUpn ?? 'its user'}`);
    }
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
    const next = await jc.db.transaction(async (tx) => {
      await transitionToken(tx, token, { type: 'unassigned' }, { assignedUserId: null, assignedUpn: null, graphMethodId: null, lastError: null }, { actor: 'worker', operationId: op.id, detail: { from: token.assignedUpn, ...(op.params.then ? { then: op.params.then } : {}) } });
      await completeOperation(tx, op, graph);
      const step: Pick<NewOperationInput, 'tenantId' | 'tokenId' | 'generation' | 'createdBy' | 'chainId' | 'importId' | 'bulkActionId'> = {
        tenantId: op.tenantId,
        tokenId: token.id,
        generation: op.generation,
        createdBy: op.createdBy,
        chainId: op.chainId ?? op.id,
        importId: op.importId,
        // A bulk delete's progress waits for the delete, not only the unassign before it.
        bulkActionId: op.bulkActionId,
      };
      if (op.params.then === 'assign') return insertOperations(tx, [{ ...step, kind: 'token.assign', params: { upn: op.params.upn!, activate: op.params.activate === true } }]);
      if (op.params.then === 'delete') return insertOperations(tx, [{ ...step, kind: 'token.delete' }]);
      return [];
    });
    await enqueueOperations(jc.tenant.queue, next);
    return { status: 'done' };
  });
