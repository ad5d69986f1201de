// The hardware OATH inventory and the per-user methods, in memory, with the rules of docs/graph-hardware-oath.md §1–§2:
// validation of create/update bodies, the status life cycle, one user per token, and activation checked
// with real TOTP against the device's own seed, hash and interval at the moment the request arrived.
import { randomUUID } from 'node:crypto';
import { base32Decode, verifyTotp, type TotpKey } from '@tokenfleet/domain';
import { GraphError } from './http';
import type { Directory } from './users';
import type { GraphHashFunction, SandboxBehaviour, SandboxCounters, SandboxDevice, SandboxUser } from './types';

export const DEVICE_TYPE = 'microsoft.graph.hardwareOathTokenAuthenticationMethodDevice';
export const METHOD_ODATA_TYPE = '#microsoft.graph.hardwareOathAuthenticationMethod';
const MAX_SECRET_LENGTH = 128;
const CODE_DIGITS = 6;

/** The device as Graph returns it: flat, secretKey always null. */
export type GraphDevice = Omit<SandboxDevice, 'method' | 'activation'> & { secretKey: null };

/** One device and, when assigned, the user's method for it (the method id is the device id, as in every doc example). */
export interface DeviceRecord extends Omit<GraphDevice, 'secretKey' | 'assignedTo'> {
  /** Insertion order; list paging resumes after a sequence number so deletions never shift a page. */
  sequence: number;
  /** The decoded seed; never leaves the sandbox. */
  secret: Uint8Array;
  assignedUserId: string | null;
  methodCreatedAt: number | null;
  activationAttempts: number;
  activationRefused: number;
  /** Of those, the codes that were right for the window before the one they arrived in: late, not wrong. */
  activationRefusedLate: number;
  activatedAt: number | null;
  driftSteps: number | null;
  /** Highest TOTP step ever accepted for this device: an older or equal one is a replay. */
  lastAcceptedStep: number | null;
}

export const DEVICE_PROPERTIES = [
  'id', 'displayName', 'serialNumber', 'manufacturer', 'model', 'secretKey', 'timeIntervalInSeconds', 'hashFunction', 'status', 'lastUsedDateTime', 'assignedTo',
] as const;

const CREATE_FIELDS = new Set(['serialNumber', 'manufacturer', 'model', 'secretKey', 'timeIntervalInSeconds', 'hashFunction', 'displayName', 'assignTo']);
const UPDATE_FIELDS = new Set(['manufacturer', 'model', 'timeIntervalInSeconds', 'hashFunction', 'displayName']);
const READ_ONLY_FIELDS = new Set(['id', 'status', 'assignedTo', 'lastUsedDateTime']);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function badRequest(message: string): GraphError {
  return new GraphError(400, 'badRequest', message);
}

function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function asObject(body: unknown, what: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`The request body must be a JSON object describing ${what}.`);
  return body as Record<string, unknown>;
}

/** Annotations (`@odata.type`, `@contentId`, …) are allowed anywhere and carry no data. */
function isAnnotation(key: string): boolean {
  return key.startsWith('@') || key.includes('@odata.');
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (value === undefined || value === null) throw badRequest(`The property '${field}' is required.`);
  if (typeof value !== 'string' || value.trim().length === 0) throw badRequest(`The property '${field}' must be a non-empty string.`);
  return value;
}

function optionalDisplayName(body: Record<string, unknown>): string | null | undefined {
  const value = body.displayName;
  if (value === undefined) return undefined;
  if (value !== null && typeof value !== 'string') throw badRequest("The property 'displayName' must be a string.");
  return value;
}

function parseInterval(value: unknown, lenient: boolean): 30 | 60 {
  const number = lenient && typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (number === 30 || number === 60) return number;
  if (typeof value === 'string' && !lenient) {
    throw badRequest("The property 'timeIntervalInSeconds' must be the number 30 or 60, not a string.");
  }
  throw badRequest(`The property 'timeIntervalInSeconds' must be 30 or 60; got ${JSON.stringify(value)}.`);
}

