// The shell: find out who is signed in, show the sign-in form or the screens, and the navigation a role
// may use. A 401 from any request (session expired, signed out elsewhere) brings the sign-in form back
// in place, keeping the address so the person lands where they were.
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, loadSession, onSessionLost, signOut } from './api/client';
import type { Overview as OverviewData, Role, Session } from '@tokenfleet/contract';
import { ErrorMessage, Loading } from './components/ui';
import { useResource } from './hooks';
import { Link, matchPath, useLocation } from './router';
import { Accounts } from './screens/Accounts';
import { ApiKeys } from './screens/ApiKeys';
import { TenantSettings } from './screens/TenantSettings';
import { AuditTrail } from './screens/AuditTrail';
import { FailedJobs } from './screens/FailedJobs';
import { ImportDetail } from './screens/ImportDetail';
import { Imports } from './screens/Imports';
import { NotFound } from './screens/NotFound';
import { Overview } from './screens/Overview';
import { SignIn } from './screens/SignIn';
import { TokenDetail } from './screens/TokenDetail';
import { Tokens } from './screens/Tokens';
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

interface NavItem {
  to: string;
  label: string;
  role: Role;
  /** Which paths count as this item's, for aria-current. */
  prefix: string;
}

const NAV: NavItem[] = [
  { to: '/', label: 'Overview', role: 'viewer', prefix: '/' },
  { to: '/imports', label: 'Imports', role: 'viewer', prefix: '/imports' },
  { to: '/tokens', label: 'Tokens', role: 'viewer', prefix: '/tokens' },
  { to: '/failed', label: 'Failed jobs', role: 'viewer', prefix: '/failed' },
  { to: '/audit', label: 'Audit trail', role: 'viewer', prefix: '/audit' },
  { to: '/accounts', label: 'Accounts', role: 'admin', prefix: '/accounts' },
  { to: '/api-keys', label: 'API keys', role: 'admin', prefix: '/api-keys' },
  { to: '/settings', label: 'Tenant settings', role: 'admin', prefix: '/settings' },
];

function isCurrent(item: NavItem, pathname: string): boolean {
  return item.prefix === '/' ? pathname === '/' : pathname === item.prefix || pathname.startsWith(`${item.prefix}/`);
}

function Shell({ children }: { children: ReactNode }) {
  const { user, signOut: endSession } = useSession();
  const { pathname } = useLocation();
  // The mode does not change while the API runs: asked once, for the banner on every screen.
  const overview = useResource(() => api.get<OverviewData>('/overview'), []);
  const sandbox = overview.data?.mode === 'sandbox';

  return (
    <div className="shell">
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
        <span className="topbar-user">
          <span>
            {user.username} <span className="role-tag">{user.role}</span>
          </span>
          <button type="button" onClick={() => void endSession()}>
            Sign out
          </button>
        </span>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {NAV.filter((item) => roleAllows(user.role, item.role)).map((item) => (
            <li key={item.to}>
              <Link to={item.to} aria-current={isCurrent(item, pathname) ? 'page' : undefined}>
                {item.label}
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
      <main id="main" className="content">
        {children}
      </main>
    </div>
  );
}

function Screen() {
  const { pathname } = useLocation();
  const isAdmin = roleAllows(useSession().user.role, 'admin');
  let params: Record<string, string> | null;
  if (pathname === '/') return <Overview />;
  if (pathname === '/imports') return <Imports />;
  if ((params = matchPath('/imports/:id', pathname))) return <ImportDetail key={params.id} id={params.id!} />;
  if (pathname === '/tokens') return <Tokens />;
  if ((params = matchPath('/tokens/:id', pathname))) return <TokenDetail key={params.id} id={params.id!} />;
  if (pathname === '/failed') return <FailedJobs />;
  if (pathname === '/audit') return <AuditTrail />;
  if (pathname === '/accounts' && isAdmin) return <Accounts />;
  if (pathname === '/api-keys' && isAdmin) return <ApiKeys />;
  if (pathname === '/settings' && isAdmin) return <TenantSettings />;
  return <NotFound />;
}
