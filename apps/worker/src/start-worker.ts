// Starts the worker for the configured tenant: migrations, database, seed vault, Graph client, the
// tenant's queue with its shared write budget, the BullMQ worker, the reconciler and the scheduled
// inventory sync (sync-schedule.ts, checked at start-up and by every reconciler pass). `close()` stops taking jobs and gives running ones a deadline to finish; what is still
// running then is released (its lock lapses and another worker picks it up as stalled).
import type { Logger } from 'pino';
import { createLogger, graphConnectionFor, type Config } from '@tokenfleet/config';
import { appendAudit, createDb, ensureTenant, openSeedVault, runMigrations } from '@tokenfleet/db';
import { clientOptionsFromConnection, createGraphClient, type GraphClient } from '@tokenfleet/graph';
import { createRedis, createTenantQueue, DEFAULT_JOB_OPTIONS, WriteBudget } from '@tokenfleet/queue';
import type { WorkerContext } from './context';
import { outageWaitMs } from './errors';
import { reconcileTenant } from './reconciler';
import { syncIfDue } from './sync-schedule';
import { startTenantWorker } from './tenant-worker';

export interface WorkerOverrides {
  /** A Graph client to use instead of one built from the configuration (tests, `npm start`). */
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
  context: WorkerContext;
  reconcileNow(): Promise<void>;
  close(deadlineMs?: number): Promise<void>;
}

export function graphClientFromConfig(config: Config, logger: Logger): GraphClient {
  return createGraphClient(clientOptionsFromConnection(graphConnectionFor(config), { timeoutMs: config.graph.timeoutMs, logger }));
}

export async function startWorker(config: Config, overrides: WorkerOverrides = {}): Promise<RunningWorker> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, name: 'worker', mode: config.mode });
  const prefix = overrides.prefix ?? config.redisPrefix;
  await runMigrations(config.databaseUrl);
  const database = createDb(config.databaseUrl, { max: 10, applicationName: 'tokenfleet-worker' });
  const tenant = await ensureTenant(database.db, { mode: config.mode, ...(config.entra ? { entraTenantId: config.entra.tenantId } : {}) });
  const { vault } = openSeedVault(overrides.env ?? process.env, { mode: config.mode, stateDir: config.stateDir });
  const redis = createRedis(config.redisUrl);
  const queue = createTenantQueue({ connection: redis, prefix }, tenant.id);
  const graph = overrides.graph ?? graphClientFromConfig(config, logger);

  // One read before the first activation, so the clock is corrected to Graph's from the start.
  const calibration = await graph.listDevices(undefined, { top: 1, maxItems: 1 });
  await appendAudit(database.db, {
    actor: 'worker',
    action: 'graph.listDevices',
    outcome: calibration.kind === 'ok' ? 'success' : 'failure',
    tenantId: tenant.id,
    graphStatus: calibration.status,
    graphRequestId: calibration.requestId,
    detail: { purpose: 'clock calibration at start-up', result: calibration.kind, clockOffsetMs: graph.clockOffsetMs() },
  });
  logger.info({ tenantId: tenant.id, mode: config.mode, clockOffsetMs: graph.clockOffsetMs(), calibration: calibration.kind }, config.mode === 'sandbox' ? 'worker started against the SANDBOX (simulated Entra)' : 'worker started against Entra');

  const context: WorkerContext = {
    db: database.db,
    vault,
    logger,
    config: {
      bulkChunkSize: config.graph.bulkChunkSize,
      activationMarginMs: config.activationMarginMs,
      budgetMaxWaitMs: 3_000,
      outageWaitMs: overrides.outageWaitMs ?? ((waits) => outageWaitMs(waits)),
      maxAttempts: DEFAULT_JOB_OPTIONS.attempts ?? 8,
      ...(overrides.syncPageSize ? { syncPageSize: overrides.syncPageSize } : {}),
    },
    tenant: {
      tenantId: tenant.id,
      graph,
      budget: new WriteBudget(redis, tenant.id, { limit: config.graph.writeLimit, windowMs: config.graph.writeWindowMs, prefix }),
      queue,
      userIds: new Map(),
    },
  };
  const worker = await startTenantWorker(context, {
    connection: redis,
    prefix,
    concurrency: config.workerConcurrency,
    ...(overrides.lockDurationMs ? { lockDurationMs: overrides.lockDurationMs } : {}),
  });
  // The sync is scheduled by the reconciler's pass now (sync-schedule.ts); a scheduler an older version
  // left in Redis would run syncs on its own clock.
  await queue.removeJobScheduler('inventory.sync');
  const scheduleSync = () => (overrides.scheduleSyncs === false ? Promise.resolve(null) : syncIfDue(database.db, queue, tenant.id));
  await scheduleSync();

  const reconcileNow = async () => {
    await reconcileTenant(database.db, redis, queue, tenant.id, { graceMs: overrides.reconcileGraceMs ?? 120_000, abandonedImportMs: 30 * 60_000 }, logger);
    await scheduleSync();
  };
  const timer = setInterval(() => {
    reconcileNow().catch((error: unknown) => logger.error({ err: error }, 'reconciler pass failed'));
  }, overrides.reconcileEveryMs ?? 60_000);
  timer.unref();

  return {
    context,
    reconcileNow,
    async close(deadlineMs = 20_000) {
      clearInterval(timer);
      let deadline: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        worker.close().then(() => true),
        new Promise<boolean>((resolve) => { deadline = setTimeout(() => resolve(false), deadlineMs); }),
      ]);
      clearTimeout(deadline);
      if (!finished) {
        logger.warn({ deadlineMs }, 'jobs still running at the shutdown deadline; releasing them to other workers');
        await worker.close(true);
      }
      await queue.close();
      await redis.quit();
      await database.close();
    },
  };
}
