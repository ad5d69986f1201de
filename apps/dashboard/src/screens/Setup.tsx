// The first admin, from the one-time setup link the console printed (`/setup#<token>`): the token is in
// the fragment, which the browser never sends, and is posted once with the new admin's name and password.
import { useEffect, useState, type FormEvent } from 'react';
import { request, setCsrfToken } from '../api/client';
import type { Session } from '@tokenfleet/contract';
import { ErrorMessage } from '../components/ui';
import { useSubmission } from '../hooks';
import { navigate } from '../router';

export function Setup({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token] = useState(() => window.location.hash.slice(1));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { working, error, attempt } = useSubmission();

  useEffect(() => {
    document.title = 'Create the first admin · Tokenfleet';
    // The token leaves the address bar (and the history) at once.
    window.history.replaceState(null, '', '/setup');
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    await attempt(async () => {
      const session = await request<Session>('POST', '/setup', { body: { token, username: username.trim(), password }, expectUnauthenticated: true });
      setCsrfToken(session.csrfToken);
      navigate('/', { replace: true });
      onSignedIn(session);
    });
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="setup-title">
        <p className="brand">Tokenfleet</p>
        <h1 id="setup-title">Create the first admin</h1>
        {!token && <p className="notice notice-info">This page needs the setup link Tokenfleet printed on its console, with everything after the #.</p>}
        <ErrorMessage error={error} />
        <label htmlFor="setup-username">User name</label>
        <input id="setup-username" autoComplete="username" required value={username} onChange={(event) => setUsername(event.target.value)} />
        <label htmlFor="setup-password">Password (at least 12 characters)</label>
        <input id="setup-password" type="password" autoComplete="new-password" minLength={12} required value={password} onChange={(event) => setPassword(event.target.value)} />
        <button type="submit" className="primary" disabled={working || !token}>
          {working ? 'Creating…' : 'Create admin and sign in'}
        </button>
        <p className="muted small">The link works once. This local account is also the way in should Sign in with Microsoft ever fail (break-glass).</p>
      </form>
    </main>
  );
}
