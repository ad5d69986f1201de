// Streaming CSV seed files: rows come out as the bytes come in, so a 100,000-token file never sits in
// memory whole. Only the header line is read ahead, to pick the delimiter.
//
// Row numbers are spreadsheet rows: the header is row 1, each record after it one more. A blank line
// counts (a spreadsheet shows it as an empty row) but yields nothing; a quoted field that spans lines
// keeps the whole record on the row where it starts, as a spreadsheet shows it.
import { parse } from 'csv-parse';
import { Readable, pipeline } from 'node:stream';
import type { SeedRow } from '../seeds';
import { SeedFileError } from './errors';
import { fileColumnNames, missingRequiredColumns, rawFieldsFromColumns, resolveColumns } from './columns';
import type { FileColumnNames } from './columns';
import type { ResolvedColumn } from './columns';
import { SeedRowValidator } from './rows';
import type { SeedFileOptions } from './rows';

export type SeedFileChunk = Uint8Array | string;
export type CsvDelimiter = ',' | ';' | '\t';

/** How far we look for the end of the header line before deciding on what we have. */
const HEADER_SCAN_LIMIT_CHARS = 64 * 1024;
/**
 * Longest record we accept. A missing closing quote would otherwise swallow the rest of the file into
 * one field, in memory; no honest seed row comes near this.
 */
const MAX_RECORD_CHARS = 64 * 1024;

const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];

/** Counts candidate delimiters outside quotes until the first line break outside quotes. */
class HeaderLineScanner {
  private readonly decoder = new TextDecoder();
  private inQuotes = false;
  private readonly counts = new Map<CsvDelimiter, number>(DELIMITERS.map((delimiter) => [delimiter, 0]));
  scannedChars = 0;
  complete = false;

  feed(chunk: SeedFileChunk): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    for (const char of text) {
      if (this.complete) return;
      this.scannedChars += 1;
      if (char === '"') this.inQuotes = !this.inQuotes;
      else if (this.inQuotes) continue;
      else if (char === '\n' || char === '\r') this.complete = true;
      else if (this.counts.has(char as CsvDelimiter)) {
        this.counts.set(char as CsvDelimiter, this.counts.get(char as CsvDelimiter)! + 1);
      }
    }
  }

  /** The most frequent candidate; comma when there is none or a tie with comma. */
  delimiter(): CsvDelimiter {
    let best: CsvDelimiter = ',';
    for (const delimiter of DELIMITERS) {
      if (this.counts.get(delimiter)! > this.counts.get(best)!) best = delimiter;
    }
    return best;
  }
}

/** The delimiter of a CSV text, judged from its first line (quoted delimiters do not count). */
export function detectCsvDelimiter(text: string): CsvDelimiter {
  const scanner = new HeaderLineScanner();
  scanner.feed(text);
  return scanner.delimiter();
}

function looksLikeUtf16(chunk: SeedFileChunk): boolean {
  if (typeof chunk === 'string' || chunk.length < 2) return false;
  return (chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff);
}

/** Reads chunks until the header line is complete; returns them to be replayed to the parser. */
async function readHeaderChunks(
  source: AsyncIterator<SeedFileChunk>,
): Promise<{ chunks: SeedFileChunk[]; delimiter: CsvDelimiter }> {
  const scanner = new HeaderLineScanner();
  const chunks: SeedFileChunk[] = [];
  while (!scanner.complete && scanner.scannedChars < HEADER_SCAN_LIMIT_CHARS) {
    const next = await source.next();
    if (next.done) break;
    if (chunks.length === 0 && looksLikeUtf16(next.value)) {
      throw new SeedFileError('unsupported-encoding', 'the file is UTF-16 text; save it as "CSV UTF-8" and upload it again');
    }
    chunks.push(next.value);
    scanner.feed(next.value);
  }
  return { chunks, delimiter: scanner.delimiter() };
}

async function* replayThenContinue(
  chunks: readonly SeedFileChunk[],
  source: AsyncIterator<SeedFileChunk>,
): AsyncGenerator<SeedFileChunk> {
  yield* chunks;
  for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
}

