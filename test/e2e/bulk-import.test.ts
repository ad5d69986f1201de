import { afterAll, beforeAll, it } from 'vitest';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { BULK_SANDBOX, BULK_TIMEOUT_MS, BULK_TOKENS, bulkSeedFile, expectFullyProvisioned } from './bulk-scenario';

let system: FullSystem;
beforeAll(async () => { system = await startFullSystem({ sandbox: BULK_SANDBOX }); });
afterAll(async () => { await system?.stop(); });

it(`imports ${BULK_TOKENS} mixed tokens against a sandbox throttling at 20 writes/s with strict TOTP`, async () => {
  const { csv, serials } = bulkSeedFile(system);
  const writesBefore = system.sandbox.inspect.counters().writes;
  const id = await system.upload('bulk.csv', csv);
  await system.waitForImport(id, BULK_TIMEOUT_MS);
  await expectFullyProvisioned(system, id, serials, writesBefore);
}, BULK_TIMEOUT_MS + 60_000);
