// Turns one row's raw fields into a SeedRow, remembering serials so a file never imports a token twice.
import { normaliseSerialNumber, validateSeedFields } from '../seeds';
import type { RawSeedFields, SeedField, SeedRow, SeedValidationOptions } from '../seeds';
import type { FileColumnNames } from './columns';

export interface SeedFileOptions extends SeedValidationOptions {
  /** Cap for formats read whole (JSON, PSKC); defaults to DEFAULT_MAX_WHOLE_FILE_BYTES. */
  maxBytes?: number;
  /** The PSKC pre-shared key (16 bytes for aes128-cbc). */
  preSharedKey?: Uint8Array;
}

export function rowError(rowNumber: number, field: SeedField, reason: string, serialNumber?: string, column?: string): SeedRow {
  return { ok: false, error: { rowNumber, field, ...(column === undefined ? {} : { column }), reason, ...(serialNumber === undefined ? {} : { serialNumber }) } };
}

/**
 * Validates rows of one file in order. A serial that appeared in any earlier row, accepted or not, is
 * refused: the person must decide which row is right. Serials compare case-insensitively because
 * Graph's `$filter … eq` on serialNumber does. Memory grows with the number of distinct serials only.
 */
export class SeedRowValidator {
  private readonly firstRowBySerial = new Map<string, number>();

  constructor(private readonly options: SeedValidationOptions = {}) {}

  /** `columns`: the file's own names of the fields (see fileColumnNames), named in row errors. */
  validate(rowNumber: number, raw: RawSeedFields, columns: FileColumnNames = {}): SeedRow {
    const serial = normaliseSerialNumber(raw.serialNumber);
    if (!serial.ok) return rowError(rowNumber, 'serialNumber', serial.reason, undefined, columns.serialNumber);

    const key = serial.value.toLowerCase();
    const firstRow = this.firstRowBySerial.get(key);
    if (firstRow !== undefined) {
      return rowError(rowNumber, 'serialNumber', `serial ${serial.value} already appears in row ${firstRow}`, serial.value, columns.serialNumber);
    }
    this.firstRowBySerial.set(key, rowNumber);

    const checked = validateSeedFields(raw, this.options);
    if (!checked.ok) return rowError(rowNumber, checked.field, checked.reason, serial.value, columns[checked.field]);
    return { ok: true, record: { rowNumber, ...checked.value } };
  }
}
