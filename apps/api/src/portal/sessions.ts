// Sessions of the self-service portal (/my): the people who hold the tokens, signed in with Microsoft.
// Their own cookie (`tf_my_session`) and table (portal_sessions), so a portal session can open no
// operator route and an operator's session no portal route; the same rules otherwise as the dashboard's
// (sessions.ts): only the token's SHA-256 is stored, CSRF on writes, idle and absolute expiry.
import { randomBytes } from 'node:crypto';
import { and, eq, gt, lt } from 'drizzle-orm';
import type { RequestHandler, Response } from 'express';
import { portalSessions, type Database, type PortalSession } from '@tokenfleet/db';
import { ApiError } from '../errors';
import { hashToken, readCookie, requireCsrf } from '../sessions';

export const PORTAL_COOKIE = 'tf_my_session';
const IDLE_TIMEOUT_MS = 2 * 3600_000;

/** Who is using the portal: what routes and audit rows need of them. */
export interface PortalUser {
  sessionId: string;
  tenantId: string;
  objectId: string;
  upn: string;
  name: string;
  csrfToken: string;
  /** `user:<upn>`: the person, as the actor of what they do. */
  actor: string;
}

const userOf = (row: PortalSession): PortalUser => ({ sessionId: row.id, tenantId: row.tenantId, objectId: row.userObjectId, upn: row.upn, name: row.displayName, csrfToken: row.csrfToken, actor: `user:${row.upn}` });

export class PortalSessionStore {
  constructor(
    private readonly db: Database,
    private readonly maxAgeMs: number,
  ) {}

  async create(person: { tenantId: string; objectId: string; upn: string; name: string }, now = new Date()): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    // Expired sessions are swept as new ones begin: the table holds only live ones and a few stragglers.
    await this.db.delete(portalSessions).where(lt(portalSessions.expiresAt, now));
    await this.db.insert(portalSessions).values({
      id: hashToken(token),
      tenantId: person.tenantId,
      userObjectId: person.objectId,
      upn: person.upn,
      displayName: person.name,
      csrfToken: randomBytes(24).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + Math.min(IDLE_TIMEOUT_MS, this.maxAgeMs)),
    });
    return token;
  }

  async find(token: string, now = new Date()): Promise<PortalUser | undefined> {
    const [row] = await this.db.select().from(portalSessions).where(and(eq(portalSessions.id, hashToken(token)), gt(portalSessions.expiresAt, now)));
    if (!row || now.getTime() - row.createdAt.getTime() > this.maxAgeMs) return undefined;
    if (now.getTime() - row.lastSeenAt.getTime() >= 60_000) {
      await this.db.update(portalSessions).set({ lastSeenAt: now, expiresAt: new Date(now.getTime() + IDLE_TIMEOUT_MS) }).where(eq(portalSessions.id, row.id));
    }
    return userOf(row);
  }

  async end(sessionId: string): Promise<void> {
    await this.db.delete(portalSessions).where(eq(portalSessions.id, sessionId));
  }
}

/** Every portal route passes this: a live portal session, and its CSRF token on writes. */
export function portalAuthentication(store: PortalSessionStore): RequestHandler {
  return async (req, res, next) => {
    const token = readCookie(req, PORTAL_COOKIE);
    const user = token ? await store.find(token) : undefined;
    if (!user) throw new ApiError(401, 'unauthenticated', 'Sign in to the self-service portal with Microsoft at /my');
    requireCsrf(req, user.csrfToken);
    res.locals.portalUser = user;
    next();
  };
}

export function portalUserOf(res: Response): PortalUser {
  const user = res.locals.portalUser as PortalUser | undefined;
  if (!user) throw new Error('portal route reached without a portal session');
  return user;
}
