// Queue definitions shared by the API (which enqueues) and the worker (which processes): one BullMQ
// queue per Entra tenant, the job options every job gets, and enqueueing of operation rows with
// deterministic job ids.
import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { bulkExpandJobId, operationJobId, tenantQueueName, webhookJobId, type JobName, type JobPayloads, type OperationKind } from '@tokenfleet/domain';

/** The BullMQ key prefix of every Tokenfleet queue (and of the write budget); API and worker must agree. */
export const DEFAULT_QUEUE_PREFIX = 'tf';

export interface QueueContext {
  connection: Redis;
  /** BullMQ key prefix; tests give each file its own. */
  prefix: string;
}

/**
 * A Redis connection. BullMQ needs `maxRetriesPerRequest: null` on connections that block (workers):
 * their commands wait through an outage and go on when Redis is back. `failFast` is for request paths
 * (the API): a command fails after one reconnection attempt, so a request answers 503 instead of hanging.
 */
export function createRedis(url: string, { failFast = false }: { failFast?: boolean } = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: failFast ? 1 : null, enableReadyCheck: true, lazyConnect: false });
}

/** Whether an error says Redis is not answering (a command given up after reconnection attempts). */
export function isRedisUnavailable(error: unknown): boolean {
  // ioredis's own error class for a command dropped while the connection was down; not exported by name.
  return error instanceof Error && error.name === 'MaxRetriesPerRequestError';
}

/**
 * BullMQ only honours `queue.rateLimit()` (the tenant-wide 429 pause) on queues that have a global rate
 * limit. The real pacing is the write budget, which counts Graph calls rather than jobs, so this limit is
 * set far above anything the budget lets through.
 */
export const QUEUE_JOB_RATE_CEILING = { max: 10_000, durationMs: 1_000 };

/** The backoff type of every job: the worker's own strategy (exponential, and never shorter than a 503's Retry-After). */
export const JOB_BACKOFF_TYPE = 'graph-aware';

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: JOB_BACKOFF_TYPE, delay: 2_000 },
  // Retention keeps Redis bounded at thousands of tokens; the database holds the lasting record.
  removeOnComplete: { age: 24 * 3600, count: 20_000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 50_000 },
};

export type TenantQueue = Queue<JobPayloads[JobName], unknown, JobName>;

export function createTenantQueue(context: QueueContext, tenantId: string): TenantQueue {
  return new Queue<JobPayloads[JobName], unknown, JobName>(tenantQueueName(tenantId), {
    connection: context.connection as ConnectionOptions,
    prefix: context.prefix,
    defaultJobOptions: DEFAULT_JOB_OPTIONS,
    streams: { events: { maxLen: 10_000 } },
  });
}

export interface OperationToEnqueue {
  id: string;
  tenantId: string;
  tokenId: string;
  kind: OperationKind;
  generation: number;
  /** `urgent` puts the job at the head of the tenant's queue (see enqueueOperations). */
  params?: { urgent?: boolean | undefined } | null;
}

/**
 * Adds one job per operation. Safe to repeat: BullMQ ignores an add whose job id it already knows.
 *
 * An urgent operation (a lost token's deactivation, an operator's one-window code) is added LIFO, to the
 * head of the wait list, so it is the next job a worker of the tenant takes. BullMQ's `priority` would
 * not do: a worker takes every job of the wait list before any prioritized one, so a prioritized job
 * waits behind an import's thousands. `atHead` does the same for a whole batch: the next steps of tokens
 * just created, which should not wait behind the rest of the import's creates.
 */
export async function enqueueOperations(queue: TenantQueue, operations: OperationToEnqueue[], options: { delayMs?: number; atHead?: boolean } = {}): Promise<void> {
  const chunk = 1_000;
  for (let start = 0; start < operations.length; start += chunk) {
    await queue.addBulk(
      operations.slice(start, start + chunk).map((operation) => ({
        name: operation.kind,
        data: { tenantId: operation.tenantId, operationId: operation.id },
        opts: {
          jobId: operationJobId(operation.kind, operation.tokenId, operation.generation),
          ...(options.delayMs ? { delay: options.delayMs } : operation.params?.urgent === true || options.atHead ? { lifo: true } : {}),
        },
      })),
    );
  }
}

/**
 * Moves a job that is waiting or delayed to the head of the wait list, so it is the next one a worker of
 * the tenant takes. Answers false when the job is running, done or unknown: nothing is moved.
 */
export async function moveToHead(queue: TenantQueue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return false;
  try {
    const state = await job.getState();
    if (state === 'delayed') await job.promote();
    else if (state !== 'waiting') return false;
    await job.changePriority({ lifo: true });
    return true;
  } catch {
    return false; // taken by a worker, or removed, in the meantime
  }
}

export async function enqueueImportExpansion(queue: TenantQueue, tenantId: string, importId: string): Promise<void> {
  await queue.add('import.expand', { tenantId, importId }, { jobId: `expand-${importId}` });
}

/** The job of one sync run: its id is the run's, so asking twice for the same run queues it once. */
export async function enqueueInventorySync(queue: TenantQueue, tenantId: string, syncId: string): Promise<void> {
  await queue.add('inventory.sync', { tenantId, syncId }, { jobId: `sync-${syncId}` });
}

/**
 * A delivery whose directory look-up keeps failing (Graph answering 5xx) is tried this often, with the
 * usual backoff capped at five minutes: about two hours before it is recorded as failed (and can be
 * redelivered). Graph out of reach or throttling spends no attempts at all.
 */
export const WEBHOOK_JOB_ATTEMPTS = 30;

/** Adds the job of a delivery's current run; safe to repeat (the run is part of the job id). */
export async function enqueueWebhookDelivery(queue: TenantQueue, delivery: { id: string; tenantId: string; runs: number }): Promise<void> {
  await queue.add('webhook.deliver', { tenantId: delivery.tenantId, deliveryId: delivery.id }, { jobId: webhookJobId(delivery.id, delivery.runs), attempts: WEBHOOK_JOB_ATTEMPTS });
}

/** Starts (or, after a crash, resumes) the walk of a bulk action's round; a second add of the same round is ignored. */
export async function enqueueBulkExpansion(queue: TenantQueue, tenantId: string, bulkActionId: string, round: number): Promise<void> {
  await queue.add('bulk.expand', { tenantId, bulkActionId }, { jobId: bulkExpandJobId(bulkActionId, round) });
}
