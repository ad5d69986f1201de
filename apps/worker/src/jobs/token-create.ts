// token.create: puts tokens into Entra's inventory, fifty to a call. Every token has its own create job,
// but the first job to run claims up to a chunk of queued create operations of its tenant and carries
// them all in one bulk `$delta` PATCH with `assignTo`, so a token costs a fiftieth of a write to create
// and assign. The other jobs find their operation claimed and finish without a call.
//
// A problem of one token is that token's: each is prepared, recorded and failed on its own, so one
// token's unreadable seed, unknown user, refusal or state conflict never takes its chunk down with it.
// A token the bulk call refused is carried alone; if that fails for a reason that may pass, the token
// goes back in line under its own job (see `settleSibling`) instead of holding the leader's.
//
// Crash safety: operations are marked "sent" just before the call. A job that finds sent operations in
// its claim (it died, or the call timed out) looks each serial up in Graph before creating it again, and
// adopts the device it finds when it is the one this installation sent (see `ownDevice`).
import type { DeviceCreate, HardwareOathDevice } from '@tokenfleet/graph';
import { eq } from 'drizzle-orm';
import { finishStep, insertOperations, tokens, TokenStateConflict, transitionToken, updateTokenFields, type DbOrTx, type InsertedStep, type NewOperationInput, type Operation, type Token } from '@tokenfleet/db';
import { operationJobId } from '@tokenfleet/domain';
import { enqueueOperations, moveToHead } from '@tokenfleet/queue';
import type { JobContext } from '../context';
import { callGraph, lookUpUserId, lookUpUserIds, okOrThrow, permanentFrom } from '../graph-call';
import { isWait, jobBackoffMs, outageOf, PermanentFailure } from '../errors';
import { describeFailure, failOperation, runOperation } from '../operation-runner';
import { claimCreateChunk, completeOperation, nextQueuedCreate, releaseOperations, type FailureRecord, type OperationWork } from '../store';
import type { Handler } from './handler';


/** Waits that a sibling spends in its own job, not in the leader's (whose operation may have ended). */
class SiblingMustWait extends Error {
  constructor(readonly waitMs: number) {
    super(`waiting ${waitMs} ms for the write budget`);
  }
}

export const tokenCreate: Handler<'token.create'> = (job, jc) =>
  runOperation(jc, job.data.operationId, async ({ op }) => {
    // Held by another job's bulk call: that job carries it (and fails it, should it fail for good).
    if (op.status === 'running' && op.claimedBy && op.claimedBy !== op.id) return { status: 'covered', detail: `created with ${op.claimedBy}` };
    const perItem = jc.config.bulkCreateCost === 'item';
    const claim = await claimCreateChunk(jc.db, op, createChunkSize(jc));
    const leader = claim.find((work) => work.op.id === op.id);
    if (!leader) return { status: 'covered', detail: 'claimed by another bulk call' };
    let leaderError: unknown = null;
    const settle = async (work: OperationWork, error: unknown) => {
      if (work === leader) leaderError = error;
      else await settleSibling(jc, work, error);
    };

    // The claim's users in a few reads rather than one each. A look-up that fails for a reason of its own
    // (not a wait) leaves each token to look up its user alone below.
    try {
      await lookUpUserIds(jc, claim.filter((work) => wantsAssignment(work.op)).map((work) => work.op.params.upn!), { operationId: op.id, importId: op.importId });
    } catch (error) {
      if (isWait(error) || outageOf(error)) throw error;
    }

    // Each token on its own: a device an earlier attempt may have created, its user, its seed.
    const ready: Array<{ work: OperationWork; item: DeviceCreate; userId: string | null; mayHaveLanded?: boolean }> = [];
    for (const work of claim) {
      try {
        const existing = work.op.sentAt ? await findOwnDevice(jc, work) : null;
        const userId = wantsAssignment(work.op) ? await lookUpUserId(jc, work.op.params.upn!, { tokenId: work.token.id, operationId: work.op.id }) : null;
        if (existing) await recordCreated(jc, work, existing, userId, null);
        else ready.push({ work, item: deviceCreate(jc, work, userId), userId });
      } catch (error) {
        // A wait (a 429 on a look-up) holds the whole claim: the job comes back with it.
        if (isWait(error) || outageOf(error)) throw error;
        await settle(work, error);
      }
    }

    let rejected = ready;
    if (ready.length > 0) {
      const outcome = await callGraph(
        jc,
        { action: 'createDevices', write: true, writes: perItem ? ready.length : 1, operationId: op.id, importId: op.importId, detail: { tokens: ready.length }, carries: ready.map(({ work }) => work.op.id) },
        () => jc.tenant.graph.createDevices(ready.map(({ item }) => item), { chunkSize: ready.length }),
      );
      // A bulk call refused as a whole leaves every token to be carried alone.
      if (outcome.kind === 'ok') {
        // Serials are unique per tenant, so they tie each answer to its token.
        const answers = new Map(outcome.value.map((item) => [item.serialNumber, item]));
        rejected = [];
        for (const entry of ready) {
          const answer = answers.get(entry.work.token.serialNumber);
          if (!answer?.ok) {
            // An item Graph did not report on, or failed on its side, may have been created all the same;
            // one it refused (a 4xx) was not, whatever holds its serial now.
            rejected.push({ ...entry, mayHaveLanded: !answer || answer.status >= 500 || answer.code === 'missingFromResponse' });
            continue;
          }
          const device = answer.device;
          // Each on its own, at once, so a delay or crash in the fallback below loses none of them.
          try {
            await recordCreated(jc, entry.work, device, entry.userId, outcome.requestId);
          } catch (error) {
            if (outageOf(error)) throw error;
            await settle(entry.work, error);
          }
        }
      }
    }
    // The leader goes last: its wait or failure must not hold siblings still waiting for their single create.
    rejected.sort((a, b) => Number(a.work === leader) - Number(b.work === leader));
    for (const entry of rejected) {
      const sibling = entry.work !== leader;
      try {
        const created = await createAlone(jc, entry, sibling);
        await recordCreated(jc, entry.work, created.device, entry.userId, created.requestId);
      } catch (error) {
        // The leader's own wait is its job's; a sibling's is spent in a job of its own (settleSibling).
        if (outageOf(error) || (!sibling && isWait(error))) throw error;
        await settle(entry.work, error);
      }
    }
    await bringNextCreateForward(jc);
    if (leaderError) throw leaderError;
    return { status: 'done', detail: `${claim.length} tokens, ${rejected.length} carried alone` };
  });

