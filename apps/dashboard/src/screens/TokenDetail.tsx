import { useEffect, useRef, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { AuditEvent, Page, TokenDetail as TokenDetailData } from '@tokenfleet/contract';
import { UNFINISHED_OPERATION_STATUSES } from '@tokenfleet/contract/values';
import { AuditTable } from '../components/AuditTable';
import { RetryButton } from '../components/RetryButton';
import { inFlightLabel, TokenActions } from '../components/TokenActions';
import { TokenValidations } from '../components/TokenValidations';
import { ExpiryForm } from '../components/ExpiryForm';
import { DateOnly, EmptyState, ErrorMessage, Fact, LoadMore, Loading, PageTitle, StatusWithState, Time } from '../components/ui';
import { OPERATION_STATUS_LABELS, operationKindLabel, shortId } from '../format';
import { usePagedList, useResource } from '../hooks';
import { Link } from '../router';
import { roleAllows, useSession } from '../session';

/** While a job of this token runs, the page follows it at this pace. */
const TOKEN_POLL_MS = 1_500;
const AUDIT_PER_PAGE = 50;

const hasUnfinishedOperation = (token: TokenDetailData) => token.operations.some((operation) => (UNFINISHED_OPERATION_STATUSES as readonly string[]).includes(operation.status));

export function TokenDetail({ id }: { id: string }) {
  const { user } = useSession();
  const [message, setMessage] = useState<string | null>(null);
  // Counts what happened on this page, so a "Test a code" verdict does not outlive the next action.
  const [actionCount, setActionCount] = useState(0);
  // Another token (a link from this one's audit trail, Back): nothing said about the last one stays.
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    setMessage(null);
    setActionCount(0);
  }
  const audit = usePagedList((cursor) => api.get<Page<AuditEvent>>(`/tokens/${encodeURIComponent(id)}/audit`, { limit: AUDIT_PER_PAGE, cursor }), [id]);
  const token = useResource(() => api.get<TokenDetailData>(`/tokens/${encodeURIComponent(id)}`), [id], {
    pollMs: (data) => (hasUnfinishedOperation(data) ? TOKEN_POLL_MS : null),
  });
  const data = token.data;
  const busy = data ? hasUnfinishedOperation(data) : false;

  // When the token's job finishes, its audit trail has new rows: fetch them once.
  const wasBusy = useRef(busy);
  const reloadAudit = audit.reload;
  useEffect(() => {
    if (wasBusy.current && !busy) void reloadAudit();
    wasBusy.current = busy;
  }, [busy, reloadAudit]);

  const refresh = (text?: string) => {
    if (text) setMessage(text);
    setActionCount((count) => count + 1);
    void token.reload();
    void audit.reload();
  };

  if (token.error instanceof ApiError && token.error.status === 404) {
    return (
      <section>
        <PageTitle title="Token not found">Token not found</PageTitle>
        <p>
          No token has the id {id}. It may have been removed. <Link to="/tokens">Back to the token list</Link>.
        </p>
      </section>
    );
  }

  return (
    <section>
      <p className="breadcrumb">
        <Link to="/tokens">Tokens</Link> /
      </p>
      <PageTitle title={data ? `Token ${data.serialNumber}` : 'Token'}>
        Token <span className="mono">{data?.serialNumber ?? ''}</span> {data && <StatusWithState token={data} />}
      </PageTitle>
      {data && inFlightLabel(data) && (
        <p className="in-flight" role="status">
          {inFlightLabel(data)}
        </p>
      )}
      <ErrorMessage error={token.error} />
      {message && (
        <p className="notice notice-success" role="status">
          {message}
        </p>
      )}
      {!data ? (
        !token.error && <Loading what="the token" />
      ) : (
        <>
          <div className={roleAllows(user.role, 'operator') ? 'detail-grid' : 'detail-grid detail-grid-single'}>
            <section className="card" aria-labelledby="token-facts">
              <h2 id="token-facts">Details</h2>
              <dl className="facts">
                <Fact label="Status">
                  <StatusWithState token={data} />
                  <span className="block small muted">{data.statusReason}</span>
                  {data.lastError && <span className="block text-failed">{data.lastError}</span>}
                </Fact>
                <Fact label="Description">{data.displayName || '—'}</Fact>
                <Fact label="Comment">{data.comment ?? <span className="muted">none</span>}</Fact>
                {data.lostAt && (
                  <Fact label="Reported lost">
                    <Time iso={data.lostAt} />
                    {data.lostNote && <span className="block">{data.lostNote}</span>}
                  </Fact>
                )}
                <Fact label="Device serial">
                  <span className="mono">{data.serialNumber}</span>
                </Fact>
                <Fact label="User">
                  {data.assignedUpn ? (
                    <>
                      {data.assignedUserDisplayName && <span className="block">{data.assignedUserDisplayName}</span>}
                      <span className={data.assignedUserDisplayName ? 'block small' : undefined}>{data.assignedUpn}</span>
                    </>
                  ) : (
                    <span className="muted">unassigned</span>
                  )}
                  {data.assignedUserId && <span className="block muted small mono">{data.assignedUserId}</span>}
                </Fact>
                <Fact label="Last used">
                  <Time iso={data.lastUsedAt} />
                </Fact>
                <Fact label="Updated">
                  <Time iso={data.updatedAt} />
                </Fact>
                <Fact label="Expires">
                  <DateOnly iso={data.expiresAt} />
                  {roleAllows(user.role, 'operator') && (
                    <span className="block">
                      <ExpiryForm key={`${data.id}-${data.expiresAt ?? ''}`} token={data} onSaved={refresh} />
                    </span>
                  )}
                </Fact>
                <Fact label="Last tested">
                  <Time iso={data.lastTestedAt} />
                </Fact>
                <Fact label="Last resynced">
                  <Time iso={data.lastResyncedAt} />
                </Fact>
                <Fact label="Manufacturer">{data.manufacturer}</Fact>
                <Fact label="Model">{data.model}</Fact>
                <Fact label="Manufactured">
                  <DateOnly iso={data.manufacturedAt} />
                </Fact>
                <Fact label="Hash">{data.hashFunction}</Fact>
                <Fact label="Interval">{data.timeIntervalSeconds} s</Fact>
                <Fact label="In service since">
                  <Time iso={data.activatedAt} />
                </Fact>
                <Fact label="Created">
                  <Time iso={data.createdAt} />
                </Fact>
                <Fact label="Import">{data.importId ? <Link to={`/imports/${data.importId}`}>{data.importId}</Link> : '—'}</Fact>
                <Fact label="Entra device id">
                  <span className="mono">{data.graphDeviceId ?? '—'}</span>
                </Fact>
                <Fact label="Clock drift">{data.driftSteps} steps</Fact>
                <Fact label="Seed">{data.hasSeed ? 'Stored, encrypted' : 'Purged: its codes cannot be checked (validation API, test, resync)'}</Fact>
              </dl>
            </section>
            <TokenActions
              key={data.id}
              token={data}
              role={user.role}
              busy={busy}
              onChanged={refresh}
              resetKey={actionCount}
              onTested={() => {
                void token.reload();
                void audit.reload();
              }}
            />
          </div>

          <h2>Operations</h2>
          {data.operations.length === 0 ? (
            <EmptyState title="No operations yet." />
          ) : (
            <div className="table-wrap">
              <table className="data-table operations-table">
                <caption className="visually-hidden">Operations of this token, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className="col-step">Step</th>
                    <th scope="col">Part of</th>
                    <th scope="col" className="col-state">Status</th>
                    <th scope="col" className="num col-num">Attempts</th>
                    <th scope="col">Requested by</th>
                    <th scope="col">Last error</th>
                    <th scope="col" className="col-time">Updated</th>
                    <th scope="col" className="col-buttons">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.operations.map((operation) => (
                    <tr key={operation.id}>
                      <td>{operationKindLabel(operation.kind)}</td>
                      <td>{operation.chainId ? <span title={`One operator action: operations sharing chain ${operation.chainId}`}>chain {shortId(operation.chainId)}</span> : <span className="muted">—</span>}</td>
                      <td>
                        <span className={`status status-${operation.status}`}>{OPERATION_STATUS_LABELS[operation.status] ?? operation.status}</span>
                      </td>
                      <td className="num">{operation.attempts}</td>
                      <td>{operation.createdBy}</td>
                      <td>
                        {operation.lastErrorCode && <span className="mono">{operation.lastErrorCode}</span>} {operation.lastErrorMessage}
                      </td>
                      <td>
                        <Time iso={operation.updatedAt} />
                      </td>
                      <td>{operation.status === 'failed' && <RetryButton operationId={operation.id} onRetried={() => refresh('Retry queued.')} />}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}

      {data && <TokenValidations tokenId={data.id} state={data.state} hasSeed={data.hasSeed} />}

      <h2>Audit trail of this token</h2>
      <ErrorMessage error={audit.error} />
      {audit.loading && audit.items.length === 0 ? (
        <Loading what="the audit trail" />
      ) : audit.items.length === 0 && !audit.error ? (
        <EmptyState title="Nothing recorded for this token yet." />
      ) : (
        <>
          <AuditTable events={audit.items} caption="Audit events of this token, newest first" showTarget={false} />
          <LoadMore shown={audit.items.length} hasMore={audit.hasMore} loading={audit.loading} onMore={() => void audit.loadMore()} noun="event" />
        </>
      )}
    </section>
  );
}

