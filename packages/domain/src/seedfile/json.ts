// JSON seed files: an array of Graph create objects (Token2's self-service repository format) or the
// bulk body `{ "value": [...] }`. Small enough to parse whole; the caller caps the size (see index.ts).
// Row numbers are 1-based item indexes.
import type { RawSeedFields, SeedRow } from '../seeds';
import { SeedFileError } from './errors';
import { fileColumnNames, rawFieldsFromColumns, resolveColumns } from './columns';
import type { FileColumnNames } from './columns';
import { SeedRowValidator, rowError } from './rows';
import type { SeedFileOptions } from './rows';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function itemsOf(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (isObject(document) && Array.isArray(document.value)) return document.value;
  throw new SeedFileError('invalid-json', 'the JSON file must be an array of tokens or an object with a "value" array');
}

/** Numbers (timeIntervalInSeconds: 30, a numeric serial) read as their text; null means absent. */
function textOf(value: unknown): string | undefined | null {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

/** Graph's `assignTo: {"id": "<user object id>"}`. */
function assignedUserId(item: JsonObject): string | undefined | null {
  const assignTo = item.assignTo;
  if (assignTo === undefined || assignTo === null) return undefined;
  if (!isObject(assignTo)) return null;
  return textOf(assignTo.id);
}

type ItemFields = { ok: true; raw: RawSeedFields; names: FileColumnNames } | { ok: false; row: SeedRow };

function rawFieldsOfItem(item: unknown, rowNumber: number): ItemFields {
  if (!isObject(item)) return { ok: false, row: rowError(rowNumber, 'item', `item ${rowNumber} is not an object`) };
  const names = Object.keys(item);
  const resolution = resolveColumns(names);
  if (!resolution.ok) return { ok: false, row: rowError(rowNumber, 'item', resolution.reason) };

  const values = names.map((name) => textOf(item[name]));
  const badIndex = resolution.columns.find(({ index }) => values[index] === null)?.index;
  if (badIndex !== undefined) {
    return { ok: false, row: rowError(rowNumber, 'item', `"${names[badIndex]}" must be text or a whole number`) };
  }
  const raw = rawFieldsFromColumns(resolution.columns, (index) => values[index] ?? undefined);

  const userId = assignedUserId(item);
  if (userId === null) return { ok: false, row: rowError(rowNumber, 'userId', '"assignTo" must be an object with an "id"', undefined, 'assignTo') };
  if (userId !== undefined) {
    if (raw.userId !== undefined) return { ok: false, row: rowError(rowNumber, 'item', 'both "assignTo" and a user id are given') };
    raw.userId = userId;
  }
  return { ok: true, raw, names: { userId: 'assignTo', ...fileColumnNames(resolution.columns) } };
}

/** Parses a whole JSON seed file. Throws SeedFileError when it is not JSON or not a list of tokens. */
export function parseJsonSeedFile(text: string, options: SeedFileOptions = {}): SeedRow[] {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    // JSON.parse's message quotes the text around the error, which may be a secret.
    throw new SeedFileError('invalid-json', 'the file is not valid JSON');
  }
  const validator = new SeedRowValidator(options);
  return itemsOf(document).map((item, index) => {
    const fields = rawFieldsOfItem(item, index + 1);
    return fields.ok ? validator.validate(index + 1, fields.raw, fields.names) : fields.row;
  });
}