/**
 * Tokens per bulk call. Counted per item, a call larger than the budget's burst could never be granted
 * (nor admitted by Graph); one as large as the burst needs Graph's bucket exactly full when it arrives,
 * which the writes still on their way rarely leave it, and is refused whole with a 429. Half the burst
 * leaves that headroom; per item, the chunk's size does not change what the tokens cost.
 */
export function createChunkSize(jc: JobContext): number {
  return jc.config.bulkCreateCost === 'item' ? Math.min(jc.config.bulkChunkSize, Math.max(1, Math.floor(jc.tenant.budget.burstWrites / 2))) : jc.config.bulkChunkSize;
}

/**
 * The tokens just created put their activations at the head of the queue; the import's next create goes
 * ahead of them, so one bulk call after another keeps running beside the activations. Without this the
 * next creates waited behind every activation queued, the budget stood idle while they then ran all at
 * once, and a 10,000-token import used three quarters of it (docs/performance.md).
 */
async function bringNextCreateForward(jc: JobContext): Promise<void> {
  const next = await nextQueuedCreate(jc.db, jc.tenant.tenantId);
  if (next) await moveToHead(jc.tenant.queue, operationJobId(next.kind, next.tokenId, next.generation));
}

function deviceCreate(jc: JobContext, work: OperationWork, userId: string | null): DeviceCreate {
  const { token } = work;
  if (token.hashFunction === 'hmacsha512') throw new PermanentFailure('unsupported_hash', 'SHA-512 tokens are refused at import; Entra does not support them');
  if (!token.secretKeyId || !token.secretCiphertext) throw new PermanentFailure('seed_purged', `the seed of token ${token.serialNumber} is no longer stored; import it again`);
  let secretKey: string;
  try {
    secretKey = jc.vault.decrypt(token.id, token.secretKeyId, token.secretCiphertext);
  } catch (error) {
    throw new PermanentFailure('seed_unreadable', `the stored seed of token ${token.serialNumber} cannot be decrypted (${(error as Error).message})`);
  }
  return {
    serialNumber: token.serialNumber,
    manufacturer: token.manufacturer,
    model: token.model,
    secretKey,
    timeIntervalInSeconds: token.timeIntervalSeconds as 30 | 60,
    hashFunction: token.hashFunction,
    displayName: token.displayName,
    ...(userId ? { assignTo: { id: userId } } : {}),
  };
}

/**
 * One token on its own, after the bulk call refused it. A device with its serial that this installation
 * sent is adopted; one that is someone else's is a refusal with a reason, and is left untouched.
 */
