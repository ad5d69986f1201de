// Starts the worker process: migrations, database, seed vault, and every tenant of the installation
// (docs/tenants.md, "How the worker carries tenants"): the tenant the environment configures (ENTRA_*, or
// the built-in sandbox) and every tenant added in Tokenfleet (a `tenants` row with a stored connection).
// Each carried tenant gets its own Graph client, queue, write budget, BullMQ worker, user-id cache and
// clock calibration (carried-tenant.ts); the reconciler's pass repairs each tenant's queue state, opens its
// scheduled inventory sync (sync-schedule.ts) and, first, starts the tenants added since the last pass and
// gives a tenant whose connection changed a new Graph client. `close()` stops taking jobs and gives
// running ones a deadline to finish; what is still running then is released (its lock lapses and another
// worker picks it up as stalled).
import type { Logger } from 'pino';
import { isNotNull } from 'drizzle-orm';
import { createLogger, graphConnectionFor, storedTenantCaPem, type Config } from '@tokenfleet/config';
import { appendAudit, createDb, credentialSettingsOfTenant, ensureTenant, openSeedVault, runMigrations, tenants, type Tenant } from '@tokenfleet/db';
import { clientOptionsFromConnection, clientOptionsFromCredential, createGraphClient, type GraphClient } from '@tokenfleet/graph';
import { createRedis, DEFAULT_JOB_OPTIONS } from '@tokenfleet/queue';
import { calibrateClock, startCarriedTenant, type CarriedTenant, type SharedRuntime } from './carried-tenant';
import type { WorkerContext } from './context';
import { outageWaitMs } from './errors';
import { reconcileTenant } from './reconciler';
import { syncIfDue } from './sync-schedule';

export interface WorkerOverrides {
  /** A Graph client for the environment's tenant instead of one built from the configuration (tests, `npm start`). */
  graph?: GraphClient;
  /** BullMQ and budget key prefix instead of config.redisPrefix. */
  prefix?: string;
  logger?: Logger;
  reconcileEveryMs?: number;
  reconcileGraceMs?: number;
  lockDurationMs?: number;
  /** How long a job waits for a part that is away, after its n-th wait (tests shorten it). */
  outageWaitMs?: (waitsSoFar: number) => number;
  /** Devices per page the inventory sync reads (default 999). */
  syncPageSize?: number;
  /** false: no scheduled inventory sync (tests that ask for their own); on demand still works. */
  scheduleSyncs?: boolean;
  /** Where the master key is read from (default: process.env). */
  env?: Record<string, string | undefined>;
}

export interface RunningWorker {
  /** The process's logger (each tenant's context has a child of it that names the tenant). */
  logger: Logger;
  /** The context of the environment's tenant. */
  context: WorkerContext;
  /** The context of any tenant this worker carries (the environment's included), or undefined. */
  tenantContext(tenantId: string): WorkerContext | undefined;
  /** The ids of the tenants this worker carries, the environment's first. */
  tenantIds(): string[];
  /** One reconciler pass now: picks up added and changed tenants, then repairs every tenant's queue state. */
  reconcileNow(): Promise<void>;
  close(deadlineMs?: number): Promise<void>;
}

/** A client no job should start a call on any more is closed this long after it was replaced. */
const RETIRED_CLIENT_GRACE_MS = 120_000;

export function graphClientFromConfig(config: Config, logger: Logger): GraphClient {
  return createGraphClient(clientOptionsFromConnection(graphConnectionFor(config), { timeoutMs: config.graph.timeoutMs, logger }));
}

/** The Graph client of a tenant added in Tokenfleet, from its stored connection and sealed credential. */
export function graphClientOfStoredTenant(config: Config, vault: SharedRuntime['vault'], tenant: Tenant, logger: Logger): GraphClient {
  const caCertificatePem = storedTenantCaPem(config);
  const settings = credentialSettingsOfTenant(vault, tenant, caCertificatePem ? { caCertificatePem } : {});
  if (!settings) throw new Error('the tenant has no stored connection');
  return createGraphClient(clientOptionsFromCredential(settings, { timeoutMs: config.graph.timeoutMs, logger }));
}

