// Dashboard accounts (admin): list, create, change role or password, disable. Disabling an account or
// changing its password ends its sessions.
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { Router } from 'express';
import { z } from 'zod';
import { accounts, API_KEY_ROLES, appendAudit, postgresErrorCode, PG_UNIQUE_VIOLATION, type Account, type Database } from '@tokenfleet/db';
import { principalOf, requireRole, type Role } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError, notFound } from '../errors';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../passwords';
import type { SessionStore } from '../sessions';
import { isUuid, parseInput, pathId } from '../validation';

const password = z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(1024);
const newAccount = z.object({
  username: z.string().trim().min(1).max(128).regex(/^[\w.@-]+$/, 'letters, digits and . _ @ - only'),
  password,
  role: z.enum(API_KEY_ROLES),
});
const accountChange = z.object({ role: z.enum(API_KEY_ROLES).optional(), password: password.optional(), disabled: z.boolean().optional() }).strict();

export function accountItem(row: Account) {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    disabled: row.disabledAt !== null,
    lastLoginAt: row.lastLoginAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Creates an account unless one with that username exists; answers whether it did (for start-up). */
export async function ensureAccount(db: Database, input: { username: string; password: string; role: Role }): Promise<boolean> {
  const created = await db
    .insert(accounts)
    .values({ id: randomUUID(), username: input.username, passwordHash: await hashPassword(input.password), role: input.role })
    .onConflictDoNothing()
    .returning({ id: accounts.id });
  return created.length > 0;
}

export function accountRoutes(router: Router, deps: ApiDeps, store: SessionStore): void {
  const { db } = deps;
  const admin = requireRole('admin');

  router.get('/accounts', admin, async (_req, res) => {
    res.json((await db.select().from(accounts).orderBy(asc(accounts.username))).map(accountItem));
  });

  router.post('/accounts', admin, async (req, res) => {
    const input = parseInput(newAccount, req.body, 'request body');
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await db.transaction(async (tx) => {
        const [created] = await tx.insert(accounts).values({ id: randomUUID(), username: input.username, passwordHash, role: input.role }).returning();
        await appendAudit(tx, { actor: principalOf(res).actor, action: 'account.created', outcome: 'success', targetType: 'account', targetId: created!.id, detail: { username: input.username, role: input.role } });
        return created!;
      });
      res.status(201).json(accountItem(row));
    } catch (error) {
      if (postgresErrorCode(error) === PG_UNIQUE_VIOLATION) throw new ApiError(409, 'username_taken', `There is already an account named ${input.username}`);
      throw error;
    }
  });

  router.patch('/accounts/:id', admin, async (req, res) => {
    const id = pathId(req.params);
    const change = parseInput(accountChange, req.body, 'request body');
    const [existing] = isUuid(id) ? await db.select().from(accounts).where(eq(accounts.id, id)) : [];
    if (!existing) throw notFound(`Account ${id}`);
    const passwordHash = change.password ? await hashPassword(change.password) : undefined;
    const row = await db.transaction(async (tx) => {
      const [updated] = await tx
        .update(accounts)
        .set({
          ...(change.role ? { role: change.role } : {}),
          ...(passwordHash ? { passwordHash } : {}),
          ...(change.disabled === undefined ? {} : { disabledAt: change.disabled ? (existing.disabledAt ?? new Date()) : null }),
        })
        .where(eq(accounts.id, id))
        .returning();
      await appendAudit(tx, {
        actor: principalOf(res).actor,
        action: 'account.updated',
        outcome: 'success',
        targetType: 'account',
        targetId: id,
        // Which fields changed, never the password itself.
        detail: { ...(change.role ? { role: change.role } : {}), ...(change.disabled === undefined ? {} : { disabled: change.disabled }), passwordChanged: Boolean(passwordHash) },
      });
      return updated!;
    });
    if (passwordHash || change.disabled) await store.endAll(id);
    res.json(accountItem(row));
  });
}
