// The job catalogue: every job kind the worker runs, with the payload each carries. Payloads hold ids
// only (never a seed, a code or a key); the database row they name is the truth. The worker's handler
// registry is typed `{ [K in JobName]: Handler<K> }`, so a kind without a handler does not compile.

export const JOB_NAMES = [
  'token.create',
  'token.assign',
  'token.activate',
  'token.unassign',
  'token.delete',
  'token.deactivate',
  'token.update',
  'import.expand',
  'bulk.expand',
  'inventory.sync',
  'webhook.deliver',
] as const;

export type JobName = (typeof JOB_NAMES)[number];

/** A job that carries out one operation row (one token, one Graph-facing step). */
export interface OperationJob {
  tenantId: string;
  operationId: string;
}

export interface JobPayloads {
  'token.create': OperationJob;
  'token.assign': OperationJob;
  'token.activate': OperationJob;
  'token.unassign': OperationJob;
  'token.delete': OperationJob;
  'token.deactivate': OperationJob;
  'token.update': OperationJob;
  'import.expand': { tenantId: string; importId: string };
  /** Walks a bulk action's selection in chunks and requests the action of each token (apps/worker/src/jobs/bulk-expand.ts). */
  'bulk.expand': { tenantId: string; bulkActionId: string };
  /** `syncId` names the inventory_syncs row; a job without one (an old scheduler's) opens its own. */
  'inventory.sync': { tenantId: string; syncId?: string };
  /** Carries out one accepted webhook delivery (its row holds the event). */
  'webhook.deliver': { tenantId: string; deliveryId: string };
}

/** Operation kinds are the token job kinds: one operation row per token and step. */
export type OperationKind = Extract<JobName, `token.${string}`>;
export const OPERATION_KINDS = JOB_NAMES.filter((name): name is OperationKind => name.startsWith('token.'));

/**
 * Deterministic BullMQ job id for an operation: `<kind>-<tokenId>-g<generation>`. BullMQ ignores a
 * second add with a known id, so re-enqueueing (the reconciler, a crash between commit and enqueue) never
 * doubles a job. Ids must not contain `:` (BullMQ's key separator) and must not be all digits.
 */
export function operationJobId(kind: OperationKind, tokenId: string, generation: number): string {
  const id = `${kind.replace('token.', '')}-${tokenId}-g${generation}`;
  if (id.includes(':')) throw new Error(`job id must not contain ':' (${id})`);
  return id;
}

/**
 * The job id of a bulk action's fan-out: one per action and round (a retry starts a new round), so a
 * second enqueue of the same round (the API, the reconciler) never starts a second walk.
 */
export function bulkExpandJobId(bulkActionId: string, round: number): string {
  return `bulk-${bulkActionId}-r${round}`;
}

/** Queue name for a tenant: one queue per Entra tenant, so one throttled tenant never stalls another. */
export function tenantQueueName(tenantId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(tenantId)) throw new Error(`tenant id not usable in a queue name: ${tenantId}`);
  return `graph-${tenantId}`;
}

/** Job id of a webhook delivery's n-th run (a redelivery is a new run): `webhook-<deliveryId>-r<run>`. */
export function webhookJobId(deliveryId: string, run: number): string {
  return `webhook-${deliveryId}-r${run}`;
}
