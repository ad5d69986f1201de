// Applies the SQL migrations in /drizzle. The API and the worker both migrate at start-up and may start
// at the same moment, so the whole run happens under a Postgres advisory lock held on one dedicated
// connection: the second process waits, then finds nothing left to do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

/** Resolved from this file, not the working directory, so any process started anywhere finds it. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/** Where drizzle's migrator records what it applied (its defaults, spelled out for the queries below). */
const MIGRATIONS_SCHEMA = 'drizzle';
const MIGRATIONS_TABLE = '__drizzle_migrations';

/**
 * Session-level advisory lock key for migrations: the ASCII bytes of "tokenfle" read as a bigint. Any
 * constant works as long as every Tokenfleet process uses the same one and nothing else does.
 */
export const MIGRATION_LOCK_KEY = '8390042714202598501';

export interface MigrationLogger {
  info: (message: string) => void;
}

export interface MigrationResult {
  /** Tags of the migrations this call applied (empty when another process, or an earlier run, did). */
  applied: string[];
}

interface JournalEntry {
  tag: string;
  when: number;
}

function readJournal(): JournalEntry[] {
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as {
    entries: JournalEntry[];
  };
  return journal.entries;
}

/** Redacts the password from a connection URL so it can appear in a log line. */
function describeDatabase(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'the configured database';
  }
}

export async function runMigrations(
  databaseUrl: string,
  options: { logger?: MigrationLogger } = {},
): Promise<MigrationResult> {
  const log = options.logger?.info ?? (() => {});
  const journal = readJournal();
  // One connection: a session-level advisory lock belongs to the connection that took it, so the
  // migrator must run on that same connection. Notices ("schema already exists, skipping") are noise.
  const sql = postgres(databaseUrl, {
    max: 1,
    onnotice: () => {},
    connection: { application_name: 'tokenfleet-migrate' },
  });
  try {
    const [free] = await sql<{ locked: boolean }[]>`select pg_try_advisory_lock(${MIGRATION_LOCK_KEY}::bigint) as locked`;
    if (!free?.locked) {
      log(`Another process is migrating ${describeDatabase(databaseUrl)}; waiting for it to finish`);
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`;
    }
    try {
      const before = await appliedMigrationTimes(sql);
      await migrate(drizzle(sql), {
        migrationsFolder: MIGRATIONS_FOLDER,
        migrationsSchema: MIGRATIONS_SCHEMA,
        migrationsTable: MIGRATIONS_TABLE,
      });
      const after = await appliedMigrationTimes(sql);
      // drizzle's migrator applies only migrations newer than the newest applied one, so a migration
      // merged with an older timestamp would be skipped without a word. Refuse to start instead.
      const skipped = journal.filter((entry) => !after.has(entry.when)).map((entry) => entry.tag);
      if (skipped.length > 0) {
        throw new Error(
          `Migrations ${skipped.join(', ')} were not applied because newer ones already were; ` +
            'regenerate them so they sort after the last applied migration',
        );
      }
      const applied = journal.filter((entry) => !before.has(entry.when)).map((entry) => entry.tag);
      log(
        applied.length > 0
          ? `Applied migrations ${applied.join(', ')} to ${describeDatabase(databaseUrl)}`
          : `Database ${describeDatabase(databaseUrl)} is up to date`,
      );
      return { applied };
    } finally {
      // Best effort: if the connection broke, the server has already dropped the lock with the session,
      // and an unlock error here would hide the error that actually stopped the migration.
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`.catch(() => {});
    }
  } finally {
    await sql.end();
  }
}

/** The `created_at` (the journal's `when`) of every recorded migration; empty on a fresh database. */
async function appliedMigrationTimes(sql: postgres.Sql): Promise<Set<number>> {
  const [table] = await sql<{ name: string | null }[]>`
    select to_regclass(${`"${MIGRATIONS_SCHEMA}"."${MIGRATIONS_TABLE}"`})::text as name`;
  if (!table?.name) return new Set();
  const rows = await sql<{ createdAt: string }[]>`
    select created_at::text as "createdAt" from ${sql(MIGRATIONS_SCHEMA)}.${sql(MIGRATIONS_TABLE)}`;
  return new Set(rows.map((row) => Number(row.createdAt)));
}
