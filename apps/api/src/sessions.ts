// Dashboard sessions: a random token in the HttpOnly cookie `tf_session` (only its SHA-256 is stored),
// a CSRF token per session that every state-changing request must echo in `X-CSRF-Token`, idle and
// absolute expiry, and a Redis counter that answers 429 after repeated failed sign-ins.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { accounts, sessions, type Account, type Database } from '@tokenfleet/db';
import type { Authenticator, Principal } from './auth';
import { ApiError } from './errors';

export const SESSION_COOKIE = 'tf_session';
export const CSRF_HEADER = 'x-csrf-token';
/** A session unused this long ends. */
const IDLE_TIMEOUT_MS = 12 * 3600_000;
/** And none outlives its maximum age (TOKENFLEET_SESSION_MAX_AGE_HOURS), used or not; this when none is given. */
const DEFAULT_MAX_AGE_MS = 12 * 3600_000;
/** `last_seen_at`/`expires_at` are moved at most this often, so reads do not become writes. */
const TOUCH_RESOLUTION_MS = 60_000;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const hashToken = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return decodeURIComponent(part.slice(separator + 1).trim());
  }
  return undefined;
}

export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SessionView {
  user: { id: string; username: string; role: Account['role'] };
  csrfToken: string;
}

export function accountPrincipal(account: Pick<Account, 'id' | 'username' | 'role'>): Principal {
  return { kind: 'user', id: account.id, name: account.username, role: account.role, actor: `user:${account.username}` };
}

export class SessionStore {
  constructor(
    private readonly db: Database,
    readonly maxAgeMs = DEFAULT_MAX_AGE_MS,
  ) {}

  /** Starts a session; answers the cookie value (shown to nobody else) and the CSRF token. */
  async create(accountId: string, now = new Date()): Promise<{ token: string; csrfToken: string }> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    await this.db.insert(sessions).values({ id: hashToken(token), accountId, csrfToken, createdAt: now, lastSeenAt: now, expiresAt: new Date(now.getTime() + Math.min(IDLE_TIMEOUT_MS, this.maxAgeMs)) });
    return { token, csrfToken };
  }

  /** The live session behind a cookie value and its (enabled) account; extends the idle expiry. */
  async find(token: string, now = new Date()): Promise<{ sessionId: string; csrfToken: string; account: Account } | undefined> {
    const id = hashToken(token);
    const [row] = await this.db
      .select({ session: sessions, account: accounts })
      .from(sessions)
      .innerJoin(accounts, eq(accounts.id, sessions.accountId))
      .where(and(eq(sessions.id, id), gt(sessions.expiresAt, now)));
    if (!row || row.account.disabledAt) return undefined;
    if (now.getTime() - row.session.createdAt.getTime() > this.maxAgeMs) {
      await this.end(token);
      return undefined;
    }
    if (now.getTime() - row.session.lastSeenAt.getTime() >= TOUCH_RESOLUTION_MS) {
      await this.db.update(sessions).set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + IDLE_TIMEOUT_MS) }).where(eq(sessions.id, id));
    }
    return { sessionId: id, csrfToken: row.session.csrfToken, account: row.account };
  }

  async end(token: string): Promise<void> {
    await this.db.delete(sessions).where(eq(sessions.id, hashToken(token)));
  }

  /** Ends every session of an account (disabled, or its password changed), and any long expired. */
  async endAll(accountId: string): Promise<void> {
    await this.db.delete(sessions).where(sql`${sessions.accountId} = ${accountId} or ${sessions.expiresAt} < now()`);
  }
}

/**
 * The session cookie as an authenticator: a request with the cookie is the account's; a state-changing
 * one must also carry the session's CSRF token (a page on another site can send the cookie, but cannot
 * read the token).
 */
export function sessionAuthenticator(store: SessionStore): Authenticator {
  return async (req) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (!token) return null;
    const session = await store.find(token);
    if (!session) throw new ApiError(401, 'session_expired', 'Your session has ended; sign in again');
    requireCsrf(req, session.csrfToken);
    return accountPrincipal(session.account);
  };
}

/** A state-changing request made with a session cookie must echo the session's CSRF token. */
export function requireCsrf(req: Request, csrfToken: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  const given = req.headers[CSRF_HEADER];
  if (typeof given !== 'string' || !sameSecret(given, csrfToken)) {
    throw new ApiError(403, 'csrf_failed', 'This request needs the X-CSRF-Token header the session endpoints return');
  }
}

export function setSessionCookie(req: Request, res: Response, token: string, maxAgeMs = DEFAULT_MAX_AGE_MS, name = SESSION_COOKIE): void {
  res.cookie(name, token, {
    httpOnly: true,
    sameSite: 'lax',
    // Behind TLS (directly, or a proxy that says so): a Secure cookie only ever travels encrypted.
    secure: req.secure || req.headers['x-forwarded-proto'] === 'https',
    path: '/',
    maxAge: maxAgeMs,
  });
}

export function clearSessionCookie(res: Response, name = SESSION_COOKIE): void {
  res.clearCookie(name, { path: '/' });
}

// ---------------------------------------------------------------------------------------------------------
// Sign-in throttling

/** Failed sign-ins allowed per username, and per client address, within the window. */
const MAX_FAILURES_PER_USER = 5;
const MAX_FAILURES_PER_ADDRESS = 20;
const FAILURE_WINDOW_MS = 15 * 60_000;

export class LoginThrottle {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private keys(username: string, address: string): [string, string] {
    return [`${this.prefix}:login-failures:user:${username.toLowerCase()}`, `${this.prefix}:login-failures:address:${address}`];
  }

  /** Milliseconds the caller must wait before trying again (0: go ahead). */
  async blockedForMs(username: string, address: string): Promise<number> {
    const [userKey, addressKey] = this.keys(username, address);
    const [userCount, addressCount, userTtl, addressTtl] = await Promise.all([this.redis.get(userKey), this.redis.get(addressKey), this.redis.pttl(userKey), this.redis.pttl(addressKey)]);
    const waits = [
      Number(userCount ?? 0) >= MAX_FAILURES_PER_USER ? userTtl : 0,
      Number(addressCount ?? 0) >= MAX_FAILURES_PER_ADDRESS ? addressTtl : 0,
    ];
    return Math.max(0, ...waits);
  }

  async recordFailure(username: string, address: string): Promise<void> {
    for (const key of this.keys(username, address)) {
      // The window starts at the first failure and is not extended by later ones.
      if ((await this.redis.incr(key)) === 1) await this.redis.pexpire(key, FAILURE_WINDOW_MS);
    }
  }

  async recordSuccess(username: string, address: string): Promise<void> {
    await this.redis.del(this.keys(username, address)[0]);
  }
}
