// Normalising and validating the fields of one token as seed files carry them. Every parser (CSV, JSON,
// PSKC) turns a row into `RawSeedFields` and calls `validateSeedFields`, so one set of rules decides what
// Entra will accept. Reasons are sentences for the operator and never contain the secret.
import { base32Decode, base32Encode } from './base32';
import { UPN_PATTERN, type HashFunction } from './vocabulary';

/** Graph's documented limit on the Base32 secret. */
export const MAX_SECRET_BASE32_CHARS = 128;
/**
 * RFC 4226 asks for 128 bits and recommends 160; we refuse below 80 bits (10 bytes, 16 Base32
 * characters), the floor Token2's own import tool uses, so short test seeds and typos are caught.
 */
export const MIN_SECRET_BYTES = 10;
/** Graph documents no limit; 64 holds every vendor serial we know and keeps junk columns out. */
export const MAX_SERIAL_CHARS = 64;
/** Graph requires manufacturer and model on create; files often leave them out. */
export const DEFAULT_MANUFACTURER = 'Unknown';
export const DEFAULT_MODEL = 'Unknown';
export const DEFAULT_TIME_INTERVAL_SECONDS = 30;
/** Entra shows 6-digit codes only. */
export const TOKEN_DIGITS = 6;

export type TimeIntervalSeconds = 30 | 60;
export type SecretEncoding = 'base32' | 'hex';

/** One token, ready for Graph: the secret normalised to upper-case unpadded Base32. */
export interface SeedRecord {
  /** Where the token sits in its file: a spreadsheet row for CSV, a 1-based item index for JSON and PSKC. */
  rowNumber: number;
  serialNumber: string;
  secretBase32: string;
  hashFunction: HashFunction;
  timeIntervalSeconds: TimeIntervalSeconds;
  manufacturer: string;
  model: string;
  displayName: string;
  /** User principal name to assign the token to, as given (trimmed). */
  upn?: string;
  /** Entra object id to assign the token to (JSON `assignTo.id`, or a `user id` column). */
  userId?: string;
  /** When the token stops being valid, an ISO instant (a date alone means the end of that day, UTC). */
  expiresAt?: string;
  /** When the token was made, an ISO instant (a date alone means the start of that day, UTC). */
  manufacturedAt?: string;
}

/** The fields a row error can name; Graph's names where Graph has one. */
export type SeedField =
  | 'serialNumber'
  | 'secretKey'
  | 'secretEncoding'
  | 'hashFunction'
  | 'timeIntervalInSeconds'
  | 'digits'
  | 'upn'
  | 'userId'
  | 'manufacturer'
  | 'model'
  | 'displayName'
  | 'expiresAt'
  | 'manufacturedAt'
  | 'algorithm'
  | 'item';

export interface RowError {
  rowNumber: number;
  field: SeedField;
  /** The file's own name for the field (its CSV header, JSON key or PSKC element), when the file names one. */
  column?: string;
  reason: string;
  serialNumber?: string;
}

export type SeedRow = { ok: true; record: SeedRecord } | { ok: false; error: RowError };

/** A row's fields as text, exactly as the file had them (absent and empty mean the same). */
export interface RawSeedFields {
  serialNumber?: string;
  secret?: string;
  /** How the file declares `secret`: by its column name (e.g. `secret hex`) or PSKC's raw bytes. */
  secretDeclaredEncoding?: SecretEncoding;
  /** A per-row encoding column or attribute (`base32`, `hex`). */
  secretEncoding?: string;
  hashFunction?: string;
  timeInterval?: string;
  digits?: string;
  manufacturer?: string;
  model?: string;
  displayName?: string;
  upn?: string;
  userId?: string;
  expiresAt?: string;
  manufacturedAt?: string;
}

export interface SeedValidationOptions {
  /** Entra accepts SHA-1 and SHA-256 only; allow SHA-512 for other consumers (e.g. validation). */
  allowSha512?: boolean;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };
export type FieldChecked<T> = { ok: true; value: T } | { ok: false; field: SeedField; reason: string };

const accept = <T>(value: T): Checked<T> => ({ ok: true, value });
const refuse = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

/** Absent, empty and all-space values all mean "not given". */
function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * Quotes a short value for a reason, or only says how long it is. Secrets are at least 16 characters,
 * so a value of at most 12 harmless characters can never be a whole secret that slid into the wrong
 * column.
 */
export function describeValueSafely(value: string): string {
  return value.length <= 12 && /^[\w .+-]*$/.test(value) ? `'${value}'` : `a ${value.length}-character value`;
}

// ---------------------------------------------------------------------------------------------------
// Secret

