// The statements of a reconciliation with Entra (inventory.sync, docs/reconciliation.md): sync runs (at
// most one open per tenant), and per page of Entra's devices one statement that stamps and reads the
// tokens naming them, one batched write of what changed, one of last use, one upsert of the devices no
// token names. After the last page, tokens whose device Entra did not list and unmanaged devices that
// vanished are found set-based by the run's stamp, never by a set of ids held in memory.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { statesAllowing, UNFINISHED_OPERATION_STATUSES, type EntraFieldChange, type EntraTokenState, type TokenState } from '@tokenfleet/domain';
import { appendAuditMany, type AuditEventInput } from './audit';
import type { Database, DbOrTx } from './client';
import { inventorySyncs, tokens, unmanagedDevices, type InventorySync } from './schema';

/** A running sync whose heartbeat is older than this died with its worker; a new request replaces it. */
export const SYNC_STALE_AFTER_MS = 15 * 60_000;

export type SyncSummary = Record<string, number>;

/**
 * Opens a sync run for the tenant, or answers the one already open (queued or running), so a second
 * request, an impatient admin or the schedule, never runs two at once. A running sync whose heartbeat
 * stopped is closed as failed first.
 */
export async function requestSync(db: Database, tenantId: string, requestedBy: string, now = new Date()): Promise<{ sync: InventorySync; created: boolean }> {
  const staleBefore = new Date(now.getTime() - SYNC_STALE_AFTER_MS);
  await db
    .update(inventorySyncs)
    .set({ status: 'failed', finishedAt: now, error: 'the worker running it stopped answering; a new sync replaced it' })
    .where(and(eq(inventorySyncs.tenantId, tenantId), inArray(inventorySyncs.status, ['queued', 'running']), sql`coalesce(${inventorySyncs.heartbeatAt}, ${inventorySyncs.requestedAt}) < ${staleBefore.toISOString()}::timestamptz`));
  const [created] = await db
    .insert(inventorySyncs)
    .values({ id: randomUUID(), tenantId, status: 'queued', requestedBy, requestedAt: now })
    .onConflictDoNothing({ target: inventorySyncs.tenantId, where: sql`${inventorySyncs.status} in ('queued', 'running')` })
    .returning();
  if (created) return { sync: created, created: true };
  const [open] = await db.select().from(inventorySyncs).where(and(eq(inventorySyncs.tenantId, tenantId), inArray(inventorySyncs.status, ['queued', 'running'])));
  if (open) return { sync: open, created: false };
  // The open one finished between the two statements: ask again.
  return requestSync(db, tenantId, requestedBy, now);
}

/** Marks the run running (again, on a retried job); null when it has finished already (a duplicate job). */
export async function startSync(db: Database, syncId: string): Promise<InventorySync | null> {
  const [row] = await db
    .update(inventorySyncs)
    .set({ status: 'running', startedAt: sql`coalesce(${inventorySyncs.startedAt}, now())`, heartbeatAt: new Date() })
    .where(and(eq(inventorySyncs.id, syncId), inArray(inventorySyncs.status, ['queued', 'running'])))
    .returning();
  return row ?? null;
}

export async function syncHeartbeat(db: Database, syncId: string, summary: SyncSummary): Promise<void> {
  await db.update(inventorySyncs).set({ heartbeatAt: new Date(), summary }).where(eq(inventorySyncs.id, syncId));
}

export async function finishSync(db: DbOrTx, syncId: string, outcome: { status: 'succeeded' | 'failed'; summary: SyncSummary; error?: string }): Promise<void> {
  await db
    .update(inventorySyncs)
    .set({ status: outcome.status, summary: outcome.summary, error: outcome.error ?? null, finishedAt: new Date(), heartbeatAt: new Date() })
    .where(eq(inventorySyncs.id, syncId));
}

/** The latest run of each tenant named, and when each last finished one successfully. */
export async function latestSyncs(db: Database, tenantIds: readonly string[]): Promise<Map<string, { latest: InventorySync; lastSucceededAt: Date | null }>> {
  const result = new Map<string, { latest: InventorySync; lastSucceededAt: Date | null }>();
  for (const tenantId of tenantIds) {
    const [latest] = await db.select().from(inventorySyncs).where(eq(inventorySyncs.tenantId, tenantId)).orderBy(desc(inventorySyncs.requestedAt)).limit(1);
    if (!latest) continue;
    const [succeeded] = await db
      .select({ finishedAt: inventorySyncs.finishedAt })
      .from(inventorySyncs)
      .where(and(eq(inventorySyncs.tenantId, tenantId), eq(inventorySyncs.status, 'succeeded')))
      .orderBy(desc(inventorySyncs.requestedAt))
      .limit(1);
    result.set(tenantId, { latest, lastSucceededAt: succeeded?.finishedAt ?? null });
  }
  return result;
}

