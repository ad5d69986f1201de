// The usual end of a worker's step on one token, in ONE statement: the token moves by a life-cycle event,
// its operation succeeds, each writes its audit row, and the next step of the chain is inserted. The same
// writes as `transitionToken`, `completeOperation` (apps/worker/src/store.ts) and `insertOperations` in a
// transaction, which took seven round trips (BEGIN, three writes, two audit rows, COMMIT) and drizzle's
// builders: at ten tenants' pace that was a third of the worker's statements (docs/performance.md).
//
// It applies only when the token is still in the state the job read. Anything else (an operator retired
// it meanwhile, it was reported lost, another attempt recorded it first) writes nothing here and answers
// null; the caller then takes its transaction, which reads the row under a lock and decides.
import { randomUUID } from 'node:crypto';
import { getTableColumns } from 'drizzle-orm';
import { applyTokenEvent, UNFINISHED_OPERATION_STATUSES, type TokenEvent, type TokenState } from '@tokenfleet/domain';
import { auditDetailJson } from './audit';
import { sqlOf, type Database } from './client';
import { newOperationRow, type NewOperationInput } from './operation-store';
import { operations, tokens, type Operation } from './schema';
import type { TokenChanges } from './token-store';

export interface FinishStepInput {
  actor: string;
  operation: Pick<Operation, 'id' | 'tenantId' | 'tokenId' | 'importId' | 'kind'>;
  /** Graph's answer to the step's call, as `completeOperation` records it. */
  graph: { status: number | null; requestId: string | null };
  /** The operation's audit detail beside its kind. */
  detail?: Record<string, unknown>;
  token: {
    /** The state the job read; the step applies only while the row is still in it. */
    from: TokenState;
    event: TokenEvent;
    changes: TokenChanges;
    /** The transition's audit detail beside `from` and `to`. */
    detail?: Record<string, unknown>;
    /**
     * Drop the seed when the tenant's settings say so (`purgeSeedsWhenActive`), read in the same
     * statement, so an admin's change applies to the next activation.
     */
    purgeSeedIfTenantSays?: boolean;
  };
  /** The chain's next step, inserted as `insertOperations` inserts it. */
  next?: NewOperationInput;
}

/** The next step as the queue needs it. */
export type InsertedStep = Pick<Operation, 'id' | 'kind' | 'tenantId' | 'tokenId' | 'generation' | 'status' | 'params'>;

export interface FinishedStep {
  /** The next step when it was inserted (none when the chain has one of that generation already). */
  next: InsertedStep[];
  /** Whether the seed was dropped. */
  seedPurged: boolean;
}

/** An operation that has ended is never written again (as completeOperation skips it). */
const UNFINISHED = `(${UNFINISHED_OPERATION_STATUSES.map((status) => `'${status}'`).join(', ')})`;

/** Column name and SQL type of each field of a table, for hand-written statements that take drizzle's field names. */
function columnsOf(table: typeof tokens | typeof operations): Map<string, { name: string; type: string }> {
  return new Map(Object.entries(getTableColumns(table)).map(([field, column]) => [field, { name: column.name, type: column.getSQLType() }]));
}
const TOKEN_COLUMNS = columnsOf(tokens);
const OPERATION_COLUMNS = columnsOf(operations);

/** drizzle's postgres.js set-up passes timestamps and json in as text (see validation-store.ts). */
const param = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value !== null && typeof value === 'object' && !Buffer.isBuffer(value) ? JSON.stringify(value) : value);

/**
 * Ends the step in one statement, or answers null having written nothing when the token is no longer
 * in `token.from` (or the event is not one the life cycle allows from it).
 */
