// The first minute (docs/sign-in.md): wherever no enabled admin exists, start-up makes a one-time setup
// link and prints it on the console only. The token is 256 random bits in the link's #fragment (so it is
// in no request line, proxy log or Referer), only its SHA-256 is stored, it works once and for an hour,
// and a new start replaces an unused one. POST /api/v1/setup trades it for the first admin account,
// signed in at once.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Router } from 'express';
import { endpoints, SetupRequest } from '@tokenfleet/contract';
import { accounts, appendAudit, postgresErrorCode, PG_UNIQUE_VIOLATION, setupTokens, type Database } from '@tokenfleet/db';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { hashPassword } from '../passwords';
import { setSessionCookie, type SessionStore } from '../sessions';
import { parseInput } from '../validation';

export const SETUP_LINK_LIFETIME_MS = 60 * 60_000;
/** Serialises the first admin's creation, so two setup links cannot make two "first" admins. */
const SETUP_LOCK = 0x7f5e7001;

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export async function adminExists(db: Database): Promise<boolean> {
  const [row] = await db.select({ id: accounts.id }).from(accounts).where(and(eq(accounts.role, 'admin'), isNull(accounts.disabledAt))).limit(1);
  return row !== undefined;
}

/** A new setup link's token when no admin exists (the unused ones before it stop working), else null. */
export async function createSetupToken(db: Database, now = new Date()): Promise<string | null> {
  if (await adminExists(db)) return null;
  const token = randomBytes(32).toString('base64url');
  await db.transaction(async (tx) => {
    await tx.delete(setupTokens).where(isNull(setupTokens.usedAt));
    await tx.insert(setupTokens).values({ tokenHash: hashOf(token), createdAt: now, expiresAt: new Date(now.getTime() + SETUP_LINK_LIFETIME_MS) });
  });
  return token;
}

export function setupLink(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/setup#${token}`;
}

/** What the console shows: the link, and what it is for. */
export function printSetupLink(link: string): void {
  process.stdout.write(
    `\n  No admin exists yet. Open this link to create the first admin (it works once, for ${SETUP_LINK_LIFETIME_MS / 60_000} minutes;` +
      `\n  a restart prints a new one):\n\n    ${link}\n\n`,
  );
}

export function setupRoutes(router: Router, deps: ApiDeps, sessions: SessionStore): void {
  route(router, endpoints.completeSetup, async (req, res) => {
    if (!deps.config.signIn.local) throw new ApiError(403, 'local_sign_in_off', 'Local accounts are turned off here: the first admin signs in with Microsoft, with the Tokenfleet.Admin app role');
    const input = parseInput(SetupRequest, req.body, 'request body');
    const passwordHash = await hashPassword(input.password);
    const account = await deps.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${SETUP_LOCK})`);
      const [admin] = await tx.select({ id: accounts.id }).from(accounts).where(and(eq(accounts.role, 'admin'), isNull(accounts.disabledAt))).limit(1);
      if (admin) throw new ApiError(409, 'admin_exists', 'An admin exists already: sign in, or ask that admin for an account');
      const [claimed] = await tx
        .update(setupTokens)
        .set({ usedAt: new Date() })
        .where(and(eq(setupTokens.tokenHash, hashOf(input.token)), isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, sql`now()`)))
        .returning();
      if (!claimed) throw new ApiError(410, 'setup_link_invalid', 'This setup link was used already, has expired, or is not known: restart Tokenfleet to print a new one');
      const id = randomUUID();
      try {
        await tx.insert(accounts).values({ id, username: input.username, passwordHash, role: 'admin' });
      } catch (error) {
        if (postgresErrorCode(error) === PG_UNIQUE_VIOLATION) throw new ApiError(409, 'username_taken', `There is already an account named ${input.username}`);
        throw error;
      }
      await tx.update(setupTokens).set({ usedBy: id }).where(eq(setupTokens.tokenHash, claimed.tokenHash));
      await appendAudit(tx, { actor: 'setup-link', action: 'account.created', outcome: 'success', targetType: 'account', targetId: id, detail: { username: input.username, role: 'admin', source: 'one-time setup link' } });
      return { id, username: input.username, role: 'admin' as const };
    });
    const { token, csrfToken } = await sessions.create(account.id);
    await appendAudit(deps.db, { actor: `user:${account.username}`, action: 'session.created', outcome: 'success', targetType: 'account', targetId: account.id, detail: { method: 'setup link' } });
    setSessionCookie(req, res, token, sessions.maxAgeMs);
    send(res, endpoints.completeSetup, 201, { user: account, csrfToken });
  });
}