export async function startWorker(config: Config, overrides: WorkerOverrides = {}): Promise<RunningWorker> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, name: 'worker', mode: config.mode });
  const prefix = overrides.prefix ?? config.redisPrefix;
  await runMigrations(config.databaseUrl);
  const database = createDb(config.databaseUrl, { max: 10, applicationName: 'tokenfleet-worker' });
  const db = database.db;
  const environmentTenant = await ensureTenant(db, { mode: config.mode, ...(config.entra ? { entraTenantId: config.entra.tenantId } : {}) });
  const { vault } = openSeedVault(overrides.env ?? process.env, { mode: config.mode, stateDir: config.stateDir });
  const redis = createRedis(config.redisUrl);
  const shared: SharedRuntime = {
    db,
    vault,
    redis,
    prefix,
    settings: {
      bulkChunkSize: config.graph.bulkChunkSize,
      bulkCreateCost: config.graph.bulkCreateCost,
      activationMarginMs: config.activationMarginMs,
      budgetMaxWaitMs: 3_000,
      outageWaitMs: overrides.outageWaitMs ?? ((waits) => outageWaitMs(waits)),
      maxAttempts: DEFAULT_JOB_OPTIONS.attempts ?? 8,
      ...(overrides.syncPageSize ? { syncPageSize: overrides.syncPageSize } : {}),
    },
    budget: { limit: config.graph.writeLimit, windowMs: config.graph.writeWindowMs, burst: config.graph.writeBurst },
    concurrency: config.workerConcurrency,
    ...(overrides.lockDurationMs ? { lockDurationMs: overrides.lockDurationMs } : {}),
  };

  // The environment's tenant: started first and always, as a single-tenant installation always was.
  const environmentGraph = overrides.graph ?? graphClientFromConfig(config, logger);
  const environment = await startCarriedTenant(shared, environmentTenant.id, environmentGraph, logger.child({ tenantId: environmentTenant.id }), null);
  logger.info(
    { tenantId: environmentTenant.id, mode: config.mode, clockOffsetMs: environmentGraph.clockOffsetMs() },
    config.mode === 'sandbox' ? 'worker started against the SANDBOX (simulated Entra)' : 'worker started against Entra',
  );
  const carried = new Map<string, CarriedTenant>([[environmentTenant.id, environment]]);
  /** Stored tenants whose client could not be built, with the connection version that failed: tried again only once it changes. */
  const unbuildable = new Map<string, number>();
  /** Clients replaced by a connection change, closed after a grace (or at close()). */
  const retiring = new Map<NodeJS.Timeout, GraphClient>();
  let warnedShadowed = false;

  /** Audits a stored tenant whose client could not even be built (a credential that does not decrypt, a PEM that does not parse). */
  const recordUnbuildable = async (tenant: Tenant, error: unknown, tenantLogger: Logger) => {
    // The error's message only: never an object that might carry the options the client was built from.
    const message = error instanceof Error ? error.message : String(error);
    unbuildable.set(tenant.id, tenant.connectionVersion);
    tenantLogger.error({ connectionVersion: tenant.connectionVersion }, `cannot build the tenant's Graph client: ${message}; its jobs wait in its queue until its connection is changed`);
    await appendAudit(db, {
      actor: 'worker',
      action: 'graph.listDevices',
      outcome: 'failure',
      tenantId: tenant.id,
      detail: { purpose: 'clock calibration at start-up', result: 'no-client', message, connectionVersion: tenant.connectionVersion },
    });
  };

  const startStored = async (tenant: Tenant) => {
    const tenantLogger = logger.child({ tenantId: tenant.id });
    let graph: GraphClient;
    try {
      graph = graphClientOfStoredTenant(config, vault, tenant, tenantLogger);
    } catch (error) {
      await recordUnbuildable(tenant, error, tenantLogger);
      return;
    }
    unbuildable.delete(tenant.id);
    let started: CarriedTenant;
    try {
      started = await startCarriedTenant(shared, tenant.id, graph, tenantLogger, tenant.connectionVersion);
    } catch (error) {
      graph.close();
      throw error;
    }
    carried.set(tenant.id, started);
    tenantLogger.info({ connectionVersion: tenant.connectionVersion, clockOffsetMs: graph.clockOffsetMs() }, 'worker carries a tenant added in Tokenfleet');
    if (overrides.scheduleSyncs !== false) await syncIfDue(db, started.context.tenant.queue, tenant.id);
  };

  // A changed connection gets a new client swapped into the tenant's context rather than a restarted
  // BullMQ worker: jobs read `context.tenant.graph` at each call, so the next call uses the new client,
  // running jobs keep their locks instead of waiting out a shutdown, and the queue, budget and user-id
  // cache stay (the Entra tenant is the same; only how we sign in to it changed). The new client is
  // calibrated before it is swapped in, so no activation runs on an uncalibrated clock; the old one is
  // closed once calls it already started have had time to end.
  const swapClient = async (tenant: Tenant, running: CarriedTenant) => {
    const tenantLogger = running.context.logger;
    let graph: GraphClient;
    try {
      graph = graphClientOfStoredTenant(config, vault, tenant, tenantLogger);
    } catch (error) {
      // The old client stays (better a credential that may still work than none), and this version is not tried again.
      running.connectionVersion = tenant.connectionVersion;
      await recordUnbuildable(tenant, error, tenantLogger);
      return;
    }
    try {
      await calibrateClock(db, tenant.id, graph, tenantLogger, 'clock calibration after a connection change');
    } catch (error) {
      // Not Graph's answer but our own audit write failed: the next pass tries this version again.
      graph.close();
      throw error;
    }
    const old = running.context.tenant.graph;
    running.context.tenant.graph = graph;
    running.connectionVersion = tenant.connectionVersion;
    const timer = setTimeout(() => { retiring.delete(timer); old.close(); }, RETIRED_CLIENT_GRACE_MS);
    timer.unref();
    retiring.set(timer, old);
    tenantLogger.info({ connectionVersion: tenant.connectionVersion }, "tenant's connection changed: new Graph client in use");
  };

  /** Starts the stored tenants not carried yet, renews changed clients, stops tenants whose connection is gone. */
  const followStoredTenants = async () => {
    const stored = await db.select().from(tenants).where(isNotNull(tenants.connection));
    const present = new Set<string>();
    const work: Promise<void>[] = [];
    for (const tenant of stored) {
      if (tenant.id === environmentTenant.id) {
        // The environment configures this Entra tenant too; its connection is the one the worker uses.
        if (!warnedShadowed) logger.warn({ tenantId: tenant.id }, 'a stored tenant is also the environment\'s tenant; the environment\'s connection is used');
        warnedShadowed = true;
        continue;
      }
      present.add(tenant.id);
      const running = carried.get(tenant.id);
      if (!running) {
        if (unbuildable.get(tenant.id) === tenant.connectionVersion) continue;
        work.push(startStored(tenant));
      } else if (running.connectionVersion !== tenant.connectionVersion) {
        work.push(swapClient(tenant, running));
      }
    }
    for (const [tenantId, running] of carried) {
      if (running.connectionVersion === null || present.has(tenantId)) continue;
      carried.delete(tenantId);
      logger.info({ tenantId }, 'tenant no longer stored: its worker stops');
      work.push(running.close(20_000).then(() => running.context.tenant.graph.close()));
    }
    for (const id of unbuildable.keys()) if (!present.has(id)) unbuildable.delete(id);
    // In parallel, each on its own: a tenant whose Graph is away spends its timeout without holding the others.
    const failures = (await Promise.allSettled(work)).filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    for (const failure of failures) logger.error({ err: failure.reason }, 'could not start or update a stored tenant');
  };

  const scheduleSync = (tenantId: string, running: CarriedTenant) =>
    overrides.scheduleSyncs === false ? Promise.resolve(null) : syncIfDue(db, running.context.tenant.queue, tenantId);
  await scheduleSync(environmentTenant.id, environment);
  await followStoredTenants();

  const pass = async () => {
    const errors: unknown[] = [];
    try {
      await followStoredTenants();
    } catch (error) {
      // The tenants already carried are still reconciled.
      logger.error({ err: error }, 'could not read the stored tenants');
      errors.push(error);
    }
    // One tenant's failed pass (its rows, its queue) does not keep the others from theirs.
    for (const [tenantId, running] of carried) {
      try {
        await reconcileTenant(db, redis, running.context.tenant.queue, tenantId, { graceMs: overrides.reconcileGraceMs ?? 120_000, abandonedImportMs: 30 * 60_000 }, logger);
        await scheduleSync(tenantId, running);
      } catch (error) {
        running.context.logger.error({ err: error }, 'reconciler pass failed for a tenant');
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `the reconciler pass failed for ${errors.length} tenants`);
  };
  // Passes never overlap (the timer's and one a test asks for): two at once could start a tenant twice.
  let latestPass: Promise<void> = Promise.resolve();
  let closing = false;
  const reconcileNow = () => {
    const next = latestPass.catch(() => undefined).then(() => (closing ? undefined : pass()));
    latestPass = next;
    return next;
  };
  const timer = setInterval(() => {
    reconcileNow().catch((error: unknown) => logger.error({ err: error }, 'reconciler pass failed'));
  }, overrides.reconcileEveryMs ?? 60_000);
  timer.unref();

  return {
    logger,
    context: environment.context,
    tenantContext: (tenantId) => carried.get(tenantId)?.context,
    tenantIds: () => [...carried.keys()],
    reconcileNow,
    async close(deadlineMs = 20_000) {
      closing = true;
      clearInterval(timer);
      await latestPass.catch(() => undefined);
      await Promise.all([...carried.values()].map((running) => running.close(deadlineMs)));
      for (const [tenantId, running] of carried) {
        // The environment's client belongs to whoever passed it in; the stored tenants' are ours.
        if (tenantId !== environmentTenant.id || !overrides.graph) running.context.tenant.graph.close();
      }
      for (const [pending, old] of retiring) {
        clearTimeout(pending);
        old.close();
      }
      await redis.quit();
      await database.close();
    },
  };
}
