// CSV downloads (import row errors, the audit trail), safe to open in a spreadsheet: RFC 4180 quoting,
// and a cell that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, carriage return at the
// start) gets a leading `'`, so a serial like `=HYPERLINK(...)` shows as text instead of running.
import { once } from 'node:events';
import type { Response } from 'express';

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'object') text = JSON.stringify(value);
  else text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/**
 * Streams a CSV download: the header, then each row as it comes, waiting for the socket to drain so a
 * large export never piles up in memory. `rows` is typically a keyset-paged query.
 */
export async function sendCsv(res: Response, fileName: string, header: readonly string[], rows: AsyncIterable<readonly unknown[]>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"`);
  res.setHeader('Cache-Control', 'no-store');
  // A BOM tells spreadsheet programs the file is UTF-8 (names and reasons are not all ASCII).
  res.write('\uFEFF');
  res.write(csvLine(header));
  for await (const row of rows) {
    if (!res.write(csvLine(row))) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    if (res.destroyed) return;
  }
  res.end();
}
