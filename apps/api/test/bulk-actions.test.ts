// Bulk actions through the API, with the walk driven chunk by chunk as the worker's bulk.expand job drives
// it (walkBulkChunk), so each step between chunks can be looked at: the preview, refused tokens that do not
// stop the others, cancel mid-way, a crash between chunks, the failures and their retry, and the roles.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray } from 'drizzle-orm';
import { auditEvents, bulkActions, operations, tokens, walkBulkChunk, type Token } from '@tokenfleet/db';
import { base32Encode } from '@tokenfleet/domain';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

/** Inserts tokens as an import leaves them, each in the given state and for its own user. */
async function insertTokens(count: number, state: Token['state'], label: string, { upn = true, seed = false }: { upn?: boolean; seed?: boolean } = {}): Promise<string[]> {
  const rows = Array.from({ length: count }, (_, index) => {
    const id = randomUUID();
    const sealed = seed ? t.api.deps.vault.encrypt(id, base32Encode(randomBytes(20))) : null;
    return {
    id,
    secretKeyId: sealed?.keyId ?? null,
    secretCiphertext: sealed?.ciphertext ?? null,
    tenantId: t.api.deps.tenant.id,
    serialNumber: `${label}-${String(index).padStart(5, '0')}`,
    manufacturer: 'Token2',
    model: 'C202',
    displayName: `Token2 C202 ${label} ${index}`,
    hashFunction: 'hmacsha1' as const,
    state,
    assignedUpn: upn ? `${label}-user${String(index).padStart(5, '0')}@contoso.example` : null,
    assignedUserId: upn ? randomUUID() : null,
    graphDeviceId: state === 'imported' ? null : randomUUID(),
    };
  });
  for (let start = 0; start < rows.length; start += 500) await t.api.deps.db.insert(tokens).values(rows.slice(start, start + 500));
  return rows.map((row) => row.id);
}

/** Walks the whole selection as the worker does, one chunk at a time; answers the chunks taken. */
async function walk(id: string, chunk?: number): Promise<number> {
  let chunks = 0;
  for (;;) {
    chunks += 1;
    if ((await walkBulkChunk(t.api.deps.db, id, chunk)).finished) return chunks;
  }
}

async function start(json: unknown, key = t.keys.operator): Promise<string> {
  const answer = await t.call('POST', '/api/v1/bulk-actions', { key, json });
  expect(answer.status, answer.text).toBe(202);
  return answer.body.id as string;
}

const get = async (id: string) => (await t.call('GET', `/api/v1/bulk-actions/${id}`)).body;