async function createAlone(
  jc: JobContext,
  { work, item, mayHaveLanded = false }: { work: OperationWork; item: DeviceCreate; mayHaveLanded?: boolean },
  sibling: boolean,
): Promise<{ device: HardwareOathDevice; requestId: string | null }> {
  const existing = await findOwnDevice(jc, work, { sentNow: mayHaveLanded });
  if (existing) return { device: existing, requestId: null };
  const outcome = await callGraph(
    jc,
    {
      action: 'createDevice',
      write: true,
      tokenId: work.token.id,
      operationId: work.op.id,
      importId: work.op.importId,
      carries: [work.op.id],
      ...(sibling ? { waitForBudget: (ms: number) => Promise.reject(new SiblingMustWait(ms)) } : {}),
    },
    () => jc.tenant.graph.createDevice(item),
  );
  if (outcome.kind === 'ok') return { device: outcome.value, requestId: outcome.requestId };
  throw permanentFrom(outcome, 'creating the device');
}

/**
 * The device Entra holds under this token's serial, when it is the one this installation sent: same
 * serial, hash and interval, and not assigned to anyone but the token's user, sent by an earlier attempt
 * or (`sentNow`) by this attempt's bulk call, whose answer left it open. A device that is not ours is a
 * refusal: Tokenfleet never takes over another's token.
 */
async function findOwnDevice(jc: JobContext, work: OperationWork, { sentNow = false } = {}): Promise<HardwareOathDevice | null> {
  const outcome = await callGraph(jc, { action: 'findDeviceBySerial', write: false, tokenId: work.token.id, operationId: work.op.id }, () => jc.tenant.graph.findDeviceBySerial(work.token.serialNumber));
  const device = okOrThrow(outcome, 'looking up the serial');
  if (!device) return null;
  const { token, op } = work;
  const sent = sentNow || op.sentAt !== null;
  const userId = wantsAssignment(op) ? await lookUpUserId(jc, op.params.upn!, { tokenId: token.id, operationId: op.id }) : null;
  const sameToken = device.hashFunction === token.hashFunction && device.timeIntervalInSeconds === token.timeIntervalSeconds;
  const sameUser = !device.assignedTo || device.assignedTo.id === userId;
  if (sent && sameToken && sameUser) return device;
  const why = !sent ? 'Tokenfleet never sent a create for it' : !sameToken ? 'its hash or interval differ from the seed file' : `it is assigned to another user (${device.assignedTo?.displayName ?? device.assignedTo?.id})`;
  throw new PermanentFailure('serial_exists', `a device with serial ${token.serialNumber} already exists in Entra (id ${device.id}) and is not this token's: ${why}; delete it there or import under another serial`, { status: 409, requestId: outcome.requestId });
}

function wantsAssignment(op: Operation): boolean {
  return Boolean(op.params.upn) && (op.params.assign === true || op.params.activate === true);
}

/**
 * A sibling whose create failed: a refusal fails it for good; anything that may pass (a 5xx, a lost
 * answer, a wait for the budget or a 429) puts it back in line under its own job, after its backoff,
 * until it has spent its attempts.
 */
async function settleSibling(jc: JobContext, work: OperationWork, error: unknown): Promise<void> {
  const mayPass = !(error instanceof PermanentFailure) && !(error instanceof TokenStateConflict);
  if (!mayPass || work.op.attempts >= jc.config.maxAttempts) {
    await failOperation(jc, work.op, error, { final: true, includeClaimed: false });
    return;
  }
  const failure = describe(error);
  const waitMs = error instanceof SiblingMustWait ? error.waitMs : isWait(error) ? await jc.tenant.budget.blockedForMs() : jobBackoffMs(work.op.attempts, error);
  const released = await jc.db.transaction((tx) => releaseOperations(tx, [work.op.id], failure));
  await enqueueOperations(jc.tenant.queue, released, { delayMs: Math.max(1, waitMs) });
}

/** A sibling's failure as its operation row shows it; the waits it is put back in line for get codes of their own. */
function describe(error: unknown): Omit<FailureRecord, 'final'> {
  if (error instanceof SiblingMustWait) return { code: 'budget_wait', message: error.message, graphStatus: null, requestId: null };
  if (isWait(error)) return { code: 'throttled', message: 'Graph throttled the tenant; retried after the pause', graphStatus: 429, requestId: null };
  return describeFailure(error);
}

/**
 * Writes one token's created device, completes its operation and chains the next step, in one
 * transaction, then enqueues that step. A token an operator retired or deleted while its create was in
 * flight keeps that state; the device Entra now holds for it is recorded and removed again.
 */
