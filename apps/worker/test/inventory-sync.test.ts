// inventory.sync against real Postgres, Redis and the sandbox: it reads Entra's inventory a page at a
// time, takes in a token its user activated in Entra and each device's last use, and reports tokens whose
// device Entra no longer holds in one summary event per run, changing none of them.
import { and, eq, gt } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditEvents, tokens } from '@tokenfleet/db';
import { activationWaitMs, base32Decode, totpCode } from '@tokenfleet/domain';
import { commitTokens, sandboxMembers } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { writeLimit: { requests: 20, windowMs: 1_000 }, generatedUsers: 10 } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

it('reports tokens missing from Entra in one summary event and takes in what Entra changed', async () => {
  const [upn] = sandboxMembers(system, 1);
  const committed = await commitTokens(system, worker.context.tenant.queue, [{}, {}, {}, { upn, activate: false }]);
  await waitForOperations(system.client.db, committed.map((token) => token.id), 60_000);
  const rows = new Map((await system.client.db.select().from(tokens).where(eq(tokens.tenantId, system.tenantId))).map((row) => [row.id, row]));
  const [gone, alsoGone, kept, assigned] = committed.map((token) => rows.get(token.id)!);
  expect(assigned!.state).toBe('assigned');
  // Behind Tokenfleet's back: two devices deleted in Entra; the assigned token activated by its user.
  for (const row of [gone!, alsoGone!]) expect((await system.graph.deleteDevice(row.graphDeviceId!)).kind).toBe('ok');
  // A code with time to spare in its window: the sandbox accepts only the current step.
  await new Promise((resolve) => setTimeout(resolve, activationWaitMs(system.graph.now(), 30, 3_000)));
  const code = totpCode({ secret: base32Decode(committed[3]!.secret)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, system.graph.now());
  const activation = await system.graph.activate(assigned!.assignedUserId!, assigned!.graphDeviceId!, () => code);
  expect(activation.kind).toBe('ok');

  // The scheduled run at start-up has reported already; this test's run is the one after it.
  const asked = new Date();
  await worker.context.tenant.queue.add('inventory.sync', { tenantId: system.tenantId }, { jobId: 'sync-test' });
  const [summary] = await waitUntil(
    async () => {
      const events = await system.client.db.select().from(auditEvents).where(and(eq(auditEvents.tenantId, system.tenantId), eq(auditEvents.action, 'inventory.synced'), gt(auditEvents.at, asked)));
      return events.length > 0 ? events : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100, failure: () => 'the sync never reported' },
  );
  expect(summary!.detail).toMatchObject({ devicesRead: 2, activatedInEntra: 1, missingFromEntra: 2 });
  expect(((summary!.detail as { missingSerials: string[] }).missingSerials).sort()).toEqual([gone!.serialNumber, alsoGone!.serialNumber].sort());
  const [after] = await system.client.db.select().from(tokens).where(eq(tokens.id, assigned!.id));
  expect(after!.state).toBe('active');
  const [stillThere] = await system.client.db.select().from(tokens).where(eq(tokens.id, gone!.id));
  expect(stillThere!.state).toBe('created');
  expect(kept!.state).toBe('created');
  const perToken = await system.client.db.select().from(auditEvents).where(eq(auditEvents.action, 'inventory.missing'));
  expect(perToken).toEqual([]);
}, 90_000);
