// The single-token life cycle carried out in Entra: the API, the worker and the sandbox over HTTPS, as an
// operator's script drives them. Each action is checked where it matters, in the sandbox: after disable
// Entra holds the method not activated, after enable activated again with a code accepted at tolerance 0,
// a reassign ends activated on the new user and nowhere else, a lost token stays deactivated through
// enables and retries.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, operations, requestTokenAction, retryOperations, tokens, TokenStateConflict } from '@tokenfleet/db';
import { base32Decode, totpCode } from '@tokenfleet/domain';
import { enqueueOperations } from '@tokenfleet/queue';
import { commitTokens, sandboxMembers, type CommittedToken } from '../../../test/support/commit-tokens';
import { startFullSystem, type FullSystem } from '../../../test/support/full-system';
import { waitForOperations } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';

let system: FullSystem;
beforeAll(async () => {
  // Strict TOTP (tolerance 0 steps) is the harness's default sandbox.
  system = await startFullSystem({ sandbox: { generatedUsers: 40 } });
});
afterAll(async () => {
  await system?.stop();
});

const db = () => system.client.db;
const queue = () => system.worker!.context.tenant.queue;

async function activeTokens(count: number, offset: number): Promise<Array<CommittedToken & { upn: string }>> {
  const upns = sandboxMembers(system, count, offset);
  const committed = await commitTokens(system, queue(), upns.map((upn) => ({ upn })));
  await waitForOperations(db(), committed.map((token) => token.id), 60_000);
  for (const token of committed) expect((await row(token.id)).state).toBe('active');
  return committed.map((token, index) => ({ ...token, upn: upns[index]! }));
}

async function row(tokenId: string) {
  const [token] = await db().select().from(tokens).where(eq(tokens.id, tokenId));
  return token!;
}

function device(serial: string) {
  return system.sandbox.inspect.devices().find((candidate) => candidate.serialNumber === serial);
}

/** What the action routes answer, success or refusal, as far as these tests read it. */
interface ActionAnswer {
  error: { code: string; message: string };
  operationId: string;
  token: { state: string; comment: string | null; lostNote: string | null };
  state: string;
}

async function post(path: string, json?: unknown): Promise<{ status: number; body: ActionAnswer }> {
  const response = await system.call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json ?? {}) });
  return { status: response.status, body: (await response.json()) as ActionAnswer };
}

async function settled(tokenId: string): Promise<void> {
  await waitForOperations(db(), [tokenId], 60_000);
}

/** The token's operations, for an assertion's message. */
async function story(tokenId: string): Promise<string> {
  const ops = await db().select().from(operations).where(eq(operations.tokenId, tokenId));
  return ops.map((op) => `${op.kind} ${op.status} ${op.lastErrorCode ?? ''} ${op.lastErrorMessage ?? ''}`).join('; ');
}