function parseHash(value: unknown, lenient: boolean): GraphHashFunction {
  const text = typeof value === 'string' && lenient ? value.toLowerCase() : value;
  if (text === 'hmacsha1' || text === 'hmacsha256') return text;
  throw badRequest(`The property 'hashFunction' must be 'hmacsha1' or 'hmacsha256'; got ${JSON.stringify(value)}.`);
}

/** Base32 (a–z, A–Z, 2–7), at most 128 characters: the only documented secret rules. */
function parseSecret(value: unknown): Uint8Array {
  if (value === undefined || value === null) throw badRequest("The property 'secretKey' is required.");
  if (typeof value !== 'string' || value.length === 0) throw badRequest("The property 'secretKey' must be a non-empty Base32 string.");
  if (value.length > MAX_SECRET_LENGTH) throw badRequest(`The property 'secretKey' is longer than ${MAX_SECRET_LENGTH} characters.`);
  if (!/^[A-Za-z2-7]+$/.test(value)) throw badRequest("The property 'secretKey' must be Base32: letters A–Z and digits 2–7 only.");
  const secret = base32Decode(value.toUpperCase());
  if (!secret || secret.length === 0) throw badRequest("The property 'secretKey' is too short to be a TOTP secret.");
  return secret;
}

interface DeviceFields {
  serialNumber: string;
  manufacturer: string;
  model: string;
  secret: Uint8Array;
  timeIntervalInSeconds: 30 | 60;
  hashFunction: GraphHashFunction;
  displayName: string | null;
  assignToId: string | null;
}

function rejectUnknownFields(body: Record<string, unknown>, allowed: Set<string>, verb: 'created' | 'updated'): void {
  for (const key of Object.keys(body)) {
    if (allowed.has(key) || isAnnotation(key)) continue;
    if (verb === 'updated' && (key === 'serialNumber' || key === 'secretKey')) throw badRequest(`The property '${key}' cannot be updated.`);
    if (READ_ONLY_FIELDS.has(key)) throw badRequest(`The property '${key}' is read-only and cannot be ${verb}.`);
    throw badRequest(`The property '${key}' does not exist on type '${DEVICE_TYPE}'.`);
  }
}

function parseCreate(body: Record<string, unknown>, lenient: boolean): DeviceFields {
  rejectUnknownFields(body, CREATE_FIELDS, 'created');
  const serialNumber = requiredString(body, 'serialNumber');
  const manufacturer = requiredString(body, 'manufacturer');
  const model = requiredString(body, 'model');
  const secret = parseSecret(body.secretKey);
  if (body.timeIntervalInSeconds === undefined || body.timeIntervalInSeconds === null) throw badRequest("The property 'timeIntervalInSeconds' is required.");
  const timeIntervalInSeconds = parseInterval(body.timeIntervalInSeconds, lenient);
  const hashFunction = body.hashFunction === undefined || body.hashFunction === null ? 'hmacsha1' : parseHash(body.hashFunction, lenient);
  let assignToId: string | null = null;
  if (body.assignTo !== undefined && body.assignTo !== null) {
    const assignTo = body.assignTo as Record<string, unknown>;
    if (typeof assignTo !== 'object' || typeof assignTo.id !== 'string') throw badRequest("The property 'assignTo' must be {\"id\": \"<user object id>\"}.");
    if (!GUID.test(assignTo.id)) throw badRequest(`'assignTo.id' must be a user's object id (a GUID); '${assignTo.id}' is not one.`);
    assignToId = assignTo.id;
  }
  return { serialNumber, manufacturer, model, secret, timeIntervalInSeconds, hashFunction, displayName: optionalDisplayName(body) ?? null, assignToId };
}

/** What a device-level operation needs from the sandbox around it. */
export interface InventoryContext {
  behaviour: SandboxBehaviour;
  counters: SandboxCounters;
  directory: Directory;
  /** Sandbox clock. */
  now: () => number;
}

export class Inventory {
  private readonly devices = new Map<string, DeviceRecord>();
  private sequence = 0;

  constructor(private readonly context: InventoryContext) {}

  reset(): void {
    this.devices.clear();
  }

  /** Every device in creation order. */
  all(): DeviceRecord[] {
    return [...this.devices.values()];
  }

  // ---- representations -------------------------------------------------------------------------

