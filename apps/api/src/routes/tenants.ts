// Tenants, their policy settings and their reconciliation with Entra. Everyone signed in may read them
// (the overview names the tenants); only an admin changes a setting or starts a sync, and every change is
// audited with what it was before. Unmanaged devices (in Entra, unknown to Tokenfleet) are listed here and
// adopted by an operator as tokens without a seed (docs/reconciliation.md).
import { randomUUID } from 'node:crypto';
import { graphConnectionFor, PUBLIC_CLOUD, storedTenantCaPem, type Config } from '@tokenfleet/config';
import { clientOptionsFromConnection, clientOptionsFromCredential, createGraphClient, type GraphClient } from '@tokenfleet/graph';
import { and, asc, count, eq, gt, like, or } from 'drizzle-orm';
import type { Router } from 'express';
import {
  endpoints,
  NewTenant,
  TenantConnectionChange,
  TenantParams,
  type ConnectionTest,
  TenantSettingsChange,
  UnmanagedDeviceQuery,
  type InventorySync as SyncView,
  type Tenant as TenantView,
  type UnmanagedDevice as UnmanagedView,
} from '@tokenfleet/contract';
import {
  addTenant,
  appendAudit,
  changeTenantConnection,
  credentialSettingsOfTenant,
  inventorySyncs,
  recordConnectionTest,
  TenantExists,
  latestSyncs,
  PG_UNIQUE_VIOLATION,
  postgresErrorCode,
  requestSync,
  tenants,
  tokens,
  unmanagedDevices,
  type InventorySync,
  type Tenant,
  type UnmanagedDevice,
} from '@tokenfleet/db';
import { HASH_FUNCTIONS, SYNC_INTERVAL_HOURS_DEFAULT, type HashFunction, type TokenState } from '@tokenfleet/domain';
import { enqueueInventorySync } from '@tokenfleet/queue';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError, conflict, notFound } from '../errors';
import { decodeCursor, toPage } from '../paging';
import { selfServiceSettings } from '../portal/settings';
import { likePrefix, parseInput } from '../validation';
import { z } from 'zod';
import { tokenItem, tokenItemColumns } from './tokens';

function settingsOf(row: Tenant): TenantView['settings'] {
  return {
    purgeSeedsWhenActive: row.settings.purgeSeedsWhenActive === true,
    obsoleteAfterDays: row.obsoleteAfterDays,
    syncIntervalHours: row.settings.syncIntervalHours ?? SYNC_INTERVAL_HOURS_DEFAULT,
    selfService: selfServiceSettings(row),
  };
}

const iso = (value: Date | null) => value?.toISOString() ?? null;

/**
 * How the tenant's Graph is reached, never with its credential: a stored tenant's own app registration,
 * or the environment's (ENTRA_* in live mode; in sandbox mode the simulator, when its connection file
 * is there to say where).
 */
function connectionOf(row: Tenant, config: Config): TenantView['connection'] {
  const lastTest = row.lastConnectionTest ?? null;
  if (row.connection) return { source: 'stored', ...row.connection, lastTest };
  const environment = environmentConnection(config);
  return {
    source: 'environment',
    entraTenantId: environment?.tenantId ?? null,
    clientId: environment?.clientId ?? null,
    credential: environment ? (environment.clientCertificatePath ? 'certificate' : 'secret') : null,
    authorityHost: environment?.authorityHost ?? null,
    graphBaseUrl: environment?.graphBaseUrl ?? null,
    lastTest,
  };
}

function environmentConnection(config: Config) {
  try {
    return graphConnectionFor(config);
  } catch {
    // Sandbox mode with no sandbox running (an API started alone): nothing to say where it is.
    return null;
  }
}

export function syncItem(row: InventorySync): SyncView {
  return {
    id: row.id,
    tenantId: row.tenantId,
    status: row.status,
    requestedBy: row.requestedBy,
    requestedAt: row.requestedAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    summary: row.summary ?? null,
    error: row.error,
  };
}

function unmanagedItem(row: UnmanagedDevice): UnmanagedView {
  const { tenantId: _tenant, lastSeenSyncId: _sync, ...rest } = row;
  return { ...rest, lastUsedAt: iso(row.lastUsedAt), firstSeenAt: row.firstSeenAt.toISOString(), lastSeenAt: row.lastSeenAt.toISOString() };
}

/** The token state an adopted device starts in: what Entra holds. */
function adoptedState(device: UnmanagedDevice): TokenState {
  if (!device.assignedUserId) return 'created';
  return device.status === 'activated' ? 'active' : 'assigned';
}

