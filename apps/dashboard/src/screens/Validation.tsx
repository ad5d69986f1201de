// Validation (TOTPRadius-compatible API, docs/validation-api.md): the users other systems validate, their
// tokens and whether each can be checked, the last validation, consecutive failures and the lock, with
// an unlock for operators. Filters live in the address like the token list's.
import { useState } from 'react';
import { api, toQueryString } from '../api/client';
import type { Page, ValidationSettings, ValidationUser } from '@tokenfleet/contract';
import { useConfirm } from '../components/ConfirmDialog';
import { FilterForm, useAppliedFilters, type FilterField } from '../components/FilterForm';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle, Time } from '../components/ui';
import { usePagedList, useResource, useSubmission } from '../hooks';
import { Link } from '../router';
import { useCan } from '../session';

const USERS_PER_PAGE = 50;

const FILTERS: readonly FilterField[] = [
  { name: 'email', label: 'User (email starts with)', placeholder: 'alice@' },
  {
    name: 'locked',
    label: 'Lock',
    kind: 'select',
    anyLabel: 'Locked or not',
    options: [
      { value: 'true', label: 'Locked only' },
      { value: 'false', label: 'Not locked' },
    ],
  },
];

export function Validation() {
  const applied = useAppliedFilters(FILTERS);
  const appliedKey = toQueryString(applied);
  const users = usePagedList((cursor) => api.get<Page<ValidationUser>>('/validation/users', { ...applied, limit: USERS_PER_PAGE, cursor }), [applied]);
  const settings = useResource(() => api.get<ValidationSettings>('/validation/settings'), []);
  const canUnlock = useCan('operator');
  const isAdmin = useCan('admin');
  const [confirmElement, confirm] = useConfirm();
  const [message, setMessage] = useState('');
  const { error, attempt } = useSubmission();

  async function unlock(user: ValidationUser) {
    const ok = await confirm({
      title: `Unlock ${user.email}?`,
      body: <p>Their {user.failedValidations} failed validations are cleared and their next right code is accepted. If these failures were someone guessing, they can guess again.</p>,
      confirmLabel: 'Unlock',
    });
    if (!ok) return;
    await attempt(async () => {
      await api.post(`/validation/users/${encodeURIComponent(user.userid)}/unlock`);
      setMessage(`${user.email} is unlocked.`);
      void users.reload();
    });
  }

  const s = settings.data;
  return (
    <section>
      <PageTitle title="Validation">Validation</PageTitle>
      <p className="muted">
        Other systems (VPN and RADIUS gateways, web applications) check users' codes at <span className="mono">/validate</span> with an API key of the
        validator role{isAdmin ? <> (made under <Link to="/api-keys">API keys</Link>)</> : ' (an admin makes one)'}, as they would with a TOTPRadius appliance. A user's active hardware tokens and the software token{' '}
        <span className="mono">/createuser</span> issued are checked; a token that is disabled, retired or whose seed was purged validates nothing.
      </p>
      {s && (
        <p className="muted small" aria-label="Validation settings">
          Window ±{s.windowSteps} step{s.windowSteps === 1 ? '' : 's'} around each token's drift · locked after {s.maxFailures} consecutive failures (replays count) ·{' '}
          {s.lockoutClearMinutes > 0 ? `a lock clears by itself after ${s.lockoutClearMinutes} min` : 'only an operator clears a lock'} · at most {s.rateLimitPerSecond} requests/s per key
        </p>
      )}
      <FilterForm path="/validation" fields={FILTERS} applied={applied} label="Filter validation users" />
      <ErrorMessage error={users.error ?? error} action={<button type="button" onClick={() => void users.reload()}>Try again</button>} />
      <p role="status" aria-live="polite" className="notice-success">
        {message}
      </p>
      {users.loading && users.items.length === 0 ? (
        <Loading what="validation users" />
      ) : users.items.length === 0 && !users.error ? (
        <EmptyState title={appliedKey ? 'No user matches these filters.' : 'No system has validated a code yet.'}>
          <p>A user appears here at their first validation, or when a system creates them with /createuser.</p>
        </EmptyState>
      ) : (
        <>
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Users of the validation API, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Tokens</th>
                  <th scope="col" className="col-time">Last validation</th>
                  <th scope="col" className="num col-num">Failures</th>
                  <th scope="col">Lock</th>
                  <th scope="col" className="col-buttons">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.items.map((user) => (
                  <tr key={user.userid}>
                    <th scope="row">
                      {user.email}
                      <span className="block muted small mono">{user.userid}</span>
                    </th>
                    <td>
                      <ul className="plain-list">
                        {user.tokens.map((token) => (
                          <li key={token.id}>
                            <Link to={`/tokens/${token.id}`} className="mono">
                              {token.serialNumber}
                            </Link>{' '}
                            {token.usable ? <span className="muted small">drift {token.driftSteps}</span> : <span className="text-failed small">{token.unusableBecause}: not checked</span>}
                          </li>
                        ))}
                        {user.hasSoftwareToken && (
                          <li>
                            Software token <span className="muted small">since <Time iso={user.softwareTokenIssuedAt} /></span>
                          </li>
                        )}
                        {user.tokens.length === 0 && !user.hasSoftwareToken && <li className="text-failed">No token</li>}
                      </ul>
                    </td>
                    <td>
                      {user.lastValidationAt ? (
                        <>
                          <Time iso={user.lastValidationAt} /> <span className={user.lastValidationOk ? 'text-success' : 'text-failed'}>{user.lastValidationOk ? 'accepted' : 'refused'}</span>
                        </>
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                    <td className="num">{user.failedValidations}</td>
                    <td>
                      {user.locked ? (
                        <strong className="text-failed">
                          Locked{user.lockedUntil ? <> until <Time iso={user.lockedUntil} /></> : ' until unlocked'}
                        </strong>
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
                    <td>
                      {canUnlock && (user.locked || user.failedValidations > 0) && (
                        <button type="button" onClick={() => void unlock(user)}>
                          {user.locked ? 'Unlock' : 'Clear failures'}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore shown={users.items.length} hasMore={users.hasMore} loading={users.loading} onMore={() => void users.loadMore()} noun="user" />
        </>
      )}
      {confirmElement}
    </section>
  );
}
