// Two ways a create reaches Graph without Tokenfleet hearing of it. The worker (its own process, the
// built bundle) is killed with SIGKILL in the moment Graph has carried out its bulk calls and the
// database has not recorded them: the sandbox holds the answers back, so that moment is certain, not a
// lucky timing. And an operator retries, all at once, every failed create of an import whose creates had
// reached Graph: each device is adopted, none refused as someone else's, none created twice.
import type { ChildProcess } from 'node:child_process';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { operations, tokens } from '@tokenfleet/db';
import { buildServerBundles } from '../../scripts/server-bundles';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { waitForOperations } from '../support/system';
import { waitUntil } from '../support/wait';
import { shareSandboxWithWorkerProcesses, startWorkerProcess } from '../support/worker-process';
import { BULK_SANDBOX, BULK_TIMEOUT_MS, bulkSeedFile, expectFullyProvisioned, reportScenario } from './bulk-scenario';

const TOKENS = 100;
let system: FullSystem;
const children: ChildProcess[] = [];

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem({ sandbox: { ...BULK_SANDBOX, generatedUsers: 2 * TOKENS }, worker: false }), buildServerBundles()]);
  shareSandboxWithWorkerProcesses(system);
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await system?.stop();
});

it(`the worker killed after Graph accepted its bulk creates and before the database recorded them: ${TOKENS} tokens, none twice`, async () => {
  const startedAt = Date.now();
  const { csv, serials } = bulkSeedFile(system, TOKENS);
  const writesBefore = system.sandbox.inspect.counters().writes;
  system.sandbox.configure({ holdWriteResponses: true });
  const id = await system.upload('crash.csv', csv);

  const child = startWorkerProcess(system, children);
  await waitUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`the worker exited early with ${child.exitCode}`);
      return system.sandbox.inspect.counters().lostResponses > 0 ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 50, failure: () => 'no bulk create reached the sandbox' },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  system.sandbox.configure({ holdWriteResponses: false });

  // The gap the crash left: Entra holds devices the database has not heard of.
  const inEntra = new Set(system.sandbox.inspect.devices().map((device) => device.serialNumber));
  const recorded = await system.client.db.select({ serial: tokens.serialNumber, deviceId: tokens.graphDeviceId }).from(tokens).where(eq(tokens.importId, id));
  const unheardOf = recorded.filter((row) => inEntra.has(row.serial) && row.deviceId === null);
  expect(unheardOf.length).toBeGreaterThan(0);

  await system.startWorker();
  await system.waitForImport(id, BULK_TIMEOUT_MS);
  const figures = await expectFullyProvisioned(system, id, serials, writesBefore);
  expect(system.sandbox.inspect.counters().devicesCreated).toBe(TOKENS);
  reportScenario(`worker SIGKILLed with ${unheardOf.length} accepted creates unrecorded`, figures, startedAt);
}, BULK_TIMEOUT_MS + 120_000);

it("an operator's retry of every failed create of an import whose creates had reached Graph adopts them all", async () => {
  await system.worker?.close(5_000);
  const startedAt = Date.now();
  const { csv, serials } = bulkSeedFile(system, TOKENS);
  // Other serials than the first scenario's: this import's tokens are new to Entra.
  const renamed = serials.map((serial) => serial.replace('E2E', 'RTY'));
  const file = renamed.reduce((text, serial, index) => text.replace(serials[index]!, serial), csv);
  const writesBefore = system.sandbox.inspect.counters().writes;
  const id = await system.upload('retry.csv', file);
  await waitUntil(async () => ((await system.client.db.select({ id: operations.id }).from(operations).where(eq(operations.importId, id))).length === TOKENS ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 100,
    failure: () => 'the import never wrote its operations',
  });

  // What an earlier run left: every create reached Graph (Entra holds the device, assigned to its user)
  // and then failed for good, as the serial_exists refusal of earlier versions failed them.
  const rows = await system.client.db.select().from(tokens).where(eq(tokens.importId, id));
  const ops = await system.client.db.select().from(operations).where(eq(operations.importId, id));
  const opByToken = new Map(ops.map((op) => [op.tokenId, op]));
  // Setting the scene is not Tokenfleet's traffic: it does not spend the tenant's write budget.
  system.sandbox.configure({ writeLimit: { requests: 100_000, windowMs: 1_000 } });
  for (const row of rows) {
    const upn = opByToken.get(row.id)!.params.upn!;
    const user = system.sandbox.inspect.users().find((candidate) => candidate.userPrincipalName === upn)!;
    const secret = system.vault.decrypt(row.id, row.secretKeyId!, row.secretCiphertext!);
    const device = await system.graph.createDevice({ serialNumber: row.serialNumber, manufacturer: row.manufacturer, model: row.model, secretKey: secret, timeIntervalInSeconds: row.timeIntervalSeconds as 30 | 60, hashFunction: row.hashFunction as 'hmacsha1' | 'hmacsha256', assignTo: { id: user.id } });
    expect(device.kind).toBe('ok');
  }
  system.sandbox.configure({ writeLimit: BULK_SANDBOX.writeLimit! });
  await system.client.db.update(operations).set({ status: 'failed', sentAt: new Date(), lastErrorCode: 'serial_exists', lastErrorMessage: 'a device with this serial already exists', finishedAt: new Date() }).where(eq(operations.importId, id));
  await system.client.db.update(tokens).set({ state: 'failed' }).where(eq(tokens.importId, id));
  const createdBefore = system.sandbox.inspect.counters().devicesCreated;

  await system.startWorker();
  const answer = await system.call('/api/v1/operations/retry', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ importId: id }) });
  expect(answer.status).toBe(202);
  expect(await answer.json()).toEqual({ retried: TOKENS });
  await waitForOperations(system.client.db, rows.map((row) => row.id), BULK_TIMEOUT_MS);

  const refused = await system.client.db.select().from(operations).where(inArray(operations.tokenId, rows.map((row) => row.id)));
  expect(refused.filter((op) => op.status !== 'succeeded').map((op) => `${op.kind} ${op.status} ${op.lastErrorCode}`)).toEqual([]);
  expect(system.sandbox.inspect.counters().devicesCreated).toBe(createdBefore);
  // The creates cost nothing more; what is left per token is its activation.
  const figures = await expectFullyProvisioned(system, id, renamed, writesBefore + TOKENS);
  reportScenario('operator retried every failed create of an import whose creates had reached Graph', figures, startedAt);
}, BULK_TIMEOUT_MS + 60_000);
