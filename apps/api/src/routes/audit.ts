// The audit trail, newest first, filtered as the dashboard offers; the same filters drive the CSV export.
import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Router } from 'express';
import type { z } from 'zod';
import { AuditFilters, AuditListQuery, endpoints, type AuditEvent as AuditEventView } from '@tokenfleet/contract';
import { auditEvents, type AuditEvent } from '@tokenfleet/db';
import { sendCsv } from '../csv';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { eachRow, numericCursor, toPage } from '../paging';
import { parseInput } from '../validation';

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

function conditions(query: z.output<typeof AuditFilters>, beforeId: number | undefined): SQL | undefined {
  return and(
    query.from ? gte(auditEvents.at, new Date(query.from)) : undefined,
    query.to ? lt(auditEvents.at, new Date(query.to)) : undefined,
    query.actor ? eq(auditEvents.actor, query.actor) : undefined,
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