async function recordCreated(jc: JobContext, work: OperationWork, device: HardwareOathDevice, userId: string | null, requestId: string | null): Promise<void> {
  const { op, token } = work;
  const upn = op.params.upn ?? null;
  const context = { actor: 'worker', operationId: op.id, importId: op.importId };
  const assignedTo = device.assignedTo?.id ?? null;
  const changes = { graphDeviceId: device.id, graphMethodId: device.id, lastError: null };
  const base = { tenantId: op.tenantId, tokenId: token.id, generation: op.generation, importId: op.importId, createdBy: 'worker', params: upn ? { upn } : {} };
  // The next step once the token is assigned (Entra took the assignment with the create) or only created.
  const nextStep = (state: Token['state']): NewOperationInput | undefined => {
    if (state === 'assigned' && op.params.activate === true) return { ...base, kind: 'token.activate' };
    if (wantsAssignment(op) && state === 'created') {
      // Entra did not take the assignment with the create: a user it does not know, or a create that
      // ignored assignTo. Either way the step is visible, with its reason, and retryable.
      const params = { upn: upn!, activate: op.params.activate === true };
      return userId
        ? { ...base, kind: 'token.assign', params }
        : { ...base, kind: 'token.assign', params, status: 'failed', lastErrorCode: 'user_not_found', lastErrorMessage: `no user ${upn} in Entra; assign the token to an existing user` };
    }
    return undefined;
  };
  // The usual case in one statement (finishStep); a device found active, or a token that changed under
  // the create, takes the transaction below.
  const fast =
    device.status === 'activated'
      ? null
      : await finishStep(jc.db, {
          actor: 'worker',
          operation: op,
          graph: { status: 201, requestId },
          detail: { deviceId: device.id, bulk: true },
          token: assignedTo ? { from: token.state, event: { type: 'assigned' }, changes: { ...changes, assignedUserId: assignedTo, assignedUpn: upn } } : { from: token.state, event: { type: 'created' }, changes },
          next: nextStep(assignedTo ? 'assigned' : 'created'),
        });
  const next = fast ? fast.next : await jc.db.transaction(async (tx): Promise<InsertedStep[]> => {
    let current: Token;
    try {
      current = assignedTo
        ? await transitionToken(tx, token, { type: 'assigned' }, { ...changes, assignedUserId: assignedTo, assignedUpn: upn }, context)
        : await transitionToken(tx, token, { type: 'created' }, changes, context);
    } catch (error) {
      if (!(error instanceof TokenStateConflict)) throw error;
      const [now] = await tx.select({ state: tokens.state, graphDeviceId: tokens.graphDeviceId }).from(tokens).where(eq(tokens.id, token.id));
      if (now && (now.state === 'retired' || now.state === 'deleted')) return outrunByOperator(tx, work, now.state, device, requestId);
      // Recorded already (another attempt got there first): nothing to undo, nothing to chain twice.
      if (now?.graphDeviceId === device.id) {
        await completeOperation(tx, op, { status: 201, requestId }, { deviceId: device.id, note: 'already recorded' });
        return [];
      }
      throw error;
    }
    if (device.status === 'activated' && current.state === 'assigned') {
      current = await transitionToken(tx, current, { type: 'activated' }, {}, { ...context, detail: { note: 'found active in Entra' } });
    }
    await completeOperation(tx, op, { status: 201, requestId }, { deviceId: device.id, bulk: true });
    const step = nextStep(current.state);
    return step ? insertOperations(tx, [step]) : [];
  });
  // At the head of the queue: these tokens' assignments and activations go ahead of the import's creates
  // still waiting (most of them siblings a bulk call already carried), so the write budget is spent on
  // activations from the first chunk on instead of standing idle until every create job has run.
  await enqueueOperations(jc.tenant.queue, next.filter((row) => row.status === 'queued'), { atHead: true });
}

/**
 * The token changed under its create (an operator retired or deleted it): its state stands, the device
 * Entra created is written down, and a clean-up removes it from Entra, so no token the operator took out
 * of service is left where its user could activate it.
 */
async function outrunByOperator(tx: DbOrTx, work: OperationWork, state: 'retired' | 'deleted', device: HardwareOathDevice, requestId: string | null): Promise<Operation[]> {
  const { op, token } = work;
  await updateTokenFields(tx, token.id, { graphDeviceId: device.id, graphMethodId: device.id, assignedUserId: device.assignedTo?.id ?? null });
  await completeOperation(tx, op, { status: 201, requestId }, { deviceId: device.id, note: `the token was ${state} while its create was in flight; the device is removed again` });
  return insertOperations(tx, [{ tenantId: op.tenantId, tokenId: token.id, kind: 'token.delete', generation: op.generation, importId: op.importId, createdBy: 'worker', params: { cleanup: true } }]);
}