  toGraph(record: DeviceRecord): GraphDevice {
    const user = record.assignedUserId ? this.context.directory.findById(record.assignedUserId) : undefined;
    return {
      id: record.id,
      displayName: record.displayName,
      serialNumber: record.serialNumber,
      manufacturer: record.manufacturer,
      model: record.model,
      secretKey: null,
      timeIntervalInSeconds: record.timeIntervalInSeconds,
      hashFunction: record.hashFunction,
      status: record.status,
      lastUsedDateTime: record.lastUsedDateTime,
      assignedTo: record.assignedUserId ? { id: record.assignedUserId, displayName: user?.displayName ?? null } : null,
    };
  }

  toMethod(record: DeviceRecord): Record<string, unknown> {
    return {
      '@odata.type': METHOD_ODATA_TYPE,
      id: record.id,
      createdDateTime: record.methodCreatedAt === null ? null : isoTime(record.methodCreatedAt),
      lastUsedDateTime: record.lastUsedDateTime,
      device: this.toGraph(record),
    };
  }

  inspect(): SandboxDevice[] {
    return this.all().map((record) => this.inspectOne(record));
  }

  /** One device as the inspection routes show it: Graph's fields, its method and its activation history. */
  inspectOne(record: DeviceRecord): SandboxDevice {
    const { secretKey: _alwaysNull, ...device } = this.toGraph(record);
    const method =
      record.assignedUserId && record.methodCreatedAt !== null
        ? { id: record.id, userId: record.assignedUserId, createdDateTime: isoTime(record.methodCreatedAt) }
        : null;
    const activation = {
      attempts: record.activationAttempts,
      refused: record.activationRefused,
      refusedLate: record.activationRefusedLate,
      activatedDateTime: record.activatedAt === null ? null : isoTime(record.activatedAt),
      driftSteps: record.driftSteps,
    };
    return { ...device, method, activation };
  }

  // ---- inventory (directory/authenticationMethodDevices/hardwareOathDevices) ----------------------

  get(id: string): DeviceRecord {
    const record = this.devices.get(id.toLowerCase());
    if (!record) throw new GraphError(404, 'itemNotFound', `The hardware OATH token device '${id}' was not found in the inventory.`);
    return record;
  }

  bySerial(serialNumber: string): DeviceRecord[] {
    const wanted = serialNumber.toLowerCase();
    return this.all().filter((record) => record.serialNumber.toLowerCase() === wanted);
  }

  /** Creates one device from a create body (single POST or one bulk item). */
  create(body: unknown): DeviceRecord {
    const { behaviour, directory } = this.context;
    const fields = parseCreate(asObject(body, 'a hardware OATH token'), behaviour.lenientCreateTypes);
    if (behaviour.duplicateSerial === 'reject' && this.bySerial(fields.serialNumber).length > 0) {
      throw badRequest(`A device with serial number '${fields.serialNumber}' already exists.`);
    }
    let assignee: SandboxUser | undefined;
    if (fields.assignToId) {
      assignee = directory.findById(fields.assignToId);
      if (!assignee) throw userNotFound(fields.assignToId);
      this.checkAssignable(assignee);
    }
    const now = this.context.now();
    this.sequence += 1;
    const record: DeviceRecord = {
      sequence: this.sequence,
      id: randomUUID(),
      displayName: fields.displayName,
      serialNumber: fields.serialNumber,
      manufacturer: fields.manufacturer,
      model: fields.model,
      secret: fields.secret,
      timeIntervalInSeconds: fields.timeIntervalInSeconds,
      hashFunction: fields.hashFunction,
      status: 'available',
      assignedUserId: null,
      methodCreatedAt: null,
      lastUsedDateTime: null,
      activationAttempts: 0,
      activationRefused: 0,
      activationRefusedLate: 0,
      activatedAt: null,
      driftSteps: null,
      lastAcceptedStep: null,
    };
    if (assignee) {
      record.assignedUserId = assignee.id;
      record.methodCreatedAt = now;
      record.status = behaviour.createWithAssignToStatus;
    }
    this.devices.set(record.id, record);
    this.context.counters.devicesCreated += 1;
    return record;
  }

