// Liveness, readiness (Postgres and Redis answer), and the overview the dashboard opens on: tokens by
// state and status, tokens expiring soon, running imports, failed operations, and each tenant's queue with its rate-limit state.
import { and, count, eq, gt, inArray, like, sql } from 'drizzle-orm';
import type { Router } from 'express';
import { endpoints } from '@tokenfleet/contract';
import { EXPIRING_SOON_DAYS } from '@tokenfleet/contract/values';
import { auditEvents, expiringWithin, imports, loadImportStats, operations, PACE_WINDOW_MS, tenants, tokens, tokenStatusSql, TOKEN_STATES, type TokenState } from '@tokenfleet/db';
import { TOKEN_STATUSES, type TokenStatus } from '@tokenfleet/domain';
import { WriteBudget } from '@tokenfleet/queue';
import { route, send } from '../contract-routes';
import { importPace } from '../imports/progress';
import type { ApiDeps } from '../deps';
import { OUTAGE_RETRY_AFTER_SECONDS } from '../errors';

/** A readiness probe answers within this, whatever the servers do. */
const READY_TIMEOUT_MS = 2_000;

async function answers(check: () => Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether PostgreSQL and Redis answer now, each within READY_TIMEOUT_MS. */
export async function partsAnswering(deps: Pick<ApiDeps, 'sql' | 'redis'>): Promise<{ postgres: boolean; redis: boolean }> {
  const [postgres, redis] = await Promise.all([answers(() => deps.sql`select 1`), answers(() => deps.redis.ping())]);
  return { postgres, redis };
}

/** Routes that need no authentication: probes for orchestrators and load balancers. */
export function probeRoutes(router: Router, deps: ApiDeps): void {
  route(router, endpoints.health, (_req, res) => {
    send(res, endpoints.health, 200, { status: 'ok' });
  });

  route(router, endpoints.ready, async (_req, res) => {
    const { postgres, redis } = await partsAnswering(deps);
    if (!(postgres && redis)) res.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
    send(res, endpoints.ready, postgres && redis ? 200 : 503, { postgres, redis });
  });
}

/** A tenant's write budget as the workers share it in Redis (same limit, window and key prefix). */
export function writeBudgetOf(deps: ApiDeps, tenantId: string): WriteBudget {
  return new WriteBudget(deps.redis, tenantId, { limit: deps.config.graph.writeLimit, windowMs: deps.config.graph.writeWindowMs, burst: deps.config.graph.writeBurst, prefix: deps.redisPrefix });
}

export function overviewRoutes(router: Router, deps: ApiDeps): void {
  const { db, config } = deps;
  const writeBlockedForMs = deps.writeBlockedForMs ?? ((tenantId: string) => writeBudgetOf(deps, tenantId).blockedForMs());

  async function queueState(tenantId: string) {
    const queue = deps.queues(tenantId);
    const [counts, globalLimit, budgetBlockedMs] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'),
      queue.getGlobalRateLimit(),
      writeBlockedForMs(tenantId),
    ]);
    // The queue's limiter key counts as "rate limited" only when it is full (a 429 fills it at once).
    const queueBlockedMs = Math.max(0, await queue.getRateLimitTtl(globalLimit?.max ?? 1));
    const blockedMs = Math.max(budgetBlockedMs, queueBlockedMs);
    return {
      waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
      rateLimitedUntil: blockedMs > 0 ? new Date(Date.now() + blockedMs).toISOString() : null,
    };
  }

  const writeBudgetPerSecond = config.graph.writeLimit / (config.graph.writeWindowMs / 1000);

  /**
   * Each tenant's pace over the last minute: the Graph writes its worker spent (the audit rows of Graph
   * calls say so, apps/worker/src/graph-call.ts) and how fast its running imports' tokens finish.
   */
  async function paceByTenant(now: Date): Promise<Map<string, { graphWritesPerSecond: number; tokensPerMinute: number }>> {
    const since = new Date(now.getTime() - PACE_WINDOW_MS);
    const [writes, running] = await Promise.all([
      db
        // A call Graph charged several writes (a bulk create counted per item) says how many.
        .select({ tenantId: auditEvents.tenantId, count: sql<number>`coalesce(sum(coalesce((${auditEvents.detail} ->> 'writes')::int, 1)), 0)::int` })
        .from(auditEvents)
        .where(and(gt(auditEvents.at, since), like(auditEvents.action, 'graph.%'), sql`(${auditEvents.detail} ->> 'writeSpent') = 'true'`))
        .groupBy(auditEvents.tenantId),
      db.select().from(imports).where(eq(imports.status, 'running')),
    ]);
    const paces = new Map<string, { graphWritesPerSecond: number; tokensPerMinute: number }>();
    const paceOfTenant = (tenantId: string) => paces.get(tenantId) ?? paces.set(tenantId, { graphWritesPerSecond: 0, tokensPerMinute: 0 }).get(tenantId)!;
    for (const row of writes) if (row.tenantId) paceOfTenant(row.tenantId).graphWritesPerSecond = Math.round((row.count / (PACE_WINDOW_MS / 1000)) * 100) / 100;
    const stats = await loadImportStats(db, running.map((row) => row.id));
    for (const row of running) paceOfTenant(row.tenantId).tokensPerMinute += importPace(row, stats.get(row.id)!, now).tokensPerMinute;
    return paces;
  }

  route(router, endpoints.overview, async (_req, res) => {
    const now = new Date();
    const status = tokenStatusSql(now);
    const [tenantRows, stateCounts, statusCounts, [expiring], [running], [failed], paces] = await Promise.all([
      db.select().from(tenants).orderBy(tenants.createdAt),
      db.select({ state: tokens.state, count: count() }).from(tokens).groupBy(tokens.state),
      // Grouped outside: the status expression carries parameters, which GROUP BY cannot match to the select list.
      db.execute<{ status: TokenStatus; count: number }>(sql`select status, count(*)::int as count from (select ${status} as status from ${tokens}) as s group by status`),
      db.select({ count: count() }).from(tokens).where(expiringWithin(now, EXPIRING_SOON_DAYS)),
      db.select({ count: count() }).from(imports).where(inArray(imports.status, ['validating', 'running'])),
      db.select({ count: count() }).from(operations).where(eq(operations.status, 'failed')),
      paceByTenant(now),
    ]);
    const tokensByState = Object.fromEntries(TOKEN_STATES.map((state) => [state, 0])) as Record<TokenState, number>;
    for (const row of stateCounts) tokensByState[row.state] = row.count;
    const tokensByStatus = Object.fromEntries(TOKEN_STATUSES.map((name) => [name, 0])) as Record<TokenStatus, number>;
    for (const row of statusCounts) tokensByStatus[row.status] = row.count;
    send(res, endpoints.overview, 200, {
      mode: config.mode,
      tenants: await Promise.all(
        tenantRows.map(async (tenant) => {
          const pace = paces.get(tenant.id) ?? { graphWritesPerSecond: 0, tokensPerMinute: 0 };
          return {
            id: tenant.id,
            name: tenant.name,
            mode: tenant.mode,
            queue: await queueState(tenant.id),
            pace: {
              windowSeconds: PACE_WINDOW_MS / 1000,
              graphWritesPerSecond: pace.graphWritesPerSecond,
              writeBudgetPerSecond,
              budgetUsed: Math.round((pace.graphWritesPerSecond / writeBudgetPerSecond) * 1000) / 1000,
              tokensPerMinute: Math.round(pace.tokensPerMinute * 10) / 10,
            },
          };
        }),
      ),
      tokensByState,
      tokensByStatus,
      tokensExpiringSoon: expiring?.count ?? 0,
      importsRunning: running?.count ?? 0,
      failedOperations: failed?.count ?? 0,
    });
  });
}
