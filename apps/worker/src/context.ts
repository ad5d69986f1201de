// What every job handler receives: the job and its lock token, the database, the seed vault, and the
// runtime of the tenant whose queue the job came from (its Graph client, write budget and queue).
import type { Job } from 'bullmq';
import type { Logger } from 'pino';
import type { Database, SeedVault } from '@tokenfleet/db';
import type { GraphClient } from '@tokenfleet/graph';
import type { TenantQueue, WriteBudget } from '@tokenfleet/queue';
import type { RoundTrips } from './activation-gate';

export interface TenantRuntime {
  tenantId: string;
  graph: GraphClient;
  budget: WriteBudget;
  queue: TenantQueue;
  /** UPN (lower case) → Entra object id: users do not change ids, so one look-up serves a whole import. */
  userIds: Map<string, string>;
  /** How long the tenant's recent Graph calls took: the activation's send margin is sized from them. */
  roundTrips: RoundTrips;
}

export interface WorkerSettings {
  /** Tokens per bulk-create call (at most the budget's burst when Graph charges each item). */
  bulkChunkSize: number;
  /** What Graph charges a bulk create: one write ('call') or one per item ('item'). */
  bulkCreateCost: 'call' | 'item';
  /** Less than this left in the TOTP window and the activation waits for the next one. */
  activationMarginMs: number;
  /** Budget waits up to this long are spent holding the job; longer ones delay it. */
  budgetMaxWaitMs: number;
  /** How long a job waits for a part that is away (Postgres, Graph's network) after its n-th such wait. */
  outageWaitMs: (waitsSoFar: number) => number;
  /** Attempts an operation gets for failures of its own (Graph's 5xx, lost answers), across every job that carried it. */
  maxAttempts: number;
  /** Devices per page the inventory sync asks Graph for (default 999, Graph's largest; tests use small pages). */
  syncPageSize?: number;
}

export interface WorkerContext {
  db: Database;
  vault: SeedVault;
  logger: Logger;
  config: WorkerSettings;
  tenant: TenantRuntime;
}

export interface JobContext extends WorkerContext {
  job: Job;
  /** The lock token BullMQ passed to the processor; needed to move the job to delayed. */
  jobToken: string | undefined;
}
