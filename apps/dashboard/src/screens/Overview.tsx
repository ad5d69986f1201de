import { api } from '../api/client';
import type { Overview as OverviewData } from '@tokenfleet/contract';
import { EXPIRING_SOON_DAYS, TOKEN_STATES, TOKEN_STATUSES } from '@tokenfleet/contract/values';
import { ErrorMessage, Loading, PageTitle, Time } from '../components/ui';
import { formatCount, formatUntil, TOKEN_STATE_LABELS, TOKEN_STATUS_LABELS } from '../format';
import { useResource } from '../hooks';
import { Link } from '../router';

const OVERVIEW_POLL_MS = 5_000;

export function Overview() {
  const overview = useResource(() => api.get<OverviewData>('/overview'), [], { pollMs: () => OVERVIEW_POLL_MS });
  const data = overview.data;

  return (
    <section>
      <PageTitle title="Overview">Overview</PageTitle>
      <ErrorMessage error={overview.error} />
      {!data ? (
        !overview.error && <Loading what="the overview" />
      ) : (
        <>
          <p className={data.mode === 'sandbox' ? 'notice notice-sandbox' : 'notice notice-info'}>
            {data.mode === 'sandbox'
              ? 'SANDBOX: this installation runs against the built-in Entra simulator with demo users. Nothing you do here changes a real tenant.'
              : 'Live: this installation provisions tokens in a real Microsoft Entra tenant.'}
          </p>

          <div className="summary-row">
            <Link className="stat-card" to="/imports">
              <span className="stat-value">{formatCount(data.importsRunning)}</span>{' '}
              <span className="stat-label">imports running</span>
            </Link>
            <Link className={data.failedOperations > 0 ? 'stat-card stat-alert' : 'stat-card'} to="/failed">
              <span className="stat-value">{formatCount(data.failedOperations)}</span>{' '}
              <span className="stat-label">failed operations</span>
            </Link>
            <Link className={data.tokensExpiringSoon > 0 ? 'stat-card stat-warn' : 'stat-card'} to={`/tokens?expiresWithinDays=${EXPIRING_SOON_DAYS}`}>
              <span className="stat-value">{formatCount(data.tokensExpiringSoon)}</span>{' '}
              <span className="stat-label">tokens expiring in the next {EXPIRING_SOON_DAYS} days</span>
            </Link>
          </div>

          <h2>Tokens by status</h2>
          <ul className="state-grid status-grid" aria-label="Tokens by status">
            {TOKEN_STATUSES.map((status) => (
              <li key={status}>
                <Link className={`stat-card status-card token-status-card-${status.toLowerCase()}`} to={`/tokens?status=${status}`}>
                  <span className="stat-value">{formatCount(data.tokensByStatus[status] ?? 0)}</span>{' '}
                  <span className="stat-label">{TOKEN_STATUS_LABELS[status]}</span>
                </Link>
              </li>
            ))}
          </ul>

          <h2>Tokens by state</h2>
          <ul className="state-grid" aria-label="Tokens by state">
            {TOKEN_STATES.map((state) => (
              <li key={state}>
                <Link className={`stat-card state-card state-${state}`} to={`/tokens?state=${state}`}>
                  <span className="stat-value">{formatCount(data.tokensByState[state] ?? 0)}</span>{' '}
                  <span className="stat-label">{TOKEN_STATE_LABELS[state]}</span>
                </Link>
              </li>
            ))}
          </ul>

          <h2>Queues per tenant</h2>
          {data.tenants.length === 0 ? (
            <p className="muted">No tenant is configured yet. Start the API with tenant credentials, or without them to use the sandbox.</p>
          ) : (
            <div className="table-wrap">
              <table className="data-table">
                <caption className="visually-hidden">Job queue state for each Entra tenant</caption>
                <thead>
                  <tr>
                    <th scope="col" className="col-tenant">Tenant</th>
                    <th scope="col">Mode</th>
                    <th scope="col" className="num">Waiting</th>
                    <th scope="col" className="num">Active</th>
                    <th scope="col" className="num">Delayed</th>
                    <th scope="col" className="num">Failed</th>
                    <th scope="col" className="num">Completed</th>
                    <th scope="col">Pace, last minute</th>
                    <th scope="col">Rate limit</th>
                  </tr>
                </thead>
                <tbody>
                  {data.tenants.map((tenant) => (
                    <tr key={tenant.id}>
                      <th scope="row">
                        {tenant.name}
                        <span className="muted small block">{tenant.id}</span>
                        <Link className="small block" to="/entra-sync">
                          Entra sync and unmanaged devices
                        </Link>
                      </th>
                      <td>{tenant.mode === 'sandbox' ? <span className="badge badge-sandbox">SANDBOX</span> : 'Live'}</td>
                      <td className="num">{formatCount(tenant.queue.waiting)}</td>
                      <td className="num">{formatCount(tenant.queue.active)}</td>
                      <td className="num">{formatCount(tenant.queue.delayed)}</td>
                      <td className="num">{formatCount(tenant.queue.failed)}</td>
                      <td className="num">{formatCount(tenant.queue.completed)}</td>
                      <td className="pace">{paceLines(tenant.pace)}</td>
                      <td>
                        {tenant.queue.rateLimitedUntil ? (
                          <span className="rate-limited">
                            Paused until <Time iso={tenant.queue.rateLimitedUntil} /> (in {formatUntil(tenant.queue.rateLimitedUntil, Date.now())})
                          </span>
                        ) : (
                          <span className="muted">Not limited</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}

/**
 * A tenant's pace in two lines: how fast its running imports' tokens finish, and the Graph writes it spends
 * against its budget ("18.4 of 20 writes/s, 92 % of the budget").
 */
export function paceLines(pace: OverviewData['tenants'][number]['pace']) {
  const writes = `${pace.graphWritesPerSecond.toLocaleString('en', { maximumFractionDigits: 1 })} of ${pace.writeBudgetPerSecond.toLocaleString('en', { maximumFractionDigits: 1 })} writes/s`;
  return (
    <>
      <span className="block">{pace.tokensPerMinute > 0 ? `${formatCount(Math.round(pace.tokensPerMinute))} tokens/min` : 'No import running'}</span>
      <span className="block muted small">
        {writes}, {Math.round(pace.budgetUsed * 100)} % of the budget
      </span>
    </>
  );
}
