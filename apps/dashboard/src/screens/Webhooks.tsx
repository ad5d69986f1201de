// Webhooks (admin, docs/webhooks.md): the HR and onboarding systems that send joiner and leaver events.
// Create a source (its secret is shown once), rotate its secret (the old one stays valid for a grace
// period), change its leaver policy and guard threshold, disable it; the banner for deliveries the
// mass-change guard holds, with release and discard; and per source its deliveries, newest first, with
// the outcome, the operations each caused and a redeliver action for those that failed after acceptance.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { CreatedWebhookSource, LeaverPolicy, Page, RotatedWebhookSecret, WebhookDelivery, WebhookSignatureScheme, WebhookSource } from '@tokenfleet/contract';
import { WEBHOOK_ROTATION_GRACE_HOURS_DEFAULT } from '@tokenfleet/contract/values';
import { useConfirm } from '../components/ConfirmDialog';
import { SecretNotice } from '../components/SecretNotice';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, Time } from '../components/ui';
import { usePagedList, useResource, useSubmission } from '../hooks';
import { Link } from '../router';

const POLL_MS = 3_000;
const DELIVERIES_PER_PAGE = 50;

const STATUS_LABELS: Record<WebhookDelivery['status'], string> = {
  queued: 'Accepted, queued',
  held: 'Held by the guard',
  done: 'Carried out',
  rejected: 'Rejected',
  failed: 'Failed',
  refused: 'Refused',
  duplicate: 'Duplicate (ignored)',
  discarded: 'Discarded',
};
const STATUS_CLASS: Record<WebhookDelivery['status'], string> = {
  queued: 'status-queued',
  held: 'status-running',
  done: 'status-succeeded',
  rejected: 'status-failed',
  failed: 'status-failed',
  refused: 'status-failed',
  duplicate: 'status-cancelled',
  discarded: 'status-cancelled',
};