  update(id: string, body: unknown): void {
    const record = this.get(id);
    const patch = asObject(body, 'the properties to change');
    rejectUnknownFields(patch, UPDATE_FIELDS, 'updated');
    if (record.assignedUserId) throw badRequest('The token is assigned to a user. Unassign it before updating it.');
    const lenient = this.context.behaviour.lenientCreateTypes;
    // Validate everything before changing anything, so a refused update leaves the device as it was.
    const changes: Partial<DeviceRecord> = {};
    if (patch.manufacturer !== undefined) changes.manufacturer = requiredString(patch, 'manufacturer');
    if (patch.model !== undefined) changes.model = requiredString(patch, 'model');
    if (patch.timeIntervalInSeconds !== undefined) changes.timeIntervalInSeconds = parseInterval(patch.timeIntervalInSeconds, lenient);
    if (patch.hashFunction !== undefined) changes.hashFunction = parseHash(patch.hashFunction, lenient);
    const displayName = optionalDisplayName(patch);
    if (displayName !== undefined) changes.displayName = displayName;
    Object.assign(record, changes);
  }

  delete(id: string): void {
    const record = this.get(id);
    if (record.assignedUserId) throw badRequest('The token is assigned to a user. Unassign it before deleting it.');
    this.devices.delete(record.id);
  }

  // ---- per-user methods (users/{id}/authentication/hardwareOathMethods) ----------------------------

  userMethods(user: SandboxUser): DeviceRecord[] {
    return this.all().filter((record) => record.assignedUserId === user.id);
  }

  method(user: SandboxUser, methodId: string): DeviceRecord {
    const record = this.devices.get(methodId.toLowerCase());
    if (!record || record.assignedUserId !== user.id) {
      throw new GraphError(404, 'itemNotFound', `The hardware OATH method '${methodId}' was not found for user '${user.userPrincipalName}'.`);
    }
    return record;
  }

  /** Guest and per-user-cap rules, checked before a device is given to a user. */
  private checkAssignable(user: SandboxUser): void {
    const { behaviour } = this.context;
    if (user.userType === 'Guest' && behaviour.guestAssignment === 'reject') {
      throw badRequest(`Hardware OATH tokens cannot be assigned to guest users ('${user.userPrincipalName}').`);
    }
    const limit = behaviour.perUserTokenLimit;
    if (limit !== null && this.userMethods(user).length >= limit) {
      throw badRequest(`The user '${user.userPrincipalName}' already has the maximum of ${limit} hardware OATH tokens.`);
    }
  }

  private assignTo(record: DeviceRecord, user: SandboxUser): void {
    if (record.assignedUserId === user.id) throw badRequest(`The token '${record.serialNumber}' is already assigned to this user.`);
    if (record.assignedUserId) throw badRequest(`The token '${record.serialNumber}' is already assigned to another user. A token can be assigned to one user only.`);
    this.checkAssignable(user);
    record.assignedUserId = user.id;
    record.methodCreatedAt = this.context.now();
    record.status = 'assigned';
  }

  /** `POST …/hardwareOathMethods` with `{device: {id}}`. */
  assign(user: SandboxUser, body: unknown): DeviceRecord {
    const record = this.get(deviceIdFrom(asObject(body, 'the device to assign')));
    this.assignTo(record, user);
    return record;
  }

  /** `PUT …/assignTo/$ref` with `{"@odata.id": ".../users/{id}"}`. */
  assignByReference(deviceId: string, body: unknown): void {
    const reference = asObject(body, 'the user reference')['@odata.id'];
    if (typeof reference !== 'string') throw badRequest("The body must be {\"@odata.id\": \"https://graph.microsoft.com/beta/users/{id}\"}.");
    const userKey = decodeURIComponent(reference.replace(/\/+$/, '').split('/').pop() ?? '');
    const user = this.context.directory.find(userKey);
    if (!user) throw userNotFound(userKey);
    this.assignTo(this.get(deviceId), user);
  }

  unassign(user: SandboxUser, methodId: string): void {
    this.release(this.method(user, methodId));
  }

  activate(user: SandboxUser, methodId: string, body: unknown, arrivedAt: number): void {
    const request = parseActivation(asObject(body, 'the verification code'));
    const record = this.method(user, methodId);
    this.checkCodeAndActivate(record, request, arrivedAt);
  }