const unmanagedCursor = z.tuple([z.string(), z.string()]);

/** Microsoft's public cloud unless the request names another (a national cloud, or a sandbox). */
function withDefaultHosts<T extends { authorityHost?: string | undefined; graphBaseUrl?: string | undefined; clientSecret?: string | undefined; clientCertificatePem?: string | undefined }>(input: T) {
  const { authorityHost, graphBaseUrl, clientSecret, clientCertificatePem, ...rest } = input;
  return {
    ...rest,
    ...(clientSecret === undefined ? {} : { clientSecret }),
    ...(clientCertificatePem === undefined ? {} : { clientCertificatePem }),
    authorityHost: authorityHost ?? PUBLIC_CLOUD.authorityHost,
    graphBaseUrl: graphBaseUrl ?? PUBLIC_CLOUD.graphBaseUrl,
  };
}

/**
 * Signs in as the tenant's app registration and reads one hardware OATH device: what the worker needs
 * from the tenant, tried once. A stored tenant is reached with its own credential; the environment's
 * with the installation's connection. Never throws for Entra's or Graph's refusals: they are the result.
 */
async function testConnection(deps: ApiDeps, tenant: Tenant): Promise<ConnectionTest> {
  const at = new Date().toISOString();
  let graph: GraphClient;
  try {
    graph = graphClientOfTenant(deps, tenant);
  } catch (error) {
    return { ok: false, at, message: `no Graph client could be made: ${error instanceof Error ? error.message : String(error)}` };
  }
  // One client per test, closed after it: its keep-alive sockets are not left open behind every click.
  const outcome = await graph.listDevices(undefined, { top: 1, maxItems: 1 }).finally(() => graph.close());
  if (outcome.kind === 'ok') {
    return { ok: true, at, message: `signed in and read the hardware OATH inventory (${outcome.value.length === 0 ? 'no device yet' : 'devices present'})`, graphStatus: outcome.status, ...(outcome.requestId ? { requestId: outcome.requestId } : {}) };
  }
  return {
    ok: false,
    at,
    message: 'message' in outcome ? outcome.message : `Graph answered ${outcome.status}: rate-limited; try again in ${Math.ceil(outcome.retryAfterMs / 1000)} s`,
    ...(outcome.status ? { graphStatus: outcome.status } : {}),
    ...(outcome.requestId ? { requestId: outcome.requestId } : {}),
  };
}

function graphClientOfTenant(deps: ApiDeps, tenant: Tenant): GraphClient {
  const stored = credentialSettingsOfTenant(deps.vault, tenant, { caCertificatePem: storedTenantCaPem(deps.config) });
  const options = stored
    ? clientOptionsFromCredential(stored, { timeoutMs: deps.config.graph.timeoutMs })
    : clientOptionsFromConnection(graphConnectionFor(deps.config), { timeoutMs: deps.config.graph.timeoutMs });
  return createGraphClient(options);
}