describe('bulk actions', () => {
  it('previews the count and the users affected, by ids or by the token list filter', async () => {
    const ids = await insertTokens(30, 'active', 'pre');
    await insertTokens(5, 'created', 'pre-free', { upn: false });
    const byIds = await t.call('POST', '/api/v1/bulk-actions/preview', { key: t.keys.operator, json: { action: 'disable', tokenIds: ids.slice(0, 12) } });
    expect(byIds.status).toBe(200);
    expect(byIds.body).toMatchObject({ action: 'disable', total: 12, users: 12, unassigned: 0, byState: { active: 12 } });
    expect(byIds.body.sampleUpns).toHaveLength(10);

    const byFilter = await t.call('POST', '/api/v1/bulk-actions/preview', { key: t.keys.operator, json: { action: 'delete', filter: { serial: 'pre-' } } });
    expect(byFilter.body).toMatchObject({ total: 35, users: 30, unassigned: 5, byState: { active: 30, created: 5 } });
    expect(byFilter.body.sampleUpns[0]).toBe('pre-user00000@contoso.example');
    // What the token list shows for the same filter is what the preview counts.
    const listed = await t.call('GET', '/api/v1/tokens?serial=pre-&limit=500');
    expect(listed.body.items).toHaveLength(35);
  });

  it('refuses a selection that is both, neither, unconfirmed or empty, and a viewer', async () => {
    const [id] = await insertTokens(1, 'active', 'refuse');
    for (const json of [
      { action: 'disable', tokenIds: [id], filter: {}, confirm: true },
      { action: 'disable', confirm: true },
      { action: 'disable', tokenIds: [id] },
      { action: 'disable', tokenIds: [id], confirm: false },
      { action: 'explode', tokenIds: [id], confirm: true },
    ]) {
      const answer = await t.call('POST', '/api/v1/bulk-actions', { key: t.keys.operator, json });
      expect(answer.status, JSON.stringify(json)).toBe(400);
    }
    const empty = await t.call('POST', '/api/v1/bulk-actions', { key: t.keys.operator, json: { action: 'disable', filter: { serial: 'nothing-like-this' }, confirm: true } });
    expect(empty.status).toBe(409);
    expect(empty.body.error.code).toBe('nothing_selected');
    const viewer = await t.call('POST', '/api/v1/bulk-actions', { key: t.keys.viewer, json: { action: 'disable', tokenIds: [id], confirm: true } });
    expect(viewer.status).toBe(403);
    expect((await t.call('POST', '/api/v1/bulk-actions/preview', { key: t.keys.viewer, json: { action: 'disable', tokenIds: [id] } })).status).toBe(403);
  });

  it('answers at once, then walks in chunks: a refused token is skipped with its reason and never stops the others', async () => {
    const assigned = await insertTokens(150, 'active', 'mix-a');
    const free = await insertTokens(120, 'created', 'mix-b', { upn: false });
    // Retire needs a token assigned to nobody: the active ones are refused, the created ones retired.
    const id = await start({ action: 'retire', filter: { serial: 'mix-' }, confirm: true });
    const before = await get(id);
    expect(before).toMatchObject({ status: 'running', action: 'retire', progress: { total: 270, walked: 0, pending: 270, done: 0 } });

    expect((await walkBulkChunk(t.api.deps.db, id)).handled).toBe(100);
    const partial = await get(id);
    expect(partial.progress.walked).toBe(100);
    expect(partial.progress.pending).toBe(170);
    expect(partial.progress.done + partial.progress.skipped).toBe(100);

    await walk(id);
    const after = await get(id);
    expect(after).toMatchObject({ status: 'completed_with_errors', progress: { total: 270, walked: 270, done: 120, skipped: 150, failed: 0, pending: 0 } });
    expect(after.finishedAt).not.toBeNull();
    const retired = await t.api.deps.db.select({ state: tokens.state }).from(tokens).where(inArray(tokens.id, free));
    expect(retired.every((row) => row.state === 'retired')).toBe(true);
    const kept = await t.api.deps.db.select({ state: tokens.state }).from(tokens).where(inArray(tokens.id, assigned));
    expect(kept.every((row) => row.state === 'active')).toBe(true);

    // Each retired token has the audit row the single action writes, and the failures say why the others were left.
    const audit = await t.api.deps.db.select().from(auditEvents).where(and(eq(auditEvents.action, 'token.retired'), inArray(auditEvents.tokenId, free)));
    expect(audit).toHaveLength(120);
    const page1 = await t.call('GET', `/api/v1/bulk-actions/${id}/failures?limit=100`);
    expect(page1.body.items).toHaveLength(100);
    expect(page1.body.items[0]).toMatchObject({ outcome: 'skipped', code: 'invalid_state', state: 'active' });
    expect(page1.body.items[0].reason).toMatch(/active cannot be retired/);
    const page2 = await t.call('GET', `/api/v1/bulk-actions/${id}/failures?limit=100&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items).toHaveLength(50);
    expect(page2.body.nextCursor).toBeNull();
    const listed = new Set([...page1.body.items, ...page2.body.items].map((item: { tokenId: string }) => item.tokenId));
    expect([...listed].sort()).toEqual([...assigned].sort());
  });

  it('walks an explicit selection once even when a chunk is walked again after a crash', async () => {
    const ids = await insertTokens(130, 'active', 'crash');
    const id = await start({ action: 'unassign', tokenIds: ids, confirm: true });
    await walkBulkChunk(t.api.deps.db, id);
    // A worker that died after the commit and before the enqueue: the job runs again from the cursor.
    await walk(id);
    await walk(id);
    const ops = await t.api.deps.db.select().from(operations).where(eq(operations.bulkActionId, id));
    expect(ops).toHaveLength(130);
    expect(new Set(ops.map((op) => op.tokenId)).size).toBe(130);
    expect(ops.every((op) => op.kind === 'token.unassign' && op.status === 'queued')).toBe(true);
    const running = await get(id);
    expect(running).toMatchObject({ status: 'running', progress: { total: 130, walked: 130, pending: 130 }, operationsByStatus: { queued: 130 } });

    // The same token asked again while its unassign is queued: refused as in flight, by the single path.
    const again = await start({ action: 'unassign', tokenIds: ids.slice(0, 3), confirm: true });
    await walk(again);
    const second = await get(again);
    expect(second).toMatchObject({ status: 'completed_with_errors', progress: { skipped: 3, done: 0 } });
    const failures = await t.call('GET', `/api/v1/bulk-actions/${again}/failures`);
    expect(failures.body.items.map((item: { code: string }) => item.code)).toEqual(['operation_in_progress', 'operation_in_progress', 'operation_in_progress']);

    // Operations that end end the bulk action; one failed makes it completed_with_errors and retryable.
    await t.api.deps.db.update(operations).set({ status: 'succeeded' }).where(and(eq(operations.bulkActionId, id), inArray(operations.tokenId, ids.slice(1))));
    await t.api.deps.db.update(operations).set({ status: 'failed', lastErrorCode: 'badRequest', lastErrorMessage: 'Graph said no' }).where(and(eq(operations.bulkActionId, id), eq(operations.tokenId, ids[0]!)));
    const settled = await get(id);
    expect(settled).toMatchObject({ status: 'completed_with_errors', progress: { done: 129, failed: 1, pending: 0 } });
    const failed = await t.call('GET', `/api/v1/bulk-actions/${id}/failures`);
    expect(failed.body.items).toEqual([expect.objectContaining({ tokenId: ids[0], outcome: 'failed', code: 'badRequest', reason: 'Graph said no' })]);

    const retried = await t.call('POST', `/api/v1/bulk-actions/${id}/retry`, { key: t.keys.operator });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ status: 'running', round: 1 });
    expect((await t.call('POST', `/api/v1/bulk-actions/${id}/retry`, { key: t.keys.operator })).body.error.code).toBe('bulk_action_running');
    await walk(id);
    const [op] = await t.api.deps.db.select().from(operations).where(and(eq(operations.bulkActionId, id), eq(operations.tokenId, ids[0]!)));
    expect(op!.status).toBe('queued');
    expect((await get(id)).progress).toMatchObject({ done: 129, failed: 0, pending: 1 });
  });

  it('cancel mid-way stops the walk and the operations not yet sent; sent ones finish', async () => {
    const ids = await insertTokens(350, 'active', 'cancel');
    const id = await start({ action: 'unassign', filter: { serial: 'cancel-' }, confirm: true });
    await walkBulkChunk(t.api.deps.db, id);
    await walkBulkChunk(t.api.deps.db, id);
    // One operation already on its way to Graph, one already done.
    const ops = await t.api.deps.db.select().from(operations).where(eq(operations.bulkActionId, id));
    expect(ops).toHaveLength(200);
    await t.api.deps.db.update(operations).set({ status: 'running', sentAt: new Date() }).where(eq(operations.id, ops[0]!.id));
    await t.api.deps.db.update(operations).set({ status: 'succeeded' }).where(eq(operations.id, ops[1]!.id));

    const cancelled = await t.call('POST', `/api/v1/bulk-actions/${id}/cancel`, { key: t.keys.operator });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelling', operationsByStatus: { cancelled: 198, running: 1, succeeded: 1 } });
    expect(cancelled.body.cancelledBy).toBe('api-key:operator-key');
    expect((await t.call('POST', `/api/v1/bulk-actions/${id}/cancel`, { key: t.keys.operator })).status).toBe(409);

    expect(await walk(id)).toBe(1);
    const walkedOps = await t.api.deps.db.select().from(operations).where(eq(operations.bulkActionId, id));
    expect(walkedOps).toHaveLength(200);
    expect((await get(id)).status).toBe('cancelling');
    await t.api.deps.db.update(operations).set({ status: 'succeeded' }).where(eq(operations.id, ops[0]!.id));
    const done = await get(id);
    expect(done).toMatchObject({ status: 'cancelled', progress: { total: 350, walked: 200, done: 2, cancelled: 348, pending: 0 } });
    const untouched = await t.api.deps.db.select({ state: tokens.state }).from(tokens).where(inArray(tokens.id, ids));
    expect(untouched.every((row) => row.state === 'active')).toBe(true);
    const audit = await t.api.deps.db.select().from(auditEvents).where(and(eq(auditEvents.targetId, id), eq(auditEvents.action, 'bulk.cancelled')));
    expect(audit[0]!.detail).toMatchObject({ operationsCancelled: 198 });
  });

  it('skips lost and retired tokens in a bulk enable, with the reason, and enables the disabled ones through Graph', async () => {
    const [retired] = await insertTokens(1, 'retired', 'enable-r', { upn: false });
    const [lost] = await insertTokens(1, 'lost', 'enable-l', { seed: true });
    const [purged] = await insertTokens(1, 'disabled', 'enable-p');
    const disabled = await insertTokens(2, 'disabled', 'enable-d', { seed: true });
    const id = await start({ action: 'enable', tokenIds: [retired!, lost!, purged!, ...disabled], confirm: true });
    await walk(id);
    const summary = await get(id);
    expect(summary.progress).toMatchObject({ total: 5, skipped: 3, pending: 2 });
    const ops = await t.api.deps.db.select().from(operations).where(eq(operations.bulkActionId, id));
    expect(ops.map((op) => op.kind)).toEqual(['token.activate', 'token.activate']);
    expect(new Set(ops.map((op) => op.tokenId))).toEqual(new Set(disabled));
    const failures = await t.call('GET', `/api/v1/bulk-actions/${id}/failures`);
    const byToken = new Map(failures.body.items.map((item: { tokenId: string; code: string; state: string }) => [item.tokenId, `${item.state} ${item.code}`]));
    expect(byToken).toEqual(new Map([[retired, 'retired invalid_state'], [lost, 'lost invalid_state'], [purged, 'disabled code_required']]));
    const states = await t.api.deps.db.select({ id: tokens.id, state: tokens.state }).from(tokens).where(inArray(tokens.id, [retired!, lost!]));
    expect(new Map(states.map((row) => [row.id, row.state]))).toEqual(new Map([[retired, 'retired'], [lost, 'lost']]));

    const list = await t.call('GET', '/api/v1/bulk-actions?limit=2');
    expect(list.status).toBe(200);
    expect(list.body.items[0].id).toBe(id);
    expect(list.body.nextCursor).not.toBeNull();
    const [stored] = await t.api.deps.db.select().from(bulkActions).where(eq(bulkActions.id, id));
    expect(stored!.selection.tokenIds).toHaveLength(5);
  });
});