  deactivate(user: SandboxUser, methodId: string): void {
    const record = this.method(user, methodId);
    if (record.status !== 'activated') throw badRequest(`The token '${record.serialNumber}' is not activated.`);
    record.status = 'assigned';
    record.activatedAt = null;
  }

  /** `assignAndActivate`: assigns (unless already this user's) then checks the code. */
  assignAndActivate(user: SandboxUser, body: unknown, arrivedAt: number): void {
    const fields = asObject(body, 'the device and verification code');
    const request = parseActivation(fields);
    const record = this.get(deviceIdFrom(fields));
    this.assignUnlessOwn(record, user);
    this.checkCodeAndActivate(record, request, arrivedAt);
  }

  assignAndActivateBySerial(user: SandboxUser, body: unknown, arrivedAt: number): void {
    const fields = asObject(body, 'the serial number and verification code');
    const serialNumber = requiredString(fields, 'serialNumber');
    const request = parseActivation(fields);
    const candidates = this.bySerial(serialNumber);
    // With duplicates allowed, prefer this user's own token, then a free one.
    const record =
      candidates.find((candidate) => candidate.assignedUserId === user.id) ?? candidates.find((candidate) => !candidate.assignedUserId) ?? candidates[0];
    if (!record) throw new GraphError(404, 'itemNotFound', `No hardware OATH token with serial number '${serialNumber}' is in the inventory.`);
    this.assignUnlessOwn(record, user);
    this.checkCodeAndActivate(record, request, arrivedAt);
  }

  /** A retried assign-and-activate finds the token already assigned to the same user: that is fine. */
  private assignUnlessOwn(record: DeviceRecord, user: SandboxUser): void {
    if (record.assignedUserId !== user.id) this.assignTo(record, user);
  }

  /**
   * The activation rule: real TOTP against the device's seed, hash and interval at the sandbox-clock
   * moment the request arrived, accepting |Δsteps| ≤ totpToleranceSteps, never a step already used.
   * A refused code leaves the device in failedActivation; a later correct code can still activate it.
   */
  private checkCodeAndActivate(record: DeviceRecord, request: { verificationCode: string; displayName: string | undefined }, arrivedAt: number): void {
    const { counters } = this.context;
    if (record.status === 'activated') {
      throw badRequest(`The token '${record.serialNumber}' is already activated. Unassign it before activating it again.`);
    }
    record.activationAttempts += 1;
    if (!this.acceptCode(record, request.verificationCode, arrivedAt, true)) {
      record.status = 'failedActivation';
      record.activationRefused += 1;
      counters.activationsRefused += 1;
      if (this.arrivedLate(record, request.verificationCode, arrivedAt)) {
        record.activationRefusedLate += 1;
        counters.activationsRefusedLate += 1;
      }
      throw badRequest('The verification code is not valid for this token. Enter the code the token shows now.');
    }
    record.status = 'activated';
    record.activatedAt = this.context.now();
    if (request.displayName !== undefined) record.displayName = request.displayName;
  }

  /**
   * Whether a refused code was the right one for the window just before the one the request arrived in
   * (and of a step never used): it was made in time and arrived late. Only the counters learn of it;
   * Graph's answer is the same refusal.
   */
  private arrivedLate(record: DeviceRecord, code: string, arrivedAt: number): boolean {
    const periodMs = record.timeIntervalInSeconds * 1000;
    const earlier = verifyTotp(totpKeyOf(record), code, arrivedAt - (this.context.behaviour.totpToleranceSteps + 1) * periodMs, 0);
    return earlier.ok && (record.lastAcceptedStep === null || earlier.step > record.lastAcceptedStep);
  }

  /**
   * Real TOTP against the device's seed, hash and interval at the sandbox-clock moment the request
   * arrived, |Δsteps| ≤ totpToleranceSteps, never a step already used; an accepted code is remembered.
   * `refuseActivations` refuses activations only, never sign-ins.
   */
  private acceptCode(record: DeviceRecord, code: string, arrivedAt: number, activation: boolean): boolean {
    const { behaviour } = this.context;
    if (activation && behaviour.refuseActivations > 0) {
      behaviour.refuseActivations -= 1;
      return false;
    }
    const result = verifyTotp(totpKeyOf(record), code, arrivedAt, behaviour.totpToleranceSteps);
    if (!result.ok || (record.lastAcceptedStep !== null && result.step <= record.lastAcceptedStep)) return false;
    record.lastAcceptedStep = result.step;
    record.driftSteps = result.drift;
    return true;
  }

