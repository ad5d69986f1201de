import { useEffect, useRef, useState, type FormEvent } from 'react';
import { signIn } from '../api/client';
import type { Session } from '@tokenfleet/contract';
import { ErrorMessage } from '../components/ui';
import { useSubmission } from '../hooks';

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (session: Session) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { working: busy, error, attempt } = useSubmission();
  const usernameField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Tokenfleet';
    usernameField.current?.focus();
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const signedIn = await attempt(async () => onSignedIn(await signIn(username.trim(), password)));
    if (!signedIn) setPassword('');
  }

  return (
    <main className="sign-in">
      <form className="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <p className="brand">Tokenfleet</p>
        <h1 id="sign-in-title">Sign in</h1>
        {notice && (
          <p className="notice notice-info" role="status">
            {notice}
          </p>
        )}
        <ErrorMessage error={error} />
        <label htmlFor="username">User name</label>
        <input id="username" ref={usernameField} name="username" autoComplete="username" required value={username} onChange={(event) => setUsername(event.target.value)} />
        <label htmlFor="password">Password</label>
        <input id="password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">Accounts are made by an admin. Forgot your password? Ask an admin to set a new one.</p>
      </form>
    </main>
  );
}