export function Webhooks({ sourceId }: { sourceId?: string }) {
  const sources = useResource(() => api.get<WebhookSource[]>('/webhook-sources'), [], { pollMs: () => POLL_MS });
  const [secret, setSecret] = useState<{ title: string; value: string } | null>(null);
  const { error, attempt } = useSubmission();
  const [confirmElement, confirm] = useConfirm();
  const selected = sources.data?.find((source) => source.id === sourceId);

  async function rotate(source: WebhookSource) {
    const ok = await confirm({
      title: `Make a new secret for "${source.name}"?`,
      body: <p>The current secret stays valid for {WEBHOOK_ROTATION_GRACE_HOURS_DEFAULT} hours, so the sending system can switch without losing an event. After that only the new one works.</p>,
      confirmLabel: 'Rotate',
    });
    if (!ok) return;
    await attempt(async () => {
      const rotated = await api.post<RotatedWebhookSecret>(`/webhook-sources/${source.id}/rotate`, {});
      setSecret({ title: `Copy the new secret for "${source.name}" now`, value: rotated.secret });
      void sources.reload();
    });
  }

  async function toggle(source: WebhookSource) {
    if (!source.disabled) {
      const ok = await confirm({
        title: `Disable "${source.name}"?`,
        body: <p>Its deliveries are refused (403) and recorded until it is enabled again; the system sending them retries or gives up by its own rules.</p>,
        confirmLabel: 'Disable',
        danger: true,
      });
      if (!ok) return;
    }
    await attempt(async () => {
      await api.patch(`/webhook-sources/${source.id}`, { disabled: !source.disabled });
      void sources.reload();
    });
  }

  return (
    <section>
      <PageTitle title="Webhooks">Webhooks</PageTitle>
      <p className="muted">
        HR and onboarding systems send joiner and leaver events here, signed as Standard Webhooks specifies. <span className="mono">token.assign</span> assigns a
        token and activates it; <span className="mono">token.unassign</span> and <span className="mono">user.left</span> take the leaver's tokens out of service
        by the source's policy (never deleted); <span className="mono">user.joined</span> puts the joiner on the <Link to="/joiners">Needs a token</Link> list.
      </p>
      <HeldBanner sources={sources.data ?? []} onDecided={() => void sources.reload()} />
      {secret ? (
        <SecretNotice title={secret.title} label="Signing secret" value={secret.value} onDone={() => setSecret(null)}>
          <p>This is the only time it is shown. Enter it in the sending system's webhook settings as the signing secret.</p>
        </SecretNotice>
      ) : (
        <NewSourceForm
          onCreated={(created) => {
            setSecret({ title: `Copy the secret for "${created.name}" now`, value: created.secret });
            void sources.reload();
          }}
        />
      )}
      <h2>Sources</h2>
      <ErrorMessage error={sources.error ?? error} />
      {!sources.data ? (
        !sources.error && <Loading what="webhook sources" />
      ) : sources.data.length === 0 ? (
        <EmptyState title="No webhook sources yet. Create one above for each HR system that sends events." />
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Webhook sources</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Delivery URL</th>
                <th scope="col">Signing</th>
                <th scope="col">Leavers</th>
                <th scope="col" className="col-time">Last delivery</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sources.data.map((source) => (
                <tr key={source.id} aria-current={source.id === sourceId ? 'true' : undefined}>
                  <th scope="row">
                    <Link to={`/webhooks/${source.id}`}>{source.name}</Link>
                  </th>
                  <td className="mono small">{source.deliveryUrl}</td>
                  <td>
                    {source.scheme === 'standard' ? 'Standard Webhooks' : `${source.scheme.toUpperCase()} in ${source.signatureHeader}`}
                    {source.previousSecretExpiresAt && (
                      <div className="muted small">
                        old secret valid until <Time iso={source.previousSecretExpiresAt} />
                      </div>
                    )}
                  </td>
                  <td>
                    {source.leaverPolicy === 'disable' ? 'disable' : 'unassign'}, held beyond {source.leaverThreshold}/hour
                  </td>
                  <td>
                    <Time iso={source.lastDeliveryAt} />
                  </td>
                  <td>{source.disabled ? <span className="text-failed">Disabled</span> : source.heldCount > 0 ? <span className="text-failed">{source.heldCount} held</span> : 'Receiving'}</td>
                  <td className="cell-actions">
                    <button type="button" onClick={() => void rotate(source)}>
                      Rotate secret
                    </button>
                    <button type="button" className={source.disabled ? undefined : 'danger'} onClick={() => void toggle(source)}>
                      {source.disabled ? 'Enable' : 'Disable'}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {selected ? <SourceSettings key={`settings-${selected.id}`} source={selected} onSaved={() => void sources.reload()} /> : null}
      {selected ? <Deliveries key={selected.id} source={selected} /> : sources.data && sources.data.length > 0 && <p className="muted">Choose a source to see its deliveries.</p>}
      {confirmElement}
    </section>
  );
}

/** The mass-change guard's banner: leaver events held for a source, released or discarded by an admin. */
export function HeldBanner({ sources, onDecided }: { sources: readonly WebhookSource[]; onDecided: () => void }) {
  const { error, attempt } = useSubmission();
  const [confirmElement, confirm] = useConfirm();
  const holding = sources.filter((source) => source.heldCount > 0);
  if (holding.length === 0) return null;

  async function decide(source: WebhookSource, action: 'release' | 'discard') {
    const ok = await confirm({
      title: action === 'release' ? `Carry out ${source.heldCount} held events from "${source.name}"?` : `Discard ${source.heldCount} held events from "${source.name}"?`,
      body:
        action === 'release' ? (
          <p>Each leaver's tokens are taken out of service as the source's policy says. Release only if these people really left: an outage upstream can mark everyone as left.</p>
        ) : (
          <p>None of them is carried out, and the same events sent again are ignored as duplicates. The sending system may need to send real leavers again under new ids.</p>
        ),
      confirmLabel: action === 'release' ? 'Release' : 'Discard',
      danger: action === 'release',
    });
    if (!ok) return;
    await attempt(async () => {
      await api.post(`/webhook-sources/${source.id}/held`, { action });
      onDecided();
    });
  }

  return (
    <div className="notice notice-error" role="alert">
      {holding.map((source) => (
        <p key={source.id}>
          <strong>
            {source.heldCount} leaver event{source.heldCount === 1 ? '' : 's'} from "{source.name}" held
          </strong>
          : more than {source.leaverThreshold} within an hour, so the mass-change guard stopped them. <Link to={`/webhooks/${source.id}`}>See them</Link>{' '}
          <button type="button" onClick={() => void decide(source, 'release')}>
            Release
          </button>{' '}
          <button type="button" className="danger" onClick={() => void decide(source, 'discard')}>
            Discard
          </button>
        </p>
      ))}
      <ErrorMessage error={error} />
      {confirmElement}
    </div>
  );
}

function NewSourceForm({ onCreated }: { onCreated: (created: CreatedWebhookSource) => void }) {
  const ids = useId();
  const [name, setName] = useState('');
  const [scheme, setScheme] = useState<WebhookSignatureScheme>('standard');
  const [signatureHeader, setSignatureHeader] = useState('');
  const [ownSecret, setOwnSecret] = useState('');
  const [leaverPolicy, setLeaverPolicy] = useState<LeaverPolicy>('disable');
  const [threshold, setThreshold] = useState('50');
  const { working, error, attempt } = useSubmission();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      onCreated(
        await api.post<CreatedWebhookSource>('/webhook-sources', {
          name: name.trim(),
          scheme,
          ...(scheme === 'standard' ? {} : { signatureHeader: signatureHeader.trim(), ...(ownSecret ? { secret: ownSecret } : {}) }),
          leaverPolicy,
          leaverThreshold: Number(threshold),
        }),
      );
      setName('');
      setOwnSecret('');
    });
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>New webhook source</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${ids}-name`}>Name (which system sends)</label>
          <input id={`${ids}-name`} required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} placeholder="workday" />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-scheme`}>Signature</label>
          <select id={`${ids}-scheme`} value={scheme} onChange={(event) => setScheme(event.target.value as WebhookSignatureScheme)}>
            <option value="standard">Standard Webhooks</option>
            <option value="hmac-sha256">HMAC-SHA256 of the body in a header</option>
            <option value="hmac-sha512">HMAC-SHA512 of the body in a header (HiBob)</option>
          </select>
        </div>
        {scheme !== 'standard' && (
          <div className="field">
            <label htmlFor={`${ids}-header`}>Signature header</label>
            <input id={`${ids}-header`} required value={signatureHeader} onChange={(event) => setSignatureHeader(event.target.value)} placeholder="Bob-Signature" />
          </div>
        )}
        {scheme !== 'standard' && (
          <div className="field">
            <label htmlFor={`${ids}-own-secret`}>The system's own secret (if it made one)</label>
            <input id={`${ids}-own-secret`} type="password" autoComplete="off" minLength={16} value={ownSecret} onChange={(event) => setOwnSecret(event.target.value)} placeholder="empty: Tokenfleet makes one" />
          </div>
        )}
        <LeaverFields ids={ids} policy={leaverPolicy} onPolicy={setLeaverPolicy} threshold={threshold} onThreshold={setThreshold} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="primary" disabled={working}>
        Create source
      </button>
    </form>
  );
}