/**
 * Trim, upper-case, drop spaces and hyphens (people group seeds for reading) and trailing `=` padding,
 * then require the RFC 4648 alphabet. Lower-case `a`–`f` with `2`–`7` is Base32, never hex: hex is only
 * ever read where the file says so (see `hexSecretToBase32`).
 */
export function normaliseBase32Secret(text: string): Checked<string> {
  const compact = text.trim().toUpperCase().replace(/[\s-]+/g, '');
  const unpadded = compact.replace(/=+$/, '');
  if (unpadded === '') return refuse('secret is missing');
  if (/^[A-Z2-7]+$/.test(unpadded)) return accept(unpadded);
  if (unpadded.includes('=')) return refuse("secret is not Base32: '=' padding may only appear at the end");
  if (/[0189]/.test(unpadded)) {
    return refuse("secret is not Base32: it contains '0', '1', '8' or '9' (Base32 uses letters A–Z and digits 2–7)");
  }
  return refuse('secret is not Base32: it contains characters other than letters A–Z and digits 2–7');
}

/** A secret the file declares as hex, re-encoded as Base32. Spaces, colons and a `0x` prefix are allowed. */
export function hexSecretToBase32(text: string): Checked<string> {
  const digits = text.trim().replace(/^0x/i, '').replace(/[\s:]+/g, '');
  if (digits === '') return refuse('secret is missing');
  if (!/^[0-9a-fA-F]+$/.test(digits)) {
    return refuse('secret is declared hex but contains characters other than 0–9 and A–F');
  }
  if (digits.length % 2 !== 0) return refuse('secret is declared hex but has an odd number of digits');
  return accept(base32Encode(Buffer.from(digits, 'hex')));
}

/** Reads an encoding column or attribute value; empty means "as the column says". */
export function parseSecretEncoding(text: string | undefined): Checked<SecretEncoding | undefined> {
  const value = present(text)?.toLowerCase();
  if (value === undefined) return accept(undefined);
  if (value === 'base32' || value === 'b32') return accept('base32');
  if (value === 'hex' || value === 'base16' || value === 'hexadecimal') return accept('hex');
  return refuse(`secret encoding ${describeValueSafely(value)} is not supported (use base32 or hex)`);
}

/** Graph's length limit and our floor, checked on the Base32 form whatever the file's encoding was. */
export function checkSecretLength(secretBase32: string): Checked<Uint8Array> {
  if (secretBase32.length > MAX_SECRET_BASE32_CHARS) {
    return refuse(
      `secret is ${secretBase32.length} Base32 characters; Entra accepts at most ${MAX_SECRET_BASE32_CHARS}`,
    );
  }
  // The caller has already checked the alphabet, so decoding cannot fail here.
  const bytes = base32Decode(secretBase32) ?? new Uint8Array();
  if (bytes.length < MIN_SECRET_BYTES) {
    return refuse(
      `secret is only ${bytes.length} bytes (${secretBase32.length} Base32 characters); ` +
        `at least ${MIN_SECRET_BYTES} bytes (16 Base32 characters) are required`,
    );
  }
  return accept(bytes);
}

interface NormalisedSecret {
  secretBase32: string;
  byteLength: number;
}

function normaliseSecret(raw: RawSeedFields): FieldChecked<NormalisedSecret> {
  const encoding = resolveSecretEncoding(raw);
  if (!encoding.ok) return { ok: false, field: 'secretEncoding', reason: encoding.reason };
  const secretText = present(raw.secret);
  if (secretText === undefined) return { ok: false, field: 'secretKey', reason: 'secret is missing' };
  const base32 = encoding.value === 'hex' ? hexSecretToBase32(secretText) : normaliseBase32Secret(secretText);
  if (!base32.ok) return { ok: false, field: 'secretKey', reason: base32.reason };
  const bytes = checkSecretLength(base32.value);
  if (!bytes.ok) return { ok: false, field: 'secretKey', reason: bytes.reason };
  return { ok: true, value: { secretBase32: base32.value, byteLength: bytes.value.length } };
}

/** The row's encoding value wins over the column's declaration, unless the two contradict each other. */
function resolveSecretEncoding(raw: RawSeedFields): Checked<SecretEncoding> {
  const explicit = parseSecretEncoding(raw.secretEncoding);
  if (!explicit.ok) return explicit;
  const declared = raw.secretDeclaredEncoding;
  if (explicit.value && declared && explicit.value !== declared) {
    return refuse(`the encoding column says ${explicit.value} but the secret column is ${declared}`);
  }
  return accept(explicit.value ?? declared ?? 'base32');
}

// ---------------------------------------------------------------------------------------------------
// Hash function

const HASH_BY_NAME: Readonly<Record<string, HashFunction>> = {
  sha1: 'hmacsha1',
  sha256: 'hmacsha256',
  sha512: 'hmacsha512',
};

