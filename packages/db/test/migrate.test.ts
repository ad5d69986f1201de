// Migrations on a real, fresh database: several processes starting at once (the API and the worker do)
// must apply each migration exactly once, and nobody may fail.
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@tokenfleet/test-harness';
import type { TestDatabase } from '@tokenfleet/test-harness';
import { MIGRATION_LOCK_KEY, MIGRATIONS_FOLDER, runMigrations } from '../src/migrate';

const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
  entries: { tag: string; when: number }[];
};
const allTags = journal.entries.map((entry) => entry.tag);

let database: TestDatabase;
let sql: postgres.Sql;

beforeAll(async () => {
  database = await createTestDatabase({ migrate: false });
  sql = postgres(database.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await sql?.end();
  await database?.drop();
});

describe('runMigrations', () => {
  it('applies every migration once when several callers start together on a fresh database', async () => {
    const callers = 5;
    const messages: string[] = [];
    const logger = { info: (message: string) => messages.push(message) };
    const outcomes = await Promise.allSettled(
      Array.from({ length: callers }, () => runMigrations(database.url, { logger })),
    );

    const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(failures).toEqual([]);
    const applied = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value.applied : []));
    // Exactly one caller did the work; the rest waited on the lock and found nothing to do.
    expect(applied.sort()).toEqual([...allTags].sort());

    const rows = await sql<{ createdAt: string; copies: number }[]>`
      select created_at::text as "createdAt", count(*)::int as copies
      from drizzle.__drizzle_migrations group by created_at order by created_at`;
    expect(rows.map((row) => Number(row.createdAt))).toEqual(journal.entries.map((entry) => entry.when));
    expect(rows.every((row) => row.copies === 1)).toBe(true);
    expect(messages.some((message) => message.startsWith('Applied migrations'))).toBe(true);
  });

  it('creates the schema the application expects', async () => {
    const tables = await sql<{ name: string }[]>`
      select table_name as name from information_schema.tables
      where table_schema = current_schema() order by table_name`;
    expect(tables.map((table) => table.name)).toEqual([
      'accounts',
      'api_keys',
      'audit_events',
      'bulk_action_skips',
      'bulk_actions',
      'directory_users',
      'import_row_errors',
      'imports',
      'inventory_syncs',
      'operations',
      'portal_sessions',
      'sessions',
      'setup_tokens',
      'tenants',
      'tokens',
      'unmanaged_devices',
      'validation_users',
      'webhook_deliveries',
      'webhook_joiners',
      'webhook_sources',
    ]);
  });

  it('finds nothing to do on a database that is up to date', async () => {
    await expect(runMigrations(database.url)).resolves.toEqual({ applied: [] });
  });

  it('leaves no session holding the migration lock', async () => {
    const [row] = await sql<{ locked: boolean }[]>`
      select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}::bigint) as locked`;
    expect(row?.locked).toBe(true);
    await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`;
  });

  it('refuses to carry on when a migration older than the newest applied one was never applied', async () => {
    // What a branch merged with an older migration looks like: drizzle's migrator alone would skip it.
    const other = await createTestDatabase();
    const otherSql = postgres(other.url, { max: 1, onnotice: () => {} });
    try {
      const [first] = journal.entries;
      await otherSql`delete from drizzle.__drizzle_migrations where created_at = ${first!.when}`;
      await expect(runMigrations(other.url)).rejects.toThrow(
        `Migrations ${first!.tag} were not applied because newer ones already were`,
      );
    } finally {
      await otherSql.end();
      await other.drop();
    }
  });
});
