// GET /api/v1/metrics: the Prometheus view of the installation. What PostgreSQL and Redis hold is read at
// each scrape into a registry of its own (so two APIs in one process never share stale gauges), then
// answered together with the process-wide registry: the worker's Graph counters when it shares this
// process (`npm start`), and process metrics. The names are documented in docs/metrics.md.
import type { Router } from 'express';
import { Gauge, Registry } from 'prom-client';
import { count } from 'drizzle-orm';
import { endpoints } from '@tokenfleet/contract';
import { collectProcessMetrics, metricsRegistry } from '@tokenfleet/config';
import { imports, tenants, tokens } from '@tokenfleet/db';
import { route } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { writeBudgetOf } from './system';

/** The BullMQ states a tenant queue's jobs are counted in. */
const JOB_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed', 'waiting-children'] as const;

export function metricsRoutes(router: Router, deps: ApiDeps): void {
  collectProcessMetrics();

  route(router, endpoints.metrics, async (_req, res) => {
    const scrape = new Registry();
    const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge({ name, help, labelNames, registers: [scrape] });
    const queueJobs = gauge('tokenfleet_queue_jobs', "Jobs in the tenant's queue by BullMQ state", ['tenant', 'state']);
    const budgetPerSecond = gauge('tokenfleet_write_budget_per_second', 'The configured Graph write budget, writes per second per tenant', ['tenant']);
    const budgetAvailable = gauge('tokenfleet_write_budget_available', 'Writes the tenant could send back to back now (0 while paused)', ['tenant']);
    const budgetPaused = gauge('tokenfleet_write_budget_paused_seconds', "Seconds left of the pause a 429's Retry-After put on the tenant", ['tenant']);
    const tokensByState = gauge('tokenfleet_tokens', 'Tokens by tenant and life-cycle state', ['tenant', 'state']);
    const importsByStatus = gauge('tokenfleet_imports', 'Imports by tenant and status', ['tenant', 'status']);

    const { db, config } = deps;
    const [tenantRows, stateRows, importRows] = await Promise.all([
      db.select({ id: tenants.id }).from(tenants),
      db.select({ tenant: tokens.tenantId, state: tokens.state, count: count() }).from(tokens).groupBy(tokens.tenantId, tokens.state),
      db.select({ tenant: imports.tenantId, status: imports.status, count: count() }).from(imports).groupBy(imports.tenantId, imports.status),
    ]);
    for (const row of stateRows) tokensByState.set({ tenant: row.tenant, state: row.state }, row.count);
    for (const row of importRows) importsByStatus.set({ tenant: row.tenant, status: row.status }, row.count);
    await Promise.all(
      tenantRows.map(async ({ id: tenant }) => {
        const budget = writeBudgetOf(deps, tenant);
        const [jobs, available, pausedMs] = await Promise.all([deps.queues(tenant).getJobCounts(...JOB_STATES), budget.available(), budget.blockedForMs()]);
        for (const state of JOB_STATES) queueJobs.set({ tenant, state }, jobs[state] ?? 0);
        budgetPerSecond.set({ tenant }, (config.graph.writeLimit * 1000) / config.graph.writeWindowMs);
        budgetAvailable.set({ tenant }, available);
        budgetPaused.set({ tenant }, pausedMs / 1000);
      }),
    );

    const merged = Registry.merge([metricsRegistry, scrape]);
    res.status(200).type(metricsRegistry.contentType).send(await merged.metrics());
  });
}
