// bull-board at /admin/queues: an engineer's read-only window on the tenant queues in Redis. Operator
// actions (retry, cancel) go through the API, which checks the role and writes the audit row, so the
// board can neither retry, clean nor add jobs. Like every other screen it works offline: its page loads
// nothing from another host (bull-board's own page asks a public font service for its fonts; the link is
// taken out, and its stylesheet falls back to the system's fonts).
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

/** `<link … href="https://…">` elements: stylesheets (fonts) and preconnects to another host. */
const EXTERNAL_LINK = /<link\b[^>]*\bhref=["']?(?:https?:)?\/\/[^>]*>\s*/gi;

/** The page without anything it would fetch from another host. */
export function withoutExternalLinks(html: string): string {
  return html.replace(EXTERNAL_LINK, '');
}

/** Rewrites the board's HTML pages as they are sent (bull-board renders them with its own template). */
const offline: RequestHandler = (_req, res, next) => {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => send(typeof body === 'string' && /<html/i.test(body) ? withoutExternalLinks(body) : body);
  next();
};

export function queueBoard(
  deps: Pick<ApiDeps, 'db' | 'queues'>,
  basePath: string,
): { refresh: RequestHandler; readOnly: RequestHandler; offline: RequestHandler; router: Router } {
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
  return { refresh, readOnly, offline, router: serverAdapter.getRouter() as Router };
}
