// One BullMQ worker per tenant queue. It dispatches each job to the handler of its kind and keeps the
// operation rows true when BullMQ itself gives up on a job (a worker that died holding it too often).
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import { tenantQueueName, type JobName } from '@tokenfleet/domain';
import { QUEUE_JOB_RATE_CEILING } from '@tokenfleet/queue';
import type { Redis } from 'ioredis';
import type { JobContext, WorkerContext } from './context';
import { delayJob, jobBackoffMs, outageOf } from './errors';
import { handlers } from './jobs/registry';
import { failOperation } from './operation-runner';
import { FINAL_STATUSES, loadOperation } from './store';

export interface TenantWorkerOptions {
  connection: Redis;
  prefix: string;
  concurrency: number;
  /** How long a job's lock lasts without renewal; a killed worker's jobs come back after this. */
  lockDurationMs?: number;
}

export async function startTenantWorker(context: WorkerContext, options: TenantWorkerOptions): Promise<Worker> {
  await context.tenant.queue.setGlobalRateLimit(QUEUE_JOB_RATE_CEILING.max, QUEUE_JOB_RATE_CEILING.durationMs);
  const worker = new Worker(
    tenantQueueName(context.tenant.tenantId),
    async (job: Job, token?: string) => {
      const handler = handlers[job.name as JobName] as (job: Job, jc: unknown) => Promise<unknown>;
      if (!handler) throw new Error(`no handler for job kind ${job.name}`);
      const jc: JobContext = { ...context, job, jobToken: token };
      try {
        return await handler(job, jc);
      } catch (error) {
        const outage = outageOf(error);
        if (!outage) throw error;
        // Not the job's fault: it waits for the part to come back, however long that takes, and keeps
        // every attempt it has for the failures that are its own.
        const waits = typeof job.data?.outageWaits === 'number' ? (job.data.outageWaits as number) : 0;
        const waitMs = context.config.outageWaitMs(waits);
        context.logger.warn({ jobId: job.id, kind: job.name, part: outage.part, waitMs }, `waiting for ${outage.part}: ${outage.message}`);
        await job.updateData({ ...job.data, outageWaits: waits + 1 });
        return delayJob(jc, waitMs);
      }
    },
    {
      connection: options.connection as ConnectionOptions,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      // A SIGKILLed worker leaves its jobs active; they come back as stalled. Allow a few before failing.
      maxStalledCount: 3,
      autorun: true,
      settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => jobBackoffMs(attemptsMade, error) },
    },
  );
  worker.on('failed', (job, error) => {
    // BullMQ says "failed" after every failed attempt, retried or not; only a job it has given up on
    // concerns us. Jobs whose processor ran to the end have recorded their failure already; this catches
    // the ones BullMQ failed without that (stalled too often), so no operation stays "running" forever.
    if (!job || !('operationId' in (job.data as object))) return;
    void (async () => {
      if ((await job.getState()) !== 'failed') return;
      await recordIfUnrecorded(context, (job.data as { operationId: string }).operationId, error);
    })().catch((cause: unknown) => context.logger.error({ err: cause, jobId: job.id }, 'could not record a failed job'));
  });
  // The context's logger names the tenant already.
  worker.on('error', (error) => context.logger.error({ err: error }, 'worker error'));
  return worker;
}

async function recordIfUnrecorded(context: WorkerContext, operationId: string, error: Error): Promise<void> {
  const work = await loadOperation(context.db, operationId);
  if (!work || FINAL_STATUSES.has(work.op.status) || work.op.status === 'queued') return;
  await failOperation(context, work.op, error, { final: true, includeClaimed: true });
}
