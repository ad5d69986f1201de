import { afterAll, beforeAll, it } from 'vitest';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { BULK_SANDBOX, BULK_TIMEOUT_MS, BULK_TOKENS, importAndExpectFullyProvisioned } from './bulk-scenario';

let system: FullSystem;
// Graph's clock runs 20 s ahead of ours: codes from the local clock would be refused at tolerance 0.
beforeAll(async () => { system = await startFullSystem({ sandbox: { ...BULK_SANDBOX, clockOffsetMs: 20_000 } }); });
afterAll(async () => { await system?.stop(); });

it(`imports ${BULK_TOKENS} tokens when the local clock is 20 s off Graph's`, async () => {
  await importAndExpectFullyProvisioned(system);
}, BULK_TIMEOUT_MS + 60_000);