  // ---- the portal and Security info: Entra changed behind the caller's back -------------------------
  // Reached through the inspection routes (/_sandbox/portal/…) and Sandbox.portal, never through Graph:
  // they are what an administrator in the Entra admin center or a user in Security info does, so tests
  // and demos can make Entra drift from what Tokenfleet believes.

  /** A user activates their token in Security info with the code it shows. */
  portalActivate(deviceId: string, code: string, arrivedAt: number): void {
    const record = this.get(deviceId);
    if (!record.assignedUserId) throw badRequest(`The token '${record.serialNumber}' is not assigned to anyone; only its user can activate it.`);
    this.checkCodeAndActivate(record, { verificationCode: code, displayName: undefined }, arrivedAt);
  }

  /** An administrator takes the token back from its user (it stays in the inventory). */
  portalUnassign(deviceId: string): void {
    const record = this.get(deviceId);
    if (!record.assignedUserId) throw badRequest(`The token '${record.serialNumber}' is not assigned to anyone.`);
    this.release(record);
  }

  /** An administrator deletes the token; the portal unassigns it first in the same click. */
  portalDelete(deviceId: string): void {
    const record = this.get(deviceId);
    this.devices.delete(record.id);
  }

  /** An administrator gives the token to another user: unassigned from the one who had it, assigned (not activated) to the new one. */
  portalReassign(deviceId: string, userKey: string): void {
    const record = this.get(deviceId);
    const user = this.context.directory.find(userKey);
    if (!user) throw userNotFound(userKey);
    if (record.assignedUserId === user.id) throw badRequest(`The token '${record.serialNumber}' is already assigned to this user.`);
    this.release(record);
    this.assignTo(record, user);
  }

  /** A device added by hand in the portal or by another tool: a Graph create body. */
  portalCreate(body: unknown): DeviceRecord {
    return this.create(body);
  }

  /**
   * The user signs in with a code from the token: accepted as an activation is (real TOTP, no replay),
   * only while the token is activated, and the device's `lastUsedDateTime` moves to now.
   */
  signIn(deviceId: string, code: string, arrivedAt: number): string {
    const record = this.get(deviceId);
    if (record.status !== 'activated') throw badRequest(`The token '${record.serialNumber}' is not activated; it cannot sign anyone in.`);
    if (!this.acceptCode(record, code, arrivedAt, false)) throw badRequest('The code is not valid for this token: sign-in refused.');
    record.lastUsedDateTime = isoTime(this.context.now());
    return record.lastUsedDateTime;
  }

  private release(record: DeviceRecord): void {
    record.assignedUserId = null;
    record.methodCreatedAt = null;
    record.status = 'available';
    record.activatedAt = null;
  }
}

function deviceIdFrom(body: Record<string, unknown>): string {
  const device = body.device as Record<string, unknown> | undefined;
  if (typeof device !== 'object' || device === null || typeof device.id !== 'string' || device.id.length === 0) {
    throw badRequest("The property 'device' must be {\"id\": \"<device id>\"}.");
  }
  return device.id;
}

function parseActivation(body: Record<string, unknown>): { verificationCode: string; displayName: string | undefined } {
  const code = body.verificationCode;
  if (code === undefined || code === null) throw badRequest("The property 'verificationCode' is required.");
  if (typeof code !== 'string') throw badRequest("The property 'verificationCode' must be a string of digits.");
  const displayName = body.displayName;
  if (displayName !== undefined && displayName !== null && typeof displayName !== 'string') throw badRequest("The property 'displayName' must be a string.");
  return { verificationCode: code, displayName: typeof displayName === 'string' ? displayName : undefined };
}

export function userNotFound(key: string): GraphError {
  return new GraphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
}

/** The device's seed, hash and interval as TOTP checks them. */
function totpKeyOf(record: DeviceRecord): TotpKey {
  return { secret: record.secret, hashFunction: record.hashFunction, periodSeconds: record.timeIntervalInSeconds, digits: CODE_DIGITS };
}
