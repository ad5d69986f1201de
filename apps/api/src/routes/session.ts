// Signing in and out of the dashboard (docs/api-conventions.md, "Sessions"). These routes sit before the authentication
// middleware: they are how a person gets a session in the first place.
import { eq, sql } from 'drizzle-orm';
import type { Request, Router } from 'express';
import { Credentials, endpoints } from '@tokenfleet/contract';
import { accounts, appendAudit } from '@tokenfleet/db';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { decoyHash, verifyPassword } from '../passwords';
import { clearSessionCookie, CSRF_HEADER, LoginThrottle, readCookie, SESSION_COOKIE, setSessionCookie, type SessionStore, type SessionView } from '../sessions';
import { START_PATH } from '../sign-in/microsoft';
import { adminExists } from '../sign-in/setup-link';
import { parseInput } from '../validation';

const BAD_CREDENTIALS = 'The username or password is not right';

function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function sessionRoutes(router: Router, deps: ApiDeps, store: SessionStore): void {
  const { db } = deps;
  const throttle = new LoginThrottle(deps.redis, deps.redisPrefix);

  route(router, endpoints.signInOptions, async (_req, res) => {
    send(res, endpoints.signInOptions, 200, {
      microsoft: { enabled: deps.config.signIn.microsoft, sandbox: deps.config.mode === 'sandbox', startUrl: START_PATH },
      local: deps.config.signIn.local,
      setupRequired: deps.config.signIn.local && !(await adminExists(db)),
    });
  });

  route(router, endpoints.signIn, async (req, res) => {
    if (!deps.config.signIn.local) throw new ApiError(403, 'local_sign_in_off', 'Local accounts are turned off here (TOKENFLEET_LOCAL_SIGN_IN=off): sign in with Microsoft');
    const { username, password } = parseInput(Credentials, req.body, 'request body');
    const address = clientAddress(req);
    const waitMs = await throttle.blockedForMs(username, address);
    if (waitMs > 0) {
      res.setHeader('Retry-After', String(Math.ceil(waitMs / 1000)));
      throw new ApiError(429, 'too_many_attempts', `Too many failed sign-ins; try again in ${Math.ceil(waitMs / 60_000)} minute(s)`);
    }
    const [account] = await db.select().from(accounts).where(eq(sql`lower(${accounts.username})`, username.toLowerCase()));
    // An unknown user costs a hash check too, and gets the same answer as a wrong password.
    const matches = await verifyPassword(password, account?.passwordHash ?? (await decoyHash()));
    if (!account || !matches || account.disabledAt) {
      await throttle.recordFailure(username, address);
      req.log.warn({ username, address }, 'sign-in refused');
      throw new ApiError(401, 'invalid_credentials', BAD_CREDENTIALS);
    }
    await throttle.recordSuccess(username, address);
    const { token, csrfToken } = await store.create(account.id);
    await db.update(accounts).set({ lastLoginAt: new Date() }).where(eq(accounts.id, account.id));
    await appendAudit(db, { actor: `user:${account.username}`, action: 'session.created', outcome: 'success', targetType: 'account', targetId: account.id, detail: { address } });
    setSessionCookie(req, res, token, store.maxAgeMs);
    const view: SessionView = { user: { id: account.id, username: account.username, role: account.role }, csrfToken };
    send(res, endpoints.signIn, 200, view);
  });

  route(router, endpoints.currentSession, async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await store.find(token) : undefined;
    if (!session) throw new ApiError(401, 'unauthenticated', 'Not signed in');
    const view: SessionView = { user: { id: session.account.id, username: session.account.username, role: session.account.role }, csrfToken: session.csrfToken };
    send(res, endpoints.currentSession, 200, view);
  });

  route(router, endpoints.signOut, async (req, res) => {
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await store.find(token) : undefined;
    if (token && session) {
      // Logging out is a state change too: a foreign page must not be able to sign a person out.
      if (req.headers[CSRF_HEADER] !== session.csrfToken) throw new ApiError(403, 'csrf_failed', 'This request needs the X-CSRF-Token header the session endpoints return');
      await store.end(token);
      await appendAudit(db, { actor: `user:${session.account.username}`, action: 'session.ended', outcome: 'info', targetType: 'account', targetId: session.account.id });
    }
    clearSessionCookie(res);
    res.status(204).end();
  });
}
