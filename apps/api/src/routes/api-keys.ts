// API keys (admin): list, create (the key is shown once, only its hash is stored), revoke.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Router } from 'express';
import { endpoints, NewApiKey, type ApiKey as ApiKeyView } from '@tokenfleet/contract';
import { apiKeys, appendAudit, type ApiKey } from '@tokenfleet/db';
import { generateApiKey, principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { notFound } from '../errors';
import { isUuid, parseInput, pathId } from '../validation';

function apiKeyItem(row: ApiKey): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    keyPrefix: row.keyPrefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export function apiKeyRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;
  route(router, endpoints.listApiKeys, async (_req, res) => {
    const rows = await db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
    send(res, endpoints.listApiKeys, 200, rows.map(apiKeyItem));
  });

  route(router, endpoints.createApiKey, async (req, res) => {
    const input = parseInput(NewApiKey, req.body, 'request body');
    const { key, keyHash, keyPrefix } = generateApiKey();
    const row = await db.transaction(async (tx) => {
      const [created] = await tx.insert(apiKeys).values({ id: randomUUID(), name: input.name, role: input.role, keyHash, keyPrefix }).returning();
      await appendAudit(tx, {
        actor: principalOf(res).actor,
        action: 'api_key.created',
        outcome: 'success',
        targetType: 'api_key',
        targetId: created!.id,
        detail: { name: input.name, role: input.role, keyPrefix },
      });
      return created!;
    });
    send(res, endpoints.createApiKey, 201, { ...apiKeyItem(row), key });
  });

  route(router, endpoints.revokeApiKey, async (req, res) => {
    const id = pathId(req.params);
    const [existing] = isUuid(id) ? await db.select().from(apiKeys).where(eq(apiKeys.id, id)) : [];
    if (!existing) throw notFound(`API key ${id}`);
    await db.transaction(async (tx) => {
      const [revoked] = await tx.update(apiKeys).set({ revokedAt: new Date() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
      // Revoking twice is harmless and writes one audit row.
      if (revoked) {
        await appendAudit(tx, { actor: principalOf(res).actor, action: 'api_key.revoked', outcome: 'success', targetType: 'api_key', targetId: id, detail: { name: existing.name } });
      }
    });
    res.status(204).end();
  });
}
