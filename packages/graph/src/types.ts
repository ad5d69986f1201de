// The public vocabulary of @tokenfleet/graph, as packages/graph/README.md states it (the sandbox speaks the same). Every Graph call answers a
// GraphOutcome instead of throwing, so the worker can turn it into a queue decision (rate limit, retry,
// give up) in one place.
import type { HashFunction } from '@tokenfleet/domain';

/** A request Graph refused with 401 before the client tried once more with a fresh token. */
export interface RejectedTry {
  status: 401;
  requestId: string | null;
  code: string | null;
  durationMs: number;
}

/**
 * Every outcome may carry `firstTry`: the 401 that the one retry with a fresh token followed; and
 * `limitUsage`: Graph's `x-ms-throttle-limit-percentage` on the answer, the share of the app's limit in
 * use (Graph sends it only past 0.8; 1.0 is at the limit), which the write budget follows.
 */
export type GraphOutcome<T> = (
  | { kind: 'ok'; value: T; status: number; requestId: string | null; durationMs: number }
  | {
      kind: 'rate-limited';
      status: 429 | 503;
      retryAfterMs: number;
      /** false when Graph sent no usable Retry-After and the delay is our own exponential backoff. */
      fromHeader: boolean;
      requestId: string | null;
      code: string | null;
    }
  | { kind: 'transient'; status: number | null; code: string | null; message: string; requestId: string | null }
  | { kind: 'permanent'; status: number; code: string; message: string; requestId: string | null }
) & { firstTry?: RejectedTry; limitUsage?: number };

export type GraphFailure = Exclude<GraphOutcome<never>, { kind: 'ok' }>;

/** The subset of pino's API the client logs through: `logger.info({ ...fields }, 'message')`. */
export interface GraphLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
  debug?(fields: object, message?: string): void;
}

export interface GraphClientOptions {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  /** PEM private key (PKCS#8 or PKCS#1) and the PEM certificate registered on the app. */
  clientCertificate?: { privateKeyPem: string; certificatePem: string };
  /** e.g. https://login.microsoftonline.com or https://localhost:8443 */
  authorityHost: string;
  /** e.g. https://graph.microsoft.com or https://localhost:8443 (an origin, no path) */
  graphBaseUrl: string;
  /** An extra trusted CA for both hosts, besides the system store and NODE_EXTRA_CA_CERTS. */
  caCertificatePem?: string;
  /** Per HTTP request (token endpoint and Graph alike). Default 30000. */
  timeoutMs?: number;
  logger?: GraphLogger;
  /** The scope asked of the token endpoint. Default https://graph.microsoft.com/.default */
  scope?: string;
  /** Delay used for a 429 without a usable Retry-After: initialMs · 2^(n−1) for the n-th 429 in a row, capped. */
  rateLimitBackoff?: { initialMs: number; maxMs: number };
  /** Items per bulk-create PATCH unless a call says otherwise. Default 50. */
  bulkChunkSize?: number;
}

export type HardwareOathTimeInterval = 30 | 60;
export type GraphHashFunction = Extract<HashFunction, 'hmacsha1' | 'hmacsha256'>;
export type HardwareOathStatus = 'available' | 'assigned' | 'activated' | 'failedActivation';

export interface DeviceCreate {
  serialNumber: string;
  manufacturer: string;
  model: string;
  /** Base32; sent once, never returned by Graph and never logged. */
  secretKey: string;
  timeIntervalInSeconds: HardwareOathTimeInterval;
  hashFunction: GraphHashFunction;
  displayName?: string;
  assignTo?: { id: string };
}

export type DeviceUpdate = Partial<Pick<DeviceCreate, 'manufacturer' | 'model' | 'timeIntervalInSeconds' | 'hashFunction' | 'displayName'>>;

export interface HardwareOathDevice {
  id: string;
  displayName: string | null;
  serialNumber: string;
  manufacturer: string;
  model: string;
  secretKey: null;
  timeIntervalInSeconds: number;
  hashFunction: string;
  status: HardwareOathStatus;
  assignedTo: { id: string; displayName: string | null } | null;
  lastUsedDateTime: string | null;
}

