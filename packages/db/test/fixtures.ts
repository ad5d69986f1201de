// What the database tests share: a migrated database of the file's own with a client on it, a tenant,
// and a token with every required column filled in.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createTestDatabase } from '@tokenfleet/test-harness';
import type { TestDatabase } from '@tokenfleet/test-harness';
import { createDb } from '../src/client';
import type { Database, DbClient } from '../src/client';
import { tenants, tokens } from '../src/schema';
import type { NewToken } from '../src/schema';

/**
 * Creates this test file's database before its tests and drops it after them. Call at the top level of a
 * test file; read `client` inside tests (it exists only once beforeAll has run).
 */
export function useTestDatabase(): { readonly client: DbClient } {
  let database: TestDatabase | undefined;
  let client: DbClient | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    client = createDb(database.url, { max: 2 });
  });
  afterAll(async () => {
    await client?.close();
    await database?.drop();
  });
  return {
    get client() {
      if (!client) throw new Error('the test database is not ready: read `client` inside a test');
      return client;
    },
  };
}

export async function insertTenant(db: Database, id = `t${randomUUID().slice(0, 8)}`): Promise<string> {
  await db.insert(tenants).values({ id, name: `Tenant ${id}`, mode: 'sandbox' });
  return id;
}

export function tokenRow(tenantId: string, overrides: Partial<NewToken> = {}): NewToken {
  return {
    id: randomUUID(),
    tenantId,
    serialNumber: `SN-${randomUUID().slice(0, 12)}`,
    manufacturer: 'Token2',
    model: 'C302',
    displayName: 'Token2 C302',
    hashFunction: 'hmacsha1',
    state: 'imported',
    ...overrides,
  };
}

export async function insertToken(db: Database, tenantId: string, overrides: Partial<NewToken> = {}) {
  const [row] = await db.insert(tokens).values(tokenRow(tenantId, overrides)).returning();
  if (!row) throw new Error('token insert returned no row');
  return row;
}