// ---- one page -------------------------------------------------------------------------------------------

/** A device as the sync reads it from Graph. */
export interface EntraDevice {
  id: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  displayName: string | null;
  hashFunction: string;
  timeIntervalInSeconds: number;
  status: string;
  assignedTo: { id: string; displayName: string | null } | null;
  lastUsedDateTime: string | null;
}

/** A token of the page as Postgres held it when the page was compared. */
export interface PageToken {
  id: string;
  serialNumber: string;
  state: TokenState;
  assignedUserId: string | null;
  assignedUpn: string | null;
  displayName: string;
  graphDeviceId: string;
  lastUsedAt: Date | null;
  updatedAt: Date;
  /** `updated_at` as Postgres wrote it (microseconds): the write's guard that nothing changed since. */
  version: string;
  /** An operation of the token is still open: Tokenfleet is changing it itself, so it is not compared now. */
  busy: boolean;
}

function asDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

/**
 * One statement a page: stamps the tokens holding these device ids as seen by this run, and answers them
 * as they were (the stamp does not move `updated_at`, which the comparison relies on).
 */
export async function stampPageTokens(db: DbOrTx, tenantId: string, syncId: string, deviceIds: readonly string[]): Promise<PageToken[]> {
  if (deviceIds.length === 0) return [];
  const rows = await db.execute<Record<string, unknown>>(sql`
    update ${tokens} set last_seen_sync_id = ${syncId}::uuid
    where ${tokens.tenantId} = ${tenantId} and ${tokens.graphDeviceId} in (select jsonb_array_elements_text(${JSON.stringify(deviceIds)}::jsonb))
    returning id, serial_number, state, assigned_user_id, assigned_upn, display_name, graph_device_id, last_used_at, updated_at, updated_at::text as version,
      exists (select 1 from operations o where o.token_id = tokens.id and o.status in (${sql.join(UNFINISHED_OPERATION_STATUSES.map((status) => sql`${status}`), sql`, `)})) as busy`);
  return [...rows].map((row) => ({
    id: String(row.id),
    serialNumber: String(row.serial_number),
    state: row.state as TokenState,
    assignedUserId: (row.assigned_user_id as string | null) ?? null,
    assignedUpn: (row.assigned_upn as string | null) ?? null,
    displayName: String(row.display_name),
    graphDeviceId: String(row.graph_device_id),
    lastUsedAt: asDate(row.last_used_at),
    updatedAt: asDate(row.updated_at)!,
    version: String(row.version),
    busy: row.busy === true,
  }));
}

/** One token moved to what Entra holds: the changes a comparison found, with the new user's UPN resolved. */
export interface EntraTransition {
  token: PageToken;
  /** Null when only fields change (the state agrees with Entra). */
  to: EntraTokenState | null;
  changes: EntraFieldChange[];
  set: { assignedUserId: string | null; assignedUpn: string | null; displayName: string; graphDeviceId: string | null };
}

export interface TransitionOutcome {
  applied: EntraTransition[];
  /** Changed by someone else between the read and the write: left for the next sync. */
  skipped: number;
}

const CHANGED_STATES = new Set<string>(statesAllowing('changedInEntra'));

/** Words an operator reads for one change. */
function describeChange(change: EntraFieldChange): string {
  const shown = (value: string | null) => value ?? 'nobody';
  if (change.field === 'state') return `state ${change.before} → ${change.after}`;
  if (change.field === 'assignedTo') return `user ${shown(change.before)} → ${shown(change.after)}`;
  return `display name "${change.before}" → "${change.after}"`;
}

/**
 * Writes a page's transitions in one statement, each guarded by the state and `updated_at` it was
 * compared with (a token changed meanwhile is left alone), and one "changed in Entra" audit event each,
 * naming what changed before and after, in one insert.
 */
