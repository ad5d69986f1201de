// Writing the audit trail. Rows are only ever inserted (the database refuses anything else), so these two
// helpers are the whole write API. They take a transaction as readily as the pool, so a state change and
// the audit row describing it commit together.
import { sql } from 'drizzle-orm';
import { auditEvents } from './schema';
import type { AuditOutcome } from './schema';
import type { DbOrTx } from './client';

export interface AuditEventInput {
  /** Who acted: `api-key:<name>`, `user:<name>`, `worker`, `webhook:<source>`. */
  actor: string;
  /** What happened: `token.created`, `graph.call`, `operation.retried`, ... */
  action: string;
  outcome: AuditOutcome;
  tenantId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  tokenId?: string | null;
  importId?: string | null;
  operationId?: string | null;
  graphStatus?: number | null;
  graphRequestId?: string | null;
  durationMs?: number | null;
  /** Free-form context. Never secrets: keys that name one are refused (see SECRET_FIELD_NAMES). */
  detail?: Record<string, unknown> | null;
  /** Defaults to the database's now(). */
  at?: Date;
}

/**
 * Field names that only ever hold a secret (compared case-insensitively, ignoring `_` and `-`). An audit
 * row lives forever and cannot be corrected, so a seed or a code that slips into `detail` is refused
 * loudly rather than stored.
 */
const SECRET_FIELD_NAMES = new Set([
  'secret',
  'secretkey',
  'seed',
  'password',
  'apikey',
  'clientsecret',
  'authorization',
  'accesstoken',
  'refreshtoken',
  'otp',
  'totp',
  'totpcode',
  'verificationcode',
]);

function assertNoSecretFields(value: unknown, path: string): void {
  if (Array.isArray(value)) {
    value.forEach((item, index) => assertNoSecretFields(item, `${path}[${index}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (SECRET_FIELD_NAMES.has(key.toLowerCase().replace(/[-_]/g, ''))) {
        throw new Error(`Audit detail field ${path}.${key} looks like a secret; audit rows never hold secrets`);
      }
      assertNoSecretFields(inner, `${path}.${key}`);
    }
  }
}

/** A detail as a hand-written statement takes it: checked for secret fields, as JSON text. */
export function auditDetailJson(detail: Record<string, unknown>): string {
  assertNoSecretFields(detail, 'detail');
  return JSON.stringify(detail);
}

function toRow(event: AuditEventInput): typeof auditEvents.$inferInsert {
  assertNoSecretFields(event.detail, 'detail');
  return event;
}

/** What the database gave the row it stored. */
export interface AuditEventRef {
  id: number;
  at: Date;
}

/**
 * One event, in a statement written out rather than built: drizzle's insert builder, with RETURNING of
 * every column, cost 63 µs of CPU a row to build (5 rows a token in the worker, bench/tenants.ts), the
 * statement below 5 µs, and the same text each time lets postgres.js reuse its prepared statement.
 */
export async function appendAudit(db: DbOrTx, event: AuditEventInput): Promise<AuditEventRef> {
  const e = toRow(event);
  const rows = await db.execute<{ id: string | number; at: string | Date }>(sql`
    insert into audit_events (actor, action, outcome, tenant_id, target_type, target_id, token_id, import_id, operation_id, graph_status, graph_request_id, duration_ms, detail, at)
    values (${e.actor}, ${e.action}, ${e.outcome}, ${e.tenantId ?? null}, ${e.targetType ?? null}, ${e.targetId ?? null}, ${e.tokenId ?? null}, ${e.importId ?? null}, ${e.operationId ?? null},
      ${e.graphStatus ?? null}::int, ${e.graphRequestId ?? null}, ${e.durationMs ?? null}::int, ${e.detail == null ? null : JSON.stringify(e.detail)}::jsonb,
      coalesce(${e.at ? e.at.toISOString() : null}::timestamptz, now()))
    returning id, at`);
  // An INSERT ... RETURNING of one row returns exactly one row; the check satisfies the type checker.
  const [row] = rows;
  if (!row) throw new Error('Audit insert returned no row');
  return { id: Number(row.id), at: new Date(row.at) };
}

/** Postgres takes at most 65,535 bind parameters per statement; at 15 columns a row, 2,000 rows fit. */
const ROWS_PER_INSERT = 2000;

/** Appends several events, all or none; returns how many were written. */
export async function appendAuditMany(db: DbOrTx, events: readonly AuditEventInput[]): Promise<number> {
  if (events.length === 0) return 0;
  const rows = events.map(toRow);
  if (rows.length <= ROWS_PER_INSERT) {
    await db.insert(auditEvents).values(rows);
  } else {
    // Several statements: a transaction (a savepoint inside the caller's) keeps the batch whole.
    await db.transaction(async (tx) => {
      for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
        await tx.insert(auditEvents).values(rows.slice(start, start + ROWS_PER_INSERT));
      }
    });
  }
  return rows.length;
}
