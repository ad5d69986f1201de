// inventory.sync: one reconciliation of a tenant with Entra (docs/reconciliation.md). It reads Graph's
// hardware OATH inventory a page at a time and, per page, compares every device with the token naming it
// (packages/domain/src/reconciliation.ts decides), brings in what Entra changed behind Tokenfleet's back
// (an activation in Security info, an unassign, a reassignment, a rename) with a "changed in Entra"
// audit event each, takes in last use, and records the devices no token names as unmanaged. After a
// complete listing, tokens whose device Entra no longer holds become deleted, and unmanaged devices that
// vanished leave the list: both found set-based by the run's stamp.
//
// Bounded memory at 100,000 devices: one page of devices and its tokens, never a token's seed, never a set
// of all ids. Writes are batched a page at a time, in one transaction per page.
import { UnrecoverableError } from 'bullmq';
import {
  appendAudit,
  applyEntraTransitions,
  finishSync,
  recordUnmanaged,
  removeVanishedUnmanaged,
  requestSync,
  settleMissingTokens,
  stampPageTokens,
  startSync,
  syncHeartbeat,
  writeLastUsed,
  type EntraTransition,
  type PageToken,
  type SyncSummary,
} from '@tokenfleet/db';
import { compareWithEntra } from '@tokenfleet/domain';
import type { HardwareOathDevice } from '@tokenfleet/graph';
import type { JobContext } from '../context';
import { isWait, outageOf, PermanentFailure } from '../errors';
import { callGraph, okOrThrow } from '../graph-call';
import type { Handler } from './handler';

/** User look-ups a page has in flight at once (reads: they spend no write budget). */
const USER_LOOKUPS_AT_ONCE = 8;
/** Users whose UPN one run remembers before it starts over. */
const UPN_CACHE_LIMIT = 10_000;

/** Graph's largest page of devices. */
export const SYNC_PAGE_SIZE = 999;

export const inventorySync: Handler<'inventory.sync'> = async (job, jc) => {
  const tenantId = jc.tenant.tenantId;
  const syncId = job.data.syncId ?? (await requestSync(jc.db, tenantId, 'schedule')).sync.id;
  const run = await startSync(jc.db, syncId);
  if (!run) return { status: 'done', detail: 'this sync had finished already' };
  const startedAt = run.startedAt ?? new Date();
  const summary = { pages: 0, devicesRead: 0, lastUsedUpdated: 0, changedInEntra: 0, skippedBusy: 0, unmanagedFound: 0, unmanagedGone: 0, missingFromEntra: 0 } as SyncSummary & { pages: number; devicesRead: number; changedInEntra: number; missingFromEntra: number };
  // UPNs of users Entra gave tokens to, for this run: bounded, so a tenant-wide reshuffle cannot grow it.
  const upns = new Map<string, string | null>();
  try {
    for (let nextLink: string | null | undefined; nextLink !== null; ) {
      // Before the read: a token changed after this moment is compared next time, not against an older page.
      const readAt = new Date();
      const page = okOrThrow(
        await callGraph(jc, { action: 'listDevices', write: false, detail: { page: summary.pages + 1, syncId } }, () =>
          jc.tenant.graph.listDevicesPage({ top: jc.config.syncPageSize ?? SYNC_PAGE_SIZE, nextLink }),
        ),
        'listing the inventory',
      );
      nextLink = page.nextLink;
      summary.pages += 1;
      summary.devicesRead += page.devices.length;
      const result = await applyPage(jc, syncId, page.devices, readAt, upns);
      for (const [key, value] of Object.entries(result)) summary[key] = (summary[key] ?? 0) + value;
      await syncHeartbeat(jc.db, syncId, summary);
    }
    const missing = await settleMissingTokens(jc.db, tenantId, syncId, startedAt);
    summary.missingFromEntra = missing.count;
    summary.unmanagedGone = await removeVanishedUnmanaged(jc.db, tenantId, syncId);
    await jc.db.transaction(async (tx) => {
      await finishSync(tx, syncId, { status: 'succeeded', summary });
      await appendAudit(tx, {
        actor: 'worker',
        action: 'inventory.synced',
        outcome: 'success',
        tenantId,
        targetType: 'tenant',
        targetId: tenantId,
        detail: { syncId, requestedBy: run.requestedBy, ...summary, missingSerials: missing.serials },
      });
    });
    return { status: 'done', detail: `${summary.devicesRead} devices read in ${summary.pages} pages, ${summary.changedInEntra + summary.missingFromEntra} tokens changed in Entra, ${summary.unmanagedFound} unmanaged found` };
  } catch (error) {
    // Waiting (throttled, a part away) is not failing: the run stays open and the job resumes from the first page.
    if (isWait(error) || outageOf(error)) throw error;
    const final = error instanceof PermanentFailure || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (final) {
      const message = error instanceof Error ? error.message : String(error);
      await finishSync(jc.db, syncId, { status: 'failed', summary, error: message });
      await appendAudit(jc.db, { actor: 'worker', action: 'inventory.synced', outcome: 'failure', tenantId, targetType: 'tenant', targetId: tenantId, detail: { syncId, ...summary, error: message } });
      if (error instanceof PermanentFailure) throw new UnrecoverableError(message);
    }
    throw error;
  }
};

