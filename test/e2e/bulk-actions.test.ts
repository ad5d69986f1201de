// Bulk actions on the whole system (API, worker, the sandbox over HTTPS): 2,000 tokens put into service
// by an import, then one bulk disable of all of them, carried out in Entra through the queue within the
// tenant's write budget, with progress visible while it runs; then a bulk enable cancelled mid-way.
// The budget is raised above the default (50 writes/s against a sandbox allowing 60) so the scenario takes
// minutes, not a quarter of an hour; "within the budget" is read from the sandbox's own records: every
// write it admitted, none it throttled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { tokens } from '@tokenfleet/db';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { waitUntil } from '../support/wait';
import { BULK_TIMEOUT_MS, BULK_TOKENS, bulkSeedFile, expectFullyProvisioned } from './bulk-scenario';

interface Summary {
  status: string;
  progress: { total: number; done: number; failed: number; skipped: number; cancelled: number; pending: number; walked: number };
}

let system: FullSystem;
let importId: string;
let serials: string[];

beforeAll(async () => {
  system = await startFullSystem({
    sandbox: { writeLimit: { requests: 60, windowMs: 1_000 }, totpToleranceSteps: 0, generatedUsers: BULK_TOKENS },
    env: { GRAPH_WRITE_LIMIT: '50', GRAPH_WRITE_WINDOW_MS: '1000' },
  });
  const file = bulkSeedFile(system);
  serials = file.serials;
  const writesBefore = system.sandbox.inspect.counters().writes;
  importId = await system.upload('bulk-actions.csv', file.csv);
  await system.waitForImport(importId, BULK_TIMEOUT_MS);
  await expectFullyProvisioned(system, importId, serials, writesBefore);
}, BULK_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await system?.stop();
});

async function post(path: string, body?: unknown) {
  const response = await system.call(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> & { id?: string } };
}

async function summary(id: string): Promise<Summary> {
  return (await (await system.call(`/api/v1/bulk-actions/${id}`)).json()) as Summary;
}

/** Polls the bulk action until it settles, keeping every answer seen on the way. */
async function follow(id: string, seen: Summary[], onEach?: (answer: Summary) => Promise<void>): Promise<Summary> {
  return waitUntil(
    async () => {
      const answer = await summary(id);
      seen.push(answer);
      await onEach?.(answer);
      return ['completed', 'completed_with_errors', 'cancelled'].includes(answer.status) ? answer : undefined;
    },
    { timeoutMs: BULK_TIMEOUT_MS, intervalMs: 250, failure: () => `bulk action ${id} still ${JSON.stringify(seen.at(-1))}` },
  );
}

const devicesOf = () => {
  const wanted = new Set(serials);
  return system.sandbox.inspect.devices().filter((device) => wanted.has(device.serialNumber));
};

describe(`bulk actions over ${BULK_TOKENS} tokens`, () => {
  it('disables every token of the import in Entra, within the write budget, with progress visible while it runs', async () => {
    const preview = await post('/api/v1/bulk-actions/preview', { action: 'disable', filter: { importId } });
    expect(preview.body).toMatchObject({ total: BULK_TOKENS, users: BULK_TOKENS, unassigned: 0, byState: { active: BULK_TOKENS } });

    const before = system.sandbox.inspect.counters();
    const started = await post('/api/v1/bulk-actions', { action: 'disable', filter: { importId }, confirm: true });
    expect(started.status).toBe(202);
    const seen: Summary[] = [];
    const end = await follow(started.body.id!, seen);

    expect(end).toMatchObject({ status: 'completed', progress: { total: BULK_TOKENS, done: BULK_TOKENS, failed: 0, skipped: 0, cancelled: 0, pending: 0, walked: BULK_TOKENS } });
    // Partial progress was there to see: answers between the first and the last with some done, some not.
    const partial = seen.filter((answer) => answer.progress.done > 0 && answer.progress.done < BULK_TOKENS);
    expect(partial.length).toBeGreaterThan(0);

    const after = system.sandbox.inspect.counters();
    expect(after.throttled - before.throttled).toBe(0);
    // One deactivate per token, nothing sent twice.
    expect(after.writes - before.writes).toBe(BULK_TOKENS);
    const devices = devicesOf();
    expect(devices).toHaveLength(BULK_TOKENS);
    expect(devices.filter((device) => device.status === 'activated').map((device) => device.serialNumber)).toEqual([]);
    expect(devices.filter((device) => device.assignedTo === null)).toEqual([]);
    const states = await system.client.db.select({ state: tokens.state }).from(tokens).where(eq(tokens.importId, importId));
    expect(states.filter((row) => row.state !== 'disabled')).toEqual([]);
  }, BULK_TIMEOUT_MS + 60_000);

  it('cancels a bulk enable mid-way: the walk and the operations not yet sent stop, what was done stays done', async () => {
    const started = await post('/api/v1/bulk-actions', { action: 'enable', filter: { importId }, confirm: true });
    expect(started.status).toBe(202);
    const id = started.body.id!;
    let cancelled = false;
    const seen: Summary[] = [];
    const end = await follow(id, seen, async (answer) => {
      if (!cancelled && answer.progress.done >= 50) {
        const cancel = await post(`/api/v1/bulk-actions/${id}/cancel`);
        expect(cancel.status).toBe(200);
        cancelled = true;
      }
    });
    expect(end.status).toBe('cancelled');
    const { done, failed, skipped, cancelled: stopped, pending, total } = end.progress;
    expect(pending).toBe(0);
    expect(stopped).toBeGreaterThan(0);
    expect(done).toBeGreaterThanOrEqual(50);
    expect(done + failed + skipped + stopped).toBe(total);

    const states = await system.client.db.select({ state: tokens.state }).from(tokens).where(eq(tokens.importId, importId));
    expect(states.filter((row) => row.state === 'active')).toHaveLength(done);
    expect(devicesOf().filter((device) => device.status === 'activated')).toHaveLength(done);
  }, BULK_TIMEOUT_MS + 60_000);
});
