// What the worker starts for each tenant it carries (docs/tenants.md, "How the worker carries tenants"):
// the tenant's queue, its shared write budget, the context its jobs run in (its Graph client, user-id
// cache), the clock calibration against its Graph, and the BullMQ worker on its queue. Every tenant gets
// its own of each, so a tenant's jobs only ever call that tenant's Graph and spend that tenant's budget,
// and one tenant's backlog or throttling never holds another's jobs.
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';
import { appendAudit, type Database, type SeedVault } from '@tokenfleet/db';
import type { GraphClient } from '@tokenfleet/graph';
import { createTenantQueue, WriteBudget } from '@tokenfleet/queue';
import type { Redis } from 'ioredis';
import { RoundTrips } from './activation-gate';
import type { WorkerContext, WorkerSettings } from './context';
import { startTenantWorker } from './tenant-worker';

/** What every tenant of one worker process shares: the process's database, vault, Redis and settings. */
export interface SharedRuntime {
  db: Database;
  vault: SeedVault;
  redis: Redis;
  prefix: string;
  settings: WorkerSettings;
  budget: { limit: number; windowMs: number; burst: number };
  concurrency: number;
  lockDurationMs?: number;
}

export interface CarriedTenant {
  context: WorkerContext;
  worker: Worker;
  /** The stored connection's version the client was built from; null for the environment's tenant. */
  connectionVersion: number | null;
  /** Stops taking jobs, gives running ones `deadlineMs`, then closes the queue (not the shared Redis). */
  close(deadlineMs: number): Promise<void>;
}

/**
 * One read of the device list before the first activation, so the client's clock is corrected to Graph's
 * from the start. Audited either way: a tenant whose credential is wrong or whose Graph is away shows up
 * in the audit trail here, before any of its jobs fails for the same reason. `logger` is the tenant's own
 * (bound to its id).
 */
export async function calibrateClock(db: Database, tenantId: string, graph: GraphClient, logger: Logger, purpose: string): Promise<boolean> {
  const calibration = await graph.listDevices(undefined, { top: 1, maxItems: 1 });
  const message = calibration.kind === 'ok' ? null : 'message' in calibration ? calibration.message : `Graph answered ${calibration.status}: throttled`;
  await appendAudit(db, {
    actor: 'worker',
    action: 'graph.listDevices',
    outcome: calibration.kind === 'ok' ? 'success' : 'failure',
    tenantId,
    graphStatus: calibration.status,
    graphRequestId: calibration.requestId,
    detail: {
      purpose,
      result: calibration.kind,
      clockOffsetMs: graph.clockOffsetMs(),
      ...(calibration.kind === 'ok' ? {} : { code: calibration.code, message }),
    },
  });
  if (calibration.kind !== 'ok') {
    // Graph's failure message names the endpoint and Entra's error code, never the credential.
    logger.warn({ result: calibration.kind, code: calibration.code, graphStatus: calibration.status }, `clock calibration failed: ${message}; the tenant's jobs will wait or fail until its Graph answers`);
  }
  return calibration.kind === 'ok';
}

/**
 * Starts one tenant: queue, budget, context, calibration, BullMQ worker. `logger` is the tenant's own
 * (bound to its id), so every line its jobs log names it.
 */
export async function startCarriedTenant(shared: SharedRuntime, tenantId: string, graph: GraphClient, logger: Logger, connectionVersion: number | null): Promise<CarriedTenant> {
  const queue = createTenantQueue({ connection: shared.redis, prefix: shared.prefix }, tenantId);
  let worker: Worker | undefined;
  let context: WorkerContext;
  try {
    await calibrateClock(shared.db, tenantId, graph, logger, 'clock calibration at start-up');
    context = {
      db: shared.db,
      vault: shared.vault,
      logger,
      config: shared.settings,
      tenant: {
        tenantId,
        graph,
        budget: new WriteBudget(shared.redis, tenantId, { ...shared.budget, prefix: shared.prefix }),
        queue,
        userIds: new Map(),
        roundTrips: new RoundTrips(),
      },
    };
    worker = await startTenantWorker(context, {
      connection: shared.redis,
      prefix: shared.prefix,
      concurrency: shared.concurrency,
      ...(shared.lockDurationMs ? { lockDurationMs: shared.lockDurationMs } : {}),
    });
    // The sync is scheduled by the reconciler's pass now (sync-schedule.ts); a scheduler an older version
    // left in Redis would run syncs on its own clock.
    await queue.removeJobScheduler('inventory.sync');
  } catch (error) {
    // Half a tenant is no tenant: what was opened is closed, and the next pass tries again.
    await worker?.close(true);
    await queue.close();
    throw error;
  }
  const started = worker;
  return {
    context,
    worker: started,
    connectionVersion,
    async close(deadlineMs) {
      let deadline: NodeJS.Timeout | undefined;
      const finished = await Promise.race([
        started.close().then(() => true),
        new Promise<boolean>((resolve) => { deadline = setTimeout(() => resolve(false), deadlineMs); }),
      ]);
      clearTimeout(deadline);
      if (!finished) {
        // What is still running is released: its lock lapses and another worker picks it up as stalled.
        logger.warn({ deadlineMs }, 'jobs still running at the shutdown deadline; releasing them to other workers');
        await started.close(true);
      }
      await queue.close();
    },
  };
}
