// Tenants: every Entra tenant this installation serves, how its Graph is reached (the environment's
// ENTRA_* variables or an app registration added here), the last connection test and its queue. Everyone
// signed in sees them; an admin adds a tenant, replaces a stored tenant's credential and tests a
// connection. The credential (a client secret or a PEM) goes to the API once and is never answered back:
// the form forgets it as soon as it is sent. Policies (seed purge, obsolete after, sync interval,
// self-service) are the Tenant settings screen's.
import { useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { ConnectionTest, Overview, QueueState, Tenant } from '@tokenfleet/contract';
import { ErrorMessage, Fact, PageTitle, Time } from '../components/ui';
import { TenantList } from '../components/TenantList';
import { formatCount } from '../format';
import { useResource, useSubmission } from '../hooks';
import { Link } from '../router';
import { useCan } from '../session';

/** As often as the overview, so the queue figures here read the same as there. */
const QUEUE_POLL_MS = 5_000;

const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';
const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';

export function Tenants() {
  const isAdmin = useCan('admin');
  const tenants = useResource(() => api.get<Tenant[]>('/tenants'), []);
  const overview = useResource(() => api.get<Overview>('/overview'), [], { pollMs: () => QUEUE_POLL_MS });
  const [addedId, setAddedId] = useState<string | null>(null);
  const queues = new Map((overview.data?.tenants ?? []).map((tenant) => [tenant.id, tenant.queue]));

  return (
    <section>
      <PageTitle title="Tenants">Tenants</PageTitle>
      <p className="muted">
        The Entra tenants this installation serves, each with its own queue and its own app registration. Their policies are in{' '}
        {isAdmin ? <Link to="/settings">Tenant settings</Link> : 'Tenant settings (admins)'}, their reconciliation in <Link to="/entra-sync">Entra sync</Link>.
      </p>
      <ErrorMessage error={tenants.error} />
      <TenantList tenants={tenants}>
        {(tenant) => (
          <TenantCard
            key={tenant.id}
            tenant={tenant}
            queue={queues.get(tenant.id)}
            justAdded={tenant.id === addedId}
            isAdmin={isAdmin}
            onChanged={() => void tenants.reload()}
          />
        )}
      </TenantList>
      {isAdmin && (
        <NewTenantForm
          onAdded={(tenant) => {
            setAddedId(tenant.id);
            void tenants.reload();
            void overview.reload();
          }}
        />
      )}
    </section>
  );
}

// ---- One tenant --------------------------------------------------------------------------------------------

function TenantCard({
  tenant,
  queue,
  justAdded,
  isAdmin,
  onChanged,
}: {
  tenant: Tenant;
  queue: QueueState | undefined;
  justAdded: boolean;
  isAdmin: boolean;
  onChanged: () => void;
}) {
  const ids = useId();
  const card = useRef<HTMLElement>(null);
  const connection = tenant.connection;
  const [replacing, setReplacing] = useState(false);
  const [said, setSaid] = useState('');
  const testing = useSubmission();
  const [test, setTest] = useState<ConnectionTest | null>(null);

  // A tenant just added sits below the others: bring it into view, with the hint to test it.
  useEffect(() => {
    if (justAdded) card.current?.scrollIntoView({ block: 'nearest' });
  }, [justAdded]);

  async function testConnection() {
    setSaid('');
    setTest(null);
    await testing.attempt(async () => {
      setTest(await api.post<ConnectionTest>(`/tenants/${encodeURIComponent(tenant.id)}/connection-test`));
      onChanged();
    });
  }

  return (
    <section className="card tenant-card" aria-labelledby={`${ids}-name`} ref={card}>
      <h2 id={`${ids}-name`}>
        {tenant.name} {tenant.mode === 'sandbox' ? <span className="badge badge-sandbox">SANDBOX</span> : <span className="badge">Live</span>}
      </h2>
      <p className="mono muted small tenant-id">{tenant.id}</p>
      {justAdded && (
        <p className="notice notice-success">
          Added. Test its connection now: it checks that Entra accepts the app registration and that Graph lets it read the tenant's
          hardware OATH devices. The worker starts this tenant's queue at its next pass.
        </p>
      )}
      <dl className="facts tenant-facts">
        <Fact label="Connection from">
          {connection.source === 'environment' ? (tenant.mode === 'sandbox' ? 'Environment (the built-in sandbox)' : 'Environment (ENTRA_* variables)') : 'Added here'}
        </Fact>
        <Fact label="Entra tenant id">
          <span className="mono guid">{connection.entraTenantId ?? '—'}</span>
        </Fact>
        <Fact label="Client id">
          <span className="mono guid">{connection.clientId ?? '—'}</span>
        </Fact>
        <Fact label="Credential">{connection.credential === 'secret' ? 'Client secret' : connection.credential === 'certificate' ? 'Certificate' : '—'}</Fact>
        {isOtherCloud(connection.authorityHost, connection.graphBaseUrl) && (
          <Fact label="Cloud">
            <span className="block mono small">{connection.authorityHost ?? DEFAULT_AUTHORITY_HOST}</span>
            <span className="block mono small">{connection.graphBaseUrl ?? DEFAULT_GRAPH_BASE_URL}</span>
          </Fact>
        )}
        <Fact label="Last connection test">
          <TestResult test={connection.lastTest} />
        </Fact>
        <Fact label="Queue">
          <QueueFigures queue={queue} />
        </Fact>
      </dl>

      {isAdmin && (
        <div className="tenant-actions">
          <div className="button-row">
            <button type="button" onClick={() => void testConnection()} disabled={testing.working}>
              {testing.working ? 'Testing…' : 'Test connection'}
            </button>
            {connection.source === 'stored' && !replacing && (
              <button type="button" onClick={() => setReplacing(true)}>
                Replace credential
              </button>
            )}
          </div>
          {/* Always there, so a result appearing is announced and moves nothing below it. */}
          <div role="status" aria-live="polite" className="tenant-test-result">
            {test && (
              <p className={test.ok ? 'test-ok' : 'text-failed'}>
                {test.ok ? 'Connection works' : 'Connection failed'}: {test.message}
                {!test.ok && <TestReference test={test} />}
              </p>
            )}
            {said && <p className="muted">{said}</p>}
          </div>
          <ErrorMessage error={testing.error} />
          {connection.source === 'environment' && (
            <p className="help">This tenant's connection comes from the environment: change its ENTRA_* variables and restart to replace it.</p>
          )}
          {replacing && (
            <ReplaceCredentialForm
              tenant={tenant}
              onCancel={() => setReplacing(false)}
              onReplaced={() => {
                setReplacing(false);
                setTest(null);
                setSaid('Credential replaced. Test the connection to check that Entra accepts it.');
                onChanged();
              }}
            />
          )}
        </div>
      )}
    </section>
  );
}

function isOtherCloud(authorityHost: string | null, graphBaseUrl: string | null): boolean {
  const differs = (value: string | null, standard: string) => value !== null && value.replace(/\/+$/, '') !== standard;
  return differs(authorityHost, DEFAULT_AUTHORITY_HOST) || differs(graphBaseUrl, DEFAULT_GRAPH_BASE_URL);
}

/** The last test as kept by the API: ok or failed with what Entra or Graph said, and when. */
function TestResult({ test }: { test: ConnectionTest | null }) {
  if (!test) return <span className="muted">Never tested</span>;
  return (
    <>
      <span className={test.ok ? 'block test-ok' : 'block text-failed'}>
        {test.ok ? 'OK' : 'Failed'} · <Time iso={test.at} />
      </span>
      <span className="block small">{test.message}</span>
      {!test.ok && <TestReference test={test} />}
    </>
  );
}

/** Graph's status and request-id of a failed test: what a support case with Microsoft asks for. */
function TestReference({ test }: { test: ConnectionTest }) {
  const parts = [test.graphStatus !== undefined ? `HTTP ${test.graphStatus}` : null, test.requestId ? `request-id ${test.requestId}` : null].filter(Boolean);
  if (parts.length === 0) return null;
  return <span className="block small muted mono">{parts.join(' · ')}</span>;
}

function QueueFigures({ queue }: { queue: QueueState | undefined }) {
  if (!queue) return <span className="muted">—</span>;
  const figures: [string, number][] = [
    ['waiting', queue.waiting],
    ['active', queue.active],
    ['delayed', queue.delayed],
    ['failed', queue.failed],
  ];
  return (
    <span className="queue-figures">
      {figures.map(([label, value], index) => (
        <span key={label} className={label === 'failed' && value > 0 ? 'text-failed' : undefined}>
          {index > 0 && ' · '}
          <span className="num">{formatCount(value)}</span> {label}
        </span>
      ))}
    </span>
  );
}

// ---- The forms ---------------------------------------------------------------------------------------------

/** The API's field names, as its 400 details name them. */
type FieldName = 'name' | 'entraTenantId' | 'clientId' | 'credential' | 'authorityHost' | 'graphBaseUrl';
type FieldErrors = Partial<Record<FieldName, string>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What the app registration signs in with, and where (another cloud than Microsoft's global one). */
export interface ConnectionInput {
  clientId: string;
  kind: 'secret' | 'certificate';
  clientSecret: string;
  clientCertificatePem: string;
  authorityHost: string;
  graphBaseUrl: string;
}

const emptyConnection = (clientId = ''): ConnectionInput => ({ clientId, kind: 'secret', clientSecret: '', clientCertificatePem: '', authorityHost: '', graphBaseUrl: '' });

/**
 * The checks a person can fix before sending, in the API's terms (it has the last word): ids are GUIDs,
 * one credential, a PEM holding the certificate and its key, https addresses.
 */
export function checkConnection(input: ConnectionInput): FieldErrors {
  const errors: FieldErrors = {};
  if (!GUID.test(input.clientId.trim())) errors.clientId = "The application (client) id, a GUID like 00000000-0000-0000-0000-000000000000.";
  if (input.kind === 'secret' && input.clientSecret === '') errors.credential = 'Enter the client secret (its value, not its id).';
  if (input.kind === 'certificate') {
    const pem = input.clientCertificatePem;
    if (!pem.includes('-----BEGIN CERTIFICATE-----') || !pem.includes('PRIVATE KEY-----')) errors.credential = 'The PEM must hold both the certificate and its private key.';
  }
  for (const field of ['authorityHost', 'graphBaseUrl'] as const) {
    const value = input[field].trim();
    if (value !== '' && !/^https:\/\/[^\s/]+/i.test(value)) errors[field] = 'An https:// address.';
  }
  return errors;
}

/** The body's connection part: exactly one credential, and the other cloud's addresses only when given. */
function connectionBody(input: ConnectionInput) {
  return {
    clientId: input.clientId.trim(),
    ...(input.kind === 'secret' ? { clientSecret: input.clientSecret } : { clientCertificatePem: input.clientCertificatePem }),
    ...(input.authorityHost.trim() ? { authorityHost: input.authorityHost.trim() } : {}),
    ...(input.graphBaseUrl.trim() ? { graphBaseUrl: input.graphBaseUrl.trim() } : {}),
  };
}

/** A 400's details placed on the fields they name; what names no field stays for the message above the button. */
function placeDetails(error: unknown): { fields: FieldErrors; rest: unknown } {
  if (!(error instanceof ApiError) || error.status !== 400 || error.details.length === 0) return { fields: {}, rest: error };
  const fields: FieldErrors = {};
  const unplaced: unknown[] = [];
  for (const detail of error.details) {
    const { path, message } = (detail ?? {}) as { path?: unknown; message?: unknown };
    const field = path === 'clientSecret' || path === 'clientCertificatePem' ? 'credential' : path;
    if (typeof message === 'string' && typeof field === 'string' && FIELD_NAMES.has(field as FieldName)) fields[field as FieldName] ??= message;
    else unplaced.push(detail);
  }
  return { fields, rest: new ApiError(error.status, error.code, 'Check the fields marked below.', unplaced) };
}

const FIELD_NAMES = new Set<FieldName>(['name', 'entraTenantId', 'clientId', 'credential', 'authorityHost', 'graphBaseUrl']);

function NewTenantForm({ onAdded }: { onAdded: (tenant: Tenant) => void }) {
  const ids = useId();
  const [name, setName] = useState('');
  const [entraTenantId, setEntraTenantId] = useState('');
  const [connection, setConnection] = useState<ConnectionInput>(emptyConnection());
  const [checked, setChecked] = useState<FieldErrors>({});
  const [added, setAdded] = useState('');
  const { working, error, attempt } = useSubmission();
  const placed = placeDetails(error);
  const errors: FieldErrors = { ...placed.fields, ...checked };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAdded('');
    const found: FieldErrors = { ...checkConnection(connection) };
    if (name.trim() === '') found.name = 'A name people recognise the tenant by.';
    if (!GUID.test(entraTenantId.trim())) found.entraTenantId = 'The Directory (tenant) id, a GUID like 00000000-0000-0000-0000-000000000000.';
    setChecked(found);
    if (Object.keys(found).length > 0) return;
    const body = { name: name.trim(), entraTenantId: entraTenantId.trim(), ...connectionBody(connection) };
    // Sent once: the credential leaves this form's state whatever the answer, so it is never kept.
    setConnection((previous) => ({ ...previous, clientSecret: '', clientCertificatePem: '' }));
    await attempt(async () => {
      const tenant = await api.post<Tenant>('/tenants', body);
      setName('');
      setEntraTenantId('');
      setConnection(emptyConnection());
      setAdded(`${tenant.name} was added. Test its connection in its card above.`);
      onAdded(tenant);
    });
  }

  return (
    <form className="card new-tenant-form" onSubmit={(event) => void submit(event)} aria-labelledby={`${ids}-title`} noValidate>
      <h2 id={`${ids}-title`}>Add a tenant</h2>
      <p className="help">
        From the tenant's app registration in the Entra admin centre, with the application permissions Policy.ReadWrite.AuthenticationMethod,
        UserAuthenticationMethod.ReadWrite.All and User.Read.All granted. The credential is stored encrypted and never shown again.
      </p>
      <div className="form-row">
        <TextField id={`${ids}-name`} label="Name" value={name} onChange={setName} error={errors.name} maxLength={120} placeholder="Contoso" />
        <TextField
          id={`${ids}-entra`}
          label="Entra tenant id"
          value={entraTenantId}
          onChange={setEntraTenantId}
          error={errors.entraTenantId}
          className="mono"
          placeholder="00000000-0000-0000-0000-000000000000"
          help="Directory (tenant) ID"
        />
      </div>
      <ConnectionFields id={ids} value={connection} onChange={setConnection} errors={errors} />
      <ErrorMessage error={placed.rest} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={working}>
          {working ? 'Adding…' : 'Add tenant'}
        </button>
        <span role="status" aria-live="polite" className="muted">
          {added}
        </span>
      </div>
    </form>
  );
}

function ReplaceCredentialForm({ tenant, onReplaced, onCancel }: { tenant: Tenant; onReplaced: () => void; onCancel: () => void }) {
  const ids = useId();
  const current = tenant.connection;
  const [connection, setConnection] = useState<ConnectionInput>(() => ({
    ...emptyConnection(current.clientId ?? ''),
    kind: current.credential ?? 'secret',
    authorityHost: current.authorityHost ?? '',
    graphBaseUrl: current.graphBaseUrl ?? '',
  }));
  const [checked, setChecked] = useState<FieldErrors>({});
  const { working, error, attempt } = useSubmission();
  const placed = placeDetails(error);
  const errors: FieldErrors = { ...placed.fields, ...checked };

  async function submit(event: FormEvent) {
    event.preventDefault();
    const found = checkConnection(connection);
    setChecked(found);
    if (Object.keys(found).length > 0) return;
    const body = connectionBody(connection);
    setConnection((previous) => ({ ...previous, clientSecret: '', clientCertificatePem: '' }));
    await attempt(async () => {
      await api.put<Tenant>(`/tenants/${encodeURIComponent(tenant.id)}/connection`, body);
      onReplaced();
    });
  }

  return (
    <form className="small-form" onSubmit={(event) => void submit(event)} aria-labelledby={`${ids}-title`} noValidate>
      <h3 id={`${ids}-title`}>Replace the credential of {tenant.name}</h3>
      <ConnectionFields id={ids} value={connection} onChange={setConnection} errors={errors} />
      <ErrorMessage error={placed.rest} />
      <div className="button-row">
        <button type="submit" className="primary" disabled={working}>
          {working ? 'Saving…' : 'Save credential'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Client id, the credential (secret or certificate PEM), and under "Other cloud" the authority and Graph. */
function ConnectionFields({ id, value, onChange, errors }: { id: string; value: ConnectionInput; onChange: (next: ConnectionInput) => void; errors: FieldErrors }) {
  const set = (change: Partial<ConnectionInput>) => onChange({ ...value, ...change });
  const [fileError, setFileError] = useState('');

  async function readPem(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    setFileError('');
    try {
      set({ clientCertificatePem: await file.text() });
    } catch {
      setFileError(`${file.name} could not be read.`);
    }
  }

  const credentialError = errors.credential ?? (fileError || undefined);
  return (
    <>
      <div className="form-row">
        <TextField
          id={`${id}-client`}
          label="Client id"
          value={value.clientId}
          onChange={(clientId) => set({ clientId })}
          error={errors.clientId}
          className="mono"
          placeholder="00000000-0000-0000-0000-000000000000"
          help="Application (client) ID of the app registration"
        />
      </div>
      <fieldset className="credential-choice">
        <legend>Credential</legend>
        <label className="radio">
          <input type="radio" name={`${id}-kind`} checked={value.kind === 'secret'} onChange={() => set({ kind: 'secret', clientCertificatePem: '' })} /> Client secret
        </label>
        <label className="radio">
          <input type="radio" name={`${id}-kind`} checked={value.kind === 'certificate'} onChange={() => set({ kind: 'certificate', clientSecret: '' })} /> Certificate
        </label>
        {value.kind === 'secret' ? (
          <div className="field">
            <label htmlFor={`${id}-secret`}>Secret value</label>
            <input
              id={`${id}-secret`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              maxLength={1024}
              value={value.clientSecret}
              onChange={(event) => set({ clientSecret: event.target.value })}
              aria-invalid={credentialError ? true : undefined}
              aria-describedby={credentialError ? `${id}-credential-error` : undefined}
            />
          </div>
        ) : (
          <div className="field">
            <label htmlFor={`${id}-pem`}>Certificate and private key (PEM)</label>
            <textarea
              id={`${id}-pem`}
              className="mono pem-input"
              rows={5}
              spellCheck={false}
              autoComplete="off"
              placeholder={'-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n…'}
              value={value.clientCertificatePem}
              onChange={(event) => set({ clientCertificatePem: event.target.value })}
              aria-invalid={credentialError ? true : undefined}
              aria-describedby={credentialError ? `${id}-credential-error` : undefined}
            />
            <label htmlFor={`${id}-pem-file`} className="small">
              Or read it from a file
            </label>
            <input id={`${id}-pem-file`} type="file" accept=".pem,.crt,.key,application/x-pem-file,text/plain" onChange={(event) => void readPem(event)} />
          </div>
        )}
        {credentialError && (
          <p id={`${id}-credential-error`} className="field-error">
            {credentialError}
          </p>
        )}
      </fieldset>
      <details className="other-cloud" open={Boolean(value.authorityHost || value.graphBaseUrl || errors.authorityHost || errors.graphBaseUrl) || undefined}>
        <summary>Other cloud</summary>
        <p className="help">
          Only for a national cloud (US Government, China): leave empty for {DEFAULT_AUTHORITY_HOST} and {DEFAULT_GRAPH_BASE_URL}.
        </p>
        <div className="form-row">
          <TextField id={`${id}-authority`} label="Authority host" value={value.authorityHost} onChange={(authorityHost) => set({ authorityHost })} error={errors.authorityHost} placeholder={DEFAULT_AUTHORITY_HOST} />
          <TextField id={`${id}-graph`} label="Graph URL" value={value.graphBaseUrl} onChange={(graphBaseUrl) => set({ graphBaseUrl })} error={errors.graphBaseUrl} placeholder={DEFAULT_GRAPH_BASE_URL} />
        </div>
      </details>
    </>
  );
}

function TextField({
  id,
  label,
  value,
  onChange,
  error,
  help,
  className,
  placeholder,
  maxLength,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  help?: string;
  className?: string;
  placeholder?: string;
  maxLength?: number;
}) {
  const described = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className={className}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        placeholder={placeholder}
        maxLength={maxLength}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
      />
      {help && (
        <p id={`${id}-help`} className="help">
          {help}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
