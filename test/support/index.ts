// Per-test-file isolation on real servers: each caller gets a database of its own (created from
// template0, migrated, dropped afterwards) and a Redis key prefix of its own, so test files never see
// each other's data and can run in parallel.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { runMigrations } from '@tokenfleet/db';

export function testServices(): { databaseUrl: string; redisUrl: string } {
  return { databaseUrl: inject('databaseUrl'), redisUrl: inject('redisUrl') };
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export interface TestDatabase {
  /** URL of the new, migrated database. */
  url: string;
  /** Drops the database; call in afterAll. */
  drop: () => Promise<void>;
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  return createScratchDatabase(testServices().databaseUrl, { ...options, label: 'test' });
}

/**
 * A fresh database beside the one `databaseUrl` names (for tests and benchmarks): created from
 * template0, migrated unless told otherwise, dropped by `drop()`.
 */
export async function createScratchDatabase(databaseUrl: string, options: { migrate?: boolean; label?: string } = {}): Promise<TestDatabase> {
  const name = `tf_${options.label ?? 'scratch'}_${randomBytes(6).toString('hex')}`;
  const admin = postgres(withDatabase(databaseUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE template0`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(databaseUrl, name);
  if (options.migrate !== false) await runMigrations(url);
  return {
    url,
    drop: async () => {
      const sql = postgres(withDatabase(databaseUrl, 'postgres'), { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await sql.end();
      }
    },
  };
}

/** A Redis key prefix no other test file uses (BullMQ `prefix`, ioredis `keyPrefix`). */
export function testRedisPrefix(label = 'test'): string {
  return `tft-${label}-${randomBytes(5).toString('hex')}`;
}
export { sandboxSignIn, signInWithSandbox } from './sign-in';
export type { SandboxSignIn } from './sign-in';
