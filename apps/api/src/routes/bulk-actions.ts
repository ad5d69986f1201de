// Bulk actions: a preview for the confirmation, the action itself (one row, answered at once; the
// worker's bulk.expand walks the selection), its progress from its operations, cancel, the failures
// with their reasons, and a retry of them. Each token goes through the single action's path.
import { and, eq } from 'drizzle-orm';
import type { Router } from 'express';
import { z } from 'zod';
import { BulkActionListQuery, BulkActionRequest, BulkPreviewRequest, endpoints, PageQuery, type BulkAction as BulkActionView } from '@tokenfleet/contract';
import {
  BulkActionConflict,
  bulkActions,
  bulkFailureCursor,
  bulkFailurePage,
  cancelBulkAction,
  createBulkAction,
  loadBulkStats,
  previewSelection,
  retryBulkAction,
  settleBulkAction,
  type BulkActionRow,
  type BulkSelection,
  type Database,
} from '@tokenfleet/db';
import { OPERATION_STATUSES } from '@tokenfleet/domain';
import { enqueueBulkExpansion } from '@tokenfleet/queue';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { conflict, describeErrorForLog, notFound } from '../errors';
import { afterCreatedCursor, createdCursorKey, createdMicros, decodeCursor, newestFirst, toPage } from '../paging';
import { resolveTenant } from '../tenants';
import { isUuid, parseInput, pathId } from '../validation';

function selectionOf(body: { tokenIds?: string[] | undefined; filter?: { [K in keyof NonNullable<BulkSelection['filter']>]?: NonNullable<BulkSelection['filter']>[K] | undefined } | undefined }): BulkSelection {
  if (body.tokenIds) return { tokenIds: [...new Set(body.tokenIds.map((id) => id.toLowerCase()))] };
  return { filter: Object.fromEntries(Object.entries(body.filter ?? {}).filter(([, value]) => value !== undefined)) as BulkSelection['filter'] };
}

/** Bulk actions as the API answers them, settled on read as imports are. */
export async function summarizeBulkActions(db: Database, rows: BulkActionRow[]): Promise<BulkActionView[]> {
  const stats = await loadBulkStats(db, rows);
  return Promise.all(
    rows.map(async (row) => {
      const rowStats = stats.get(row.id)!;
      const settled = await settleBulkAction(db, row, rowStats);
      return {
        id: settled.id,
        tenantId: settled.tenantId,
        action: settled.action,
        status: settled.status,
        selection: { tokenIds: settled.selection.tokenIds?.length ?? null, filter: settled.selection.filter ?? null },
        round: settled.round,
        createdBy: settled.createdBy,
        createdAt: settled.createdAt.toISOString(),
        cancelledBy: settled.cancelledBy,
        cancelledAt: settled.cancelledAt?.toISOString() ?? null,
        finishedAt: settled.finishedAt?.toISOString() ?? null,
        progress: rowStats.progress,
        operationsByStatus: Object.fromEntries(OPERATION_STATUSES.map((status) => [status, rowStats.operations.operationsByStatus[status] ?? 0])) as BulkActionView['operationsByStatus'],
      };
    }),
  );
}