/** A user's hardware OATH authentication method (docs/graph-hardware-oath.md §1.2); its id usually equals the device id. */
export interface HardwareOathMethod {
  id: string;
  createdDateTime: string | null;
  lastUsedDateTime: string | null;
  device: HardwareOathDevice | null;
}

export type BulkCreateItemResult = { contentId: string; serialNumber: string } & (
  | { ok: true; device: HardwareOathDevice }
  | { ok: false; status: number; code: string; message: string }
);

export type DeviceFilterField = 'serialNumber' | 'status' | 'manufacturer' | 'model' | 'hashFunction' | 'timeIntervalInSeconds';
export type DeviceFilter = Partial<Record<DeviceFilterField, string | number>>;

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}

/** A code, or a function the client calls right before sending (after the access token is in hand). */
export type VerificationCode = string | (() => string);

export interface DevicePage {
  devices: HardwareOathDevice[];
  /** Where the next page is, or null on the last. */
  nextLink: string | null;
}

export interface GraphClient {
  createDevice(device: DeviceCreate): Promise<GraphOutcome<HardwareOathDevice>>;
  createDevices(items: DeviceCreate[], options?: { chunkSize?: number }): Promise<GraphOutcome<BulkCreateItemResult[]>>;
  listDevices(filter?: DeviceFilter, options?: { top?: number; maxItems?: number }): Promise<GraphOutcome<HardwareOathDevice[]>>;
  /** One page of the inventory; follow `nextLink` for the next. For reading a large tenant in bounded memory. */
  listDevicesPage(options?: { top?: number; nextLink?: string | null }): Promise<GraphOutcome<DevicePage>>;
  findDeviceBySerial(serialNumber: string): Promise<GraphOutcome<HardwareOathDevice | null>>;
  getDevice(deviceId: string): Promise<GraphOutcome<HardwareOathDevice>>;
  updateDevice(deviceId: string, patch: DeviceUpdate): Promise<GraphOutcome<void>>;
  deleteDevice(deviceId: string): Promise<GraphOutcome<void>>;
  listUserMethods(user: string): Promise<GraphOutcome<HardwareOathMethod[]>>;
  getUserMethod(user: string, methodId: string): Promise<GraphOutcome<HardwareOathMethod>>;
  assign(user: string, deviceId: string): Promise<GraphOutcome<{ id: string; createdDateTime: string | null }>>;
  /**
   * A `verificationCode` function is called immediately before the request leaves. If it throws (the
   * worker's gate does when the TOTP window is about to close), nothing is sent and its error passes
   * through unchanged: the one exception this client lets out instead of answering an outcome.
   */
  activate(user: string, methodId: string, verificationCode: VerificationCode, displayName?: string): Promise<GraphOutcome<void>>;
  assignAndActivate(user: string, deviceId: string, verificationCode: VerificationCode, displayName?: string): Promise<GraphOutcome<void>>;
  assignAndActivateBySerial(user: string, serialNumber: string, verificationCode: VerificationCode, displayName?: string): Promise<GraphOutcome<void>>;
  deactivate(user: string, methodId: string): Promise<GraphOutcome<void>>;
  unassign(user: string, methodId: string): Promise<GraphOutcome<void>>;
  /** ok(null) when Graph says the user does not exist (404). */
  getUser(idOrUpn: string): Promise<GraphOutcome<GraphUser | null>>;
  searchUsers(prefix: string, top?: number): Promise<GraphOutcome<GraphUser[]>>;
  /**
   * The users among these UPNs that exist, in one read (`userPrincipalName in (...)`); at most
   * USERS_PER_LOOKUP of them, Graph's limit on an `in` clause of a directory query.
   */
  findUsersByUpn(upns: readonly string[]): Promise<GraphOutcome<GraphUser[]>>;
  /** The local clock corrected by the estimated offset to Graph's clock (epoch ms). */
  now(): number;
  clockOffsetMs(): number;
  /**
   * How far Graph's clock may be from `now()` either way, in ms: half the width of what the `Date`
   * headers have pinned the offset to. Infinity before Graph has answered at all.
   */
  clockUncertaintyMs(): number;
  /** Closes idle keep-alive connections; the client must not be used afterwards. */
  close(): void;
}
