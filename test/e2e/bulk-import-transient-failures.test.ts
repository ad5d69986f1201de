import { afterAll, beforeAll, it } from 'vitest';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { BULK_SANDBOX, BULK_TIMEOUT_MS, BULK_TOKENS, importAndExpectFullyProvisioned } from './bulk-scenario';

let system: FullSystem;
beforeAll(async () => { system = await startFullSystem({ sandbox: { ...BULK_SANDBOX, transientFailureRate: 0.1 } }); });
afterAll(async () => { await system?.stop(); });

it(`imports ${BULK_TOKENS} tokens while the sandbox answers 10% of requests with 503`, async () => {
  await importAndExpectFullyProvisioned(system);
}, BULK_TIMEOUT_MS + 60_000);
