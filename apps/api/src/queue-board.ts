// bull-board at /admin/queues: an engineer's read-only window on the tenant queues in Redis. Operator
// actions (retry, cancel) go through the API, which checks the role and writes the audit row, so the
// board can neither retry, clean nor add jobs.
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import type { RequestHandler, Router } from 'express';
import { tenants } from '@tokenfleet/db';
import type { ApiDeps } from './deps';
import { ApiError } from './errors';

/** Tenants added since the last look show up within this long. */
const TENANT_REFRESH_MS = 30_000;

/**
 * Refuses every request that could change something, whatever bull-board's own read-only switch does in
 * the version installed: reading the board needs GET only.
 */
const readOnly: RequestHandler = (req, _res, next) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new ApiError(405, 'read_only', 'The queue board is read-only; retry or cancel through the API, which checks the role and audits the action');
  }
  next();
};

export function queueBoard(deps: Pick<ApiDeps, 'db' | 'queues'>, basePath: string): { refresh: RequestHandler; readOnly: RequestHandler; router: Router } {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(basePath);
  const board = createBullBoard({ queues: [], serverAdapter, options: { uiConfig: { boardTitle: 'Tokenfleet queues' } } });
  const shown = new Set<string>();
  let checkedAt = 0;

  const refresh: RequestHandler = async (_req, _res, next) => {
    if (Date.now() - checkedAt >= TENANT_REFRESH_MS) {
      checkedAt = Date.now();
      for (const { id } of await deps.db.select({ id: tenants.id }).from(tenants)) {
        if (shown.has(id)) continue;
        shown.add(id);
        board.addQueue(new BullMQAdapter(deps.queues(id) as unknown as Queue, { readOnlyMode: true, allowRetries: false, displayName: `tenant ${id}` }));
      }
    }
    next();
  };
  return { refresh, readOnly, router: serverAdapter.getRouter() as Router };
}