/**
 * Accepts the spellings vendors use (`hmacsha1`, `HMAC-SHA1`, `SHA-1`, `sha1`, `hmac_sha256`, …) by
 * dropping case, separators and an `hmac` prefix. Null for anything else.
 */
export function parseHashFunctionName(text: string): HashFunction | null {
  const compact = text.trim().toLowerCase().replace(/[\s_-]+/g, '').replace(/^hmac/, '');
  return HASH_BY_NAME[compact] ?? null;
}

/** RFC 6238's reference key sizes; any other length is SHA-1, Graph's default. */
export function inferHashFunctionFromKeyLength(byteLength: number): HashFunction {
  if (byteLength === 32) return 'hmacsha256';
  if (byteLength === 64) return 'hmacsha512';
  return 'hmacsha1';
}

function resolveHashFunction(
  text: string | undefined,
  secret: NormalisedSecret,
  options: SeedValidationOptions,
): Checked<HashFunction> {
  const given = present(text);
  if (given === undefined) {
    const inferred = inferHashFunctionFromKeyLength(secret.byteLength);
    if (inferred === 'hmacsha512' && !options.allowSha512) {
      return refuse(
        `the secret is ${secret.byteLength} bytes, which means HMAC-SHA512, and Entra accepts only hmacsha1 and ` +
          'hmacsha256; add a hash function column if this token uses SHA-1 or SHA-256',
      );
    }
    return accept(inferred);
  }
  const parsed = parseHashFunctionName(given);
  if (parsed === null) {
    return refuse(`hash function ${describeValueSafely(given)} is not supported (use hmacsha1 or hmacsha256)`);
  }
  if (parsed === 'hmacsha512' && !options.allowSha512) {
    return refuse('hash function HMAC-SHA512 is not supported by Entra (use hmacsha1 or hmacsha256)');
  }
  return accept(parsed);
}

// ---------------------------------------------------------------------------------------------------
// Interval, digits, serial, user

/** 30 or 60 seconds; absent or empty means 30, as in Token2's and Microsoft's files. */
export function parseTimeInterval(text: string | undefined): Checked<TimeIntervalSeconds> {
  const given = present(text);
  if (given === undefined) return accept(DEFAULT_TIME_INTERVAL_SECONDS);
  if (given === '30' || given === '60') return accept(Number(given) as TimeIntervalSeconds);
  const shown = /^\d{1,6}$/.test(given) ? given : 'a value that is not a whole number';
  return refuse(`interval must be 30 or 60 seconds, got ${shown}`);
}

function checkDigits(text: string | undefined): Checked<typeof TOKEN_DIGITS> {
  const given = present(text);
  if (given === undefined || given === String(TOKEN_DIGITS)) return accept(TOKEN_DIGITS);
  const shown = /^\d{1,6}$/.test(given) ? given : 'a value that is not a whole number';
  return refuse(`codes must be ${TOKEN_DIGITS} digits long (the only length Entra supports), got ${shown}`);
}

/**
 * Trimmed, non-empty, at most 64 characters, no control characters (a line break from a quoted
 * spreadsheet cell is a mistake). A leading `=`, `+`, `-` or `@` is legal data and kept verbatim: making
 * it safe for spreadsheets is the exporter's job, and refusing it would reject real serials.
 */
