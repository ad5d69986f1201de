// The worker runs as its own process (what `npm run start:worker` runs: the built bundle) and is killed with SIGKILL while the
// import is half done, then started again. The import must end exactly as without the crash: every
// token active, no device created twice.
import type { ChildProcess } from 'node:child_process';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tokens } from '@tokenfleet/db';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { waitUntil } from '../support/wait';
import { buildServerBundles } from '../../scripts/server-bundles';
import { shareSandboxWithWorkerProcesses, startWorkerProcess as startWorker } from '../support/worker-process';
import { BULK_SANDBOX, BULK_TIMEOUT_MS, BULK_TOKENS, bulkSeedFile, expectFullyProvisioned, reportScenario } from './bulk-scenario';

let system: FullSystem;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem({ sandbox: BULK_SANDBOX, worker: false }), buildServerBundles()]);
  shareSandboxWithWorkerProcesses(system);
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await system?.stop();
});

const startWorkerProcess = () => startWorker(system, children);

async function activeCount(importId: string): Promise<number> {
  return (await system.client.db.select({ id: tokens.id }).from(tokens).where(and(eq(tokens.importId, importId), eq(tokens.state, 'active')))).length;
}

it(`imports ${BULK_TOKENS} tokens with the worker killed (SIGKILL) midway and restarted`, async () => {
  const startedAt = Date.now();
  const { csv, serials } = bulkSeedFile(system);
  const writesBefore = system.sandbox.inspect.counters().writes;
  const id = await system.upload('bulk.csv', csv);

  const first = startWorkerProcess();
  await waitUntil(
    async () => {
      if (first.exitCode !== null) throw new Error(`the worker exited early with ${first.exitCode}`);
      return (await activeCount(id)) >= serials.length * 0.4 || undefined;
    },
    { timeoutMs: BULK_TIMEOUT_MS, intervalMs: 250, failure: () => 'the import never got halfway' },
  );
  const exited = new Promise((resolve) => first.once('exit', resolve));
  first.kill('SIGKILL');
  await exited;
  const activeAtCrash = await activeCount(id);
  expect(activeAtCrash).toBeLessThan(serials.length);

  startWorkerProcess();
  await system.waitForImport(id, BULK_TIMEOUT_MS);
  const figures = await expectFullyProvisioned(system, id, serials, writesBefore);
  expect(system.sandbox.inspect.counters().devicesCreated).toBe(serials.length);
  reportScenario('the worker SIGKILLed midway and restarted', figures, startedAt);
}, 2 * BULK_TIMEOUT_MS);
