// What the column names people use (CSV headers, JSON keys) mean. One table serves both formats, so
// `secretKey` in JSON and `secret key` in a spreadsheet are the same field by construction.
import type { RawSeedFields, SeedField } from '../seeds';

export type ColumnTarget = Exclude<keyof RawSeedFields, 'secretDeclaredEncoding'>;

export interface ColumnMeaning {
  target: ColumnTarget;
  /** The column's name says its secret is hex (`secret hex`, `secretKeyHex`). */
  declaresHex?: boolean;
}

const aliases = (target: ColumnTarget, names: string[], declaresHex = false): [string, ColumnMeaning][] =>
  names.map((name) => [name, declaresHex ? { target, declaresHex } : { target }]);

/** Keys are normalised names (see `normaliseColumnName`). */
const COLUMN_MEANINGS: ReadonlyMap<string, ColumnMeaning> = new Map([
  ...aliases('upn', ['upn', 'user', 'userprincipalname']),
  ...aliases('userId', ['userid', 'userobjectid']),
  ...aliases('serialNumber', ['serialnumber', 'serial', 'serialno']),
  ...aliases('secret', ['secretkey', 'secret', 'seed', 'secretbase32', 'base32secret']),
  ...aliases('secret', ['secrethex', 'hexsecret', 'secretkeyhex', 'hexsecretkey', 'seedhex', 'hexseed'], true),
  ...aliases('secretEncoding', ['encoding', 'secretencoding', 'secretkeyencoding', 'keyencoding', 'seedencoding']),
  ...aliases('timeInterval', ['timeinterval', 'timeintervalinseconds', 'interval', 'period', 'timestep']),
  ...aliases('hashFunction', ['hashfunction', 'hash', 'algorithm', 'hashalgorithm']),
  ...aliases('digits', ['digits']),
  ...aliases('manufacturer', ['manufacturer', 'vendor']),
  ...aliases('model', ['model']),
  ...aliases('displayName', ['displayname', 'description']),
  ...aliases('expiresAt', [
    'expiry', 'expires', 'expire', 'expiration', 'expirydate', 'expirationdate', 'expiredate', 'expiresat', 'expireson',
    'expirydatetime', 'expirationdatetime', 'validuntil', 'validto', 'validthrough', 'notafter', 'enddate', 'keyexpirydate',
  ]),
  ...aliases('manufacturedAt', [
    'manufacturedate', 'manufacturingdate', 'manufactured', 'manufacturedat', 'manufacturedon', 'dateofmanufacture',
    'productiondate', 'produced', 'producedon', 'mfgdate', 'mfdate', 'builddate', 'startdate', 'notbefore',
  ]),
]);

const TARGET_LABEL: Record<ColumnTarget, string> = {
  upn: 'the user',
  userId: 'the user id',
  serialNumber: 'the serial number',
  secret: 'the secret',
  secretEncoding: 'the secret encoding',
  timeInterval: 'the time interval',
  hashFunction: 'the hash function',
  digits: 'the number of digits',
  manufacturer: 'the manufacturer',
  model: 'the model',
  displayName: 'the display name',
  expiresAt: 'the expiry date',
  manufacturedAt: 'the manufacturing date',
};

/** The row-error field (Graph's names, seeds.ts) each column carries. */
const FIELD_OF_TARGET: Record<ColumnTarget, SeedField> = {
  upn: 'upn',
  userId: 'userId',
  serialNumber: 'serialNumber',
  secret: 'secretKey',
  secretEncoding: 'secretEncoding',
  timeInterval: 'timeIntervalInSeconds',
  hashFunction: 'hashFunction',
  digits: 'digits',
  manufacturer: 'manufacturer',
  model: 'model',
  displayName: 'displayName',
  expiresAt: 'expiresAt',
  manufacturedAt: 'manufacturedAt',
};

/** The file's own name of each field it has a column for, so a row error can say what the file calls it. */
export type FileColumnNames = Partial<Record<SeedField, string>>;

export function fileColumnNames(columns: readonly ResolvedColumn[]): FileColumnNames {
  return Object.fromEntries(columns.map(({ meaning, name }) => [FIELD_OF_TARGET[meaning.target], name]));
}

/** Case, spaces, `_` and `-` do not matter: `Serial Number`, `serial_number` and `serialNumber` agree. */
export function normaliseColumnName(name: string): string {
  return name.trim().toLowerCase().replace(/[\s_-]+/g, '');
}

export function columnMeaning(name: string): ColumnMeaning | undefined {
  return COLUMN_MEANINGS.get(normaliseColumnName(name));
}

export interface ResolvedColumn {
  index: number;
  meaning: ColumnMeaning;
  /** As the file writes it (trimmed). */
  name: string;
}

export type ColumnResolution = { ok: true; columns: ResolvedColumn[] } | { ok: false; reason: string };

/**
 * Maps names (in order) to the fields they carry; unknown names are ignored. Two names for one field
 * (`serial` and `serial number`, or `secret` and `secret hex`) are refused: guessing which one the
 * person meant could import the wrong secret.
 */
export function resolveColumns(names: readonly string[]): ColumnResolution {
  const columns: ResolvedColumn[] = [];
  const nameByTarget = new Map<ColumnTarget, string>();
  for (const [index, name] of names.entries()) {
    const meaning = columnMeaning(name);
    if (!meaning) continue;
    const earlier = nameByTarget.get(meaning.target);
    if (earlier !== undefined) {
      return { ok: false, reason: `both '${earlier}' and '${name.trim()}' name ${TARGET_LABEL[meaning.target]}` };
    }
    nameByTarget.set(meaning.target, name.trim());
    columns.push({ index, meaning, name: name.trim() });
  }
  return { ok: true, columns };
}

/** The fields still missing for a usable file: a serial and a secret. */
export function missingRequiredColumns(columns: readonly ResolvedColumn[]): string[] {
  const targets = new Set(columns.map((column) => column.meaning.target));
  const missing: string[] = [];
  if (!targets.has('serialNumber')) missing.push('serial number');
  if (!targets.has('secret')) missing.push('secret key');
  return missing;
}

/** One row's raw fields, reading each resolved column's value through `valueAt`. */
export function rawFieldsFromColumns(
  columns: readonly ResolvedColumn[],
  valueAt: (index: number) => string | undefined,
): RawSeedFields {
  const raw: RawSeedFields = {};
  for (const { index, meaning } of columns) {
    raw[meaning.target] = valueAt(index);
    if (meaning.declaresHex) raw.secretDeclaredEncoding = 'hex';
  }
  return raw;
}