export function bulkActionRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;

  route(router, endpoints.previewBulkAction, async (req, res) => {
    const body = parseInput(BulkPreviewRequest, req.body, 'request body');
    const tenant = await resolveTenant(deps, body.filter?.tenantId);
    send(res, endpoints.previewBulkAction, 200, { action: body.action ?? null, ...(await previewSelection(db, tenant.id, selectionOf(body))) });
  });

  route(router, endpoints.createBulkAction, async (req, res) => {
    const body = parseInput(BulkActionRequest, req.body, 'request body');
    const actor = principalOf(res).actor;
    const tenant = await resolveTenant(deps, body.filter?.tenantId);
    const selection = selectionOf(body);
    // One count, so the progress has a total from the first poll; the walk corrects it to what it found.
    const { total } = await previewSelection(db, tenant.id, selection, 0);
    if (total === 0) throw conflict('No token matches this selection; nothing was done', 'nothing_selected');
    const row = await createBulkAction(db, { tenantId: tenant.id, action: body.action, selection, total, actor });
    try {
      await enqueueBulkExpansion(deps.queues(tenant.id), tenant.id, row.id, row.round);
    } catch (error) {
      // Committed is committed: the reconciler enqueues the walk of a bulk action that has no job.
      req.log.error({ error: describeErrorForLog(error), bulkActionId: row.id }, 'could not enqueue the bulk action; the reconciler will');
    }
    send(res, endpoints.createBulkAction, 202, { id: row.id });
  });

  route(router, endpoints.listBulkActions, async (req, res) => {
    const query = parseInput(BulkActionListQuery, req.query, 'query');
    const rows = await db
      .select({ row: bulkActions, cursorMicros: createdMicros(bulkActions.createdAt) })
      .from(bulkActions)
      .where(and(query.tenantId ? eq(bulkActions.tenantId, query.tenantId) : undefined, afterCreatedCursor(query.cursor, bulkActions.createdAt, bulkActions.id)))
      .orderBy(...newestFirst(bulkActions.createdAt, bulkActions.id))
      .limit(query.limit + 1);
    const page = toPage(rows, query.limit, (row) => row.row, (row) => createdCursorKey({ cursorMicros: row.cursorMicros, id: row.row.id }));
    send(res, endpoints.listBulkActions, 200, { items: await summarizeBulkActions(db, page.items), nextCursor: page.nextCursor });
  });

  async function findBulkAction(id: string): Promise<BulkActionRow> {
    const [row] = isUuid(id) ? await db.select().from(bulkActions).where(eq(bulkActions.id, id)) : [];
    if (!row) throw notFound(`Bulk action ${id}`);
    return row;
  }

  async function answer(row: BulkActionRow): Promise<BulkActionView> {
    return (await summarizeBulkActions(db, [row]))[0]!;
  }

  route(router, endpoints.getBulkAction, async (req, res) => {
    send(res, endpoints.getBulkAction, 200, await answer(await findBulkAction(pathId(req.params))));
  });

  route(router, endpoints.cancelBulkAction, async (req, res) => {
    const row = await findBulkAction(pathId(req.params));
    try {
      const cancelled = await cancelBulkAction(db, row.id, principalOf(res).actor);
      send(res, endpoints.cancelBulkAction, 200, await answer(cancelled!));
    } catch (error) {
      if (error instanceof BulkActionConflict) throw conflict(error.message, error.code);
      throw error;
    }
  });

  const failureCursor = z.tuple([z.string().uuid(), z.string().uuid()]);

  route(router, endpoints.listBulkFailures, async (req, res) => {
    const row = await findBulkAction(pathId(req.params));
    const query = parseInput(PageQuery, req.query, 'query');
    const rows = await bulkFailurePage(db, row.id, query.limit + 1, query.cursor ? decodeCursor(query.cursor, failureCursor) : undefined);
    send(res, endpoints.listBulkFailures, 200, toPage(rows, query.limit, (item) => item, bulkFailureCursor));
  });

  route(router, endpoints.retryBulkAction, async (req, res) => {
    const row = await findBulkAction(pathId(req.params));
    const { progress } = (await loadBulkStats(db, [row])).get(row.id)!;
    try {
      const retried = await retryBulkAction(db, row.id, principalOf(res).actor, progress.failed + progress.skipped);
      try {
        await enqueueBulkExpansion(deps.queues(retried!.tenantId), retried!.tenantId, retried!.id, retried!.round);
      } catch (error) {
        req.log.error({ error: describeErrorForLog(error), bulkActionId: row.id }, 'could not enqueue the bulk retry; the reconciler will');
      }
      send(res, endpoints.retryBulkAction, 202, await answer(retried!));
    } catch (error) {
      if (error instanceof BulkActionConflict) throw conflict(error.message, error.code);
      throw error;
    }
  });
}
