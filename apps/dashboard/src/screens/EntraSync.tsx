// Reconciliation with Entra: for each tenant, when it last synced and what that sync found, a "Sync now"
// for admins, and the devices Entra holds that Tokenfleet does not know (unmanaged), which an operator
// adopts as tokens without a seed. What a sync compares and decides: docs/reconciliation.md.
import { useState } from 'react';
import type { InventorySync, Page, SyncQueued, Tenant, Token, UnmanagedDevice } from '@tokenfleet/contract';
import { api } from '../api/client';
import { useConfirm } from '../components/ConfirmDialog';
import { TenantList } from '../components/TenantList';
import { EmptyState, ErrorMessage, LoadMore, PageTitle, Time } from '../components/ui';
import { countOf } from '../format';
import { usePagedList, useResource, useSubmission } from '../hooks';
import { Link } from '../router';
import { useCan } from '../session';

/** While a sync is open the screen looks again this often. */
const OPEN_SYNC_POLL_MS = 2_000;

/** Each count of a sync's summary in words: its key, and the noun before and after the count's verb. */
const SUMMARY_LABELS: Array<[key: string, singular: string, plural: string, rest: string]> = [
  ['devicesRead', 'device', 'devices', 'read'],
  ['changedInEntra', 'token', 'tokens', 'changed in Entra'],
  ['missingFromEntra', 'token', 'tokens', 'no longer in Entra'],
  ['lastUsedUpdated', 'last use', 'last uses', 'brought in'],
  ['unmanagedFound', 'unmanaged device', 'unmanaged devices', 'found'],
  ['unmanagedGone', 'unmanaged device', 'unmanaged devices', 'gone'],
  ['skippedBusy', 'token', 'tokens', 'left for the next sync (Tokenfleet was changing them)'],
];

function isOpen(sync: InventorySync | null): boolean {
  return sync !== null && (sync.status === 'queued' || sync.status === 'running');
}

function SyncSummary({ sync }: { sync: InventorySync }) {
  const status = { queued: 'Queued', running: 'Running', succeeded: 'Finished', failed: 'Failed' }[sync.status];
  return (
    <div>
      <p>
        <strong>{status}</strong>
        {sync.finishedAt ? (
          <>
            {' '}
            at <Time iso={sync.finishedAt} />
          </>
        ) : sync.startedAt ? (
          <>
            , started <Time iso={sync.startedAt} />
          </>
        ) : null}{' '}
        <span className="muted">({sync.requestedBy === 'schedule' ? 'scheduled' : `asked by ${sync.requestedBy}`})</span>
      </p>
      {sync.error && <p className="notice notice-error">{sync.error}</p>}
      {sync.summary && (
        <ul className="inline-list">
          {SUMMARY_LABELS.filter(([key]) => sync.summary![key] !== undefined).map(([key, singular, plural, rest]) => (
            <li key={key}>
              {countOf(sync.summary![key]!, singular, plural)} {rest}
            </li>
          ))}
        </ul>
      )}
      {sync.summary && (sync.summary.changedInEntra ?? 0) + (sync.summary.missingFromEntra ?? 0) > 0 && (
        <p>
          <Link to={`/audit?action=token.changedInEntra`}>See what changed in Entra</Link>
        </p>
      )}
    </div>
  );
}

