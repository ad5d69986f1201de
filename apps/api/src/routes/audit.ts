// The audit trail, newest first, filtered as the dashboard offers; the same filters drive the CSV export.
import { and, desc, eq, gte, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Router } from 'express';
import type { z } from 'zod';
import { AuditFilters, AuditListQuery, endpoints, type AuditEvent as AuditEventView } from '@tokenfleet/contract';
import { auditEvents, tokens, type AuditEvent } from '@tokenfleet/db';
import { sendCsv } from '../csv';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { eachRow, numericCursor, toPage } from '../paging';
import { isUuid, parseInput } from '../validation';

export const auditItemColumns = {
  id: auditEvents.id,
  at: auditEvents.at,
  actor: auditEvents.actor,
  action: auditEvents.action,
  targetType: auditEvents.targetType,
  targetId: auditEvents.targetId,
  tokenId: auditEvents.tokenId,
  importId: auditEvents.importId,
  operationId: auditEvents.operationId,
  outcome: auditEvents.outcome,
  graphStatus: auditEvents.graphStatus,
  graphRequestId: auditEvents.graphRequestId,
  durationMs: auditEvents.durationMs,
  detail: auditEvents.detail,
};

type AuditItemRow = Omit<AuditEvent, 'tenantId'>;

export function auditItem(row: AuditItemRow): AuditEventView {
  return { ...row, at: row.at.toISOString() };
}

/** Actors are stored as `<kind>:<name>` (or a bare `worker`, `system`); these kinds can be left off. */
const ACTOR_KINDS = ['user', 'api-key', 'webhook'] as const;

/**
 * The actor filter: exactly what was typed, or, for a name without a kind, that name as any kind of actor
 * (`alice` finds `user:alice`), so an operator types the account name they know.
 */
function actorCondition(actor: string): SQL {
  if (actor.includes(':')) return eq(auditEvents.actor, actor);
  return inArray(auditEvents.actor, [actor, ...ACTOR_KINDS.map((kind) => `${kind}:${actor}`)]);
}

const SHORT_ID = /^[0-9a-f]{8}$/i;

/**
 * The token filter takes what the screens show: a full id, the 8-character short id the tables print, or
 * a serial number (exact). A short id that is also a serial matches both; both are that token's events.
 */
function tokenCondition(token: string): SQL {
  if (isUuid(token)) return eq(auditEvents.tokenId, token);
  const bySerial = sql`${auditEvents.tokenId} in (select ${tokens.id} from ${tokens} where ${tokens.serialNumber} = ${token})`;
  if (!SHORT_ID.test(token)) return bySerial;
  // A range on the uuid keeps audit_events_token_at_idx usable: the short id is the uuid's first 8 hex digits.
  const low = `${token.toLowerCase()}-0000-0000-0000-000000000000`;
  const high = `${token.toLowerCase()}-ffff-ffff-ffff-ffffffffffff`;
  return or(sql`${auditEvents.tokenId} between ${low}::uuid and ${high}::uuid`, bySerial)!;
}

function conditions(query: z.output<typeof AuditFilters>, beforeId: number | undefined): SQL | undefined {
  return and(
    query.from ? gte(auditEvents.at, new Date(query.from)) : undefined,
    query.to ? lt(auditEvents.at, new Date(query.to)) : undefined,
    query.actor ? actorCondition(query.actor) : undefined,
    query.token ? tokenCondition(query.token) : undefined,
    query.action ? eq(auditEvents.action, query.action) : undefined,
    query.tokenId ? eq(auditEvents.tokenId, query.tokenId) : undefined,
    query.importId ? eq(auditEvents.importId, query.importId) : undefined,
    query.operationId ? eq(auditEvents.operationId, query.operationId) : undefined,
    query.outcome ? eq(auditEvents.outcome, query.outcome) : undefined,
    beforeId === undefined ? undefined : sql`${auditEvents.id} < ${beforeId}`,
  );
}

const CSV_COLUMNS = Object.keys(auditItemColumns) as (keyof typeof auditItemColumns)[];

export function auditRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;
  const fetchPage = (query: z.output<typeof AuditFilters>, beforeId: number | undefined, limit: number) =>
    db.select(auditItemColumns).from(auditEvents).where(conditions(query, beforeId)).orderBy(desc(auditEvents.id)).limit(limit);

  route(router, endpoints.listAudit, async (req, res) => {
    const query = parseInput(AuditListQuery, req.query, 'query');
    const rows = await fetchPage(query, numericCursor(query.cursor), query.limit + 1);
    send(res, endpoints.listAudit, 200, toPage(rows, query.limit, auditItem, (row) => [row.id]));
  });

  route(router, endpoints.auditCsv, async (req, res) => {
    const query = parseInput(AuditFilters, req.query, 'query');
    async function* rows() {
      for await (const row of eachRow((beforeId: number | undefined, limit) => fetchPage(query, beforeId, limit), (row) => row.id)) {
        yield CSV_COLUMNS.map((column) => row[column]);
      }
    }
    await sendCsv(res, 'audit.csv', CSV_COLUMNS, rows());
  });
}
