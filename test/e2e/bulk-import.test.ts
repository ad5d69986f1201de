import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { BULK_SANDBOX, BULK_TIMEOUT_MS, BULK_TOKENS, bulkSeedFile, expectFullyProvisioned } from './bulk-scenario';

let system: FullSystem;
beforeAll(async () => { system = await startFullSystem({ sandbox: BULK_SANDBOX }); });
afterAll(async () => { await system?.stop(); });

interface PaceSeen {
  import: { tokensPerMinute: number; estimatedFinishAt: string | null } | null;
  tenant: { graphWritesPerSecond: number; writeBudgetPerSecond: number; budgetUsed: number; tokensPerMinute: number };
  at: number;
}

it(`imports ${BULK_TOKENS} mixed tokens against a sandbox throttling at 20 writes/s with strict TOTP, its pace and time to finish shown as it runs`, async () => {
  const { csv, serials } = bulkSeedFile(system);
  const writesBefore = system.sandbox.inspect.counters().writes;
  const id = await system.upload('bulk.csv', csv);

  // What an operator watching the overview and the import sees, every two seconds until it is done.
  const seen: PaceSeen[] = [];
  let finished = false;
  const watching = (async () => {
    while (!finished) {
      const [importAnswer, overview] = (await Promise.all([system.call(`/api/v1/imports/${id}`).then((r) => r.json()), system.call('/api/v1/overview').then((r) => r.json())])) as [
        { status: string; pace: PaceSeen['import'] },
        { tenants: { id: string; pace: PaceSeen['tenant'] }[] },
      ];
      if (importAnswer.status === 'running') seen.push({ import: importAnswer.pace, tenant: overview.tenants.find((tenant) => tenant.id === system.tenantId)!.pace, at: Date.now() });
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  })();
  await system.waitForImport(id, BULK_TIMEOUT_MS);
  finished = true;
  await watching;
  await expectFullyProvisioned(system, id, serials, writesBefore);

  const measured = seen.filter((sample) => sample.import?.estimatedFinishAt);
  expect(measured.length).toBeGreaterThan(0);
  for (const sample of measured) {
    expect(sample.import!.tokensPerMinute).toBeGreaterThan(0);
    expect(Date.parse(sample.import!.estimatedFinishAt!)).toBeGreaterThanOrEqual(sample.at - 5_000);
  }
  // The tenant's pace is its running imports' (this one alone), and its writes are counted against its budget.
  expect(measured.some((sample) => sample.tenant.tokensPerMinute > 0)).toBe(true);
  const spending = seen.filter((sample) => sample.tenant.graphWritesPerSecond > 0);
  expect(spending.length).toBeGreaterThan(0);
  for (const sample of spending) expect(sample.tenant.budgetUsed).toBeCloseTo(sample.tenant.graphWritesPerSecond / sample.tenant.writeBudgetPerSecond, 2);

  const done = (await system.call(`/api/v1/imports/${id}`).then((r) => r.json())) as { pace: unknown };
  expect(done.pace).toBeNull();
}, BULK_TIMEOUT_MS + 60_000);
