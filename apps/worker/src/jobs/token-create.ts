// token.create: puts tokens into Entra's inventory, fifty to a call. Every token has its own create job,
// but the first job to run claims up to a chunk of queued create operations of its tenant and carries
// them all in one bulk `$delta` PATCH with `assignTo`, so a token costs a fiftieth of a write to create
// and assign. The other jobs find their operation claimed and finish without a call.
//
// Crash safety: operations are marked "sent" just before the call. A job that finds sent operations in
// its claim (it died, or the call timed out) looks each serial up in Graph before creating it again.
import type { DeviceCreate, HardwareOathDevice } from '@tokenfleet/graph';
import { insertOperations, transitionToken, type Operation, type Token } from '@tokenfleet/db';
import { enqueueOperations } from '@tokenfleet/queue';
import type { JobContext } from '../context';
import { callGraph, lookUpUserId, okOrThrow, permanentFrom } from '../graph-call';
import { PermanentFailure } from '../errors';
import { failOperation, runOperation } from '../operation-runner';
import { claimCreateChunk, completeOperation, markSent, type OperationWork } from '../store';
import type { Handler } from './handler';

type ItemResult = { ok: true; device: HardwareOathDevice; requestId: string | null } | { ok: false; code: string; message: string; status: number | null; requestId: string | null };

export const tokenCreate: Handler<'token.create'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op }) => {
    // Held by another job's bulk call: that job carries it (and fails it, should it fail for good).
    if (op.status === 'running' && op.claimedBy && op.claimedBy !== op.id) return { status: 'covered', detail: `created with ${op.claimedBy}` };
    const claim = await claimCreateChunk(jc.db, op, jc.config.bulkChunkSize);
    if (!claim.some((work) => work.op.id === op.id)) return { status: 'covered', detail: 'claimed by another bulk call' };

    const results = new Map<string, ItemResult>();
    const toCreate: OperationWork[] = [];
    for (const work of claim) {
      const existing = work.op.sentAt ? await findExisting(jc, work) : null;
      if (existing) results.set(work.op.id, { ok: true, device: existing, requestId: null });
      else toCreate.push(work);
    }

    const userIds = await resolveUsers(jc, toCreate);
    const items = new Map(toCreate.map((work) => [work.op.id, deviceCreate(jc, work, userIds)]));
    let rejected = toCreate;
    if (toCreate.length > 0) {
      const outcome = await callGraph(
        jc,
        { action: 'createDevices', write: true, operationId: op.id, importId: op.importId, detail: { tokens: toCreate.length }, beforeSend: () => markSent(jc.db, [...items.keys()]) },
        () => jc.tenant.graph.createDevices([...items.values()], { chunkSize: items.size }),
      );
      // A bulk call refused as a whole leaves every token to be carried alone.
      if (outcome.kind === 'ok') {
        // Serials are unique per tenant, so they tie each answer to its operation.
        const operationBySerial = new Map(toCreate.map((work) => [work.token.serialNumber, work.op.id]));
        for (const item of outcome.value) {
          const operationId = operationBySerial.get(item.serialNumber);
          if (item.ok && operationId) results.set(operationId, { ok: true, device: item.device, requestId: outcome.requestId });
        }
        rejected = toCreate.filter((work) => !results.has(work.op.id));
      }
    }
    // Record what Entra holds now, so a delay or crash in the fallback below loses none of it.
    await record(jc, claim.filter((work) => results.has(work.op.id)), results, userIds);
    // The leader goes last: its failure must not end siblings still waiting for their single create.
    rejected.sort((a, b) => Number(a.op.id === op.id) - Number(b.op.id === op.id));
    for (const work of rejected) {
      results.set(work.op.id, await createAlone(jc, work, items.get(work.op.id)!));
      await record(jc, [work], results, userIds);
    }
    return { status: 'done', detail: `${claim.length} tokens, ${rejected.length} carried alone` };
  });

function deviceCreate(jc: JobContext, work: OperationWork, userIds: Map<string, string | null>): DeviceCreate {
  const { token } = work;
  const userId = wantsAssignment(work.op) ? userIds.get(work.op.params.upn!.toLowerCase()) : null;
  if (token.hashFunction === 'hmacsha512') throw new Error('SHA-512 tokens are refused at import; Entra does not support them');
  return {
    serialNumber: token.serialNumber,
    manufacturer: token.manufacturer,
    model: token.model,
    secretKey: jc.vault.decrypt(token.id, token.secretKeyId!, token.secretCiphertext!),
    timeIntervalInSeconds: token.timeIntervalSeconds as 30 | 60,
    hashFunction: token.hashFunction,
    displayName: token.displayName,
    ...(userId ? { assignTo: { id: userId } } : {}),
  };
}

