// One entry point for every seed-file format: detect the format from the first bytes, then parse to
// the same stream of SeedRows.
import type { SeedRow } from '../seeds';
import { parseCsvSeedFile } from './csv';
import type { SeedFileChunk } from './csv';
import { SeedFileError } from './errors';
import { parseJsonSeedFile } from './json';
import { parsePskc } from './pskc';
import type { SeedFileOptions } from './rows';

export type SeedFileFormat = 'csv' | 'json' | 'pskc';

/**
 * JSON and PSKC are parsed whole; 16 MiB holds some 60,000 JSON tokens or 15,000 PSKC key packages,
 * far beyond one vendor shipment, while keeping a hostile upload from exhausting memory. CSV streams
 * and has no total cap here (the upload route may set one).
 */
export const DEFAULT_MAX_WHOLE_FILE_BYTES = 16 * 1024 * 1024;

const UTF8_BOM = [0xef, 0xbb, 0xbf];

function firstSignificantByte(head: Uint8Array): number | undefined {
  let index = UTF8_BOM.every((byte, at) => head[at] === byte) ? UTF8_BOM.length : 0;
  while (index < head.length && [0x20, 0x09, 0x0a, 0x0d].includes(head[index]!)) index += 1;
  return head[index];
}

function formatFromFileName(fileName: string): SeedFileFormat {
  const extension = fileName.toLowerCase().split('.').pop();
  if (extension === 'json') return 'json';
  if (extension === 'xml' || extension === 'pskc') return 'pskc';
  return 'csv';
}

/**
 * The format of a seed file, by content first (`<` is PSKC, `[` or `{` is JSON, anything else CSV, after
 * an optional BOM and whitespace), by the file name's extension only when the head is empty. Content
 * wins because vendors name files loosely (`.txt`, `.dat`).
 */
export function detectSeedFileFormat(fileName: string, head: Uint8Array): SeedFileFormat {
  const first = firstSignificantByte(head);
  if (first === undefined) return formatFromFileName(fileName);
  if (first === 0x3c) return 'pskc';
  if (first === 0x5b || first === 0x7b) return 'json';
  return 'csv';
}

/** Collects a whole file as text, refusing it as soon as it passes `maxBytes`. */
export async function readSeedFileText(input: AsyncIterable<SeedFileChunk>, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
    total += bytes.length;
    if (total > maxBytes) {
      throw new SeedFileError('too-large', `the file is larger than ${maxBytes} bytes, the most accepted for this format`);
    }
    parts.push(bytes);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Parses any seed file to SeedRows. Row problems come out as `{ ok: false }` rows; a problem with the
 * file as a whole is thrown as SeedFileError, and the caller then keeps none of the rows.
 */
export async function* parseSeedFile(
  format: SeedFileFormat,
  input: AsyncIterable<SeedFileChunk>,
  options: SeedFileOptions = {},
): AsyncGenerator<SeedRow> {
  if (format === 'csv') {
    yield* parseCsvSeedFile(input, options);
    return;
  }
  const text = await readSeedFileText(input, options.maxBytes ?? DEFAULT_MAX_WHOLE_FILE_BYTES);
  yield* format === 'json' ? parseJsonSeedFile(text, options) : parsePskc(text, options);
}

export { parseCsvSeedFile, detectCsvDelimiter } from './csv';
export type { CsvDelimiter, SeedFileChunk } from './csv';
export { parseJsonSeedFile } from './json';
export { parsePskc } from './pskc';
export { SeedFileError } from './errors';
export type { SeedFileErrorCode } from './errors';
export { SeedRowValidator } from './rows';
export type { SeedFileOptions } from './rows';
export { columnMeaning, fileColumnNames, normaliseColumnName } from './columns';
export type { FileColumnNames } from './columns';
