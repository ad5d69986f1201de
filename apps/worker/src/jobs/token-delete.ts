// token.delete: removes an unassigned token from Entra's inventory. Graph refuses to delete an assigned
// device, so the life cycle demands an unassign first. A device Graph no longer has counts as deleted.
//
// A clean-up (`params.cleanup`) removes a device that Entra created for a token an operator had already
// retired or deleted while its create was in flight: the token keeps its state, and the device goes,
// unassigned first when the create carried a user.
import { transitionToken, updateTokenFields } from '@tokenfleet/db';
import { callGraph, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenDelete: Handler<'token.delete'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    await markRunning(jc.db, op.id);
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };
    const cleanup = op.params.cleanup === true;
    let graph = { status: 204 as number, requestId: null as string | null };
    if (token.graphDeviceId) {
      if (cleanup && token.assignedUserId) {
        const outcome = await callGraph(jc, { action: 'unassign', write: true, ...audit }, () => jc.tenant.graph.unassign(token.assignedUserId!, token.graphMethodId ?? token.graphDeviceId!));
        if (outcome.kind === 'permanent' && outcome.status !== 404) throw permanentFrom(outcome, 'unassigning the device before deleting it');
      }
      const outcome = await callGraph(jc, { action: 'deleteDevice', write: true, ...audit }, () => jc.tenant.graph.deleteDevice(token.graphDeviceId!));
      if (outcome.kind === 'permanent' && outcome.status !== 404) throw permanentFrom(outcome, 'deleting the device');
      graph = { status: outcome.status, requestId: outcome.requestId };
    }
    await jc.db.transaction(async (tx) => {
      // The seed goes with the device: nothing is left that could be activated again.
      const gone = { graphDeviceId: null, graphMethodId: null, secretKeyId: null, secretCiphertext: null, lastError: null };
      if (cleanup) await updateTokenFields(tx, token.id, { ...gone, assignedUserId: null });
      else await transitionToken(tx, token, { type: 'deleted' }, gone, { actor: 'worker', operationId: op.id });
      await completeOperation(tx, op, graph, cleanup ? { note: `device removed again: the token is ${token.state}` } : undefined);
    });
    return { status: 'done' };
  });
