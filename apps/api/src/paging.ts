// Cursor paging (docs/api-conventions.md, "Paging"): `?limit=50&cursor=<opaque>` (the contract's
// PageQuery) → `{ items, nextCursor }`. A cursor is the sort key of the last row handed out, base64url-encoded JSON, so the next page is a keyset query (no OFFSET, so
// page 2,000 of 100,000 tokens costs what page 1 does). Time keys travel as microseconds since the epoch
// in a string: Postgres keeps microseconds, and a JavaScript Date would round them away and skip rows.
import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { ApiError } from './errors';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, shape: z.ZodType<T>): T {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // Falls through to the same answer as a cursor of the wrong shape.
  }
  throw new ApiError(400, 'invalid_cursor', 'The cursor is not one this list handed out; start again without it');
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says another page exists. `toItem`
 * shapes what the client sees; `keyOf` reads the sort key of the row the next page starts after.
 */
export function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, keyOf: (row: Row) => readonly (string | number)[]): Page<Item> {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: more && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

// ---------------------------------------------------------------------------------------------------------
// Newest first by (created_at, id): tokens, imports, operations.

const createdKey = z.tuple([z.string().regex(/^-?\d{1,20}$/), z.string().uuid()]);

/** Select this beside a row to build its cursor: created_at as exact microseconds since the epoch. */
export function createdMicros(createdAt: AnyPgColumn): SQL<string> {
  return sql<string>`(extract(epoch from ${createdAt}) * 1000000)::bigint::text`;
}

/** The WHERE condition for rows after `cursor` in `ORDER BY created_at DESC, id DESC`. */
export function afterCreatedCursor(cursor: string | undefined, createdAt: AnyPgColumn, id: AnyPgColumn): SQL | undefined {
  if (!cursor) return undefined;
  const [micros, lastId] = decodeCursor(cursor, createdKey);
  return sql`(${createdAt}, ${id}) < (timestamptz 'epoch' + ${micros}::bigint * interval '1 microsecond', ${lastId}::uuid)`;
}

export const newestFirst = (createdAt: AnyPgColumn, id: AnyPgColumn): SQL[] => [sql`${createdAt} desc`, sql`${id} desc`];

export const createdCursorKey = (row: { cursorMicros: string; id: string }): [string, string] => [row.cursorMicros, row.id];

// ---------------------------------------------------------------------------------------------------------
// By a numeric identity (audit events newest first; import row errors in file order).

const idKey = z.tuple([z.number().int()]);

export function numericCursor(cursor: string | undefined): number | undefined {
  return cursor ? decodeCursor(cursor, idKey)[0] : undefined;
}

/** Every row of a keyset-ordered query, fetched `batchSize` at a time (for exports that stream). */
export async function* eachRow<Row, Key>(
  fetchAfter: (after: Key | undefined, limit: number) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  batchSize = 1000,
): AsyncGenerator<Row> {
  let after: Key | undefined;
  for (;;) {
    const batch = await fetchAfter(after, batchSize);
    yield* batch;
    const last = batch[batch.length - 1];
    if (last === undefined || batch.length < batchSize) return;
    after = keyOf(last);
  }
}
