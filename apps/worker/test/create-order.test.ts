// An import's creates run one after another beside its activations: the next bulk create goes ahead of
// the activations the last one queued, so the budget is never left idle waiting for a create that sat
// behind hundreds of them. One job at a time here, so the order of Graph calls shows it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commitTokens, sandboxMembers } from '../../../test/support/commit-tokens';
import { startTestSystem, waitForOperations, type TestSystem } from '../../../test/support/system';
import { startWorker, type RunningWorker } from '../src/start-worker';

let system: TestSystem;
let worker: RunningWorker;

beforeAll(async () => {
  system = await startTestSystem({ sandbox: { generatedUsers: 150 }, env: { WORKER_CONCURRENCY: '1', GRAPH_BULK_CHUNK_SIZE: '50' } });
  worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000 });
});
afterAll(async () => {
  await worker?.close(5_000);
  await system?.stop();
});

it("runs the next bulk create before the activations the previous one queued", async () => {
  const callsBefore = system.sandbox.inspect.calls().length;
  const created = await commitTokens(system, worker.context.tenant.queue, sandboxMembers(system, 150).map((upn) => ({ upn, interval: 60 as const })));
  await waitForOperations(system.client.db, created.map((token) => token.id), 120_000);
  const writes = system.sandbox.inspect.calls().slice(callsBefore).filter((call) => call.method !== 'GET' && call.status < 300);
  const kinds = writes.map((call) => (call.route.endsWith('/activate') ? 'activate' : call.method === 'PATCH' ? 'bulk' : call.route));
  // Three bulk calls of fifty, the second and third each right after the one before it.
  expect(kinds.slice(0, 3)).toEqual(['bulk', 'bulk', 'bulk']);
  expect(kinds.filter((kind) => kind === 'activate')).toHaveLength(150);
}, 150_000);