export function tenantRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;

  async function tenantItems(rows: Tenant[]): Promise<TenantView[]> {
    const syncs = await latestSyncs(db, rows.map((row) => row.id));
    const unmanaged = await db.select({ tenantId: unmanagedDevices.tenantId, count: count() }).from(unmanagedDevices).groupBy(unmanagedDevices.tenantId);
    const unmanagedBy = new Map(unmanaged.map((row) => [row.tenantId, row.count]));
    return rows.map((row) => {
      const sync = syncs.get(row.id);
      return {
        id: row.id,
        name: row.name,
        mode: row.mode,
        connection: connectionOf(row, deps.config),
        settings: settingsOf(row),
        lastSync: sync ? syncItem(sync.latest) : null,
        lastSyncedAt: iso(sync?.lastSucceededAt ?? null),
        unmanagedDevices: unmanagedBy.get(row.id) ?? 0,
      };
    });
  }

  async function findTenant(tenantId: string): Promise<Tenant> {
    const [row] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
    if (!row) throw notFound(`tenant ${tenantId}`);
    return row;
  }

  route(router, endpoints.listTenants, async (_req, res) => {
    send(res, endpoints.listTenants, 200, await tenantItems(await db.select().from(tenants).orderBy(asc(tenants.id))));
  });

  route(router, endpoints.changeTenantSettings, async (req, res) => {
    const tenantId = String(req.params.tenantId);
    const change = parseInput(TenantSettingsChange, req.body, 'request body');
    const updated = await db.transaction(async (tx) => {
      const [existing] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for('update');
      if (!existing) throw notFound(`tenant ${tenantId}`);
      const { obsoleteAfterDays, selfService, ...switches } = change;
      const settings = { ...existing.settings, ...switches, ...(selfService ? { selfService: { ...selfServiceSettings(existing), ...selfService } } : {}) };
      const [row] = await tx
        .update(tenants)
        .set({ settings, ...(obsoleteAfterDays === undefined ? {} : { obsoleteAfterDays }) })
        .where(eq(tenants.id, tenantId))
        .returning();
      await appendAudit(tx, {
        actor: principalOf(res).actor,
        action: 'tenant.settings_changed',
        outcome: 'success',
        tenantId,
        targetType: 'tenant',
        targetId: tenantId,
        detail: { before: settingsOf(existing), after: settingsOf(row!) },
      });
      return row!;
    });
    const [item] = await tenantItems([updated]);
    send(res, endpoints.changeTenantSettings, 200, item!);
  });

  route(router, endpoints.addTenant, async (req, res) => {
    const input = parseInput(NewTenant, req.body, 'request body');
    const actor = principalOf(res).actor;
    try {
      const row = await addTenant(db, deps.vault, { ...withDefaultHosts(input), name: input.name, actor });
      const [item] = await tenantItems([row]);
      send(res, endpoints.addTenant, 201, item!);
    } catch (error) {
      if (error instanceof TenantExists) throw conflict(`Entra tenant ${input.entraTenantId} is served already, as tenant ${error.tenantId}`, 'tenant_exists');
      throw error;
    }
  });

  route(router, endpoints.changeTenantConnection, async (req, res) => {
    const { tenantId } = parseInput(TenantParams, req.params, 'path');
    const change = parseInput(TenantConnectionChange, req.body, 'request body');
    await findTenant(tenantId);
    const row = await changeTenantConnection(db, deps.vault, tenantId, { ...withDefaultHosts(change), actor: principalOf(res).actor });
    if (!row) throw conflict(`tenant ${tenantId} is the one the environment configures: change its ENTRA_* variables and restart`, 'environment_tenant');
    const [item] = await tenantItems([row]);
    send(res, endpoints.changeTenantConnection, 200, item!);
  });

  route(router, endpoints.testTenantConnection, async (req, res) => {
    const { tenantId } = parseInput(TenantParams, req.params, 'path');
    const tenant = await findTenant(tenantId);
    const result = await testConnection(deps, tenant);
    await recordConnectionTest(db, tenantId, result, principalOf(res).actor);
    send(res, endpoints.testTenantConnection, 200, result);
  });

  route(router, endpoints.syncTenant, async (req, res) => {
    const { tenantId } = parseInput(TenantParams, req.params, 'path');
    await findTenant(tenantId);
    const actor = principalOf(res).actor;
    const { sync, created } = await requestSync(db, tenantId, actor);
    if (created) {
      await appendAudit(db, { actor, action: 'inventory.sync_requested', outcome: 'success', tenantId, targetType: 'tenant', targetId: tenantId, detail: { syncId: sync.id } });
    }
    // After the commit, with the run's id as the job's: a lost enqueue is repeated by the worker's schedule pass.
    await enqueueInventorySync(deps.queues(tenantId), tenantId, sync.id);
    send(res, endpoints.syncTenant, 202, { id: sync.id, status: sync.status, alreadyOpen: !created });
  });

  route(router, endpoints.getSync, async (req, res) => {
    const params = parseInput(TenantParams.extend({ id: z.string() }), req.params, 'path');
    const [row] = z.guid().safeParse(params.id).success
      ? await db.select().from(inventorySyncs).where(and(eq(inventorySyncs.tenantId, params.tenantId), eq(inventorySyncs.id, params.id)))
      : [];
    if (!row) throw notFound(`sync ${params.id}`);
    send(res, endpoints.getSync, 200, syncItem(row));
  });

  route(router, endpoints.listUnmanagedDevices, async (req, res) => {
    const { tenantId } = parseInput(TenantParams, req.params, 'path');
    const query = parseInput(UnmanagedDeviceQuery, req.query, 'query');
    await findTenant(tenantId);
    const after = query.cursor ? decodeCursor(query.cursor, unmanagedCursor) : null;
    const rows = await db
      .select()
      .from(unmanagedDevices)
      .where(
        and(
          eq(unmanagedDevices.tenantId, tenantId),
          query.serial ? like(unmanagedDevices.serialNumber, likePrefix(query.serial)) : undefined,
          after
            ? or(gt(unmanagedDevices.serialNumber, after[0]), and(eq(unmanagedDevices.serialNumber, after[0]), gt(unmanagedDevices.graphDeviceId, after[1])))
            : undefined,
        ),
      )
      .orderBy(asc(unmanagedDevices.serialNumber), asc(unmanagedDevices.graphDeviceId))
      .limit(query.limit + 1);
    send(res, endpoints.listUnmanagedDevices, 200, toPage(rows, query.limit, unmanagedItem, (row) => [row.serialNumber, row.graphDeviceId]));
  });

  route(router, endpoints.adoptUnmanagedDevice, async (req, res) => {
    const params = parseInput(TenantParams.extend({ deviceId: z.string() }), req.params, 'path');
    const [device] = await db.select().from(unmanagedDevices).where(and(eq(unmanagedDevices.tenantId, params.tenantId), eq(unmanagedDevices.graphDeviceId, params.deviceId)));
    if (!device) throw notFound(`unmanaged device ${params.deviceId}`);
    const upn = device.assignedUserId ? await userPrincipalName(deps, device.assignedUserId) : null;
    const actor = principalOf(res).actor;
    const hashFunction: HashFunction = (HASH_FUNCTIONS as readonly string[]).includes(device.hashFunction) ? (device.hashFunction as HashFunction) : 'hmacsha1';
    const adopted = await db
      .transaction(async (tx) => {
        const [gone] = await tx
          .delete(unmanagedDevices)
          .where(and(eq(unmanagedDevices.tenantId, device.tenantId), eq(unmanagedDevices.graphDeviceId, device.graphDeviceId)))
          .returning({ id: unmanagedDevices.graphDeviceId });
        if (!gone) throw notFound(`unmanaged device ${params.deviceId}`);
        const state = adoptedState(device);
        const [row] = await tx
          .insert(tokens)
          .values({
            id: randomUUID(),
            tenantId: device.tenantId,
            serialNumber: device.serialNumber,
            manufacturer: device.manufacturer,
            model: device.model,
            displayName: device.displayName ?? `${device.manufacturer} ${device.model} - ${device.serialNumber}`,
            hashFunction,
            timeIntervalSeconds: device.timeIntervalSeconds,
            // No seed: Tokenfleet never had it. Only actions that need no code apply to this token.
            secretKeyId: null,
            secretCiphertext: null,
            state,
            assignedUserId: device.assignedUserId,
            assignedUpn: upn,
            graphDeviceId: device.graphDeviceId,
            graphMethodId: device.assignedUserId ? device.graphDeviceId : null,
            lastUsedAt: device.lastUsedAt,
          })
          .returning(tokenItemColumns);
        await appendAudit(tx, {
          actor,
          action: 'token.adopted',
          outcome: 'success',
          tenantId: device.tenantId,
          targetType: 'token',
          targetId: row!.id,
          tokenId: row!.id,
          detail: { summary: `adopted from Entra as ${state}, without a seed`, serialNumber: device.serialNumber, graphDeviceId: device.graphDeviceId, state, assignedUpn: upn, hasSeed: false },
        });
        return row!;
      })
      .catch((error: unknown) => {
        if (postgresErrorCode(error) === PG_UNIQUE_VIOLATION) throw conflict(`A token with serial ${device.serialNumber} is already in the inventory of ${device.tenantId}; the device was left unmanaged`);
        throw error;
      });
    send(res, endpoints.adoptUnmanagedDevice, 201, tokenItem(adopted));
  });
}

/** The UPN of the user Entra assigned the device to: a read-only look-up, as the user search is. */
async function userPrincipalName(deps: ApiDeps, userId: string): Promise<string | null> {
  if (!deps.graph?.getUser) throw new ApiError(503, 'directory_unavailable', 'This API process has no connection to Microsoft Graph to look up the user the device is assigned to');
  const outcome = await deps.graph.getUser(userId);
  switch (outcome.kind) {
    case 'ok':
      return outcome.value?.userPrincipalName ?? null;
    case 'rate-limited':
    case 'transient':
      throw new ApiError(503, 'directory_unavailable', 'Microsoft Graph did not answer the look-up of the assigned user; try again');
    case 'permanent':
      throw new ApiError(502, 'directory_error', `Microsoft Graph refused the look-up of the assigned user (${outcome.code})`);
  }
}