export async function applyEntraTransitions(db: DbOrTx, tenantId: string, syncId: string, transitions: readonly EntraTransition[]): Promise<TransitionOutcome> {
  if (transitions.length === 0) return { applied: [], skipped: 0 };
  for (const transition of transitions) {
    if (transition.to !== null && !CHANGED_STATES.has(transition.token.state)) throw new Error(`a ${transition.token.state} token cannot follow Entra`);
  }
  const values = transitions.map((transition) => ({
    id: transition.token.id,
    from_state: transition.token.state,
    to_state: transition.to ?? transition.token.state,
    version: transition.token.version,
    ...Object.fromEntries(Object.entries(transition.set).map(([key, value]) => [key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`), value])),
  }));
  const rows = await db.execute<{ id: string }>(sql`
    update ${tokens} set state = v.to_state, assigned_user_id = v.assigned_user_id, assigned_upn = v.assigned_upn, display_name = v.display_name,
      graph_device_id = v.graph_device_id, graph_method_id = case when v.graph_device_id is null or v.assigned_user_id is null then null else tokens.graph_method_id end,
      updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
      as v(id uuid, from_state text, to_state text, version timestamptz, assigned_user_id text, assigned_upn text, display_name text, graph_device_id text)
    where tokens.id = v.id and tokens.state = v.from_state and tokens.updated_at = v.version
    returning tokens.id`);
  const done = new Set([...rows].map((row) => String(row.id)));
  const applied = transitions.filter((transition) => done.has(transition.token.id));
  await appendAuditMany(db, applied.map((transition) => changedInEntraEvent(tenantId, syncId, transition)));
  return { applied, skipped: transitions.length - applied.length };
}

function changedInEntraEvent(tenantId: string, syncId: string, transition: EntraTransition): AuditEventInput {
  return {
    actor: 'Entra',
    action: 'token.changedInEntra',
    outcome: 'info',
    tenantId,
    targetType: 'token',
    targetId: transition.token.id,
    tokenId: transition.token.id,
    detail: {
      summary: `changed in Entra: ${transition.changes.map(describeChange).join('; ')}`,
      from: transition.token.state,
      to: transition.to ?? transition.token.state,
      changes: transition.changes,
      serialNumber: transition.token.serialNumber,
      graphDeviceId: transition.token.graphDeviceId,
      syncId,
    },
  };
}

/** Last use of the page's tokens, one statement. */
export async function writeLastUsed(db: DbOrTx, entries: ReadonlyArray<{ id: string; at: string }>): Promise<void> {
  if (entries.length === 0) return;
  await db.execute(sql`
    update ${tokens} set last_used_at = v.at::timestamptz
    from (select * from jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) as x(id uuid, at text)) as v
    where tokens.id = v.id`);
}

/** What a sync refreshes of a device already listed as unmanaged: all it read, not when it was first seen. */
const REFRESHED_COLUMNS = [
  'serialNumber', 'manufacturer', 'model', 'displayName', 'hashFunction', 'timeIntervalSeconds', 'status',
  'assignedUserId', 'assignedUserName', 'lastUsedAt', 'lastSeenAt', 'lastSeenSyncId',
] as const;
const REFRESHED_ON_CONFLICT = Object.fromEntries(REFRESHED_COLUMNS.map((column) => [column, sql.raw(`excluded.${unmanagedDevices[column].name}`)]));

/**
 * The page's devices no token names, recorded (or refreshed) as unmanaged in one statement; answers the
 * ones seen for the first time, each with one audit event. Devices of the page that a token now names
 * (adopted, or created by Tokenfleet since) leave the list.
 */
export async function recordUnmanaged(db: DbOrTx, tenantId: string, syncId: string, devices: readonly EntraDevice[], managedIds: readonly string[]): Promise<{ found: number }> {
  if (managedIds.length > 0) {
    await db.delete(unmanagedDevices).where(and(eq(unmanagedDevices.tenantId, tenantId), inArray(unmanagedDevices.graphDeviceId, [...managedIds])));
  }
  if (devices.length === 0) return { found: 0 };
  const now = new Date();
  const inserted = await db
    .insert(unmanagedDevices)
    .values(
      devices.map((device) => ({
        tenantId,
        graphDeviceId: device.id,
        serialNumber: device.serialNumber,
        manufacturer: device.manufacturer,
        model: device.model,
        displayName: device.displayName,
        hashFunction: device.hashFunction,
        timeIntervalSeconds: Number.isFinite(device.timeIntervalInSeconds) ? device.timeIntervalInSeconds : 30,
        status: device.status,
        assignedUserId: device.assignedTo?.id ?? null,
        assignedUserName: device.assignedTo?.displayName ?? null,
        lastUsedAt: asDate(device.lastUsedDateTime),
        firstSeenAt: now,
        lastSeenAt: now,
        lastSeenSyncId: syncId,
      })),
    )
    .onConflictDoUpdate({
      target: [unmanagedDevices.tenantId, unmanagedDevices.graphDeviceId],
      set: REFRESHED_ON_CONFLICT,
    })
    .returning({ graphDeviceId: unmanagedDevices.graphDeviceId, serialNumber: unmanagedDevices.serialNumber, inserted: sql<boolean>`(xmax = 0)` });
  const fresh = inserted.filter((row) => row.inserted);
  await appendAuditMany(
    db,
    fresh.map((row) => ({
      actor: 'Entra',
      action: 'inventory.unmanagedFound',
      outcome: 'info' as const,
      tenantId,
      targetType: 'device',
      targetId: row.graphDeviceId,
      detail: { summary: `a device Tokenfleet does not know is in Entra: ${row.serialNumber}`, serialNumber: row.serialNumber, syncId },
    })),
  );
  return { found: fresh.length };
}

// ---- after the last page --------------------------------------------------------------------------------

const MISSING_BATCH = 1_000;

/**
 * Tokens holding a device id this complete run did not see: deleted in Entra. Set-based by the run's
 * stamp, a thousand at a time, each guarded like a page's transition (not changed since the run began,
 * no operation of its own open), each with its "changed in Entra" event. The seed is kept: a deletion
 * inferred from a listing is not undone by anything, but an operator can still see what was there.
 */
export async function settleMissingTokens(db: Database, tenantId: string, syncId: string, startedAt: Date): Promise<{ count: number; serials: string[] }> {
  const from = statesAllowing('changedInEntra');
  const serials: string[] = [];
  let count = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const rows = await tx.execute<Record<string, unknown>>(sql`
        with gone as (
          select id, state, assigned_user_id, assigned_upn, graph_device_id from ${tokens}
          where tenant_id = ${tenantId} and graph_device_id is not null
            and state in (${sql.join(from.map((state) => sql`${state}`), sql`, `)})
            and last_seen_sync_id is distinct from ${syncId}::uuid and updated_at < ${startedAt.toISOString()}::timestamptz
            and not exists (select 1 from operations o where o.token_id = tokens.id and o.status in (${sql.join(UNFINISHED_OPERATION_STATUSES.map((status) => sql`${status}`), sql`, `)}))
          order by id limit ${MISSING_BATCH} for update skip locked
        )
        update ${tokens} t set state = 'deleted', graph_device_id = null, graph_method_id = null, assigned_user_id = null, assigned_upn = null, updated_at = now()
        from gone where t.id = gone.id
        returning t.id, t.serial_number, t.display_name, gone.state as from_state, gone.assigned_upn as was_upn, gone.assigned_user_id as was_user, gone.graph_device_id as was_device`);
      const list = [...rows];
      await appendAuditMany(
        tx,
        list.map((row) => {
          const changes: EntraFieldChange[] = [{ field: 'state', before: String(row.from_state), after: 'deleted' }];
          if (row.was_user) changes.push({ field: 'assignedTo', before: (row.was_upn as string | null) ?? String(row.was_user), after: null });
          return {
            actor: 'Entra',
            action: 'token.changedInEntra',
            outcome: 'info' as const,
            tenantId,
            targetType: 'token',
            targetId: String(row.id),
            tokenId: String(row.id),
            detail: {
              summary: `changed in Entra: the device is no longer in Entra's inventory (state ${String(row.from_state)} → deleted)`,
              from: String(row.from_state),
              to: 'deleted',
              changes,
              serialNumber: String(row.serial_number),
              graphDeviceId: String(row.was_device),
              syncId,
            },
          };
        }),
      );
      return list;
    });
    count += batch.length;
    for (const row of batch) if (serials.length < 50) serials.push(String(row.serial_number));
    if (batch.length < MISSING_BATCH) return { count, serials };
  }
}

/** Unmanaged devices this complete run did not see: gone from Entra, so gone from the list (one event each). */
export async function removeVanishedUnmanaged(db: Database, tenantId: string, syncId: string): Promise<number> {
  return db.transaction(async (tx) => {
    const gone = await tx
      .delete(unmanagedDevices)
      .where(and(eq(unmanagedDevices.tenantId, tenantId), sql`${unmanagedDevices.lastSeenSyncId} <> ${syncId}::uuid`))
      .returning({ graphDeviceId: unmanagedDevices.graphDeviceId, serialNumber: unmanagedDevices.serialNumber });
    await appendAuditMany(
      tx,
      gone.map((row) => ({
        actor: 'Entra',
        action: 'inventory.unmanagedGone',
        outcome: 'info' as const,
        tenantId,
        targetType: 'device',
        targetId: row.graphDeviceId,
        detail: { summary: `the unmanaged device ${row.serialNumber} is no longer in Entra`, serialNumber: row.serialNumber, syncId },
      })),
    );
    return gone.length;
  });
}
