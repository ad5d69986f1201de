// What an operator can do to one token, offered exactly when the life cycle allows it (the domain's own
// transition table decides) and only to roles that may act. Steps that cannot be undone ask first.
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import type { CodeVerdict, DirectoryUser, ResyncResult, Role, TokenDetail, TokenEventType } from '@tokenfleet/contract';
import { canApply, UPN_PATTERN } from '@tokenfleet/contract/values';
import { roleAllows } from '../session';
import { useConfirm, type ConfirmRequest } from './ConfirmDialog';
import { ErrorMessage } from './ui';
import { useSubmission } from '../hooks';

type ActionName = 'activate' | 'unassign' | 'delete' | 'disable' | 'enable' | 'retire';

interface ActionSpec {
  label: string;
  event: TokenEventType;
  /** Graph-facing actions answer 202 and run as a job; the rest are answered at once. */
  viaJob: boolean;
  /** Destroys something for good: a red button. */
  danger?: boolean;
  confirm?: (token: TokenDetail) => ConfirmRequest;
}

const ACTIONS: Record<ActionName, ActionSpec> = {
  activate: { label: 'Activate', event: 'activated', viaJob: true },
  unassign: {
    label: 'Unassign',
    event: 'unassigned',
    viaJob: true,
    confirm: (token) => ({
      title: `Unassign token ${token.serialNumber}?`,
      body: <p>{token.assignedUpn ?? 'The user'} can no longer sign in with this token. It stays in the inventory and can be assigned again.</p>,
      confirmLabel: 'Unassign',
    }),
  },
  disable: { label: 'Disable', event: 'disabled', viaJob: false },
  enable: { label: 'Enable', event: 'enabled', viaJob: false },
  retire: {
    label: 'Retire',
    event: 'retired',
    viaJob: false,
    danger: true,
    confirm: (token) => ({
      title: `Retire token ${token.serialNumber}?`,
      body: <p>The token goes out of service for good and its seed is erased. This cannot be undone.</p>,
      confirmLabel: 'Retire for good',
      danger: true,
    }),
  },
  delete: {
    label: 'Delete from Entra',
    event: 'deleted',
    viaJob: true,
    danger: true,
    confirm: (token) => ({
      title: `Delete token ${token.serialNumber} from Entra?`,
      body: <p>The device is removed from the tenant's hardware OATH inventory. This cannot be undone; to use the token again it must be imported again.</p>,
      confirmLabel: 'Delete',
      danger: true,
    }),
  },
};

export function availableActions(role: Role, token: Pick<TokenDetail, 'state'>): ActionName[] {
  if (!roleAllows(role, 'operator')) return [];
  return (Object.keys(ACTIONS) as ActionName[]).filter((name) => canApply(token.state, ACTIONS[name].event));
}

/**
 * `resetKey` changes whenever anything else happened on the page (another action, a retry): the "Test a
 * code" verdict belongs to the moment it was asked and is cleared then. `onTested` reloads the token (its
 * "last tested" time) without counting as another action.
 */
export function TokenActions({
  token,
  role,
  busy,
  onChanged,
  resetKey = 0,
  onTested,
}: {
  token: TokenDetail;
  role: Role;
  busy: boolean;
  onChanged: (message: string) => void;
  resetKey?: number;
  onTested?: () => void;
}) {
  const [confirmElement, confirm] = useConfirm();
  const { working, error, attempt } = useSubmission();
  if (!roleAllows(role, 'operator')) return null;
  const actions = availableActions(role, token);
  const canAssign = canApply(token.state, 'assigned');

  async function run(name: ActionName) {
    const spec = ACTIONS[name];
    if (spec.confirm && !(await confirm(spec.confirm(token)))) return;
    await attempt(async () => {
      await api.post(`/tokens/${token.id}/${name}`);
      onChanged(spec.viaJob ? `${spec.label}: queued. The result shows here when the job has run.` : `${spec.label}: done.`);
    });
  }

  return (
    <section className="card" aria-labelledby="token-actions">
      <h2 id="token-actions">Actions</h2>
      <ErrorMessage error={error} />
      {busy && (
        <p className="notice notice-info" role="status">
          An operation on this token is under way; actions that call Entra wait until it has finished.
        </p>
      )}
      {actions.length === 0 && !canAssign && <p className="muted">No action applies to a token in this state.</p>}
      <div className="button-row">
        {actions.map((name) => (
          <button
            key={name}
            type="button"
            className={ACTIONS[name].danger ? 'danger' : undefined}
            disabled={working || (busy && ACTIONS[name].viaJob)}
            onClick={() => void run(name)}
          >
            {ACTIONS[name].label}
          </button>
        ))}
      </div>
      {canAssign && <AssignForm token={token} disabled={working || busy} onAssigned={onChanged} />}
      {token.hasSeed ? (
        <div className="code-tools">
          <TestCodeForm key={`${token.id}-${resetKey}`} tokenId={token.id} onTested={onTested} />
          <ResyncForm tokenId={token.id} onResynced={onChanged} />
        </div>
      ) : (
        <p className="muted small">This token's seed has been purged, so its codes cannot be tested or resynchronised here.</p>
      )}
      {confirmElement}
    </section>
  );
}

const SEARCH_DELAY_MS = 300;

