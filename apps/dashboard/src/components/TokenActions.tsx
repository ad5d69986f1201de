// What an operator can do to one token, offered exactly when the life cycle allows it (the domain's own
// transition table decides) and only to roles that may act. Steps that cannot be undone ask first. Every
// action that changes Entra is queued: the token's state moves when Graph has confirmed, and until then
// the detail page says what is under way (`inFlightLabel`).
import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { api } from '../api/client';
import type { CodeVerdict, DirectoryUser, ResyncResult, Role, TokenDetail, TokenEventType } from '@tokenfleet/contract';
import { canApply, UNFINISHED_OPERATION_STATUSES, UPN_PATTERN } from '@tokenfleet/contract/values';
import { roleAllows } from '../session';
import { useConfirm, type ConfirmRequest } from './ConfirmDialog';
import { ErrorMessage } from './ui';
import { useSubmission } from '../hooks';

type ActionName = 'activate' | 'unassign' | 'disable' | 'enable' | 'retire' | 'delete';

interface ActionSpec {
  label: string;
  available: (token: TokenDetail) => boolean;
  /** Graph-facing actions answer 202 and run as a job; the rest are answered at once. */
  viaJob: boolean;
  /** Destroys something for good: a red button. */
  danger?: boolean;
  confirm?: (token: TokenDetail) => ConfirmRequest;
  /** The request body, when the action takes one. */
  body?: (token: TokenDetail) => unknown;
}

const allows = (event: TokenEventType) => (token: Pick<TokenDetail, 'state'>) => canApply(token.state, event);

const ACTIONS: Record<ActionName, ActionSpec> = {
  activate: { label: 'Activate', available: allows('activated'), viaJob: true },
  unassign: {
    label: 'Unassign',
    available: (token) => canApply(token.state, 'unassigned') && token.assignedUpn !== null,
    viaJob: true,
    confirm: (token) => ({
      title: `Unassign token ${token.serialNumber}?`,
      body: <p>{token.assignedUpn ?? 'The user'} can no longer sign in with this token. It stays in the inventory and can be assigned again.</p>,
      confirmLabel: 'Unassign',
    }),
  },
  disable: {
    label: 'Disable',
    // A lost or retired token is deactivated already (the life cycle lets Entra confirm it again, no more).
    available: (token) => token.state === 'active',
    viaJob: true,
    confirm: (token) => ({
      title: `Disable token ${token.serialNumber}?`,
      body: <p>Entra deactivates the token: it stays assigned to {token.assignedUpn ?? 'its user'} but no longer signs in until it is enabled again.</p>,
      confirmLabel: 'Disable',
    }),
  },
  // Without a seed, enable needs a code the token shows: EnableWithCodeForm below.
  enable: { label: 'Enable', available: (token) => canApply(token.state, 'enabled') && token.hasSeed, viaJob: true },
  retire: {
    label: 'Retire',
    available: allows('retired'),
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
    // A token still assigned is unassigned first, as part of the same action.
    available: (token) => canApply(token.state, 'deleted') || (token.assignedUpn !== null && canApply(token.state, 'unassigned')),
    viaJob: true,
    danger: true,
    confirm: (token) => ({
      title: token.assignedUpn ? `Delete token ${token.serialNumber} of ${token.assignedUpn}?` : `Delete token ${token.serialNumber} from Entra?`,
      body: (
        <>
          {token.assignedUpn && (
            <p>
              The token is assigned to <strong>{token.assignedUpn}</strong>: it is taken from this user first, who can then no longer sign in with it.
            </p>
          )}
          <p>The device is removed from the tenant's hardware OATH inventory. This cannot be undone; to use the token again it must be imported again.</p>
        </>
      ),
      confirmLabel: token.assignedUpn ? `Delete, taking it from ${token.assignedUpn}` : 'Delete',
      danger: true,
    }),
    // The API refuses to delete an assigned token unless the request names its user.
    body: (token) => (token.assignedUpn ? { confirm: token.assignedUpn } : {}),
  },
};

export function availableActions(role: Role, token: TokenDetail): ActionName[] {
  if (!roleAllows(role, 'operator')) return [];
  return (Object.keys(ACTIONS) as ActionName[]).filter((name) => ACTIONS[name].available(token));
}

/** What Entra is being asked to do for the token right now, for the detail page; null when nothing is under way. */
export function inFlightLabel(token: Pick<TokenDetail, 'state' | 'operations'>): string | null {
  const open = token.operations.find((operation) => (UNFINISHED_OPERATION_STATUSES as readonly string[]).includes(operation.status));
  if (!open) return null;
  switch (open.kind) {
    case 'token.deactivate': return 'Disabling in Entra…';
    case 'token.activate': return token.state === 'disabled' ? 'Enabling in Entra…' : 'Activating in Entra…';
    case 'token.assign': return 'Assigning in Entra…';
    case 'token.unassign': return 'Unassigning in Entra…';
    case 'token.delete': return 'Deleting from Entra…';
    case 'token.update': return 'Renaming in Entra…';
    case 'token.create': return 'Creating in Entra…';
  }
}

