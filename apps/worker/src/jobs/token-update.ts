// token.update: renames a token's device in Entra (docs/graph-hardware-oath.md §2.5). Graph renames only
// an unassigned device, so the API queues this only for one; Tokenfleet's display name changes when Graph
// has confirmed, with an audit row holding the old and the new name.
import { eq } from 'drizzle-orm';
import { appendAudit, tokens, updateTokenFields } from '@tokenfleet/db';
import { PermanentFailure } from '../errors';
import { callGraph, permanentFrom } from '../graph-call';
import { runOperation } from '../operation-runner';
import { completeOperation, markRunning } from '../store';
import type { Handler } from './handler';

export const tokenUpdate: Handler<'token.update'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op, token }) => {
    const displayName = op.params.displayName;
    if (!displayName) throw new PermanentFailure('nothing_to_change', 'the update operation names no display name');
    if (!token.graphDeviceId) throw new PermanentFailure('not_created', `token ${token.serialNumber} is not in Entra`);
    await markRunning(jc.db, op.id);
    const audit = { tokenId: token.id, operationId: op.id, importId: op.importId };
    const outcome = await callGraph(jc, { action: 'updateDevice', write: true, ...audit, detail: { displayName } }, () => jc.tenant.graph.updateDevice(token.graphDeviceId!, { displayName }));
    if (outcome.kind === 'permanent') throw permanentFrom(outcome, 'renaming the device');
    await jc.db.transaction(async (tx) => {
      const [current] = await tx.select({ displayName: tokens.displayName }).from(tokens).where(eq(tokens.id, token.id)).for('update');
      await updateTokenFields(tx, token.id, { displayName });
      await appendAudit(tx, {
        actor: 'worker',
        action: 'token.edited',
        outcome: 'success',
        tenantId: token.tenantId,
        targetType: 'token',
        targetId: token.id,
        tokenId: token.id,
        operationId: op.id,
        detail: { field: 'displayName', from: current?.displayName ?? token.displayName, to: displayName, entra: 'renamed', requestedBy: op.createdBy },
      });
      await completeOperation(tx, op, { status: outcome.status, requestId: outcome.requestId });
    });
    return { status: 'done' };
  });