/**
 * One page against the tokens that name its devices: one statement stamps and reads them, then one
 * transaction writes what changed (no Graph call is made while it is open).
 */
async function applyPage(jc: JobContext, syncId: string, listed: HardwareOathDevice[], readAt: Date, upns: Map<string, string | null>): Promise<SyncSummary> {
  const tenantId = jc.tenant.tenantId;
  if (listed.length === 0) return {};
  // A device listed twice in one page (Graph's listings are eventually consistent) counts once.
  const byDevice = new Map(listed.map((device) => [device.id.toLowerCase(), device]));
  const devices = [...byDevice.values()];
  const known = await stampPageTokens(jc.db, tenantId, syncId, devices.map((device) => device.id));
  const transitions: EntraTransition[] = [];
  const lastUsed: Array<{ id: string; at: string }> = [];
  let skippedBusy = 0;
  for (const token of known) {
    const device = byDevice.get(token.graphDeviceId.toLowerCase())!;
    const at = device.lastUsedDateTime ? new Date(device.lastUsedDateTime) : null;
    if (at && at.getTime() !== token.lastUsedAt?.getTime()) lastUsed.push({ id: token.id, at: at.toISOString() });
    const facts = { status: device.status, assignedUserId: device.assignedTo?.id ?? null, displayName: device.displayName };
    const change = compareWithEntra(token, facts);
    if (!change) continue;
    // Tokenfleet is changing this token itself, or did after the page was read: compared next time.
    if (token.busy || token.updatedAt >= readAt) {
      skippedBusy += 1;
      continue;
    }
    transitions.push({ token, to: change.to, changes: change.changes, set: { assignedUserId: facts.assignedUserId, assignedUpn: null, displayName: facts.displayName ?? token.displayName, graphDeviceId: token.graphDeviceId } });
  }
  await resolveUpns(jc, transitions, upns);
  return jc.db.transaction(async (tx) => {
    const outcome = await applyEntraTransitions(tx, tenantId, syncId, transitions);
    await writeLastUsed(tx, lastUsed);
    const managed = new Set(known.map((token) => token.graphDeviceId.toLowerCase()));
    const { found } = await recordUnmanaged(tx, tenantId, syncId, devices.filter((device) => !managed.has(device.id.toLowerCase())), known.map((token) => token.graphDeviceId));
    return { lastUsedUpdated: lastUsed.length, changedInEntra: outcome.applied.length, skippedBusy: skippedBusy + outcome.skipped, unmanagedFound: found };
  });
}

/**
 * Graph's `assignedTo` names a user by id and display name only; Tokenfleet keeps the UPN too (the
 * validation API and the filters match on it), so a user new to a token is looked up, once per user a run.
 */
async function resolveUpns(jc: JobContext, transitions: EntraTransition[], upns: Map<string, string | null>): Promise<void> {
  if (upns.size > UPN_CACHE_LIMIT) upns.clear();
  // The users this page needs that the run has not met yet, looked up a few at a time.
  const wanted = new Map<string, PageToken>();
  for (const { set, token } of transitions) {
    if (set.assignedUserId && !sameId(set.assignedUserId, token.assignedUserId) && !upns.has(set.assignedUserId)) wanted.set(set.assignedUserId, token);
  }
  const queue = [...wanted];
  await Promise.all(
    Array.from({ length: Math.min(USER_LOOKUPS_AT_ONCE, queue.length) }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) upns.set(next[0], await lookUpUpn(jc, next[0], next[1]));
    }),
  );
  for (const transition of transitions) {
    const userId = transition.set.assignedUserId;
    if (userId) transition.set.assignedUpn = sameId(userId, transition.token.assignedUserId) ? transition.token.assignedUpn : (upns.get(userId) ?? null);
    // The audit event names users as operators know them, by UPN, where one is known.
    const change = transition.changes.find((entry) => entry.field === 'assignedTo');
    if (change) {
      change.before = transition.token.assignedUpn ?? change.before;
      change.after = transition.set.assignedUpn ?? change.after;
    }
  }
}

function sameId(a: string | null, b: string | null): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

async function lookUpUpn(jc: JobContext, userId: string, token: PageToken): Promise<string | null> {
  const outcome = await callGraph(jc, { action: 'getUser', write: false, tokenId: token.id, detail: { userId, purpose: 'a user Entra gave the token to' } }, () => jc.tenant.graph.getUser(userId));
  if (outcome.kind !== 'ok' || !outcome.value) return null;
  jc.tenant.userIds.set(outcome.value.userPrincipalName.toLowerCase(), outcome.value.id);
  return outcome.value.userPrincipalName;
}
