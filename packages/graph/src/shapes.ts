// Reading Graph's JSON into our types. The documentation shows the same device in several shapes (flat,
// wrapped as `{device:{…}}` in a hardwareOathAuthenticationMethod, wrapped in `{value:{…}}` on get —
// docs/graph-hardware-oath.md §2.3, §2.4, §2.8), so every reader accepts all of them.
import { isRecord } from './outcome';
import type { BulkCreateItemResult, GraphUser, HardwareOathDevice, HardwareOathMethod, HardwareOathStatus } from './types';

/** Graph answered 2xx with a body we cannot read: a permanent outcome, never a crash. */
export class UnexpectedShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedShapeError';
  }
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function requiredString(record: Record<string, unknown>, field: string, what: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value === '') throw new UnexpectedShapeError(`Graph returned a ${what} without ${field}`);
  return value;
}

/** `{value:{…}}` (a documented artefact of single-entity gets) → the entity. */
function unwrapValue(body: unknown): unknown {
  return isRecord(body) && isRecord(body.value) ? body.value : body;
}

export function readDevice(body: unknown): HardwareOathDevice {
  const outer = unwrapValue(body);
  if (!isRecord(outer)) throw new UnexpectedShapeError('Graph returned something other than a device');
  // hardwareOathAuthenticationMethod wrapper: the device is inside, its id may only be on the wrapper.
  const raw = isRecord(outer.device) ? { ...outer.device, id: typeof outer.device.id === 'string' ? outer.device.id : outer.id } : outer;
  const assignedTo = isRecord(raw.assignedTo) && typeof raw.assignedTo.id === 'string'
    ? { id: raw.assignedTo.id, displayName: stringOrNull(raw.assignedTo.displayName) }
    : null;
  const interval = typeof raw.timeIntervalInSeconds === 'string' ? Number(raw.timeIntervalInSeconds) : raw.timeIntervalInSeconds;
  return {
    id: requiredString(raw, 'id', 'device'),
    displayName: stringOrNull(raw.displayName),
    serialNumber: requiredString(raw, 'serialNumber', 'device'),
    manufacturer: stringOrNull(raw.manufacturer) ?? '',
    model: stringOrNull(raw.model) ?? '',
    secretKey: null,
    timeIntervalInSeconds: typeof interval === 'number' ? interval : Number.NaN,
    hashFunction: stringOrNull(raw.hashFunction) ?? 'hmacsha1',
    // Passed through as Graph names it, so a status added later does not break reading the inventory.
    status: (stringOrNull(raw.status) ?? 'available') as HardwareOathStatus,
    assignedTo,
    lastUsedDateTime: stringOrNull(raw.lastUsedDateTime),
  };
}

export function readMethod(body: unknown): HardwareOathMethod {
  const raw = unwrapValue(body);
  if (!isRecord(raw)) throw new UnexpectedShapeError('Graph returned something other than an authentication method');
  return {
    id: requiredString(raw, 'id', 'authentication method'),
    createdDateTime: stringOrNull(raw.createdDateTime),
    lastUsedDateTime: stringOrNull(raw.lastUsedDateTime),
    device: isRecord(raw.device) ? readDevice({ id: raw.id, device: raw.device }) : null,
  };
}

export function readUser(body: unknown): GraphUser {
  if (!isRecord(body)) throw new UnexpectedShapeError('Graph returned something other than a user');
  return {
    id: requiredString(body, 'id', 'user'),
    userPrincipalName: requiredString(body, 'userPrincipalName', 'user'),
    displayName: stringOrNull(body.displayName),
  };
}

export interface CollectionPage {
  items: unknown[];
  nextLink: string | null;
}

export function readCollectionPage(body: unknown): CollectionPage {
  if (!isRecord(body) || !Array.isArray(body.value)) throw new UnexpectedShapeError('Graph returned a collection without a value array');
  return { items: body.value, nextLink: stringOrNull(body['@odata.nextLink']) };
}

export interface BulkEntry {
  contentId: string;
  serialNumber: string;
}

/**
 * Matches the items of a bulk-create answer to what was sent, by `@contentId`, else by serial number,
 * never by position. A failed item carries `@Core.DataModificationException` (the only documented delta
 * error shape, docs/graph-hardware-oath.md §2.2) or a plain `error`. An item the answer does not mention is reported as
 * failed with code `missingFromResponse`: it may or may not exist, so the caller looks it up by serial.
 */
export function readBulkResults(entries: readonly BulkEntry[], status: number, body: unknown): BulkCreateItemResult[] {
  const { items } = readCollectionPage(body);
  const byContentId = new Map(entries.map((entry) => [entry.contentId, entry]));
  const results = new Map<string, BulkCreateItemResult>();

  for (const item of items) {
    if (!isRecord(item)) continue;
    const device = isRecord(item.device) ? item.device : item;
    const contentId = typeof item['@contentId'] === 'string' || typeof item['@contentId'] === 'number' ? String(item['@contentId']) : null;
    const serial = stringOrNull(device.serialNumber);
    const entry =
      (contentId !== null ? byContentId.get(contentId) : undefined) ??
      entries.find((candidate) => candidate.serialNumber === serial && !results.has(candidate.contentId));
    if (entry === undefined || results.has(entry.contentId)) continue;
    const failure = bulkItemFailure(item);
    results.set(
      entry.contentId,
      failure !== null ? { ...entry, ok: false, ...failure } : { ...entry, ok: true, device: readDevice(item) },
    );
  }

  return entries.map(
    (entry) =>
      results.get(entry.contentId) ?? {
        ...entry,
        ok: false,
        status,
        code: 'missingFromResponse',
        message: 'Graph did not report on this item; look it up by serial number before creating it again',
      },
  );
}

function bulkItemFailure(item: Record<string, unknown>): { status: number; code: string; message: string } | null {
  const annotation = item['@Core.DataModificationException'];
  if (isRecord(annotation)) {
    const info = isRecord(annotation.info) ? annotation.info : {};
    const responseCode = Number(annotation.responseCode);
    return {
      status: Number.isInteger(responseCode) && responseCode > 0 ? responseCode : 400,
      code: stringOrNull(info.code) ?? 'badRequest',
      message: stringOrNull(info.message) ?? 'Graph refused this item',
    };
  }
  if (isRecord(item.error)) {
    return {
      status: 400,
      code: stringOrNull(item.error.code) ?? 'badRequest',
      message: stringOrNull(item.error.message) ?? 'Graph refused this item',
    };
  }
  return null;
}
