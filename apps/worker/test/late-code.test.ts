// A code can reach Graph after its window closed: the worker stalled after computing it, or the network
// was slow (a worker restarted with a backlog opens its connections while its first codes travel). Graph
// refuses such a code, and that says nothing about the seed: the activation is sent again with a fresh
// code in a later window, and the token ends active, not failed. Here the sandbox holds the request for
// longer than a 30 s window, so the refused code certainly arrived late.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auditEvents, insertOperations, operations, tokens } from '@tokenfleet/db';
import { createGraphClient, sandboxClientOptions } from '@tokenfleet/graph';
import { enqueueOperations } from '@tokenfleet/queue';
import { commitTokens, sandboxMembers } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { waitUntil } from '../../../test/support/wait';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  // Tolerance 0 (the test system's default): only the current step's code is accepted.
  system = await startTestSystem({ sandbox: { generatedUsers: 2 } });
  // Patient enough to hear Graph's answer to the held request: a timeout would prove nothing here.
  const graph = createGraphClient(sandboxClientOptions(system.sandbox, { timeoutMs: 60_000 }));
  worker = await startWorker(system.config, { graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

it('a code refused because it reached Graph after its window is sent again, fresh, and the token is activated', async () => {
  const [token] = await commitTokens(system, worker.context.tenant.queue, [{ upn: sandboxMembers(system, 1)[0], activate: false }]);
  await waitForOperations(system.client.db, [token!.id], 60_000);
  const [assigned] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
  expect(assigned!.state).toBe('assigned');

  system.sandbox.configure({ latencyMs: { min: 31_000, max: 31_000 } });
  const refusedBefore = system.sandbox.inspect.counters().activationsRefused;
  const ops = await insertOperations(system.client.db, [{ tenantId: system.tenantId, tokenId: token!.id, kind: 'token.activate', generation: assigned!.generation, createdBy: 'test' }]);
  await enqueueOperations(worker.context.tenant.queue, ops);
  await waitUntil(async () => (system.sandbox.inspect.counters().activationsRefused > refusedBefore ? true : undefined), { timeoutMs: 90_000, intervalMs: 200, failure: () => 'the late code was never refused' });
  system.sandbox.configure({ latencyMs: { min: 0, max: 0 } });

  await waitForOperations(system.client.db, [token!.id], 90_000);
  const [row] = await system.client.db.select().from(tokens).where(eq(tokens.id, token!.id));
  expect(row).toMatchObject({ state: 'active', lastError: null });
  const [op] = await system.client.db.select().from(operations).where(eq(operations.id, ops[0]!.id));
  expect(op!.status).toBe('succeeded');
  expect(system.sandbox.inspect.counters().activationsRefused).toBe(refusedBefore + 1);
  // Graph's refusal is on record, and the attempt it failed says why it was tried again.
  const trail = await system.client.db.select({ action: auditEvents.action, outcome: auditEvents.outcome, detail: auditEvents.detail }).from(auditEvents).where(eq(auditEvents.operationId, op!.id));
  expect(trail.filter((event) => event.action === 'graph.activate').map((event) => `${event.outcome} ${event.detail?.result}`).sort()).toEqual(['failure permanent', 'success ok']);
  expect(trail.filter((event) => event.action === 'operation.attempt_failed').map((event) => event.detail?.code)).toEqual(['code_late']);
}, 240_000);
