// API keys (admin): list, create (the key is shown once, only its hash is stored), revoke.
import { randomUUID } from 'node:crypto';
import { and, desc, eq, isNull } from 'drizzle-orm';
import type { Router } from 'express';
import { z } from 'zod';
import { KEY_ROLES, apiKeys, appendAudit, type ApiKey } from '@tokenfleet/db';
import { generateApiKey, principalOf, requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { notFound } from '../errors';
import { isUuid, parseInput, pathId } from '../validation';

function apiKeyItem(row: ApiKey) {
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

const newKey = z.object({
  name: z.string().trim().min(1).max(100).regex(/^[\w .@-]+$/, 'letters, digits, spaces and . _ @ - only'),
  // `validator` keys work only on the validation routes (docs/validation-api.md).
  role: z.enum(KEY_ROLES),
});

export function apiKeyRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;
  const admin = requireRole('admin');

  router.get('/api-keys', admin, async (_req, res) => {
    const rows = await db.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
    res.json(rows.map(apiKeyItem));
  });

  router.post('/api-keys', admin, async (req, res) => {
    const input = parseInput(newKey, req.body, 'request body');
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
    res.status(201).json({ ...apiKeyItem(row), key });
  });

  router.delete('/api-keys/:id', admin, async (req, res) => {
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