function LeaverFields({ ids, policy, onPolicy, threshold, onThreshold }: { ids: string; policy: LeaverPolicy; onPolicy: (policy: LeaverPolicy) => void; threshold: string; onThreshold: (value: string) => void }) {
  return (
    <>
      <div className="field">
        <label htmlFor={`${ids}-policy`}>A leaver's tokens</label>
        <select id={`${ids}-policy`} value={policy} onChange={(event) => onPolicy(event.target.value as LeaverPolicy)}>
          <option value="disable">Disable in Entra, keep assigned</option>
          <option value="unassign">Unassign, back to stock</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-threshold`}>Hold leaver events beyond (per hour)</label>
        <input id={`${ids}-threshold`} type="number" min={1} max={100000} required value={threshold} onChange={(event) => onThreshold(event.target.value)} />
      </div>
    </>
  );
}

function SourceSettings({ source, onSaved }: { source: WebhookSource; onSaved: () => void }) {
  const ids = useId();
  const [policy, setPolicy] = useState<LeaverPolicy>(source.leaverPolicy);
  const [threshold, setThreshold] = useState(String(source.leaverThreshold));
  const { working, error, attempt } = useSubmission();
  const [saved, setSaved] = useState('');

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      await api.patch(`/webhook-sources/${source.id}`, { leaverPolicy: policy, leaverThreshold: Number(threshold) });
      setSaved('Saved.');
      onSaved();
    });
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Leavers from "{source.name}"</h2>
      <div className="form-row">
        <LeaverFields ids={ids} policy={policy} onPolicy={setPolicy} threshold={threshold} onThreshold={setThreshold} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" disabled={working}>
        Save
      </button>{' '}
      <span role="status" className="notice-success">
        {saved}
      </span>
    </form>
  );
}

function Deliveries({ source }: { source: WebhookSource }) {
  const deliveries = usePagedList((cursor) => api.get<Page<WebhookDelivery>>(`/webhook-sources/${source.id}/deliveries`, { limit: DELIVERIES_PER_PAGE, cursor }), [source.id]);
  const { error, attempt } = useSubmission();
  const { reload, items } = deliveries;
  // New deliveries arrive while the screen is open: look again every few seconds, unless the admin has
  // paged further back (a reload would take those pages away).
  const pagedBack = items.length > DELIVERIES_PER_PAGE;
  useEffect(() => {
    if (pagedBack) return undefined;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [reload, pagedBack]);

  async function redeliver(delivery: WebhookDelivery) {
    await attempt(async () => {
      await api.post(`/webhook-deliveries/${delivery.id}/redeliver`);
      void reload();
    });
  }

  return (
    <>
      <h2>Deliveries from "{source.name}"</h2>
      <ErrorMessage error={deliveries.error ?? error} />
      {deliveries.loading && items.length === 0 ? (
        <Loading what="deliveries" />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing received yet.">
          <p>
            Point the sending system at <span className="mono">{source.deliveryUrl}</span> with the secret shown when the source was made.
          </p>
        </EmptyState>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className="col-time">Received</th>
                <th scope="col">Event</th>
                <th scope="col">Outcome</th>
                <th scope="col">Operations</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((delivery) => (
                <tr key={delivery.id}>
                  <td>
                    <Time iso={delivery.receivedAt} />
                    <div className="mono small muted truncate" title={delivery.webhookId ?? undefined}>
                      {delivery.webhookId ?? 'no webhook-id'}
                    </div>
                  </td>
                  <td>
                    <span className="mono">{delivery.eventType ?? '—'}</span>
                    {delivery.data && <div className="small">{Object.values(delivery.data).map(String).join(' · ')}</div>}
                  </td>
                  <td>
                    <span className={`status ${STATUS_CLASS[delivery.status]}`}>{STATUS_LABELS[delivery.status]}</span>
                    {delivery.reason && <div className="small">{delivery.reason}</div>}
                    {typeof delivery.result?.note === 'string' && <div className="small muted">{delivery.result.note}</div>}
                  </td>
                  <td>
                    {delivery.operations.length === 0 ? (
                      <span className="muted">none</span>
                    ) : (
                      <ul className="plain-list">
                        {delivery.operations.map((operation) => (
                          <li key={operation.id}>
                            {operation.kind.replace('token.', '')} <Link to={`/tokens/${operation.tokenId}`}>{operation.serialNumber}</Link>: {operation.status}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>
                    {delivery.redeliverable && (
                      <button type="button" onClick={() => void redeliver(delivery)}>
                        Redeliver
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LoadMore shown={items.length} hasMore={deliveries.hasMore} loading={deliveries.loading} onMore={() => void deliveries.loadMore()} noun="message" />
    </>
  );
}