export async function finishStep(db: Database, input: FinishStepInput): Promise<FinishedStep | null> {
  const { operation: op, token } = input;
  const moved = applyTokenEvent(token.from, token.event);
  if (!moved.ok) return null;
  const now = new Date();
  const values: unknown[] = [];
  const bind = (value: unknown, type: string) => {
    values.push(param(value));
    return `$${values.length}::${type}`;
  };

  // As transitionToken: going into service (again) starts the idle clock (status.ts).
  const inService = token.event.type === 'activated' || token.event.type === 'enabled' ? { activatedAt: now } : {};
  const sets = Object.entries({ ...token.changes, ...inService, state: moved.state, updatedAt: now }).map(([field, value]) => {
    const column = TOKEN_COLUMNS.get(field);
    if (!column) throw new Error(`tokens has no field ${field}`);
    return `${column.name} = ${bind(value, column.type)}`;
  });
  const tokenId = bind(op.tokenId, 'text');
  const tenantId = bind(op.tenantId, 'text');
  // The tenant's setting is read once, in `p`, and the update joins it.
  const purgeFrom = token.purgeSeedIfTenantSays ? `p as (select coalesce((select (settings->>'purgeSeedsWhenActive')::boolean from tenants where id = ${tenantId}), false) as purge), ` : '';
  if (token.purgeSeedIfTenantSays) {
    sets.push('secret_key_id = case when p.purge then null else tokens.secret_key_id end', 'secret_ciphertext = case when p.purge then null else tokens.secret_ciphertext end');
  }
  const opId = bind(op.id, 'text');
  const importId = bind(op.importId, 'text');
  const actor = bind(input.actor, 'text');
  const graphStatus = bind(input.graph.status, 'int');
  const requestId = bind(input.graph.requestId, 'text');
  const at = bind(now, 'timestamptz');
  const transitionDetail = bind(auditDetailJson({ from: token.from, to: moved.state, ...token.detail }), 'jsonb');
  const operationDetail = bind(auditDetailJson({ kind: op.kind, ...input.detail }), 'jsonb');

  let insertNext = '';
  if (input.next) {
    const row = newOperationRow({ ...input.next, id: input.next.id ?? randomUUID() }, now);
    const names: string[] = [];
    const given: string[] = [];
    for (const [field, value] of Object.entries(row)) {
      const column = OPERATION_COLUMNS.get(field)!;
      names.push(column.name);
      given.push(bind(value, column.type));
    }
    insertNext = `, n as (insert into operations (${names.join(', ')}) select ${given.join(', ')} where exists (select 1 from t)
        on conflict (token_id, kind, generation) do nothing
        returning id, kind, tenant_id as "tenantId", token_id as "tokenId", generation, status, params)`;
  }

  const [row] = await sqlOf(db).unsafe<{ applied: boolean; purged: boolean | null; next: InsertedStep[] | null }[]>(
    `with ${purgeFrom}t as (update tokens set ${sets.join(', ')} ${purgeFrom ? 'from p ' : ''}where tokens.id = ${tokenId}::uuid and tokens.state = ${bind(token.from, 'text')}
             returning tokens.id, ${purgeFrom ? 'p.purge' : 'false'} as purged),
       o as (update operations set status = 'succeeded', finished_at = ${at}, updated_at = ${at}, last_error_code = null, last_error_message = null,
               last_graph_status = ${graphStatus}, last_request_id = ${requestId}
             where id = ${opId}::uuid and status in ${UNFINISHED} and exists (select 1 from t) returning id),
       a as (insert into audit_events (actor, action, outcome, tenant_id, target_type, target_id, token_id, import_id, operation_id, graph_status, graph_request_id, detail)
             select ${actor}, ${bind(`token.${token.event.type}`, 'text')}, 'success', ${tenantId}, 'token', ${tokenId}, ${tokenId}::uuid, ${importId}::uuid, ${opId}::uuid, null, null,
               ${transitionDetail} || case when t.purged then '{"seedPurged": true}'::jsonb else '{}'::jsonb end from t
             union all
             select ${actor}, 'operation.succeeded', 'success', ${tenantId}, 'operation', ${opId}, ${tokenId}::uuid, ${importId}::uuid, ${opId}::uuid, ${graphStatus}, ${requestId}, ${operationDetail} from o
             returning id)${insertNext}
     select exists (select 1 from t) as applied, (select purged from t) as purged, ${input.next ? '(select json_agg(n) from n)' : 'null'} as next, (select count(*) from a) as audited`,
    values as never[],
    { prepare: true },
  );
  if (!row?.applied) return null;
  return { next: row.next ?? [], seedPurged: row.purged === true };
}
