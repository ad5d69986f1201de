// The worker's side of a webhook delivery without the API: a delivery committed as queued whose job never
// reached Redis (the API stopped between COMMIT and enqueue) is enqueued by the reconciler and carried
// out; a second run of the same delivery (a stalled job run again) changes nothing more.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditEvents, webhookDeliveries, webhookJoiners, webhookSecretBinding, webhookSources } from '@tokenfleet/db';
import { webhookJobId } from '@tokenfleet/domain';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { generatedUsers: 0 } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000, reconcileGraceMs: 0 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

it('a queued delivery whose job was never added is enqueued by the reconciler, carried out once, and a second run does nothing', async () => {
  const db = system.client.db;
  const sourceId = randomUUID();
  const sealed = system.vault.encrypt(webhookSecretBinding(sourceId), `whsec_${Buffer.alloc(32, 3).toString('base64')}`);
  await db.insert(webhookSources).values({ id: sourceId, tenantId: system.tenantId, name: 'stranded', secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext, createdBy: 'test' });
  const upn = system.sandbox.inspect.users().find((user) => user.userType !== 'Guest')!.userPrincipalName;
  const deliveryId = randomUUID();
  await db.insert(webhookDeliveries).values({
    id: deliveryId,
    sourceId,
    tenantId: system.tenantId,
    webhookId: 'msg_stranded',
    status: 'queued',
    eventType: 'user.joined',
    payload: { type: 'user.joined', timestamp: new Date().toISOString(), data: { upn } },
    runs: 1,
    updatedAt: new Date(Date.now() - 60_000),
  });

  await worker.reconcileNow();
  const queue = worker.context.tenant.queue;
  expect(await queue.getJob(webhookJobId(deliveryId, 1))).toBeDefined();
  const done = await waitUntil(
    async () => {
      const [row] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, deliveryId));
      return row?.status === 'done' ? row : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, failure: () => 'the stranded delivery was never carried out' },
  );
  expect(done.result?.note).toBe(`${upn} waits for a token`);

  // The same delivery run again under another job id, as a stalled job would be.
  const againId = `webhook-${deliveryId}-again`;
  await queue.add('webhook.deliver', { tenantId: system.tenantId, deliveryId }, { jobId: againId });
  const finished = await waitUntil(
    async () => {
      const job = await queue.getJob(againId);
      return job && (await job.getState()) === 'completed' ? job : undefined;
    },
    { timeoutMs: 20_000, intervalMs: 100, failure: () => 'the second run never finished' },
  );
  expect(finished.returnvalue).toMatchObject({ status: 'skipped' });
  expect(await db.select().from(webhookJoiners).where(eq(webhookJoiners.upn, upn))).toHaveLength(1);
  const carried = await db.select().from(auditEvents).where(eq(auditEvents.targetId, deliveryId));
  expect(carried.filter((event) => event.action === 'webhook.carried_out')).toHaveLength(1);
  expect(carried[0]!.actor).toBe('webhook:stranded');
}, 60_000);