export function normaliseSerialNumber(text: string | undefined): Checked<string> {
  const serial = present(text);
  if (serial === undefined) return refuse('serial number is missing');
  if (serial.length > MAX_SERIAL_CHARS) {
    return refuse(`serial number is ${serial.length} characters; at most ${MAX_SERIAL_CHARS} are allowed`);
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we look for
  if (/[\u0000-\u001f\u007f]/.test(serial)) {
    return refuse('serial number contains a line break or another control character');
  }
  return accept(serial);
}

/** Optional; when given it must look like `name@domain` with no spaces. Kept as given, only trimmed. */
export function normaliseUpn(text: string | undefined): Checked<string | undefined> {
  const upn = present(text);
  if (upn === undefined) return accept(undefined);
  if (UPN_PATTERN.test(upn)) return accept(upn);
  return refuse('user must be a user principal name such as name@contoso.com');
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function normaliseUserId(text: string | undefined): Checked<string | undefined> {
  const id = present(text);
  if (id === undefined || GUID.test(id)) return accept(id);
  return refuse('user id must be an Entra object id (a GUID such as 00000000-0000-0000-0000-000000000000)');
}

const MONTH_END_DAY = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * A date as seed files write one: `2029-12-31`, `2029/12/31`, `20291231`, `31.12.2029` (day first, as
 * dotted dates are written), `2029-12` (a month), or an ISO 8601 time with its zone (PSKC's xs:dateTime).
 * A date without a time means the end of that day (or month) for an expiry, its start otherwise, in UTC.
 * Slashed day/month dates (`03/04/2029`) are refused: which is the day cannot be known.
 */
export function parseSeedDate(text: string | undefined, bound: 'start' | 'end'): Checked<string | undefined> {
  const value = present(text);
  if (value === undefined) return accept(undefined);
  const instant = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value) ? new Date(value.replace(' ', 'T')) : null;
  if (instant) {
    return Number.isNaN(instant.getTime()) ? refuse(`${value} is not a real time`) : accept(instant.toISOString());
  }
  const parts =
    /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$/.exec(value)?.slice(1) ??
    /^(\d{4})(\d{2})(\d{2})$/.exec(value)?.slice(1) ??
    /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(value)?.slice(1).reverse() ??
    (/^(\d{4})-(\d{1,2})$/.exec(value)?.slice(1) as string[] | undefined);
  if (!parts) return refuse(`${value.slice(0, 40)} is not a date; write it as YYYY-MM-DD, for example 2029-12-31`);
  const [year, month, day] = parts.map(Number) as [number, number, number | undefined];
  if (month < 1 || month > 12) return refuse(`${value} is not a date: there is no month ${month}`);
  const lastDay = MONTH_END_DAY(year, month);
  const dayOf = day ?? (bound === 'end' ? lastDay : 1);
  if (dayOf < 1 || dayOf > lastDay) return refuse(`${value} is not a date: that month has no day ${dayOf}`);
  const at = bound === 'end' ? Date.UTC(year, month - 1, dayOf, 23, 59, 59, 999) : Date.UTC(year, month - 1, dayOf);
  return accept(new Date(at).toISOString());
}

/** Token2's convention, so tokens read the same in Entra whichever tool imported them. */
export function defaultDisplayName(manufacturer: string, model: string, serialNumber: string): string {
  return `${manufacturer} ${model} - ${serialNumber}`;
}

// ---------------------------------------------------------------------------------------------------
// The whole row

/**
 * Validates one row's fields and returns the token Graph can create, or the first problem found. The
 * order (serial, secret, hash, interval, digits, user) puts the most basic problem first.
 */
export function validateSeedFields(
  raw: RawSeedFields,
  options: SeedValidationOptions = {},
): FieldChecked<Omit<SeedRecord, 'rowNumber'>> {
  const serial = normaliseSerialNumber(raw.serialNumber);
  if (!serial.ok) return { ok: false, field: 'serialNumber', reason: serial.reason };
  const secret = normaliseSecret(raw);
  if (!secret.ok) return secret;
  const hashFunction = resolveHashFunction(raw.hashFunction, secret.value, options);
  if (!hashFunction.ok) return { ok: false, field: 'hashFunction', reason: hashFunction.reason };
  const interval = parseTimeInterval(raw.timeInterval);
  if (!interval.ok) return { ok: false, field: 'timeIntervalInSeconds', reason: interval.reason };
  const digits = checkDigits(raw.digits);
  if (!digits.ok) return { ok: false, field: 'digits', reason: digits.reason };
  const upn = normaliseUpn(raw.upn);
  if (!upn.ok) return { ok: false, field: 'upn', reason: upn.reason };
  const userId = normaliseUserId(raw.userId);
  if (!userId.ok) return { ok: false, field: 'userId', reason: userId.reason };
  const expiresAt = parseSeedDate(raw.expiresAt, 'end');
  if (!expiresAt.ok) return { ok: false, field: 'expiresAt', reason: `expiry date: ${expiresAt.reason}` };
  const manufacturedAt = parseSeedDate(raw.manufacturedAt, 'start');
  if (!manufacturedAt.ok) return { ok: false, field: 'manufacturedAt', reason: `manufacturing date: ${manufacturedAt.reason}` };

  const manufacturer = present(raw.manufacturer) ?? DEFAULT_MANUFACTURER;
  const model = present(raw.model) ?? DEFAULT_MODEL;
  return {
    ok: true,
    value: {
      serialNumber: serial.value,
      secretBase32: secret.value.secretBase32,
      hashFunction: hashFunction.value,
      timeIntervalSeconds: interval.value,
      manufacturer,
      model,
      displayName: present(raw.displayName) ?? defaultDisplayName(manufacturer, model, serial.value),
      ...(upn.value === undefined ? {} : { upn: upn.value }),
      ...(userId.value === undefined ? {} : { userId: userId.value }),
      ...(expiresAt.value === undefined ? {} : { expiresAt: expiresAt.value }),
      ...(manufacturedAt.value === undefined ? {} : { manufacturedAt: manufacturedAt.value }),
    },
  };
}
