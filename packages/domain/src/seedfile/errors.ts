// A problem with the file as a whole, as opposed to one bad row (a RowError). Parsers throw it; the
// caller refuses the upload and keeps none of the rows it may already have received.

export type SeedFileErrorCode =
  | 'empty-file'
  | 'unsupported-encoding'
  | 'too-large'
  | 'missing-columns'
  | 'ambiguous-columns'
  | 'malformed-csv'
  | 'invalid-json'
  | 'invalid-xml'
  | 'invalid-pskc'
  | 'pskc-unsupported'
  | 'pskc-key-required'
  | 'pskc-wrong-key'
  | 'pskc-mac-mismatch';

export class SeedFileError extends Error {
  override readonly name = 'SeedFileError';

  constructor(
    readonly code: SeedFileErrorCode,
    /** A sentence for the operator; never contains a secret. */
    readonly reason: string,
    /** The row (CSV: spreadsheet row; JSON/PSKC: item) the problem was found at, when there is one. */
    readonly rowNumber?: number,
  ) {
    super(rowNumber === undefined ? reason : `row ${rowNumber}: ${reason}`);
  }
}
