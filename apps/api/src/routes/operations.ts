// Operations (one per token and Graph-facing step, the truth behind every job): lists, failures grouped
// by Graph error code, detail with its audit history, and retries, one or a whole selection.
import { and, asc, count, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Router } from 'express';
import type { z } from 'zod';
import { endpoints, FailureGroupQuery, OperationListQuery, RetrySelection, UNKNOWN_ERROR_CODE, type OperationFilters } from '@tokenfleet/contract';
import { auditEvents, operations, retryOperations, tokens, type Operation } from '@tokenfleet/db';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { conflict, describeErrorForLog, notFound } from '../errors';
import { afterCreatedCursor, createdCursorKey, createdMicros, newestFirst, toPage } from '../paging';
import { isUuid, parseInput, pathId } from '../validation';
import { auditItem, auditItemColumns } from './audit';
import { enqueueAfterCommit } from './tokens';

// A literal, not a parameter: GROUP BY must see the very expression the SELECT list has.
const errorCode: SQL<string> = sql<string>`coalesce(${operations.lastErrorCode}, ${sql.raw(`'${UNKNOWN_ERROR_CODE}'`)})`;

const operationItemColumns = {
  id: operations.id,
  tenantId: operations.tenantId,
  tokenId: operations.tokenId,
  serialNumber: tokens.serialNumber,
  importId: operations.importId,
  kind: operations.kind,
  status: operations.status,
  attempts: operations.attempts,
  generation: operations.generation,
  lastErrorCode: operations.lastErrorCode,
  lastErrorMessage: operations.lastErrorMessage,
  lastGraphStatus: operations.lastGraphStatus,
  lastRequestId: operations.lastRequestId,
  createdAt: operations.createdAt,
  updatedAt: operations.updatedAt,
};

function operationItem<T extends { createdAt: Date; updatedAt: Date }>(row: T) {
  return { ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

function filterConditions(query: Partial<z.output<typeof OperationFilters>>): SQL | undefined {
  return and(
    query.status ? eq(operations.status, query.status) : undefined,
    query.kind ? sql`${operations.kind} = ${query.kind}` : undefined,
    query.code ? sql`${errorCode} = ${query.code}` : undefined,
    query.tokenId ? eq(operations.tokenId, query.tokenId) : undefined,
    query.importId ? eq(operations.importId, query.importId) : undefined,
    query.tenantId ? eq(operations.tenantId, query.tenantId) : undefined,
  );
}

/** Retries are written in transactions of this many operations, each enqueued after its COMMIT. */
const RETRY_CHUNK = 500;

export function operationRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;

  route(router, endpoints.listOperations, async (req, res) => {
    const query = parseInput(OperationListQuery, req.query, 'query');
    const rows = await db
      .select({ ...operationItemColumns, cursorMicros: createdMicros(operations.createdAt) })
      .from(operations)
      .innerJoin(tokens, eq(tokens.id, operations.tokenId))
      .where(and(filterConditions(query), afterCreatedCursor(query.cursor, operations.createdAt, operations.id)))
      .orderBy(...newestFirst(operations.createdAt, operations.id))
      .limit(query.limit + 1);
    send(res, endpoints.listOperations, 200, toPage(rows, query.limit, ({ cursorMicros: _cursor, ...row }) => operationItem(row), createdCursorKey));
  });

  route(router, endpoints.failureGroups, async (req, res) => {
    const query = parseInput(FailureGroupQuery, req.query, 'query');
    const groups = await db
      .select({
        code: errorCode,
        // The latest message stands for the group; messages of one code differ only in details.
        message: sql<string | null>`(array_agg(${operations.lastErrorMessage} order by ${operations.updatedAt} desc))[1]`,
        count: count(),
      })
      .from(operations)
      .where(and(eq(operations.status, 'failed'), filterConditions(query)))
      .groupBy(errorCode)
      .orderBy(desc(count()), asc(errorCode));
    send(res, endpoints.failureGroups, 200, groups);
  });

  route(router, endpoints.getOperation, async (req, res) => {
    const id = pathId(req.params);
    const [row] = isUuid(id)
      ? await db.select(operationItemColumns).from(operations).innerJoin(tokens, eq(tokens.id, operations.tokenId)).where(eq(operations.id, id))
      : [];
    if (!row) throw notFound(`Operation ${id}`);
    const history = await db.select(auditItemColumns).from(auditEvents).where(eq(auditEvents.operationId, row.id)).orderBy(asc(auditEvents.id)).limit(1000);
    send(res, endpoints.getOperation, 200, { ...operationItem(row), history: history.map(auditItem) });
  });

  /** Retries the given failed operations in chunks, each committed and then enqueued; answers how many. */
  async function retry(ids: string[], actor: string, log: (error: unknown) => void): Promise<Operation[]> {
    const retried: Operation[] = [];
    for (let start = 0; start < ids.length; start += RETRY_CHUNK) {
      const chunk = await db.transaction((tx) => retryOperations(tx, ids.slice(start, start + RETRY_CHUNK), actor));
      await enqueueAfterCommit(deps, chunk, log);
      retried.push(...chunk);
    }
    return retried;
  }

  route(router, endpoints.retryOperation, async (req, res) => {
    const id = pathId(req.params);
    const [operation] = isUuid(id) ? await db.select({ id: operations.id, status: operations.status }).from(operations).where(eq(operations.id, id)) : [];
    if (!operation) throw notFound(`Operation ${id}`);
    const log = (error: unknown) => req.log.error({ error: describeErrorForLog(error), operationId: id }, 'could not enqueue; the reconciler will');
    const [retried] = await retry([operation.id], principalOf(res).actor, log);
    if (!retried) throw conflict(`Only failed operations can be retried, and never an assignment or activation of a token reported lost; this one is ${operation.status}`);
    send(res, endpoints.retryOperation, 202, { operationId: retried.id });
  });

  route(router, endpoints.retryOperations, async (req, res) => {
    const selection = parseInput(RetrySelection, req.body, 'request body');
    // An empty selection means every failed operation, as the dashboard's "retry all failed" asks.
    const matching = await db
      .select({ id: operations.id })
      .from(operations)
      .where(
        and(
          eq(operations.status, 'failed'),
          selection.ids ? inArray(operations.id, selection.ids) : undefined,
          filterConditions({ code: selection.code, kind: selection.kind, importId: selection.importId }),
        ),
      )
      .orderBy(asc(operations.createdAt));
    const log = (error: unknown) => req.log.error({ error: describeErrorForLog(error) }, 'could not enqueue retried operations; the reconciler will');
    const retried = await retry(matching.map((row) => row.id), principalOf(res).actor, log);
    send(res, endpoints.retryOperations, 202, { retried: retried.length });
  });
}