describe('disable and enable take effect in Entra', () => {
  it('disable deactivates the method, which stays assigned; enable activates it again with a code from the seed', async () => {
    const [token] = await activeTokens(1, 0);
    const disable = await post(`/api/v1/tokens/${token!.id}/disable`);
    expect(disable.status).toBe(202);
    const again = await post(`/api/v1/tokens/${token!.id}/disable`);
    expect(again.status).toBe(409);
    await settled(token!.id);
    expect((await row(token!.id)).state).toBe('disabled');
    expect(device(token!.serial)).toMatchObject({ status: 'assigned', assignedTo: { id: (await row(token!.id)).assignedUserId } });

    const enable = await post(`/api/v1/tokens/${token!.id}/enable`);
    expect(enable.status).toBe(202);
    await settled(token!.id);
    expect((await row(token!.id)).state, await story(token!.id)).toBe('active');
    expect(device(token!.serial)?.status).toBe('activated');
    // A code late on its way (a stalled machine) is sent again fresh; a code wrong for its window never is.
    const { activationsRefused, activationsRefusedLate } = system.sandbox.inspect.counters();
    expect(activationsRefused - activationsRefusedLate).toBe(0);

    const trail = await db().select({ action: auditEvents.action, detail: auditEvents.detail }).from(auditEvents).where(eq(auditEvents.tokenId, token!.id));
    const actions = trail.map((event) => event.action);
    expect(actions).toEqual(expect.arrayContaining(['graph.deactivate', 'token.disabled', 'token.enabled', 'graph.activate']));
  }, 120_000);

  it('without a seed, enable needs the code the token shows now, and sends that one', async () => {
    const [token] = await activeTokens(1, 1);
    // The step Entra accepted the import's code in, as Entra recorded it, not as Tokenfleet's estimate of
    // Graph's clock puts it afterwards: Entra refuses a code of a step it used.
    const activatedInStep = Math.floor(Date.parse(device(token!.serial)!.activation.activatedDateTime!) / 30_000);
    expect((await post(`/api/v1/tokens/${token!.id}/disable`)).status).toBe(202);
    await settled(token!.id);
    await db().update(tokens).set({ secretKeyId: null, secretCiphertext: null }).where(eq(tokens.id, token!.id));

    const refused = await post(`/api/v1/tokens/${token!.id}/enable`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('code_required');
    const malformed = await post(`/api/v1/tokens/${token!.id}/enable`, { verificationCode: '12ab' });
    expect(malformed.status).toBe(400);

    // The sandbox checks at tolerance 0: the code must be the one of the window it arrives in. The operator
    // reads it off the token, whose clock is the world's (the sandbox's), not Tokenfleet's estimate of it.
    const key = { secret: base32Decode(token!.secret)!, hashFunction: 'hmacsha1' as const, periodSeconds: 30, digits: 6 };
    const shown = () => system.sandbox.now();
    // A window after the one the import's activation used, with time to spare: two thirds of it, since a
    // loaded machine (the full suite runs files side by side) can take seconds to get the job to Graph, and
    // the operator's code is good for its window only.
    const fresh = () => Math.floor(shown() / 30_000) > activatedInStep && 30_000 - (shown() % 30_000) > 20_000;
    await waitUntil(async () => (fresh() ? true : undefined), { timeoutMs: 70_000, intervalMs: 250, failure: () => 'no fresh window' });
    const typedAt = shown();
    const enable = await post(`/api/v1/tokens/${token!.id}/enable`, { verificationCode: totpCode(key, typedAt) });
    expect(enable.status).toBe(202);
    const job = await queue().getJob(`activate-${token!.id}-g${(await row(token!.id)).generation}`);
    expect(job?.data).toEqual({ tenantId: system.tenantId, operationId: enable.body.operationId });
    await settled(token!.id);
    const arrivals = system.sandbox.inspect.calls().filter((call) => call.route.endsWith('/activate') && Date.parse(call.at) >= typedAt).map((call) => `${call.status} at ${Date.parse(call.at) - typedAt} ms`);
    expect((await row(token!.id)).state, `${await story(token!.id)}; typed in step ${Math.floor(typedAt / 30_000)} with ${30_000 - (typedAt % 30_000)} ms left, activations after it: ${arrivals.join(', ')}; import activated in step ${activatedInStep}`).toBe('active');
    expect(device(token!.serial)?.status).toBe('activated');
    const [op] = await db().select().from(operations).where(eq(operations.id, enable.body.operationId));
    expect(op!.params.sealedCode).toBeUndefined();
    expect(JSON.stringify(await db().select().from(auditEvents).where(eq(auditEvents.tokenId, token!.id)))).not.toContain(totpCode(key, typedAt));
  }, 120_000);
});

describe('report lost', () => {
  it('marks the token lost at once, deactivates it first thing, and nothing brings it back', async () => {
    const [token] = await activeTokens(1, 2);
    const lost = await post(`/api/v1/tokens/${token!.id}/lost`, { note: 'left on the train' });
    expect(lost.status).toBe(202);
    expect(lost.body.token).toMatchObject({ state: 'lost', lostNote: 'left on the train' });
    expect(lost.body.operationId).toEqual(expect.any(String));
    const job = await queue().getJob(`deactivate-${token!.id}-g${(await row(token!.id)).generation}`);
    expect(job?.opts.lifo).toBe(true);
    await settled(token!.id);
    expect((await row(token!.id)).state).toBe('lost');
    expect(device(token!.serial)?.status).toBe('assigned');

    // No enable, no activation, no reassign.
    for (const [action, json] of [['enable', {}], ['activate', {}], ['reassign', { upn: sandboxMembers(system, 1, 30)[0] }]] as const) {
      const answer = await post(`/api/v1/tokens/${token!.id}/${action}`, json);
      expect(answer.status, action).toBe(409);
    }
    // Nor the path a bulk action or a webhook takes.
    await expect(db().transaction((tx) => requestTokenAction(tx, { tokenId: token!.id, action: 'enable', actor: 'bulk:test' }))).rejects.toBeInstanceOf(TokenStateConflict);

    // Nor a retry of an activation that failed: a failed one is not put back in line, and one that runs all the same fails.
    const [stale] = await db()
      .insert(operations)
      .values({ id: crypto.randomUUID(), tenantId: system.tenantId, tokenId: token!.id, kind: 'token.activate', status: 'failed', generation: 999, params: { enable: true }, createdBy: 'test' })
      .returning();
    expect(await db().transaction((tx) => retryOperations(tx, [stale!.id], 'test'))).toEqual([]);
    await db().update(operations).set({ status: 'queued' }).where(eq(operations.id, stale!.id));
    await enqueueOperations(queue(), [stale!]);
    await settled(token!.id);
    expect((await db().select().from(operations).where(eq(operations.id, stale!.id)))[0]).toMatchObject({ status: 'failed', lastErrorCode: 'token_lost' });
    expect((await row(token!.id)).state).toBe('lost');
    expect(device(token!.serial)?.status).toBe('assigned');

    // What is offered afterwards: delete (unassigning it first, once its user is named).
    const remove = await post(`/api/v1/tokens/${token!.id}/delete`, { confirm: token!.upn.toUpperCase() });
    expect(remove.status).toBe(202);
    await settled(token!.id);
    expect((await row(token!.id)).state).toBe('deleted');
    expect(device(token!.serial)).toBeUndefined();
  }, 120_000);

  it('cancels a queued activation and can be retired', async () => {
    const [token] = await activeTokens(1, 3);
    expect((await post(`/api/v1/tokens/${token!.id}/disable`)).status).toBe(202);
    await settled(token!.id);
    await system.worker!.close(5_000);
    try {
      const enable = await post(`/api/v1/tokens/${token!.id}/enable`);
      expect(enable.status).toBe(202);
      expect((await post(`/api/v1/tokens/${token!.id}/lost`, { note: 'stolen' })).status).toBe(202);
      const [activation] = await db().select().from(operations).where(eq(operations.id, enable.body.operationId));
      expect(activation).toMatchObject({ status: 'cancelled', lastErrorCode: 'token_lost' });
    } finally {
      await system.startWorker();
    }
    await settled(token!.id);
    expect(device(token!.serial)?.status).toBe('assigned');
    const retire = await post(`/api/v1/tokens/${token!.id}/retire`);
    expect(retire.status).toBe(200);
    expect(retire.body.state).toBe('retired');
  }, 120_000);
});

describe('reassign', () => {
  it('unassigns, assigns and activates as one chain, ending activated on the new user and nowhere else', async () => {
    const [token] = await activeTokens(1, 4);
    const [newUser] = sandboxMembers(system, 1, 20);
    const before = device(token!.serial)!;
    const answer = await post(`/api/v1/tokens/${token!.id}/reassign`, { upn: newUser });
    expect(answer.status).toBe(202);
    expect((await post(`/api/v1/tokens/${token!.id}/reassign`, { upn: newUser })).status).toBe(409);
    // The chain writes each step when the one before has landed: wait for the last.
    await waitUntil(async () => ((await row(token!.id)).state === 'active' && (await row(token!.id)).assignedUpn === newUser ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
      failure: () => 'the reassign did not end active on the new user',
    });
    const after = device(token!.serial)!;
    expect(after.status).toBe('activated');
    expect(after.assignedTo?.id).not.toBe(before.assignedTo?.id);
    const holders = system.sandbox.inspect.devices().filter((candidate) => candidate.serialNumber === token!.serial);
    expect(holders).toHaveLength(1);

    const detail = (await (await system.call(`/api/v1/tokens/${token!.id}`)).json()) as { operations: Array<{ kind: string; status: string; chainId: string | null }> };
    const chain = detail.operations.filter((op) => op.chainId === answer.body.operationId);
    expect(chain.map((op) => `${op.kind} ${op.status}`).sort()).toEqual(['token.activate succeeded', 'token.assign succeeded', 'token.unassign succeeded']);
  }, 120_000);


  it('to a user Entra does not know, leaves the token with its user and says why', async () => {
    const [token] = await activeTokens(1, 7);
    const answer = await post(`/api/v1/tokens/${token!.id}/reassign`, { upn: 'nobody.here@contoso.example' });
    expect(answer.status).toBe(202);
    await settled(token!.id);
    const [unassign] = await db().select().from(operations).where(eq(operations.id, answer.body.operationId));
    expect(unassign).toMatchObject({ status: 'failed', lastErrorCode: 'user_not_found' });
    expect(await row(token!.id)).toMatchObject({ state: 'active', assignedUpn: token!.upn });
    expect(device(token!.serial)?.status).toBe('activated');
  }, 60_000);
});

describe('edit', () => {
  it('audits the comment and renames an unassigned token in Entra, with old and new values', async () => {
    const [created] = await commitTokens(system, queue(), [{}]);
    await settled(created!.id);
    expect((await row(created!.id)).state).toBe('created');
    const oldName = (await row(created!.id)).displayName;
    const edit = await post(`/api/v1/tokens/${created!.id}/edit`, { displayName: 'Front desk spare', comment: 'kept in the safe' });
    expect(edit.status).toBe(200);
    expect(edit.body.token.comment).toBe('kept in the safe');
    expect(edit.body.operationId).toEqual(expect.any(String));
    await settled(created!.id);
    expect((await row(created!.id)).displayName).toBe('Front desk spare');
    expect(device(created!.serial)?.displayName).toBe('Front desk spare');
    const edits = await db().select({ detail: auditEvents.detail }).from(auditEvents).where(and(eq(auditEvents.tokenId, created!.id), eq(auditEvents.action, 'token.edited')));
    expect(edits.map((event) => event.detail)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'comment', from: null, to: 'kept in the safe' }),
        expect.objectContaining({ field: 'displayName', from: oldName, to: 'Front desk spare' }),
      ]),
    );
  }, 60_000);

  it('refuses to rename an active token in Entra, saying how', async () => {
    const [token] = await activeTokens(1, 5);
    const answer = await post(`/api/v1/tokens/${token!.id}/edit`, { displayName: 'Renamed' });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('rename_not_possible');
    expect((await post(`/api/v1/tokens/${token!.id}/edit`, {})).status).toBe(400);
  }, 60_000);
});

describe('delete', () => {
  it('asks for the user of an assigned token, then unassigns and deletes the device', async () => {
    const [token] = await activeTokens(1, 6);
    const bare = await post(`/api/v1/tokens/${token!.id}/delete`);
    expect(bare.status).toBe(409);
    expect(bare.body.error.code).toBe('confirmation_required');
    expect(bare.body.error.message).toContain(token!.upn);
    expect((await post(`/api/v1/tokens/${token!.id}/delete`, { confirm: 'someone.else@contoso.example' })).status).toBe(409);
    const remove = await post(`/api/v1/tokens/${token!.id}/delete`, { confirm: token!.upn });
    expect(remove.status).toBe(202);
    await waitUntil(async () => ((await row(token!.id)).state === 'deleted' ? true : undefined), { timeoutMs: 60_000, intervalMs: 250, failure: () => 'not deleted' });
    expect(device(token!.serial)).toBeUndefined();
  }, 60_000);
});
