// Dashboard accounts (admin): who may sign in, with which role.
import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { Account, Role } from '@tokenfleet/contract';
import { PASSWORD_MIN_LENGTH } from '@tokenfleet/contract/values';
import { useConfirm } from '../components/ConfirmDialog';
import { ROLE_OPTIONS, RoleField } from '../components/RoleField';
import { EmptyState, ErrorMessage, Loading, PageTitle, Time } from '../components/ui';
import { useResource, useSubmission } from '../hooks';
import { useSession } from '../session';

/** The minimum the form asks for; the API has the last word on password rules. */

export function Accounts() {
  const { user } = useSession();
  const accounts = useResource(() => api.get<Account[]>('/accounts'), []);
  const [message, setMessage] = useState<string | null>(null);
  const changed = (text: string) => {
    setMessage(text);
    void accounts.reload();
  };

  return (
    <section>
      <PageTitle title="Accounts">Accounts</PageTitle>
      <p className="muted">People who sign in to this dashboard. Machines use API keys instead.</p>
      {message && (
        <p className="notice notice-success" role="status">
          {message}
        </p>
      )}
      <NewAccountForm onCreated={(name) => changed(`Account ${name} was created. Give them their password through a safe channel.`)} />
      <h2>All accounts</h2>
      <ErrorMessage error={accounts.error} />
      {!accounts.data ? (
        !accounts.error && <Loading what="accounts" />
      ) : accounts.data.length === 0 ? (
        <EmptyState title="No accounts yet." />
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Dashboard accounts</caption>
            <thead>
              <tr>
                <th scope="col">User name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col" className="col-time">Last sign-in</th>
                <th scope="col" className="col-time">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {accounts.data.map((account) => (
                <AccountRow key={account.id} account={account} isSelf={account.id === user.id} onChanged={changed} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function AccountRow({ account, isSelf, onChanged }: { account: Account; isSelf: boolean; onChanged: (message: string) => void }) {
  const { error, attempt } = useSubmission();
  const [settingPassword, setSettingPassword] = useState(false);
  const [confirmElement, confirm] = useConfirm();
  const ids = useId();

  async function update(changes: Partial<{ role: Role; disabled: boolean; password: string }>, done: string) {
    return attempt(async () => {
      await api.patch(`/accounts/${account.id}`, changes);
      onChanged(done);
    });
  }

  async function toggleDisabled() {
    if (!account.disabled) {
      const ok = await confirm({
        title: `Disable ${account.username}?`,
        body: <p>They are signed out and cannot sign in until an admin enables the account again.</p>,
        confirmLabel: 'Disable',
        danger: true,
      });
      if (!ok) return;
    }
    await update({ disabled: !account.disabled }, `${account.username} is ${account.disabled ? 'enabled' : 'disabled'}.`);
  }

  return (
    <tr>
      <th scope="row">
        {account.username}
        {isSelf && <span className="muted"> (you)</span>}
        {account.source === 'microsoft' && (
          <span className="muted small" title="Signs in with Microsoft; the role follows the Entra app role at every sign-in">
            {' '}
            · Microsoft
          </span>
        )}
      </th>
      <td>
        {isSelf ? (
          account.role
        ) : (
          <>
            <label htmlFor={`${ids}-role`} className="visually-hidden">
              Role of {account.username}
            </label>
            <select id={`${ids}-role`} value={account.role} onChange={(event) => void update({ role: event.target.value as Role }, `${account.username} is now ${event.target.value}.`)}>
              {ROLE_OPTIONS.map((role) => (
                <option key={role.value} value={role.value}>
                  {role.value}
                </option>
              ))}
            </select>
          </>
        )}
      </td>
      <td>{account.disabled ? <span className="text-failed">Disabled</span> : 'Active'}</td>
      <td>
        <Time iso={account.lastLoginAt} />
      </td>
      <td>
        <Time iso={account.createdAt} />
      </td>
      <td>
        <div className="cell-actions">
        {!isSelf && (
          <button type="button" onClick={() => void toggleDisabled()}>
            {account.disabled ? 'Enable' : 'Disable'}
          </button>
        )}
        {settingPassword ? (
          <PasswordForm
            username={account.username}
            onCancel={() => setSettingPassword(false)}
            onSubmit={async (password) => {
              if (await update({ password }, `A new password is set for ${account.username}.`)) setSettingPassword(false);
            }}
          />
        ) : (
          <button type="button" onClick={() => setSettingPassword(true)}>
            Set password
          </button>
        )}
        </div>
        <ErrorMessage error={error} />
        {confirmElement}
      </td>
    </tr>
  );
}

function PasswordForm({ username, onSubmit, onCancel }: { username: string; onSubmit: (password: string) => Promise<void>; onCancel: () => void }) {
  const [password, setPassword] = useState('');
  const id = useId();
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        void onSubmit(password);
      }}
    >
      <label htmlFor={id}>New password for {username}</label>
      <input id={id} type="password" autoComplete="new-password" minLength={PASSWORD_MIN_LENGTH} required value={password} onChange={(event) => setPassword(event.target.value)} />
      <button type="submit" className="primary">
        Save
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}

function NewAccountForm({ onCreated }: { onCreated: (username: string) => void }) {
  const ids = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const { working, error, attempt } = useSubmission();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      await api.post('/accounts', { username: username.trim(), password, role });
      onCreated(username.trim());
      setUsername('');
      setPassword('');
    });
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>New account</h2>
      <div className="form-row">
        <div className="field">
          <label htmlFor={`${ids}-username`}>User name</label>
          <input id={`${ids}-username`} autoComplete="off" required value={username} onChange={(event) => setUsername(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-password`}>Password</label>
          <input
            id={`${ids}-password`}
            type="password"
            autoComplete="new-password"
            minLength={PASSWORD_MIN_LENGTH}
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            aria-describedby={`${ids}-password-help`}
          />
          <p id={`${ids}-password-help`} className="help">
            At least {PASSWORD_MIN_LENGTH} characters.
          </p>
        </div>
        <RoleField id={`${ids}-role`} value={role} onChange={setRole} />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" className="primary" disabled={working}>
        Create account
      </button>
    </form>
  );
}
