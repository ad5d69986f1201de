// Signing in: "Sign in with Microsoft" first (a navigation to the API's /auth/microsoft/start, which
// goes to Entra and back), then the local accounts kept for break-glass access when they are on. Where no
// admin exists yet, the page says where the one-time setup link is (the console that started Tokenfleet).
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, signIn } from '../api/client';
import type { Session, SignInOptions } from '@tokenfleet/contract';
import { ErrorMessage } from '../components/ui';
import { useResource, useSubmission } from '../hooks';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { working: busy, error, attempt } = useSubmission();
  const usernameField = useRef<HTMLInputElement>(null);
  const options = useResource(() => api.get<SignInOptions>('/session/options'), []);

  useEffect(() => {
    document.title = 'Sign in · Tokenfleet';
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const signedIn = await attempt(async () => onSignedIn(await signIn(username.trim(), password)));
    if (!signedIn) setPassword('');
  }

  const microsoft = options.data?.microsoft;
  return (
    <main className="sign-in">
      <div className="card sign-in-card" aria-labelledby="sign-in-title">
        <p className="brand">Tokenfleet</p>
        <h1 id="sign-in-title">Sign in</h1>
        {notice && (
          <p className="notice notice-info" role="status">
            {notice}
          </p>
        )}
        <ErrorMessage error={options.error} />
        {options.data?.setupRequired && (
          <p className="notice notice-info" role="note">
            No admin exists yet. The console that started Tokenfleet printed a one-time setup link: open it to create the first admin.
            {microsoft?.sandbox && ' Or sign in with Microsoft (SANDBOX) as one of the demo users.'}
          </p>
        )}
        {microsoft?.enabled && (
          <a className="button primary microsoft-sign-in" href={microsoft.startUrl}>
            Sign in with Microsoft{microsoft.sandbox ? ' (SANDBOX)' : ''}
          </a>
        )}
        {options.data?.local && (
          <form onSubmit={submit} aria-label="Sign in with a local account">
            {microsoft?.enabled && <p className="muted small sign-in-or">or with a local account (break-glass)</p>}
            <ErrorMessage error={error} />
            <label htmlFor="username">User name</label>
            <input id="username" ref={usernameField} name="username" autoComplete="username" required value={username} onChange={(event) => setUsername(event.target.value)} />
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
            <button type="submit" className={microsoft?.enabled ? undefined : 'primary'} disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
        <p className="muted small">
          Operators sign in with their organisation's Microsoft account and the Tokenfleet role an Entra admin gave them. To put your own token into
          service, go to <a href="/my">the self-service portal</a>.
        </p>
      </div>
    </main>
  );
}
