// The audit trail, newest first, filtered as the dashboard offers; the same filters drive the CSV export.
import { and, desc, eq, gte, lt, sql, type SQL } from 'drizzle-orm';
import type { Router } from 'express';
import { z } from 'zod';
import { AUDIT_OUTCOMES, auditEvents, type AuditEvent } from '@tokenfleet/db';
import { sendCsv } from '../csv';
import type { ApiDeps } from '../deps';
import { eachRow, numericCursor, pageQuery, toPage } from '../paging';
import { optionalText, parseInput, uuidField } from '../validation';

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

export function auditItem(row: AuditItemRow) {
  return { ...row, at: row.at.toISOString() };
}

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-01-31T00:00:00Z' });

const filters = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  actor: optionalText,
  action: optionalText,
  tokenId: uuidField.optional(),
  importId: uuidField.optional(),
  operationId: uuidField.optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
});

function conditions(query: z.infer<typeof filters>, beforeId: number | undefined): SQL | undefined {
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
  const fetchPage = (query: z.infer<typeof filters>, beforeId: number | undefined, limit: number) =>
    db.select(auditItemColumns).from(auditEvents).where(conditions(query, beforeId)).orderBy(desc(auditEvents.id)).limit(limit);

  router.get('/audit', async (req, res) => {
    const query = parseInput(filters.extend(pageQuery.shape), req.query, 'query');
    const rows = await fetchPage(query, numericCursor(query.cursor), query.limit + 1);
    res.json(toPage(rows, query.limit, auditItem, (row) => [row.id]));
  });

  router.get('/audit.csv', async (req, res) => {
    const query = parseInput(filters, req.query, 'query');
    async function* rows() {
      for await (const row of eachRow((beforeId: number | undefined, limit) => fetchPage(query, beforeId, limit), (row) => row.id)) {
        yield CSV_COLUMNS.map((column) => row[column]);
      }
    }
    await sendCsv(res, 'audit.csv', CSV_COLUMNS, rows());
  });
}