export function TokenActions({ token, role, busy, onChanged }: { token: TokenDetail; role: Role; busy: boolean; onChanged: (message: string) => void }) {
  const [confirmElement, confirm] = useConfirm();
  const { working, error, attempt } = useSubmission();
  if (!roleAllows(role, 'operator')) return null;
  const actions = availableActions(role, token);
  const canAssign = canApply(token.state, 'assigned') && token.graphDeviceId !== null;
  const canReassign = token.assignedUpn !== null && token.hasSeed && canApply(token.state, 'unassigned') && token.state !== 'lost' && token.state !== 'retired';
  const canReportLost = canApply(token.state, 'lost');
  const enableNeedsCode = canApply(token.state, 'enabled') && !token.hasSeed;
  const inFlight = inFlightLabel(token);

  async function run(name: ActionName) {
    const spec = ACTIONS[name];
    if (spec.confirm && !(await confirm(spec.confirm(token)))) return;
    await attempt(async () => {
      await api.post(`/tokens/${token.id}/${name}`, spec.body?.(token));
      onChanged(spec.viaJob ? `${spec.label}: queued. The result shows here when Entra has done it.` : `${spec.label}: done.`);
    });
  }

  return (
    <section className="card" aria-labelledby="token-actions">
      <h2 id="token-actions">Actions</h2>
      <p className="lifecycle-now" aria-live="polite">
        {inFlight ?? `Now: ${STATE_IN_ENTRA[token.state]}`}
      </p>
      <ErrorMessage error={error} />
      {busy && (
        <p className="notice notice-info" role="status">
          An operation on this token is under way; actions that call Entra wait until it has finished.
        </p>
      )}
      {token.state === 'lost' && (
        <p className="notice notice-error">
          Reported lost{token.lostNote ? `: ${token.lostNote}` : ''}. It never signs in again; retire it to keep the record, or delete it from Entra.
        </p>
      )}
      {actions.length === 0 && !canAssign && !canReportLost && <p className="muted">No action applies to a token in this state.</p>}
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
      {enableNeedsCode && <EnableWithCodeForm token={token} disabled={working || busy} onEnabled={onChanged} />}
      {canAssign && <AssignForm token={token} action="assign" disabled={working || busy} onAssigned={onChanged} />}
      {canReassign && <AssignForm token={token} action="reassign" disabled={working || busy} onAssigned={onChanged} />}
      {canReportLost && <LostForm token={token} disabled={working} onReported={onChanged} />}
      {token.state !== 'deleted' && <EditForm token={token} disabled={working || busy} onSaved={onChanged} />}
      {token.hasSeed ? (
        <div className="code-tools">
          <TestCodeForm tokenId={token.id} />
          <ResyncForm tokenId={token.id} onResynced={onChanged} />
        </div>
      ) : (
        <p className="muted small">This token's seed has been purged, so its codes cannot be tested or resynchronised here.</p>
      )}
      {confirmElement}
    </section>
  );
}

/** What each state means in Entra, in the words an operator would use. */
const STATE_IN_ENTRA: Record<TokenDetail['state'], string> = {
  imported: 'not in Entra yet.',
  created: 'in the Entra inventory, not assigned.',
  assigned: 'assigned in Entra, not activated yet.',
  active: 'active in Entra: signs its user in.',
  failed: 'a step failed; see the operations below.',
  disabled: 'disabled in Entra: assigned, but does not sign in.',
  lost: 'reported lost: deactivated in Entra, never active again.',
  retired: 'retired: out of service for good.',
  deleted: 'deleted from Entra.',
};

function EnableWithCodeForm({ token, disabled, onEnabled }: { token: TokenDetail; disabled: boolean; onEnabled: (message: string) => void }) {
  const ids = useId();
  const [code, setCode] = useState('');
  const { working, error, attempt } = useSubmission();

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      await api.post(`/tokens/${token.id}/enable`, { verificationCode: code });
      onEnabled('Enable: queued with the code you entered. The result shows here when Entra has checked it.');
    });
    // The code is a secret of the moment: not left on screen.
    setCode('');
  }

  return (
    <SmallForm title="Enable with a code" onSubmit={submit}>
      <p className="help">This token's seed was purged, so Tokenfleet cannot compute its code: enter the code it shows now.</p>
      <CodeField id={`${ids}-code`} label="Code the token shows" value={code} onChange={setCode} />
      <button type="submit" disabled={disabled || working}>
        Enable
      </button>
      <ErrorMessage error={error} />
    </SmallForm>
  );
}

