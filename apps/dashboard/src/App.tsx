// The shell: find out who is signed in, show the sign-in form or the screens, and the navigation a role
// may use (both from the route table in routes.tsx). A 401 from any request (session expired, signed out elsewhere) brings the sign-in form back
// in place, keeping the address so the person lands where they were.
import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { api, loadSession, onOutage, onSessionLost, signOut } from './api/client';
import type { Overview as OverviewData, Session, WebhookSource } from '@tokenfleet/contract';
import { NavigationFocus } from './components/NavigationFocus';
import { ErrorMessage, Loading } from './components/ui';
import { useResource } from './hooks';
import { Link, useLocation } from './router';
import { findRoute, isCurrentNav, ROUTES } from './routes';
import { NotFound } from './screens/NotFound';
import { HeldBanner } from './screens/Webhooks';
import { Setup } from './screens/Setup';
import { SignIn } from './screens/SignIn';
import { roleAllows, SessionContext, useSession } from './session';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [startError, setStartError] = useState<unknown>();
  const [notice, setNotice] = useState<string | null>(null);

  const start = useCallback(() => {
    setStartError(undefined);
    loadSession().then(setSession, setStartError);
  }, []);

  useEffect(() => {
    start();
    onSessionLost(() => {
      setSession(null);
      setNotice('Your session has ended. Sign in again to go on where you were.');
    });
    return () => onSessionLost(null);
  }, [start]);

  const endSession = useCallback(async () => {
    try {
      await signOut();
    } finally {
      setSession(null);
      setNotice('You are signed out.');
    }
  }, []);

  if (startError !== undefined) {
    return (
      <main className="sign-in">
        <div className="card sign-in-card">
          <h1>Tokenfleet</h1>
          <ErrorMessage error={startError} action={<button type="button" onClick={start}>Try again</button>} />
        </div>
      </main>
    );
  }
  if (session === undefined) return <Loading what="Tokenfleet" />;
  if (session === null) {
    if (window.location.pathname === '/setup') {
      return <Setup onSignedIn={(signedIn) => setSession(signedIn)} />;
    }
    return (
      <SignIn
        notice={notice}
        onSignedIn={(signedIn) => {
          setNotice(null);
          setSession(signedIn);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={{ user: session.user, signOut: endSession }}>
      <Shell>
        <Screen />
      </Shell>
    </SessionContext.Provider>
  );
}

/** The API's last word on a part that is away (PostgreSQL, Redis), until it answers again. */
function useOutage(): string | null {
  const [outage, setOutage] = useState<string | null>(null);
  useEffect(() => onOutage(setOutage), []);
  return outage;
}

function Shell({ children }: { children: ReactNode }) {
  const { user, signOut: endSession } = useSession();
  const { pathname } = useLocation();
  // The mode does not change while the API runs: asked once, for the banner on every screen.
  const overview = useResource(() => api.get<OverviewData>('/overview'), []);
  const sandbox = overview.data?.mode === 'sandbox';
  const outage = useOutage();
  const menu = useRef<HTMLElement>(null);

  return (
    <div className="shell">
      <NavigationFocus pathname={pathname} menu={menu} />
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Tokenfleet</span>
        {sandbox && (
          <strong className="sandbox-banner" role="note">
            SANDBOX — Microsoft Graph is simulated; nothing reaches a real tenant
          </strong>
        )}
        {outage && (
          <strong className="outage-banner" role="alert">
            {outage}
          </strong>
        )}
        <span className="topbar-user">
          <span>
            {user.username} <span className="role-tag">{user.role}</span>
          </span>
          <button type="button" onClick={() => void endSession()}>
            Sign out
          </button>
        </span>
      </header>
      <nav className="sidebar" aria-label="Main" ref={menu}>
        <ul>
          {ROUTES.filter((route) => route.nav !== undefined && roleAllows(user.role, route.role)).map((route) => (
            <li key={route.path}>
              <Link to={route.path} aria-current={isCurrentNav(route, pathname) ? 'page' : undefined}>
                {route.nav}
              </Link>
            </li>
          ))}
          {roleAllows(user.role, 'admin') && (
            <li>
              {/* bull-board is a separate page of the API, read-only: an engineer's window on Redis. */}
              <a href="/admin/queues" target="_blank" rel="noopener">
                Queues (bull-board) <span aria-hidden="true">↗</span>
                <span className="visually-hidden"> (opens in a new tab)</span>
              </a>
            </li>
          )}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {roleAllows(user.role, 'admin') && !pathname.startsWith('/webhooks') && <HeldWebhooksBanner />}
        {children}
      </main>
    </div>
  );
}

/** On every screen an admin opens: leaver events the mass-change guard holds, to release or discard. */
function HeldWebhooksBanner() {
  const sources = useResource(() => api.get<WebhookSource[]>('/webhook-sources'), [], { pollMs: () => 15_000 });
  return <HeldBanner sources={sources.data ?? []} onDecided={() => void sources.reload()} />;
}

function Screen() {
  const { pathname } = useLocation();
  const { role } = useSession().user;
  const found = findRoute(pathname);
  // A screen the role may not see answers as if it did not exist (the API refuses its data anyway).
  if (!found || !roleAllows(role, found.route.role)) return <NotFound />;
  return found.route.render(found.params);
}
