// API keys (admin): for machines that call /api/v1. A new key is shown once, right after it is made; the
// API keeps only its hash, so it cannot be shown again.
import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { ApiKey, CreatedApiKey, KeyRole } from '@tokenfleet/contract';
import { useConfirm } from '../components/ConfirmDialog';
import { EmptyState, ErrorMessage, Loading, PageTitle, Time } from '../components/ui';
import { useResource, useSubmission } from '../hooks';
import { KEY_ROLE_OPTIONS, RoleField } from '../components/RoleField';
import { SecretNotice } from '../components/SecretNotice';

export function ApiKeys() {
  const keys = useResource(() => api.get<ApiKey[]>('/api-keys'), []);
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const { error, attempt } = useSubmission();
  const [confirmElement, confirm] = useConfirm();

  async function revoke(key: ApiKey) {
    const ok = await confirm({
      title: `Revoke the API key "${key.name}"?`,
      body: <p>Every system using this key is refused from now on. This cannot be undone; such a system needs a new key.</p>,
      confirmLabel: 'Revoke',
      danger: true,
    });
    if (!ok) return;
    await attempt(async () => {
      await api.delete(`/api-keys/${key.id}`);
      void keys.reload();
    });
  }

  return (
    <section>
      <PageTitle title="API keys">API keys</PageTitle>
      <p className="muted">
        For systems that call the API (<span className="mono">Authorization: Bearer &lt;key&gt;</span>). People sign in with an account instead. A key of
        the validator role works only for code checks at <span className="mono">/validate</span> (as <span className="mono">api_key=</span> or{' '}
        <span className="mono">api=</span>), and no other key works there.
      </p>
      {created ? (
        <NewKeyNotice created={created} onDone={() => setCreated(null)} />
      ) : (
        <NewKeyForm
          onCreated={(key) => {
            setCreated(key);
            void keys.reload();
          }}
        />
      )}
      <h2>All keys</h2>
      <ErrorMessage error={keys.error ?? error} />
      {!keys.data ? (
        !keys.error && <Loading what="API keys" />
      ) : keys.data.length === 0 ? (
        <EmptyState title="No API keys yet. Create one above for each system that calls the API." />
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">API keys</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Starts with</th>
                <th scope="col">Role</th>
                <th scope="col" className="col-time">Created</th>
                <th scope="col" className="col-time">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id}>
                  <th scope="row">{key.name}</th>
                  <td className="mono">{key.keyPrefix}…</td>
                  <td>{key.role}</td>
                  <td>
                    <Time iso={key.createdAt} />
                  </td>
                  <td>
                    <Time iso={key.lastUsedAt} />
                  </td>
                  <td>
                    {key.revokedAt ? (
                      <span className="text-failed">
                        Revoked <Time iso={key.revokedAt} />
                      </span>
                    ) : (
                      'Active'
                    )}
                  </td>
                  <td>
                    {!key.revokedAt && (
                      <button type="button" className="danger" onClick={() => void revoke(key)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirmElement}
    </section>
  );
}

function NewKeyForm({ onCreated }: { onCreated: (key: CreatedApiKey) => void }) {
  const ids = useId();
  const [name, setName] = useState('');
  const [role, setRole] = useState<KeyRole>('operator');
  const { working, error, attempt } = useSubmission();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      onCreated(await api.post<CreatedApiKey>('/api-keys', { name: name.trim(), role }));
      setName('');
    });
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>New API key</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${ids}-name`}>Name (which system uses it)</label>
          <input id={`${ids}-name`} required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} placeholder="hr-sync" />
        </div>
        <RoleField id={`${ids}-role`} value={role} onChange={setRole} roles={KEY_ROLE_OPTIONS} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="primary" disabled={working}>
        Create key
      </button>
    </form>
  );
}

function NewKeyNotice({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  return (
    <SecretNotice title={`Copy the key for "${created.name}" now`} label="API key" value={created.key} onDone={onDone}>
      <p>This is the only time it is shown. Store it in the calling system's secret store; if it is lost, revoke it and make a new one.</p>
    </SecretNotice>
  );
}