function LostForm({ token, disabled, onReported }: { token: TokenDetail; disabled: boolean; onReported: (message: string) => void }) {
  const ids = useId();
  const [note, setNote] = useState('');
  const { working, error, attempt } = useSubmission();
  const [confirmElement, confirm] = useConfirm();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const ok = await confirm({
      title: `Report token ${token.serialNumber} lost?`,
      body: (
        <p>
          It goes out of service at once and is deactivated in Entra ahead of other queued work{token.assignedUpn ? `; ${token.assignedUpn} can no longer sign in with it` : ''}. A lost token is never
          enabled again: afterwards, retire or delete it.
        </p>
      ),
      confirmLabel: 'Report lost',
      danger: true,
    });
    if (!ok) return;
    await attempt(async () => {
      await api.post(`/tokens/${token.id}/lost`, { note });
      setNote('');
      onReported('Reported lost: the token is out of service, and Entra deactivates it first thing.');
    });
  }

  return (
    <form className="small-form" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Report lost or stolen</h3>
      <label htmlFor={`${ids}-note`}>Where or how it was lost</label>
      <textarea id={`${ids}-note`} required maxLength={1000} rows={2} value={note} onChange={(event) => setNote(event.target.value)} />
      <ErrorMessage error={error} />
      <button type="submit" className="danger" disabled={disabled || working || note.trim().length === 0}>
        Report lost
      </button>
      {confirmElement}
    </form>
  );
}

function EditForm({ token, disabled, onSaved }: { token: TokenDetail; disabled: boolean; onSaved: (message: string) => void }) {
  const ids = useId();
  const [displayName, setDisplayName] = useState(token.displayName);
  const [comment, setComment] = useState(token.comment ?? '');
  const { working, error, attempt } = useSubmission();
  // A saved edit, or one the worker carried out, shows the values as they now are.
  useEffect(() => setDisplayName(token.displayName), [token.displayName]);
  useEffect(() => setComment(token.comment ?? ''), [token.comment]);
  const changedName = displayName.trim() !== token.displayName;
  const changedComment = comment.trim() !== (token.comment ?? '');

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      const answer = await api.post<{ operationId: string | null }>(`/tokens/${token.id}/edit`, {
        ...(changedName ? { displayName: displayName.trim() } : {}),
        ...(changedComment ? { comment: comment.trim() } : {}),
      });
      onSaved(answer.operationId ? 'Saved; the new name is sent to Entra and shows here once Entra has taken it.' : 'Saved.');
    });
  }

  return (
    <form className="small-form" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>Edit</h3>
      <label htmlFor={`${ids}-name`}>Display name in Entra</label>
      <input id={`${ids}-name`} maxLength={256} value={displayName} onChange={(event) => setDisplayName(event.target.value)} />
      <label htmlFor={`${ids}-comment`}>Comment (Tokenfleet only)</label>
      <textarea id={`${ids}-comment`} maxLength={1000} rows={2} value={comment} onChange={(event) => setComment(event.target.value)} />
      <ErrorMessage error={error} />
      <button type="submit" disabled={disabled || working || (!changedName && !changedComment) || displayName.trim().length === 0}>
        Save
      </button>
    </form>
  );
}

const SEARCH_DELAY_MS = 300;

function AssignForm({ token, action, disabled, onAssigned }: { token: TokenDetail; action: 'assign' | 'reassign'; disabled: boolean; onAssigned: (message: string) => void }) {
  const verb = action === 'assign' ? 'Assign' : 'Reassign';
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
    const ok = await confirm(
      action === 'assign'
        ? { title: `Assign token ${token.serialNumber} to ${upn}?`, body: <p>The token is assigned in Entra to this user.</p>, confirmLabel: 'Assign' }
        : {
            title: `Reassign token ${token.serialNumber} to ${upn}?`,
            body: (
              <p>
                It is taken from {token.assignedUpn}, assigned to {upn} and activated there, in three steps shown below as one chain. {token.assignedUpn} can no longer sign in with it.
              </p>
            ),
            confirmLabel: 'Reassign',
          },
    );
    if (!ok) return;
    await attempt(async () => {
      await api.post(`/tokens/${token.id}/${action}`, { upn });
      setSearch('');
      setChosen('');
      onAssigned(`${verb} to ${upn}: queued. The result shows here when Entra has done it.`);
    });
  }

  return (
    <form className="assign-form" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{action === 'assign' ? 'Assign to a user' : 'Reassign to another user'}</h3>
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
        {upn ? `${verb} to ${upn}` : verb}
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

function TestCodeForm({ tokenId }: { tokenId: string }) {
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
