// The connection every process uses: a postgres.js pool wrapped in drizzle with the schema attached, so
// both the query builder (`db`) and hand-written SQL (`sql`) share one pool.
import { drizzle } from 'drizzle-orm/postgres-js';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema';

export type Database = PostgresJsDatabase<typeof schema>;
/** The postgres.js pool under a drizzle handle, for a hand-written statement on the same connections. */
export const sqlOf = (db: Database): postgres.Sql => (db as Database & { $client: postgres.Sql }).$client;
/** The handle a `db.transaction(async (tx) => ...)` callback receives. */
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Functions that write as part of a caller's transaction take either. */
export type DbOrTx = Database | Transaction;

export interface DbClient {
  db: Database;
  sql: postgres.Sql;
  /** Waits for running queries (up to 5 s), then closes every connection. */
  close: () => Promise<void>;
}

export interface CreateDbOptions {
  /** Pool size; postgres.js defaults to 10. */
  max?: number;
  /** Shown in pg_stat_activity, so an operator can tell the API's connections from the worker's. */
  applicationName?: string;
}

export function createDb(databaseUrl: string, options: CreateDbOptions = {}): DbClient {
  const sql = postgres(databaseUrl, {
    max: options.max ?? 10,
    // postgres.js prints notices with console.log by default; none of ours carry anything to act on.
    onnotice: () => {},
    // No catalog query on each new connection: postgres.js runs it with its promise dropped, so when the
    // server goes away at that moment (an outage, a failover) the failure escapes as an unhandled
    // rejection that no caller can catch and that ends the process (porsager/postgres#1192). The query
    // only teaches it PostgreSQL array types, and no column or query of ours returns an array.
    fetch_types: false,
    connection: { application_name: options.applicationName ?? 'tokenfleet' },
  });
  const db = drizzle(sql, { schema });
  return { db, sql, close: () => sql.end({ timeout: 5 }) };
}

/**
 * The SQLSTATE of a failed query (e.g. `23505` unique violation), looking through drizzle's
 * DrizzleQueryError to the postgres.js error it wraps. Undefined for errors that did not come from Postgres.
 */
export function postgresErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof postgres.PostgresError) return current.code;
    current = current.cause;
  }
  return undefined;
}

/** postgres.js's own codes for a connection that failed or went away, and node's for one never made. */
const CONNECTION_ERROR_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * Whether an error says PostgreSQL is not answering (refused, dropped, shutting down, still starting),
 * as opposed to a query it answered with an error. Work that meets this waits for the server; it is
 * not the work's fault.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof postgres.PostgresError) {
      // Class 08: connection exception; 57P01–57P03: admin shutdown, crash shutdown, cannot connect now.
      return current.code.startsWith('08') || ['57P01', '57P02', '57P03'].includes(current.code);
    }
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CONNECTION_ERROR_CODES.has(code)) return true;
    current = current.cause;
  }
  return false;
}

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_CHECK_VIOLATION = '23514';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
