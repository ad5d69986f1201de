// The public shape of the sandbox (the contract with @tokenfleet/graph, stated in packages/graph/README.md),
// its behaviour switches with their defaults, and the one function that validates a change to them.

/** What `idTokenFault` may make sign-in's ID tokens (sign-in.ts). */
export const ID_TOKEN_FAULTS = ['none', 'tampered', 'wrong-audience', 'wrong-issuer', 'expired', 'wrong-nonce'] as const;

export interface SandboxUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  mail?: string;
  userType?: 'Member' | 'Guest';
  givenName?: string;
  surname?: string;
  jobTitle?: string;
}

export interface RequestBudget {
  requests: number;
  windowMs: number;
  /**
   * Set: a rate with a burst (a token bucket of this many requests, refilled at `requests` per
   * `windowMs`). Unset: a sliding window of `requests` per `windowMs`, as Graph publishes its limits.
   */
  burst?: number;
}

export interface SandboxBehaviour {
  /** Activation accepts |Δsteps| <= this (default 0: strict, a code from the previous window is refused). */
  totpToleranceSteps: number;
  /** A second device with a serial already in the inventory: 'reject' (400 badRequest, default) or 'allow'. */
  duplicateSerial: 'reject' | 'allow';
  /** Status after create with assignTo: 'assigned' (Graph page, default) or 'available' (Entra how-to). */
  createWithAssignToStatus: 'assigned' | 'available';
  /** Items allowed in one bulk `$delta` PATCH (default 50); more → 400. */
  bulkMaxItems: number;
  /** Shape of a created item in the bulk response: 'method' wraps it `{@odata.type, id, device}` as the
   * bulk page's example does (default); 'device' returns the flat device as single create does. */
  bulkItemShape: 'method' | 'device';
  /** Default page size of collections (default 100); `$top` is honoured up to 999. */
  pageSize: number;
  /** Write budget per app+tenant (default 3000 per 150000 ms), charged by POST/PATCH/PUT/DELETE. */
  writeLimit: RequestBudget;
  /**
   * What a bulk create costs of the write budget: 'call' one write (default), 'item' one write per item
   * (the other reading of Graph's rules, which the reference leaves open). A call costing more than the
   * budget can ever hold at once is refused with 429 every time, as a too-large request would be.
   */
  bulkCreateCost: 'call' | 'item';
  /** ResourceUnit budget per app+tenant (default 3500 per 10000 ms), charged 1 by every Graph request. */
  readLimit: RequestBudget;
  /** Send Retry-After (seconds, fractional allowed) on 429 (default true). */
  retryAfterHeader: boolean;
  /** Delay before each request is handled, uniformly in [min, max] ms (default 0..0). */
  latencyMs: { min: number; max: number };
  /** 0..1: share of Graph requests answered 503 serviceNotAvailable with Retry-After (default 0). */
  transientFailureRate: number;
  /** 0..1: share of Graph requests never answered until the client gives up (default 0). */
  timeoutRate: number;
  /** The sandbox clock = local clock + this (Date header, token lifetimes, TOTP checks). */
  clockOffsetMs: number;
  /** The next N activation calls are refused as a wrong code (test hook). */
  refuseActivations: number;
  /** Hardware OATH methods one user may hold (default 5, the legacy cap); null = no cap. */
  perUserTokenLimit: number | null;
  /** Accept `timeIntervalInSeconds` as a numeric string and `hashFunction` in any case, as Microsoft's own
   * examples send them (docs/graph-hardware-oath.md §9.7, UNCONFIRMED). Default false: numbers and lower-case only. */
  lenientCreateTypes: boolean;
  /** Assigning a hardware token to a guest user: 'reject' (legacy rule, default) or 'allow'. */
  guestAssignment: 'reject' | 'allow';
  /** 0..1: share of bulk-create items answered inline with a per-item 503, nothing created (default 0). */
  bulkItemFailureRate: number;
  /** Serials whose bulk-create item is always answered with a per-item 503, nothing created. */
  bulkItemFailureSerials: string[];
  /** 0..1: share of single creates (POST) answered 503 with Retry-After, nothing created (default 0). */
  singleCreateFailureRate: number;
  /** Serials whose single create is always answered 503, nothing created. */
  singleCreateFailureSerials: string[];
  /** 0..1: share of Graph writes carried out and then left without an answer: the connection is
   * dropped, as when a response is lost on its way back (default 0). */
  lostWriteResponseRate: number;
  /** While true, every Graph write is carried out and its answer held back until the client gives up
   * (a test stops a worker in that moment: Graph accepted, the caller never heard). */
  holdWriteResponses: boolean;
  /** The ID tokens sign-in issues: 'none' (right, default), or broken as a relying party must refuse them:
   * 'tampered' (payload changed after signing), 'wrong-audience', 'wrong-issuer', 'expired', 'wrong-nonce'. */
  idTokenFault: (typeof ID_TOKEN_FAULTS)[number];
}

