import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { auditEvents, operations, tokens, type Operation, type Token } from '@tokenfleet/db';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
let importId: string;
beforeAll(async () => {
  t = await startTestApi();
  const answer = await t.upload(t.keys.operator, { name: 'token2-classic.csv', content: sampleFile('token2-classic.csv') });
  importId = answer.body.id;
});
afterAll(async () => {
  await t?.close();
});

/** What the worker leaves behind when an activation fails for good. */
async function failedActivation(serial: string, code: string): Promise<{ token: Token; operation: Operation }> {
  const { db } = t.api.deps;
  const [token] = await db
    .update(tokens)
    .set({ state: 'failed', graphDeviceId: `device-${serial}`, assignedUserId: `user-${serial}`, generation: 3 })
    .where(eq(tokens.serialNumber, serial))
    .returning();
  const [operation] = await db
    .insert(operations)
    .values({ id: crypto.randomUUID(), tenantId: token!.tenantId, tokenId: token!.id, importId, kind: 'token.activate', status: 'failed', generation: 3, attempts: 8, lastErrorCode: code, lastErrorMessage: `Graph said ${code}`, createdBy: 'worker' })
    .returning();
  return { token: token!, operation: operation! };
}

describe('retries', () => {
  it('re-queues a failed activation under the next generation and enqueues activate-<token>-g<generation>', async () => {
    const { token, operation } = await failedActivation('602345670001', 'invalidVerificationCode');
    const answer = await t.call('POST', `/api/v1/operations/${operation.id}/retry`, { key: t.keys.operator });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ operationId: operation.id });
    const [row] = await t.api.deps.db.select().from(operations).where(eq(operations.id, operation.id));
    expect(row).toMatchObject({ status: 'queued', generation: 4 });
    const [resumed] = await t.api.deps.db.select().from(tokens).where(eq(tokens.id, token.id));
    expect(resumed!.state).toBe('assigned');
    const job = await t.api.deps.queues(token.tenantId).getJob(`activate-${token.id}-g4`);
    expect(job?.name).toBe('token.activate');
    expect(job?.data).toEqual({ tenantId: token.tenantId, operationId: operation.id });
    const audit = await t.api.deps.db.select().from(auditEvents).where(and(eq(auditEvents.operationId, operation.id), eq(auditEvents.action, 'operation.retried')));
    expect(audit.map((event) => event.actor)).toEqual(['api-key:operator-key']);

    const again = await t.call('POST', `/api/v1/operations/${operation.id}/retry`, { key: t.keys.operator });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('this one is queued');
  });

  it('groups failures by code and retries all of one code', async () => {
    const a = await failedActivation('602345670002', 'serviceUnavailable');
    const b = await failedActivation('602345670003', 'serviceUnavailable');
    const c = await failedActivation('602345670004', 'badRequest');
    const groups = await t.call('GET', '/api/v1/operations/failed/groups');
    expect(groups.status).toBe(200);
    expect(groups.body).toEqual([
      { code: 'serviceUnavailable', message: 'Graph said serviceUnavailable', count: 2 },
      { code: 'badRequest', message: 'Graph said badRequest', count: 1 },
    ]);
    const failedList = await t.call('GET', '/api/v1/operations?status=failed&code=serviceUnavailable');
    expect(failedList.body.items.map((item: { id: string }) => item.id).sort()).toEqual([a.operation.id, b.operation.id].sort());
    expect(failedList.body.items[0]).toMatchObject({ serialNumber: expect.stringMatching(/^60234567000[23]$/), kind: 'token.activate', lastErrorCode: 'serviceUnavailable' });

    const retried = await t.call('POST', '/api/v1/operations/retry', { key: t.keys.operator, json: { code: 'serviceUnavailable' } });
    expect(retried.status).toBe(202);
    expect(retried.body).toEqual({ retried: 2 });
    for (const { token } of [a, b]) expect(await t.api.deps.queues(token.tenantId).getJob(`activate-${token.id}-g4`)).toBeDefined();
    expect(await t.api.deps.queues(c.token.tenantId).getJob(`activate-${c.token.id}-g4`)).toBeUndefined();

    const byIds = await t.call('POST', '/api/v1/operations/retry', { key: t.keys.operator, json: { ids: [c.operation.id, a.operation.id] } });
    expect(byIds.body).toEqual({ retried: 1 });
    const unknownField = await t.call('POST', '/api/v1/operations/retry', { key: t.keys.operator, json: { everything: true } });
    expect(unknownField.status).toBe(400);
  });

  it('shows an operation with its audit history', async () => {
    const { operation } = await failedActivation('602345670005', 'forbidden');
    await t.call('POST', `/api/v1/operations/${operation.id}/retry`, { key: t.keys.operator });
    const detail = await t.call('GET', `/api/v1/operations/${operation.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: operation.id, kind: 'token.activate', status: 'queued', serialNumber: '602345670005' });
    expect(detail.body.history.map((event: { action: string }) => event.action)).toEqual(['token.retried', 'operation.retried']);
    expect((await t.call('GET', '/api/v1/operations/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('lists operations newest first, filtered by import, across pages', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string; importId: string }[]; nextCursor: string | null } } = await t.call('GET', `/api/v1/operations?importId=${importId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      for (const item of page.body.items) {
        expect(item.importId).toBe(importId);
        seen.push(item.id);
      }
      cursor = page.body.nextCursor;
    } while (cursor);
    const all = await t.api.deps.db.select({ id: operations.id }).from(operations).where(eq(operations.importId, importId));
    expect(seen.sort()).toEqual(all.map((row) => row.id).sort());
  });
});
