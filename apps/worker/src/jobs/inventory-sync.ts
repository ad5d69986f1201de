// inventory.sync: reads the tenant's Graph inventory a page at a time and brings what Tokenfleet knows up
// to date: when each token was last used, and tokens a user activated themselves. Tokens whose device
// Entra no longer holds are counted and named in the run's one summary audit event, not changed.
//
// Bounded memory at 100,000 devices: one page of devices (999) and the ids seen so far, never a token
// row with its seed. Writes are batched a page at a time.
import { and, asc, eq, gt, inArray, isNotNull, sql } from 'drizzle-orm';
import { appendAudit, tokens, transitionToken, type Token } from '@tokenfleet/db';
import type { HardwareOathDevice } from '@tokenfleet/graph';
import type { JobContext } from '../context';
import { callGraph, okOrThrow } from '../graph-call';
import type { Handler } from './handler';

const PAGE_SIZE = 999;
/** Serials named in the summary event; the count says how many more there are. */
const MISSING_SAMPLE = 50;

export const inventorySync: Handler<'inventory.sync'> = async (_job, jc) => {
  const seen = new Set<string>();
  let devicesRead = 0;
  let lastUsedUpdated = 0;
  let activatedInEntra = 0;
  for (let nextLink: string | null | undefined; nextLink !== null; ) {
    const page: { devices: HardwareOathDevice[]; nextLink: string | null } = okOrThrow(
      await callGraph(jc, { action: 'listDevices', write: false, detail: { page: true } }, () => jc.tenant.graph.listDevicesPage({ top: PAGE_SIZE, nextLink })),
      'listing the inventory',
    );
    nextLink = page.nextLink;
    devicesRead += page.devices.length;
    for (const device of page.devices) seen.add(device.id);
    const result = await applyPage(jc, page.devices);
    lastUsedUpdated += result.lastUsedUpdated;
    activatedInEntra += result.activatedInEntra;
  }

  const missing = await tokensMissingFrom(jc, seen);
  await appendAudit(jc.db, {
    actor: 'worker',
    action: 'inventory.synced',
    outcome: missing.count > 0 ? 'failure' : 'success',
    tenantId: jc.tenant.tenantId,
    targetType: 'tenant',
    targetId: jc.tenant.tenantId,
    detail: { devicesRead, lastUsedUpdated, activatedInEntra, missingFromEntra: missing.count, missingSerials: missing.sample },
  });
  return { status: 'done', detail: `${devicesRead} devices read, ${lastUsedUpdated + activatedInEntra} tokens updated, ${missing.count} missing from Entra` };
};

/** One page of devices against the tokens that name them: last use in one statement, activations one by one. */
async function applyPage(jc: JobContext, devices: HardwareOathDevice[]): Promise<{ lastUsedUpdated: number; activatedInEntra: number }> {
  if (devices.length === 0) return { lastUsedUpdated: 0, activatedInEntra: 0 };
  const known = await jc.db
    .select({ id: tokens.id, tenantId: tokens.tenantId, state: tokens.state, graphDeviceId: tokens.graphDeviceId, lastUsedAt: tokens.lastUsedAt })
    .from(tokens)
    .where(and(eq(tokens.tenantId, jc.tenant.tenantId), inArray(tokens.graphDeviceId, devices.map((device) => device.id))));
  const byDevice = new Map(devices.map((device) => [device.id, device]));
  const lastUsed: Array<{ id: string; at: string }> = [];
  let activatedInEntra = 0;
  for (const token of known) {
    const device = byDevice.get(token.graphDeviceId!)!;
    const at = device.lastUsedDateTime ? new Date(device.lastUsedDateTime) : null;
    if (at && at.getTime() !== token.lastUsedAt?.getTime()) lastUsed.push({ id: token.id, at: at.toISOString() });
    if (device.status === 'activated' && token.state === 'assigned') {
      await transitionToken(jc.db, token as Pick<Token, 'id' | 'tenantId' | 'state'>, { type: 'activated' }, {}, { actor: 'worker', detail: { note: 'activated in Entra outside Tokenfleet' } });
      activatedInEntra += 1;
    }
  }
  if (lastUsed.length > 0) {
    await jc.db.execute(sql`
      update tokens set last_used_at = v.at::timestamptz, updated_at = now()
      from (select * from jsonb_to_recordset(${JSON.stringify(lastUsed)}::jsonb) as x(id uuid, at text)) as v
      where tokens.id = v.id`);
  }
  return { lastUsedUpdated: lastUsed.length, activatedInEntra };
}

/** Tokens that hold a device id Entra did not list, paged by id: their count and the first serials. */
async function tokensMissingFrom(jc: JobContext, seen: ReadonlySet<string>): Promise<{ count: number; sample: string[] }> {
  const sample: string[] = [];
  let count = 0;
  for (let after: string | null = null; ; ) {
    const page = await jc.db
      .select({ id: tokens.id, serialNumber: tokens.serialNumber, graphDeviceId: tokens.graphDeviceId })
      .from(tokens)
      .where(and(eq(tokens.tenantId, jc.tenant.tenantId), isNotNull(tokens.graphDeviceId), after ? gt(tokens.id, after) : undefined))
      .orderBy(asc(tokens.id))
      .limit(5_000);
    if (page.length === 0) return { count, sample };
    after = page[page.length - 1]!.id;
    for (const token of page) {
      if (seen.has(token.graphDeviceId!)) continue;
      count += 1;
      if (sample.length < MISSING_SAMPLE) sample.push(token.serialNumber);
    }
  }
}