function AssignForm({ token, disabled, onAssigned }: { token: TokenDetail; disabled: boolean; onAssigned: (message: string) => void }) {
  const ids = useId();
  const [search, setSearch] = useState('');
  const [users, setUsers] = useState<DirectoryUser[] | null>(null);
  const [searchError, setSearchError] = useState<unknown>();
  const [chosen, setChosen] = useState('');
  const { working, error, attempt } = useSubmission();
  const [confirmElement, confirm] = useConfirm();

  useEffect(() => {
    const text = search.trim();
    if (text.length === 0) {
      setUsers(null);
      return;
    }
    let current = true;
    // Waits for a pause in typing, so Graph is asked once per search rather than once per key.
    const timer = setTimeout(() => {
      api.get<DirectoryUser[]>('/users', { search: text }).then(
        (found) => {
          if (!current) return;
          setUsers(found);
          setSearchError(undefined);
        },
        (caught: unknown) => {
          if (current) setSearchError(caught);
        },
      );
    }, SEARCH_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [search]);

  // Without a match from the directory, a complete UPN typed by hand still works.
  const typedUpn = UPN_PATTERN.test(search.trim()) ? search.trim() : '';
  const upn = chosen || typedUpn;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!upn) return;
    const ok = await confirm({ title: `Assign token ${token.serialNumber} to ${upn}?`, body: <p>The token is assigned in Entra to this user.</p>, confirmLabel: 'Assign' });
    if (!ok) return;
    await attempt(async () => {
      await api.post(`/tokens/${token.id}/assign`, { upn });
      setSearch('');
      setChosen('');
      onAssigned(`Assign to ${upn}: queued. The result shows here when the job has run.`);
    });
  }

  return (
    <form className="assign-form" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Assign to a user</h3>
      <label htmlFor={`${ids}-search`}>Find a user by name or UPN</label>
      <input
        id={`${ids}-search`}
        type="search"
        autoComplete="off"
        value={search}
        onChange={(event) => {
          setSearch(event.target.value);
          setChosen('');
        }}
        placeholder="alice"
      />
      <ErrorMessage error={searchError} />
      {users !== null && (
        <fieldset className="user-results">
          <legend>{users.length === 0 ? 'No user matches.' : `Matching users (${users.length})`}</legend>
          {users.map((user) => (
            <label key={user.id} className="radio">
              <input type="radio" name={`${ids}-user`} value={user.userPrincipalName} checked={chosen === user.userPrincipalName} onChange={() => setChosen(user.userPrincipalName)} />
              <span>
                {user.displayName ?? user.userPrincipalName} <span className="muted">{user.userPrincipalName}</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
      <ErrorMessage error={error} />
      <button type="submit" className="primary" disabled={disabled || working || !upn}>
        {upn ? `Assign to ${upn}` : 'Assign'}
      </button>
      {confirmElement}
    </form>
  );
}

function CodeField({ id, label, value, onChange }: { id: string; label: string; value: string; onChange: (value: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="code-input"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="\d{6,8}"
        maxLength={8}
        required
        value={value}
        onChange={(event) => onChange(event.target.value.replace(/\D/g, ''))}
      />
    </div>
  );
}

function SmallForm({ title, children, onSubmit }: { title: string; children: ReactNode; onSubmit: (event: FormEvent) => void }) {
  const id = useId();
  return (
    <form className="small-form" onSubmit={onSubmit} aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </form>
  );
}

function TestCodeForm({ tokenId, onTested }: { tokenId: string; onTested?: () => void }) {
  const ids = useId();
  const [code, setCode] = useState('');
  const [result, setResult] = useState<CodeVerdict | null>(null);
  const { error, attempt } = useSubmission();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setResult(null);
    await attempt(async () => setResult(await api.post<CodeVerdict>(`/tokens/${tokenId}/test`, { code })));
    // The code is a secret of the moment: not left on screen.
    setCode('');
    onTested?.();
  }

  return (
    <SmallForm title="Test a code" onSubmit={submit}>
      <p className="help">Checks a code the token shows now, without using it up.</p>
      <CodeField id={`${ids}-code`} label="Code" value={code} onChange={setCode} />
      <button type="submit">Test</button>
      <div aria-live="polite">
        {result && (
          <p className={result.valid ? 'notice notice-success' : 'notice notice-error'}>
            {result.valid ? `Valid: the code matches${result.drift ? ` (${result.drift} steps of drift)` : ''}.` : 'Not valid: the code does not match this token now. Check the serial number on the device.'}
          </p>
        )}
      </div>
      <ErrorMessage error={error} />
    </SmallForm>
  );
}

function ResyncForm({ tokenId, onResynced }: { tokenId: string; onResynced: (message: string) => void }) {
  const ids = useId();
  const [code1, setCode1] = useState('');
  const [code2, setCode2] = useState('');
  const { error, attempt } = useSubmission();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      const { driftSteps } = await api.post<ResyncResult>(`/tokens/${tokenId}/resync`, { code1, code2 });
      onResynced(`Resynchronised: the token's clock is ${driftSteps} time steps off, and codes are checked with that in mind.`);
    });
    setCode1('');
    setCode2('');
  }

  return (
    <SmallForm title="Resynchronise" onSubmit={submit}>
      <p className="help">For a token whose clock has drifted: enter two codes it shows one after the other.</p>
      <div className="form-row">
        <CodeField id={`${ids}-code1`} label="First code" value={code1} onChange={setCode1} />
        <CodeField id={`${ids}-code2`} label="Next code" value={code2} onChange={setCode2} />
      </div>
      <button type="submit">Resynchronise</button>
      <ErrorMessage error={error} />
    </SmallForm>
  );
}