function createRecordParser(delimiter: CsvDelimiter) {
  return parse({
    delimiter,
    bom: true,
    trim: true,
    // Blank lines come through so they can be counted as spreadsheet rows; short rows mean empty cells.
    skip_empty_lines: false,
    relax_column_count: true,
    // A stray quote inside an unquoted cell is data, not a syntax error.
    relax_quotes: true,
    max_record_size: MAX_RECORD_CHARS,
  });
}

const isBlankRecord = (record: readonly string[]): boolean => record.every((field) => field === '');

function columnsFromHeader(header: readonly string[], rowNumber: number): ResolvedColumn[] {
  const resolution = resolveColumns(header);
  if (!resolution.ok) throw new SeedFileError('ambiguous-columns', `the header is ambiguous: ${resolution.reason}`, rowNumber);
  const missing = missingRequiredColumns(resolution.columns);
  if (missing.length > 0) {
    throw new SeedFileError(
      'missing-columns',
      `the header has no ${missing.join(' and no ')} column (found: ${header.join(', ')})`,
      rowNumber,
    );
  }
  return resolution.columns;
}

/**
 * csv-parse's errors, said in terms of the spreadsheet row (its own messages may quote cell text). The
 * error's `records` counts every record parsed before it, blank ones included, so the broken record is
 * the next row; a transform error also drops records still buffered, so we cannot count them ourselves.
 */
function translateCsvError(error: unknown): unknown {
  const { code, records } = (error ?? {}) as { code?: unknown; records?: unknown };
  if (typeof code !== 'string' || !code.startsWith('CSV_')) return error;
  const reasons: Record<string, string> = {
    CSV_QUOTE_NOT_CLOSED: 'a quoted field starts here and is never closed',
    CSV_MAX_RECORD_SIZE: `the row is longer than ${MAX_RECORD_CHARS} characters; is a closing quote missing?`,
    CSV_INVALID_CLOSING_QUOTE: 'text follows a closing quote; write a quote inside a quoted field as ""',
    CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'text follows a closing quote; write a quote inside a quoted field as ""',
  };
  const rowNumber = typeof records === 'number' ? records + 1 : undefined;
  return new SeedFileError('malformed-csv', reasons[code] ?? 'the file is not valid CSV here', rowNumber);
}

/**
 * Parses a CSV seed file as it streams in. Yields one SeedRow per non-blank data row; throws
 * SeedFileError when the file as a whole is unusable (empty, UTF-16, missing or ambiguous columns,
 * broken quoting) — the caller then discards any rows already received (how many were received
 * before the error is not defined: the parser reads ahead).
 */
export async function* parseCsvSeedFile(
  input: AsyncIterable<SeedFileChunk>,
  options: SeedFileOptions = {},
): AsyncGenerator<SeedRow> {
  const source = input[Symbol.asyncIterator]();
  try {
    const { chunks, delimiter } = await readHeaderChunks(source);
    const parser = createRecordParser(delimiter);
    // pipeline carries errors both ways and destroys the source if we stop early.
    pipeline(Readable.from(replayThenContinue(chunks, source)), parser, () => {});

    const validator = new SeedRowValidator(options);
    let columns: ResolvedColumn[] | undefined;
    let names: FileColumnNames = {};
    let rowNumber = 0;
    try {
      for await (const record of parser as AsyncIterable<string[]>) {
        rowNumber += 1;
        if (isBlankRecord(record)) continue;
        if (!columns) {
          columns = columnsFromHeader(record, rowNumber);
          names = fileColumnNames(columns);
          continue;
        }
        yield validator.validate(
          rowNumber,
          rawFieldsFromColumns(columns, (index) => record[index]),
          names,
        );
      }
    } catch (error) {
      throw translateCsvError(error);
    }
    if (!columns) throw new SeedFileError('empty-file', 'the file is empty');
  } finally {
    await source.return?.();
  }
}