/** Any pino-like logger; `any` parameters so pino's overloaded log functions are assignable. */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface SandboxLogger {
  info: (...args: any[]) => void;
  warn: (...args: any[]) => void;
  error: (...args: any[]) => void;
  debug?: (...args: any[]) => void;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface SandboxOptions extends Partial<SandboxBehaviour> {
  /** 0 (default) = a random free port. */
  port?: number;
  /** Default '127.0.0.1'; the certificate covers localhost and 127.0.0.1. */
  host?: string;
  /** Where the CA certificate and key are written and reused (default: a new temporary directory). */
  stateDir?: string;
  tenantId?: string;
  clientId?: string;
  /** Default random; exposed on the Sandbox object. */
  clientSecret?: string;
  /** If given, client assertions signed by this certificate's key are accepted too. */
  clientCertificatePem?: string;
  /** Generated users besides the fixed ones (default 50). */
  generatedUsers?: number;
  users?: SandboxUser[];
  logger?: SandboxLogger;
  /** Redirect URIs sign-in accepts besides loopback ones (http://localhost:*, http://127.0.0.1:*). */
  redirectUris?: string[];
}

export interface SandboxCall {
  /** Sandbox-clock time the request arrived (ISO 8601). */
  at: string;
  method: string;
  /** The path as requested, ids included, without the query string. */
  path: string;
  /** The route template, e.g. `POST /beta/users/{user}/authentication/hardwareOathMethods/{methodId}/activate`. */
  route: string;
  /** HTTP status answered; 0 when the request was deliberately left unanswered (timeoutRate). */
  status: number;
  requestId: string;
  write: boolean;
}

export type DeviceStatus = 'available' | 'assigned' | 'activated' | 'failedActivation';
export type GraphHashFunction = 'hmacsha1' | 'hmacsha256';

export interface SandboxDevice {
  id: string;
  displayName: string | null;
  serialNumber: string;
  manufacturer: string;
  model: string;
  timeIntervalInSeconds: 30 | 60;
  hashFunction: GraphHashFunction;
  status: DeviceStatus;
  assignedTo: { id: string; displayName: string | null } | null;
  lastUsedDateTime: string | null;
  /** The user's method for this device (its id equals the device id), or null when unassigned. */
  method: { id: string; userId: string; createdDateTime: string } | null;
  activation: { attempts: number; refused: number; refusedLate: number; activatedDateTime: string | null; driftSteps: number | null };
}

export interface SandboxCounters {
  reads: number;
  writes: number;
  throttled: number;
  injectedFailures: number;
  activationsRefused: number;
  /**
   * Of the refused activations, those whose code was right for the window before the one the request
   * arrived in: made in time, late on its way (a stalled process or machine), not a wrong code.
   */
  activationsRefusedLate: number;
  devicesCreated: number;
  /** Writes carried out whose answer was dropped or held (lostWriteResponseRate, holdWriteResponses). */
  lostResponses: number;
}

export interface Sandbox {
  /** https://localhost:<port> — both the authority host and the Graph base URL. */
  origin: string;
  port: number;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertificatePem: string;
  caCertificatePath: string;
  configure(change: Partial<SandboxBehaviour>): void;
  /** Forgets devices, methods, counters, throttle windows and the call log; users and behaviour stay. */
  reset(): void;
  inspect: {
    calls(): SandboxCall[];
    devices(): SandboxDevice[];
    counters(): SandboxCounters;
    users(): SandboxUser[];
  };
  /**
   * Entra changed behind the caller's back, as an administrator in the portal or a user in Security info
   * would change it (also served as `/_sandbox/portal/…`, see the README). Each throws the GraphError
   * the matching route answers (404 unknown device or user, 400 a refused code or state).
   */
  portal: SandboxPortal;
  /** The sandbox clock (epoch ms). */
  now(): number;
  close(): Promise<void>;
}

export interface SandboxPortal {
  /** The user activates the token in Security info with the code it shows now. */
  activate(deviceId: string, verificationCode: string): void;
  unassign(deviceId: string): void;
  /** Deletes the device, assigned or not (the portal unassigns in the same click). */
  delete(deviceId: string): void;
  /** Unassigns from whoever holds it and assigns to `user` (id or UPN), not activated. */
  reassign(deviceId: string, user: string): void;
  /** Adds a device with a Graph create body (`assignTo` allowed): one Tokenfleet never made. */
  createDevice(body: Record<string, unknown>): SandboxDevice;
  /** The user signs in with a code: checked like an activation; `lastUsedDateTime` becomes now (returned). */
  signIn(deviceId: string, verificationCode: string): string;
}

export const DEFAULT_TENANT_ID = '5a4d0b1e-0000-4000-8000-000000000001';
export const DEFAULT_CLIENT_ID = '5a4d0b1e-0000-4000-8000-0000000000c1';

export const DEFAULT_BEHAVIOUR: Readonly<SandboxBehaviour> = Object.freeze({
  totpToleranceSteps: 0,
  duplicateSerial: 'reject',
  createWithAssignToStatus: 'assigned',
  bulkMaxItems: 50,
  bulkItemShape: 'method',
  pageSize: 100,
  writeLimit: { requests: 3000, windowMs: 150_000 },
  bulkCreateCost: 'call',
  readLimit: { requests: 3500, windowMs: 10_000 },
  retryAfterHeader: true,
  latencyMs: { min: 0, max: 0 },
  transientFailureRate: 0,
  timeoutRate: 0,
  clockOffsetMs: 0,
  refuseActivations: 0,
  perUserTokenLimit: 5,
  lenientCreateTypes: false,
  guestAssignment: 'reject',
  bulkItemFailureRate: 0,
  bulkItemFailureSerials: [],
  singleCreateFailureRate: 0,
  singleCreateFailureSerials: [],
  lostWriteResponseRate: 0,
  holdWriteResponses: false,
  idTokenFault: 'none',
});

const BEHAVIOUR_KEYS = new Set(Object.keys(DEFAULT_BEHAVIOUR));

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function isRate(value: unknown): value is number {
  return typeof value === 'number' && value >= 0 && value <= 1;
}

function isBudget(value: unknown): value is RequestBudget {
  if (typeof value !== 'object' || value === null) return false;
  const budget = value as Record<string, unknown>;
  const burstOk = budget.burst === undefined || (isNonNegativeInteger(budget.burst) && budget.burst >= 1);
  return isNonNegativeInteger(budget.requests) && budget.requests >= 1 && isNonNegativeInteger(budget.windowMs) && budget.windowMs >= 1 && burstOk;
}

/**
 * Checks a requested behaviour change (from code or from `POST /_sandbox/behaviour`) and returns the
 * problems as sentences; an empty list means the change can be applied.
 */
export function behaviourProblems(change: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(change)) {
    if (!BEHAVIOUR_KEYS.has(key)) {
      problems.push(`'${key}' is not a sandbox behaviour`);
      continue;
    }
    const fail = (expected: string) => problems.push(`'${key}' must be ${expected}`);
    switch (key as keyof SandboxBehaviour) {
      case 'totpToleranceSteps':
      case 'refuseActivations':
        if (!isNonNegativeInteger(value)) fail('a whole number ≥ 0');
        break;
      case 'bulkMaxItems':
        if (!isNonNegativeInteger(value) || value < 1) fail('a whole number ≥ 1');
        break;
      case 'pageSize':
        if (!isNonNegativeInteger(value) || value < 1 || value > 999) fail('a whole number from 1 to 999');
        break;
      case 'duplicateSerial':
        if (value !== 'reject' && value !== 'allow') fail("'reject' or 'allow'");
        break;
      case 'guestAssignment':
        if (value !== 'reject' && value !== 'allow') fail("'reject' or 'allow'");
        break;
      case 'createWithAssignToStatus':
        if (value !== 'assigned' && value !== 'available') fail("'assigned' or 'available'");
        break;
      case 'bulkItemShape':
        if (value !== 'method' && value !== 'device') fail("'method' or 'device'");
        break;
      case 'bulkCreateCost':
        if (value !== 'call' && value !== 'item') fail("'call' or 'item'");
        break;
      case 'writeLimit':
      case 'readLimit':
        if (!isBudget(value)) fail('{ requests ≥ 1, windowMs ≥ 1, burst ≥ 1 if given }');
        break;
      case 'retryAfterHeader':
      case 'lenientCreateTypes':
      case 'holdWriteResponses':
        if (typeof value !== 'boolean') fail('true or false');
        break;
      case 'latencyMs': {
        const range = value as Record<string, unknown> | null;
        const ok = typeof range === 'object' && range !== null && isNonNegativeInteger(range.min) && isNonNegativeInteger(range.max) && range.min <= range.max;
        if (!ok) fail('{ min, max } whole milliseconds with 0 ≤ min ≤ max');
        break;
      }
      case 'transientFailureRate':
      case 'timeoutRate':
      case 'bulkItemFailureRate':
      case 'singleCreateFailureRate':
      case 'lostWriteResponseRate':
        if (!isRate(value)) fail('a number from 0 to 1');
        break;
      case 'clockOffsetMs':
        if (typeof value !== 'number' || !Number.isFinite(value)) fail('a finite number of milliseconds');
        break;
      case 'perUserTokenLimit':
        if (value !== null && (!isNonNegativeInteger(value) || value < 1)) fail('null or a whole number ≥ 1');
        break;
      case 'idTokenFault':
        if (!(ID_TOKEN_FAULTS as readonly unknown[]).includes(value)) fail(`one of ${ID_TOKEN_FAULTS.join(', ')}`);
        break;
      case 'bulkItemFailureSerials':
      case 'singleCreateFailureSerials':
        if (!Array.isArray(value) || !value.every((serial) => typeof serial === 'string')) fail('a list of serial numbers');
        break;
    }
  }
  return problems;
}
