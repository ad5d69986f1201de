// Set-based inserts for the import's hot path. The rows travel as ONE JSON parameter that Postgres
// expands with json_populate_recordset. drizzle's insert builder costs about 85 ms of CPU and a heap full
// of short-lived objects per 500 rows (measured: a 100,000-row import took ~27 s and peaked near 300 MB
// RSS with it, ~8 s and ~235 MB with this), and that CPU time stalls every other request too.
import { sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { DbOrTx } from '@tokenfleet/db';

export type ColumnMap<Row> = { readonly [K in keyof Row]: PgColumn };

function toJsonValue(value: unknown): unknown {
  // bytea's text input form; JSON has no binary type.
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  return value;
}

const identifiers = (columns: readonly PgColumn[]): SQL => sql.join(columns.map((column) => sql.identifier(column.name)), sql`, `);

/**
 * `INSERT INTO table (columns) SELECT columns FROM json_populate_recordset(...)`, optionally skipping rows
 * that hit a unique constraint, answering the `returning` columns of the rows inserted. Columns not in
 * `columns` take their defaults.
 */
export async function insertAsRecordset<Row, Returning extends Record<string, PgColumn>>(
  tx: DbOrTx,
  table: PgTable,
  columns: ColumnMap<Row>,
  rows: readonly Row[],
  options: { onConflictDoNothing?: readonly PgColumn[]; returning: Returning },
): Promise<{ [K in keyof Returning]: Returning[K]['_']['data'] }[]> {
  if (rows.length === 0) return [];
  const entries = Object.entries(columns) as [keyof Row & string, PgColumn][];
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(entries.map(([field, column]) => [column.name, toJsonValue(row[field])]))));
  const names = identifiers(entries.map(([, column]) => column));
  const returning = sql.join(
    (Object.entries(options.returning) as [string, PgColumn][]).map(([field, column]) => sql`${sql.identifier(column.name)} as ${sql.identifier(field)}`),
    sql`, `,
  );
  const conflict = options.onConflictDoNothing ? sql`on conflict (${identifiers(options.onConflictDoNothing)}) do nothing` : sql``;
  const inserted = await tx.execute(sql`
    insert into ${table} (${names})
    select ${names} from json_populate_recordset(null::${table}, ${json}::json)
    ${conflict}
    returning ${returning}`);
  return [...inserted] as { [K in keyof Returning]: Returning[K]['_']['data'] }[];
}