function UnmanagedDevices({ tenant, onAdopted }: { tenant: Tenant; onAdopted: () => void }) {
  const canAdopt = useCan('operator');
  const [confirmElement, confirm] = useConfirm();
  const { error, attempt } = useSubmission();
  const [adopted, setAdopted] = useState<Token | null>(null);
  // Loaded afresh whenever a sync of the tenant ends (the list is what the last sync found).
  const syncEnded = tenant.lastSync?.finishedAt ?? null;
  const list = usePagedList<UnmanagedDevice>(
    (cursor) => api.get<Page<UnmanagedDevice>>(`/tenants/${encodeURIComponent(tenant.id)}/unmanaged-devices`, { cursor, limit: 50 }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- syncEnded is why it loads again, not what it loads
    [tenant.id, syncEnded],
  );

  async function adopt(device: UnmanagedDevice) {
    const ok = await confirm({
      title: `Adopt ${device.serialNumber}?`,
      body: (
        <p>
          Tokenfleet never had this token's seed, so it takes the token as Entra holds it ({device.status}
          {device.assignedUserName ? `, assigned to ${device.assignedUserName}` : ''}) without one: it can be unassigned, assigned, disabled or deleted, but
          never activated again by Tokenfleet, tested or used by the validation API.
        </p>
      ),
      confirmLabel: 'Adopt without a seed',
    });
    if (!ok) return;
    setAdopted(null);
    await attempt(async () => {
      setAdopted(await api.post<Token>(`/tenants/${encodeURIComponent(tenant.id)}/unmanaged-devices/${encodeURIComponent(device.graphDeviceId)}/adopt`));
      await list.reload();
      onAdopted();
    });
  }

  return (
    <section aria-labelledby={`unmanaged-${tenant.id}`}>
      <h3 id={`unmanaged-${tenant.id}`}>Unmanaged devices</h3>
      <p className="help">Hardware OATH devices in Entra that no token of Tokenfleet names: added in the portal or by another tool. Each sync refreshes the list.</p>
      <ErrorMessage error={list.error ?? error} />
      <p role="status" aria-live="polite">
        {adopted && (
          <>
            Adopted <Link to={`/tokens/${adopted.id}`}>{adopted.serialNumber}</Link> as {adopted.state}.
          </>
        )}
      </p>
      {list.items.length === 0 && !list.loading ? (
        <EmptyState title="No unmanaged devices.">Every device Entra listed at the last sync is one of Tokenfleet's tokens.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Devices in Entra that Tokenfleet does not manage</caption>
            <thead>
              <tr>
                <th scope="col">Serial</th>
                <th scope="col">Device</th>
                <th scope="col">Entra status</th>
                <th scope="col">Assigned to</th>
                <th scope="col">Last used</th>
                <th scope="col">First seen</th>
                {canAdopt && <th scope="col"><span className="visually-hidden">Actions</span></th>}
              </tr>
            </thead>
            <tbody>
              {list.items.map((device) => (
                <tr key={device.graphDeviceId}>
                  <th scope="row" className="mono">
                    {device.serialNumber}
                  </th>
                  <td title={`${device.manufacturer} ${device.model}`}>
                    {device.manufacturer} {device.model}
                    {device.displayName && <span className="muted small block">{device.displayName}</span>}
                  </td>
                  <td>{device.status}</td>
                  <td>{device.assignedUserName ?? (device.assignedUserId ? <span className="mono">{device.assignedUserId}</span> : <span className="muted">nobody</span>)}</td>
                  <td>
                    <Time iso={device.lastUsedAt} />
                  </td>
                  <td>
                    <Time iso={device.firstSeenAt} />
                  </td>
                  {canAdopt && (
                    <td>
                      <button type="button" onClick={() => void adopt(device)}>
                        Adopt
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore shown={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={() => void list.loadMore()} noun="device" />
      {confirmElement}
    </section>
  );
}

export function EntraSync() {
  const canSync = useCan('admin');
  const { error, attempt, working } = useSubmission();
  const [message, setMessage] = useState('');
  const tenants = useResource(() => api.get<Tenant[]>('/tenants'), [], { pollMs: (data) => (data.some((tenant) => isOpen(tenant.lastSync)) ? OPEN_SYNC_POLL_MS : null) });

  async function syncNow(tenant: Tenant) {
    setMessage('');
    await attempt(async () => {
      const queued = await api.post<SyncQueued>(`/tenants/${encodeURIComponent(tenant.id)}/sync`);
      setMessage(queued.alreadyOpen ? `${tenant.name}: a sync was already under way; following it.` : `${tenant.name}: sync queued.`);
      await tenants.reload();
    });
  }

  return (
    <section>
      <PageTitle title="Entra sync">Entra sync</PageTitle>
      <p className="help">
        Each sync reads the tenant's hardware OATH devices from Entra a page at a time and brings into Tokenfleet what changed there behind its back: tokens
        users activated in Security info, tokens unassigned, reassigned or deleted in the portal, and when each was last used.
      </p>
      <ErrorMessage error={tenants.error ?? error} />
      <p role="status" aria-live="polite" className="muted">
        {message}
      </p>
      <TenantList tenants={tenants}>
        {(tenant) => (
          <article key={tenant.id} className="card" aria-labelledby={`tenant-${tenant.id}`}>
            <h2 id={`tenant-${tenant.id}`}>
              {tenant.name} <span className="mono muted">{tenant.id}</span>
            </h2>
            <p>
              Last successful sync: {tenant.lastSyncedAt ? <Time iso={tenant.lastSyncedAt} /> : <span className="muted">never</span>}. Scheduled every{' '}
              {countOf(tenant.settings.syncIntervalHours, 'hour')}
              {canSync && (
                <>
                  {' '}
                  (<Link to="/settings">change</Link>)
                </>
              )}
              . {countOf(tenant.unmanagedDevices, 'unmanaged device')}.
            </p>
            {tenant.lastSync ? <SyncSummary sync={tenant.lastSync} /> : <p className="muted">No sync has run yet.</p>}
            {canSync && (
              <p>
                <button type="button" onClick={() => void syncNow(tenant)} disabled={working || isOpen(tenant.lastSync)}>
                  {isOpen(tenant.lastSync) ? 'Sync under way…' : 'Sync now'}
                </button>
              </p>
            )}
            <UnmanagedDevices tenant={tenant} onAdopted={() => void tenants.reload()} />
          </article>
        )}
      </TenantList>
    </section>
  );
}
