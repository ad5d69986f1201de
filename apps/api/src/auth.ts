// Who is calling, and may they? Every /api/v1 route except health and ready passes `authenticate`, which
// asks each authenticator in turn: an API key in `Authorization: Bearer` today; the dashboard's session
// cookie (with its CSRF check) plugs in as a second authenticator. Roles rank as the contract's ROLE_RANK says.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Request, RequestHandler, Response } from 'express';
import { roleAllows } from '@tokenfleet/contract';
import { apiKeys, VALIDATOR_ROLE, type Database, type Role } from '@tokenfleet/db';
import { ApiError } from './errors';

export type { Role };

export interface Principal {
  kind: 'api-key' | 'user';
  id: string;
  name: string;
  role: Role;
  /** What audit rows name as the actor: `api-key:<name>` or `user:<name>`. */
  actor: string;
}

/**
 * Answers the caller's principal, or null when the request carries no credential of this kind (the next
 * authenticator gets a turn). A credential of its kind that is wrong throws a 401 ApiError.
 */
export type Authenticator = (req: Request) => Promise<Principal | null>;

export function authenticate(authenticators: readonly Authenticator[]): RequestHandler {
  return async (req, res, next) => {
    for (const authenticator of authenticators) {
      const principal = await authenticator(req);
      if (principal) {
        res.locals.principal = principal;
        next();
        return;
      }
    }
    throw new ApiError(401, 'unauthenticated', 'Sign in, or send an API key as `Authorization: Bearer <api key>`');
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  // Routes behind `authenticate` always have one; reaching here without is a wiring mistake.
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}

export function hasRole(principal: Principal, role: Role): boolean {
  return roleAllows(principal.role, role);
}

export function requireRole(role: Role): RequestHandler {
  return (_req, res, next) => {
    const principal = principalOf(res);
    if (!hasRole(principal, role)) {
      throw new ApiError(403, 'forbidden', `This needs the ${role} role; ${principal.kind === 'api-key' ? 'this API key' : 'your account'} has the ${principal.role} role`);
    }
    next();
  };
}

// ---------------------------------------------------------------------------------------------------------
// API keys

/** Keys are 256 random bits, so a plain SHA-256 is enough to look them up without storing them. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateApiKey(): { key: string; keyHash: string; keyPrefix: string } {
  const key = `tfk_${randomBytes(32).toString('base64url')}`;
  return { key, keyHash: hashApiKey(key), keyPrefix: keyPrefixOf(key) };
}

export const keyPrefixOf = (key: string): string => key.slice(0, 8);

/** `last_used_at` is written at most this often per key, so reads do not turn into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function apiKeyAuthenticator(db: Database, now: () => number = Date.now): Authenticator {
  return async (req) => {
    const header = req.headers.authorization;
    if (!header) return null;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new ApiError(401, 'unauthenticated', 'The Authorization header must be `Bearer <api key>`');
    const [key] = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, hashApiKey(match[1]!)));
    if (!key) throw new ApiError(401, 'invalid_api_key', 'This API key is not known; ask an admin for a new one');
    if (key.revokedAt) throw new ApiError(401, 'invalid_api_key', 'This API key was revoked; ask an admin for a new one');
    if (key.role === VALIDATOR_ROLE) {
      throw new ApiError(403, 'validator_key', 'This is a validator key: it works only on the validation routes at the server root (/validate, /createuser, /api.php)');
    }
    if (!key.lastUsedAt || now() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await db.update(apiKeys).set({ lastUsedAt: new Date(now()) }).where(eq(apiKeys.id, key.id));
    }
    return { kind: 'api-key', id: key.id, name: key.name, role: key.role, actor: `api-key:${key.name}` };
  };
}

/**
 * Makes sure an admin key with the value of TOKENFLEET_BOOTSTRAP_API_KEY exists, so a fresh installation
 * can be driven at all. A key revoked since stays revoked. Returns whether a key was created.
 */
export async function ensureBootstrapApiKey(db: Database, key: string): Promise<boolean> {
  const created = await db
    .insert(apiKeys)
    .values({ id: randomUUID(), name: 'bootstrap', keyHash: hashApiKey(key), keyPrefix: keyPrefixOf(key), role: 'admin' })
    .onConflictDoNothing({ target: apiKeys.keyHash })
    .returning({ id: apiKeys.id });
  return created.length > 0;
}
