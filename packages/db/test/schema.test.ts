// Constraints the database itself enforces, so no code path can get around them.
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { PG_CHECK_VIOLATION, PG_UNIQUE_VIOLATION, postgresErrorCode } from '../src/client';
import { operations, tenants, tokens } from '../src/schema';
import { insertTenant, insertToken, useTestDatabase } from './fixtures';

const testDatabase = useTestDatabase();

/** The SQLSTATE a promise rejects with (fails the test if it resolves). */
async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected the database to refuse this').toBeDefined();
  return postgresErrorCode(error);
}

describe('tokens', () => {
  it('keeps serial numbers unique within a tenant, while two tenants may hold the same serial', async () => {
    const { db } = testDatabase.client;
    const first = await insertTenant(db);
    const second = await insertTenant(db);
    await insertToken(db, first, { serialNumber: 'GA-0001' });
    await insertToken(db, second, { serialNumber: 'GA-0001' });

    expect(await rejectionCode(insertToken(db, first, { serialNumber: 'GA-0001' }))).toBe(PG_UNIQUE_VIOLATION);
    const rows = await db.select().from(tokens).where(eq(tokens.serialNumber, 'GA-0001'));
    expect(rows.map((row) => row.tenantId).sort()).toEqual([first, second].sort());
  });

  it('refuses an unknown state and a key id without its ciphertext', async () => {
    const { db } = testDatabase.client;
    const tenant = await insertTenant(db);
    expect(
      await rejectionCode(testDatabase.client.sql`insert into tokens (id, tenant_id, serial_number, manufacturer, model,
        display_name, hash_function, state) values (${randomUUID()}, ${tenant}, 'X1', 'm', 'm', 'd', 'hmacsha1', 'misplaced')`),
    ).toBe(PG_CHECK_VIOLATION);
    expect(await rejectionCode(insertToken(db, tenant, { secretKeyId: 'k12345678' }))).toBe(PG_CHECK_VIOLATION);
  });

  it('round-trips the typed columns: bytea as Buffer, timestamptz as Date, bigint step as number', async () => {
    const { db } = testDatabase.client;
    const tenant = await insertTenant(db);
    const ciphertext = Buffer.from([0, 1, 2, 253, 254, 255]);
    const lockedUntil = new Date('2030-01-02T03:04:05.678Z');
    const written = await insertToken(db, tenant, {
      secretKeyId: 'k00000000',
      secretCiphertext: ciphertext,
      lastAcceptedStep: 59_000_000,
      lockedUntil,
    });
    const [read] = await db.select().from(tokens).where(eq(tokens.id, written.id));
    expect(Buffer.isBuffer(read?.secretCiphertext)).toBe(true);
    expect(read?.secretCiphertext?.equals(ciphertext)).toBe(true);
    expect(read?.lockedUntil?.toISOString()).toBe(lockedUntil.toISOString());
    expect(read?.lastAcceptedStep).toBe(59_000_000);
    expect(read).toMatchObject({ digits: 6, timeIntervalSeconds: 30, generation: 0, driftSteps: 0 });
  });

  it('moves updated_at forward when a row is updated through drizzle', async () => {
    const { db } = testDatabase.client;
    const tenant = await insertTenant(db);
    const written = await insertToken(db, tenant, { updatedAt: new Date('2020-01-01T00:00:00Z') });
    const [updated] = await db
      .update(tokens)
      .set({ state: 'created' })
      .where(eq(tokens.id, written.id))
      .returning();
    expect(updated!.updatedAt.getTime()).toBeGreaterThan(written.updatedAt.getTime());
  });
});

describe('tenants', () => {
  it('refuses ids that cannot appear in a queue name', async () => {
    for (const id of ['acme:eu', 'acme eu', '', 'ä']) {
      expect(await rejectionCode(testDatabase.client.db.insert(tenants).values({ id, name: 'x', mode: 'live' }))).toBe(
        PG_CHECK_VIOLATION,
      );
    }
  });
});

describe('operations', () => {
  it('allows one operation per token, kind and generation', async () => {
    const { db } = testDatabase.client;
    const tenant = await insertTenant(db);
    const token = await insertToken(db, tenant);
    const operation = (generation: number) => ({
      id: randomUUID(),
      tenantId: tenant,
      tokenId: token.id,
      kind: 'token.activate' as const,
      status: 'pending' as const,
      generation,
      createdBy: 'user:alice',
    });
    await db.insert(operations).values(operation(0));
    await db.insert(operations).values(operation(1));
    expect(await rejectionCode(db.insert(operations).values(operation(1)))).toBe(PG_UNIQUE_VIOLATION);
  });
});
