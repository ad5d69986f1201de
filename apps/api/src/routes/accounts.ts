// Dashboard accounts (admin): list, create, change role or password, disable. Disabling an account or
// changing its password ends its sessions.
import { randomUUID } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import type { Router } from 'express';
import { AccountChange, endpoints, NewAccount, type Account as AccountView } from '@tokenfleet/contract';
import { accounts, appendAudit, postgresErrorCode, PG_UNIQUE_VIOLATION, type Account, type Database } from '@tokenfleet/db';
import { principalOf, type Role } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError, notFound } from '../errors';
import { hashPassword } from '../passwords';
import type { SessionStore } from '../sessions';
import { isUuid, parseInput, pathId } from '../validation';

export function accountItem(row: Account): AccountView {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    source: row.entraObjectId ? 'microsoft' : 'local',
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
  route(router, endpoints.listAccounts, async (_req, res) => {
    send(res, endpoints.listAccounts, 200, (await db.select().from(accounts).orderBy(asc(accounts.username))).map(accountItem));
  });

  route(router, endpoints.createAccount, async (req, res) => {
    const input = parseInput(NewAccount, req.body, 'request body');
    const passwordHash = await hashPassword(input.password);
    try {
      const row = await db.transaction(async (tx) => {
        const [created] = await tx.insert(accounts).values({ id: randomUUID(), username: input.username, passwordHash, role: input.role }).returning();
        await appendAudit(tx, { actor: principalOf(res).actor, action: 'account.created', outcome: 'success', targetType: 'account', targetId: created!.id, detail: { username: input.username, role: input.role } });
        return created!;
      });
      send(res, endpoints.createAccount, 201, accountItem(row));
    } catch (error) {
      if (postgresErrorCode(error) === PG_UNIQUE_VIOLATION) throw new ApiError(409, 'username_taken', `There is already an account named ${input.username}`);
      throw error;
    }
  });

  route(router, endpoints.changeAccount, async (req, res) => {
    const id = pathId(req.params);
    const change = parseInput(AccountChange, req.body, 'request body');
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
    send(res, endpoints.changeAccount, 200, accountItem(row));
  });
}
