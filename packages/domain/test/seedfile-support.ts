// Test support for the seed-file parsers' tests: ways to feed bytes to a parser the way uploads arrive,
// and to read what it yields. The sample files themselves come from @tokenfleet/test-harness/samples.
import type { SeedRow } from '../src/seeds';
import type { SeedFileChunk } from '../src/seedfile/csv';

/** Yields `content` in pieces of `chunkSize` bytes, cutting lines and multi-byte characters anywhere. */
export async function* chunked(content: Uint8Array | string, chunkSize = 7): AsyncGenerator<SeedFileChunk> {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}

export async function collect(rows: AsyncIterable<SeedRow>): Promise<SeedRow[]> {
  const all: SeedRow[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

export const accepted = (rows: readonly SeedRow[]) => rows.flatMap((row) => (row.ok ? [row.record] : []));
export const refused = (rows: readonly SeedRow[]) => rows.flatMap((row) => (row.ok ? [] : [row.error]));
