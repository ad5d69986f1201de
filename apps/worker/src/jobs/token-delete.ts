// token.delete: removes an unassigned token from Entra's inventory. Graph refuses to delete an assigned
// device, so the life cycle demands an unassign first. A device Graph no longer has counts as deleted.
import { transitionToken } from '@tokenfleet/db';
import { callGraph, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenDelete: Handler<'token.delete'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    await markRunning(jc.db, op.id);
    let graph = { status: 204 as number, requestId: null as string | null };
    if (token.graphDeviceId) {
      const outcome = await callGraph(jc, { action: 'deleteDevice', write: true, tokenId: token.id, operationId: op.id }, () => jc.tenant.graph.deleteDevice(token.graphDeviceId!));
      if (outcome.kind === 'permanent' && outcome.status !== 404) throw permanentFrom(outcome, 'deleting the device');
      graph = { status: outcome.status, requestId: outcome.requestId };
    }
    await jc.db.transaction(async (tx) => {
      // The seed goes with the device: nothing is left that could be activated again.
      await transitionToken(tx, token, { type: 'deleted' }, { graphDeviceId: null, graphMethodId: null, secretKeyId: null, secretCiphertext: null, lastError: null }, { actor: 'worker', operationId: op.id });
      await completeOperation(tx, op, graph);
    });
    return { status: 'done' };
  });
