import type { Job } from 'bullmq';
import type { JobName, JobPayloads } from '@tokenfleet/domain';
import type { JobContext } from '../context';

/** A job handler: one per job kind, registered in registry.ts. */
export type Handler<K extends JobName> = (job: Job<JobPayloads[K], unknown, K>, jc: JobContext) => Promise<unknown>;
