// Seeds at rest: after writing tokens with encrypted seeds, nothing in the tokens table, read column by
// column or dumped row by row as text (what pg_dump would write), contains a seed in any of the forms it
// could take: its Base32 text, its raw bytes as hex or base64, or the Base32 text's own bytes as hex.
import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { base32Encode } from '@tokenfleet/domain';
import { tokens } from '../src/schema';
import { createSeedVault, toMasterKey } from '../src/seed-vault';
import { insertTenant, tokenRow, useTestDatabase } from './fixtures';

const testDatabase = useTestDatabase();

interface Seed {
  base32: string;
  raw: Buffer;
}

function newSeed(): Seed {
  const raw = randomBytes(20);
  return { raw, base32: base32Encode(raw) };
}

/** Every spelling of a seed that could betray it, lower-cased (the haystack is lower-cased too). */
function spellings(seed: Seed): string[] {
  const text = Buffer.from(seed.base32, 'utf8');
  return [
    seed.base32,
    seed.raw.toString('hex'),
    seed.raw.toString('base64'),
    seed.raw.toString('base64url'),
    text.toString('hex'),
    text.toString('base64'),
  ].map((spelling) => spelling.toLowerCase());
}

/** Every way a column value can be read as text, so a seed in any column shows up in at least one. */
function readings(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (Buffer.isBuffer(value)) {
    return [value.toString('hex'), value.toString('base64'), value.toString('latin1'), value.toString('utf8')];
  }
  if (value instanceof Date) return [value.toISOString()];
  return [typeof value === 'object' ? JSON.stringify(value) : String(value)];
}

/** Cells (`row/column`) and dumped rows of the tokens table that contain any spelling of any seed. */
async function findSeedsInTokensTable(sql: postgres.Sql | postgres.TransactionSql, seeds: Seed[]) {
  const needles = seeds.flatMap(spellings);
  const found: string[] = [];
  const rows = await sql.unsafe<Record<string, unknown>[]>('select * from tokens');
  for (const [index, row] of rows.entries()) {
    for (const [column, value] of Object.entries(row)) {
      const texts = readings(value).map((text) => text.toLowerCase());
      if (needles.some((needle) => texts.some((text) => text.includes(needle)))) found.push(`${index}/${column}`);
    }
  }
  // The whole row through Postgres's own text output, as pg_dump's COPY writes it (bytea as \x hex).
  const dumped = await sql.unsafe<{ line: string }[]>('select t::text as line from tokens t');
  for (const { line } of dumped) {
    if (needles.some((needle) => line.toLowerCase().includes(needle))) found.push(`dump: ${line.slice(0, 60)}`);
  }
  return { found, rowCount: rows.length };
}

describe('seeds at rest', () => {
  const vault = createSeedVault({ current: toMasterKey(randomBytes(32)) });
  const seeds = Array.from({ length: 8 }, newSeed);

  it('stores no seed in clear anywhere in the tokens table, and each row decrypts to its own seed', async () => {
    const { db, sql } = testDatabase.client;
    const tenant = await insertTenant(db);
    const rows = seeds.map((seed, index) => {
      const id = randomUUID();
      const { keyId, ciphertext } = vault.encrypt(id, seed.base32);
      // Serial and display name are free text in seed files; make them look like what people send.
      return tokenRow(tenant, { id, serialNumber: `GA${1000 + index}`, secretKeyId: keyId, secretCiphertext: ciphertext });
    });
    await db.insert(tokens).values(rows);

    const { found, rowCount } = await findSeedsInTokensTable(sql, seeds);
    expect(rowCount).toBe(seeds.length);
    expect(found).toEqual([]);

    for (const [index, written] of rows.entries()) {
      const [read] = await db.select().from(tokens).where(eq(tokens.id, written.id!));
      expect(vault.decrypt(read!.id, read!.secretKeyId!, read!.secretCiphertext!)).toBe(seeds[index]!.base32);
    }
  });

  // Without this, the scan above could pass by never looking: a seed written in clear must be found.
  it('the scan does find a seed stored in clear, in a bytea column or a text column', async () => {
    const { db, sql } = testDatabase.client;
    const tenant = await insertTenant(db);
    const leakedInBytea = newSeed();
    const leakedInText = newSeed();
    const rolledBack = new Error('roll back the planted rows');
    const outcome = sql.begin(async (tx) => {
      // Written with plain SQL, the way a careless query might, bypassing the vault.
      const planted = (serial: string, leak: Record<string, unknown>) => ({
        id: randomUUID(),
        tenant_id: tenant,
        serial_number: serial,
        manufacturer: 'm',
        model: 'm',
        display_name: 'd',
        hash_function: 'hmacsha1',
        state: 'imported',
        ...leak,
      });
      await tx`insert into tokens ${tx(
        planted('LEAK-1', { secret_key_id: 'kplain', secret_ciphertext: Buffer.from(leakedInBytea.base32, 'utf8') }),
      )}`;
      await tx`insert into tokens ${tx(
        planted('LEAK-2', { last_error: `activation failed for seed ${leakedInText.raw.toString('hex')}` }),
      )}`;
      const { found } = await findSeedsInTokensTable(tx, [leakedInBytea, leakedInText]);
      expect(found.filter((cell) => !cell.startsWith('dump'))).toEqual(
        expect.arrayContaining([expect.stringMatching(/\/secret_ciphertext$/), expect.stringMatching(/\/last_error$/)]),
      );
      expect(found.filter((cell) => cell.startsWith('dump'))).toHaveLength(2);
      throw rolledBack;
    });
    await expect(outcome).rejects.toBe(rolledBack);
  });
});
