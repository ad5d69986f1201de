// The self-service portal at /my (docs/sign-in.md, "Self-service"): anyone of the organisation signs in
// with Microsoft, sees the tokens assigned to them, puts the token on their desk into service by typing
// its serial and the code it shows, tests a code, and reports a token lost. It talks only to /api/v1/my.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, api, request, setCsrfToken } from '../api/client';
import type { PortalActivationStarted, PortalLostReport, PortalSession, PortalToken } from '@tokenfleet/contract';
import { useConfirm } from '../components/ConfirmDialog';
import { ErrorMessage, Loading, StateBadge, Time } from '../components/ui';
import { useResource, useSubmission } from '../hooks';

/** While an activation is under way, the list is read again this often. */
const POLL_MS = 1500;

export function Portal() {
  const [session, setSession] = useState<PortalSession | null | undefined>(undefined);
  const [startError, setStartError] = useState<unknown>();

  useEffect(() => {
    document.title = 'My tokens · Tokenfleet';
    request<PortalSession>('GET', '/my/session', { expectUnauthenticated: true }).then(
      (found) => {
        setCsrfToken(found.csrfToken);
        setSession(found);
      },
      (error: unknown) => (error instanceof ApiError && error.status === 401 ? setSession(null) : setStartError(error)),
    );
  }, []);

  if (startError !== undefined) return <main className="portal"><ErrorMessage error={startError} /></main>;
  if (session === undefined) return <Loading what="your tokens" />;
  if (session === null) {
    return (
      <main className="sign-in">
        <div className="card sign-in-card">
          <p className="brand">Tokenfleet</p>
          <h1>My tokens</h1>
          <p>Sign in with your organisation's Microsoft account to activate the hardware token you were given, test it, or report it lost.</p>
          <a className="button primary microsoft-sign-in" href="/auth/microsoft/start?to=my">
            Sign in with Microsoft
          </a>
        </div>
      </main>
    );
  }
  return <MyTokens session={session} />;
}

function MyTokens({ session }: { session: PortalSession }) {
  const tokens = useResource(() => api.get<PortalToken[]>('/my/tokens'), []);
  const { reload } = tokens;
  const activating = tokens.data?.some((token) => token.activating) ?? false;

  useEffect(() => {
    if (!activating) return;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [activating, reload]);

  async function signOut() {
    await api.delete('/my/session').catch(() => undefined);
    setCsrfToken(null);
    window.location.assign('/my');
  }

  return (
    <main className="portal">
      <header className="portal-header">
        <span className="brand">Tokenfleet · My tokens</span>
        <span>
          {session.user.name} <span className="muted">{session.user.upn}</span>{' '}
          <button type="button" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      {session.selfService.enabled ? (
        <Activate onStarted={() => void reload()} />
      ) : (
        <p className="notice notice-info">Your organisation activates tokens through the helpdesk; self-service activation is turned off.</p>
      )}
      <section className="card" aria-labelledby="my-tokens-title">
        <h2 id="my-tokens-title">Your tokens</h2>
        <ErrorMessage error={tokens.error} />
        {!tokens.data ? (
          !tokens.error && <Loading what="your tokens" />
        ) : tokens.data.length === 0 ? (
          <p className="muted">No token is assigned to you yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">Serial</th>
                <th scope="col">Token</th>
                <th scope="col">Status</th>
                <th scope="col">Last used</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <tr key={token.id} data-serial={token.serialNumber}>
                  <td className="mono">{token.serialNumber}</td>
                  <td>
                    {token.manufacturer} {token.model}
                  </td>
                  <td>
                    <StateBadge state={token.state} />
                    {token.activating && <span className="muted"> activating…</span>}
                  </td>
                  <td>
                    <Time iso={token.lastUsedAt} />
                  </td>
                  <td>
                    <TokenActions token={token} onChanged={() => void reload()} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}

function Activate({ onStarted }: { onStarted: () => void }) {
  const [serialNumber, setSerialNumber] = useState('');
  const [code, setCode] = useState('');
  const [done, setDone] = useState('');
  const { working, error, attempt } = useSubmission();

  async function submit(event: FormEvent) {
    event.preventDefault();
    setDone('');
    const ok = await attempt(async () => {
      const started = await api.post<PortalActivationStarted>('/my/tokens/activate', { serialNumber: serialNumber.trim(), code: code.trim() });
      setDone(`Token ${started.token.serialNumber} is yours; it is being activated in Microsoft Entra now.`);
      setSerialNumber('');
      onStarted();
    });
    // A wrong code is typed again from the display: the field is emptied for the next one.
    setCode('');
    return ok;
  }

  return (
    <section className="card" aria-labelledby="activate-title">
      <h2 id="activate-title">Activate a token</h2>
      <p className="muted">Type the serial number printed on the back of the token, then press its button and type the code it shows.</p>
      <ErrorMessage error={error} />
      <p role="status" aria-live="polite">
        {done}
      </p>
      <form className="activate" onSubmit={submit}>
        <label>
          Serial number
          <input name="serialNumber" required autoComplete="off" value={serialNumber} onChange={(event) => setSerialNumber(event.target.value)} />
        </label>
        <label>
          Code on the display
          <input name="code" required inputMode="numeric" autoComplete="one-time-code" pattern="\d{6,8}" value={code} onChange={(event) => setCode(event.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={working}>
          {working ? 'Activating…' : 'Activate'}
        </button>
      </form>
    </section>
  );
}

function TokenActions({ token, onChanged }: { token: PortalToken; onChanged: () => void }) {
  const [code, setCode] = useState('');
  const [verdict, setVerdict] = useState('');
  const { working, error, attempt } = useSubmission();
  const [confirmElement, confirm] = useConfirm();

  const test = useCallback(
    async (event: FormEvent) => {
      event.preventDefault();
      setVerdict('');
      await attempt(async () => {
        const result = await api.post<{ valid: boolean }>(`/my/tokens/${token.id}/test`, { code: code.trim() });
        setVerdict(result.valid ? 'The code is right: your token works.' : 'That code is not right. Try the next one the token shows.');
        setCode('');
      });
    },
    [attempt, code, token.id],
  );

  async function reportLost() {
    const ok = await confirm({
      title: `Report token ${token.serialNumber} lost?`,
      body: <p>It stops working at once for signing in, and the helpdesk is told to replace it.</p>,
      confirmLabel: 'Report lost',
      danger: true,
    });
    if (!ok) return;
    await attempt(async () => {
      const report = await api.post<PortalLostReport>(`/my/tokens/${token.id}/lost`);
      setVerdict(report.disabled ? 'Reported lost: the token is disabled, and the helpdesk has been told.' : 'Reported lost: the helpdesk has been told.');
      onChanged();
    });
  }

  const usable = token.state === 'active';
  return (
    <div className="token-actions">
      {usable && (
        <form onSubmit={test} aria-label={`Test token ${token.serialNumber}`}>
          <input aria-label="Code to test" inputMode="numeric" pattern="\d{6,8}" required value={code} onChange={(event) => setCode(event.target.value)} />{' '}
          <button type="submit" disabled={working}>
            Test
          </button>
        </form>
      )}
      {(usable || token.state === 'assigned') && (
        <button type="button" className="danger" disabled={working} onClick={() => void reportLost()}>
          Report lost
        </button>
      )}
      <ErrorMessage error={error} />
      {verdict && <span role="status">{verdict}</span>}
      {confirmElement}
    </div>
  );
}