/** One token on its own, after the bulk call refused it: first make sure the serial is not there already. */
async function createAlone(jc: JobContext, work: OperationWork, item: DeviceCreate): Promise<ItemResult> {
  const existing = await findExisting(jc, work);
  if (existing) {
    return { ok: false, code: 'serial_exists', message: `a device with serial ${work.token.serialNumber} already exists in Entra (id ${existing.id}); delete it there or import under another serial`, status: 409, requestId: null };
  }
  const outcome = await callGraph(
    jc,
    { action: 'createDevice', write: true, tokenId: work.token.id, operationId: work.op.id, importId: work.op.importId, beforeSend: () => markSent(jc.db, [work.op.id]) },
    () => jc.tenant.graph.createDevice(item),
  );
  if (outcome.kind === 'ok') return { ok: true, device: outcome.value, requestId: outcome.requestId };
  const failure = permanentFrom(outcome, 'creating the device');
  return { ok: false, code: failure.code, message: failure.message, ...failure.graph };
}

async function findExisting(jc: JobContext, work: OperationWork): Promise<HardwareOathDevice | null> {
  const outcome = await callGraph(jc, { action: 'findDeviceBySerial', write: false, tokenId: work.token.id, operationId: work.op.id }, () => jc.tenant.graph.findDeviceBySerial(work.token.serialNumber));
  return okOrThrow(outcome, 'looking up the serial');
}

function wantsAssignment(op: Operation): boolean {
  return Boolean(op.params.upn) && (op.params.assign === true || op.params.activate === true);
}

/** UPN → Entra object id for every token to be assigned; null for users Entra does not know. */
async function resolveUsers(jc: JobContext, works: OperationWork[]): Promise<Map<string, string | null>> {
  const resolved = new Map<string, string | null>();
  for (const work of works) {
    if (!wantsAssignment(work.op)) continue;
    const upn = work.op.params.upn!.toLowerCase();
    if (!resolved.has(upn)) resolved.set(upn, await lookUpUserId(jc, upn, { tokenId: work.token.id, operationId: work.op.id }));
  }
  return resolved;
}

/** Writes every token's outcome, chains the next step, and enqueues it after the commit. */
async function record(jc: JobContext, claim: OperationWork[], results: Map<string, ItemResult>, userIds: Map<string, string | null>): Promise<void> {
  const next: Operation[] = [];
  const failures: Array<{ work: OperationWork; result: Extract<ItemResult, { ok: false }> }> = [];
  await jc.db.transaction(async (tx) => {
    for (const work of claim) {
      const result = results.get(work.op.id);
      if (!result) continue;
      if (!result.ok) {
        failures.push({ work, result });
        continue;
      }
      const { op, token } = work;
      const upn = op.params.upn ?? null;
      const userId = wantsAssignment(op) ? (userIds.get(upn!.toLowerCase()) ?? null) : null;
      const assignedTo = result.device.assignedTo?.id ?? null;
      const changes = { graphDeviceId: result.device.id, graphMethodId: result.device.id, lastError: null };
      let current: Token = assignedTo
        ? await transitionToken(tx, token, { type: 'assigned' }, { ...changes, assignedUserId: assignedTo, assignedUpn: upn }, { actor: 'worker', operationId: op.id, importId: op.importId })
        : await transitionToken(tx, token, { type: 'created' }, changes, { actor: 'worker', operationId: op.id, importId: op.importId });
      if (result.device.status === 'activated' && current.state === 'assigned') {
        current = await transitionToken(tx, current, { type: 'activated' }, {}, { actor: 'worker', operationId: op.id, importId: op.importId, detail: { note: 'found active in Entra' } });
      }
      await completeOperation(tx, op, { status: 201, requestId: result.requestId }, { deviceId: result.device.id, bulk: true });

      const base = { tenantId: op.tenantId, tokenId: token.id, generation: op.generation, importId: op.importId, createdBy: 'worker', params: upn ? { upn } : {} };
      if (current.state === 'assigned' && op.params.activate === true) {
        next.push(...(await insertOperations(tx, [{ ...base, kind: 'token.activate' }])));
      } else if (wantsAssignment(op) && current.state === 'created') {
        // Entra did not take the assignment with the create: a user it does not know, or a create that
        // ignored assignTo. Either way the step is visible, with its reason, and retryable.
        next.push(
          ...(await insertOperations(tx, [
            userId
              ? { ...base, kind: 'token.assign', params: { upn: upn!, activate: op.params.activate === true } }
              : { ...base, kind: 'token.assign', params: { upn: upn!, activate: op.params.activate === true }, status: 'failed', lastErrorCode: 'user_not_found', lastErrorMessage: `no user ${upn} in Entra; assign the token to an existing user` },
          ])),
        );
      }
    }
  });
  for (const { work, result } of failures) {
    await failOperation(jc, work.op, new PermanentFailure(result.code, result.message, { status: result.status, requestId: result.requestId }), { final: true, includeClaimed: false });
  }
  await enqueueOperations(jc.tenant.queue, next.filter((row) => row.status === 'queued'));
}
