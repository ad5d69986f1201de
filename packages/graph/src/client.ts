// The Graph client for hardware OATH: every call of docs/graph-hardware-oath.md §2 as a method answering a GraphOutcome.
//
// One private `call` does what every request needs: a token (MSAL's cache), the body built only then (so
// a verification code is computed at send time), the request through the Graph JS client's middleware
// (Authentication → Telemetry → our transport; no RetryHandler, so a 429 comes back to the queue), the
// clock observation from `Date`, the single 401 retry with a fresh token, classification, one log line.
import { AuthenticationHandler, AuthenticationHandlerOptions, Client, ResponseType, TelemetryHandler } from '@microsoft/microsoft-graph-client';
import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import { DEFAULT_GRAPH_SCOPE, TokenSource } from './auth';
import { ClockOffsetTracker } from './clock';
import { odataEquals, odataString, queryString, renderPath } from './odata';
import { classifyFailure, classifyTransportError, DEFAULT_RATE_LIMIT_BACKOFF, isRecord, isSuccess, parseGraphErrorEnvelope, parseLimitUsage, requestIdOf } from './outcome';
import type { BackoffPolicy, HttpAnswer } from './outcome';
import { readBulkResults, readCollectionPage, readDevice, readMethod, readUser, UnexpectedShapeError } from './shapes';
import type { BulkEntry, CollectionPage } from './shapes';
import { ExchangeProbe, HttpsTransport, parseJsonBody, TransportError, TransportMiddleware } from './transport';
import type {
  BulkCreateItemResult,
  DeviceCreate,
  DeviceFilter,
  DevicePage,
  DeviceUpdate,
  GraphClient,
  GraphClientOptions,
  GraphFailure,
  GraphLogger,
  GraphOutcome,
  GraphUser,
  HardwareOathDevice,
  HardwareOathMethod,
  RejectedTry,
  VerificationCode,
} from './types';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BULK_CHUNK_SIZE = 50;
const MAX_PAGE_SIZE = 999;

/** Path templates, relative to the API version. The template is what gets logged. */
export const PATHS = {
  devices: '/directory/authenticationMethodDevices/hardwareOathDevices',
  device: '/directory/authenticationMethodDevices/hardwareOathDevices/{id}',
  userMethods: '/users/{user}/authentication/hardwareOathMethods',
  userMethod: '/users/{user}/authentication/hardwareOathMethods/{id}',
  activate: '/users/{user}/authentication/hardwareOathMethods/{id}/activate',
  deactivate: '/users/{user}/authentication/hardwareOathMethods/{id}/deactivate',
  assignAndActivate: '/users/{user}/authentication/hardwareOathMethods/assignAndActivate',
  assignAndActivateBySerial: '/users/{user}/authentication/hardwareOathMethods/assignAndActivateBySerialNumber',
  user: '/users/{user}',
  users: '/users',
} as const;

const USER_FIELDS = 'id,userPrincipalName,displayName';

/**
 * Values one `in (...)` of a directory query may hold: Graph refuses more ("Too many child clauses
 * specified in search filter expression containing 'OR' operators ... Max allowed: 15").
 */
export const USERS_PER_LOOKUP = 15;

type ApiVersion = 'beta' | 'v1.0';

interface CallSpec<T> {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  template: string;
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  /** A full @odata.nextLink to follow instead of template + query (the template is still what is logged). */
  url?: string;
  version?: ApiVersion;
  /** Built after the token is in hand, right before sending. */
  body?: () => unknown;
  read: (answer: HttpAnswer) => T;
  /** When a 404 is an answer rather than a failure (a user that does not exist). */
  onNotFound?: () => T;
}

type Ok<T> = Extract<GraphOutcome<T>, { kind: 'ok' }>;

export function createGraphClient(options: GraphClientOptions): GraphClient {
  return new HardwareOathGraphClient(options);
}

class HardwareOathGraphClient implements GraphClient {
  private readonly transport: HttpsTransport;
  private readonly tokens: TokenSource;
  private readonly graph: Client;
  private readonly graphOrigin: string;
  private readonly clock = new ClockOffsetTracker();
  private readonly logger: GraphLogger;
  private readonly backoff: BackoffPolicy;
  private readonly bulkChunkSize: number;
  private consecutiveRateLimits = 0;

  constructor(options: GraphClientOptions) {
    const authorityUrl = httpsUrl(options.authorityHost, 'authorityHost');
    const graphUrl = httpsUrl(options.graphBaseUrl, 'graphBaseUrl');
    if (!options.tenantId || !options.clientId) throw new Error('tenantId and clientId are required');
    if (!options.clientSecret && !options.clientCertificate) throw new Error('Either clientSecret or clientCertificate is required');
    this.logger = options.logger ?? silentLogger;
    this.backoff = options.rateLimitBackoff ?? DEFAULT_RATE_LIMIT_BACKOFF;
    this.bulkChunkSize = positiveInteger(options.bulkChunkSize ?? DEFAULT_BULK_CHUNK_SIZE, 'bulkChunkSize');
    this.graphOrigin = graphUrl.origin;
    this.transport = new HttpsTransport({
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.caCertificatePem === undefined ? {} : { caCertificatePem: options.caCertificatePem }),
    });
    this.tokens = new TokenSource({
      tenantId: options.tenantId,
      clientId: options.clientId,
      ...(options.clientSecret === undefined ? {} : { clientSecret: options.clientSecret }),
      ...(options.clientCertificate === undefined ? {} : { clientCertificate: options.clientCertificate }),
      authorityHost: authorityUrl.origin,
      scope: options.scope ?? DEFAULT_GRAPH_SCOPE,
      transport: this.transport,
      logger: this.logger,
    });
    // Each request carries the token `call` acquired (AuthenticationHandlerOptions); this default provider
    // only serves a request that somehow arrives without one.
    const fallbackProvider = {
      getAccessToken: async (): Promise<string> => {
        const token = await this.tokens.acquire();
        if (!token.ok) throw new Error(describeFailure(token.failure));
        return token.accessToken;
      },
    };
    this.graph = Client.initWithMiddleware({
      baseUrl: `${this.graphOrigin}/`,
      defaultVersion: 'beta',
      // The client attaches the bearer token only to Graph's own hosts and to these, compared WITHOUT
      // the port (docs/graph-hardware-oath.md §7.5): "localhost:8443" here would silently send no Authorization header.
      customHosts: new Set([graphUrl.hostname]),
      middleware: [new AuthenticationHandler(fallbackProvider), new TelemetryHandler(), new TransportMiddleware(this.transport)],
    });
  }

  // ---- inventory -------------------------------------------------------------------------------------

  createDevice(device: DeviceCreate): Promise<GraphOutcome<HardwareOathDevice>> {
    return this.call({ method: 'POST', template: PATHS.devices, body: () => deviceCreateBody(device), read: ({ body }) => readDevice(body) });
  }

  async createDevices(items: DeviceCreate[], options?: { chunkSize?: number }): Promise<GraphOutcome<BulkCreateItemResult[]>> {
    const chunkSize = positiveInteger(options?.chunkSize ?? this.bulkChunkSize, 'chunkSize');
    const entries = items.map((item, index) => ({ item, contentId: String(index + 1), serialNumber: item.serialNumber }));
    const results: BulkCreateItemResult[] = [];
    let last: Ok<unknown> | null = null;
    let durationMs = 0;

    for (let start = 0; start < entries.length; start += chunkSize) {
      const chunk = entries.slice(start, start + chunkSize);
      const bulkEntries: BulkEntry[] = chunk.map(({ contentId, serialNumber }) => ({ contentId, serialNumber }));
      const outcome = await this.call({
        method: 'PATCH',
        template: PATHS.devices,
        body: () => ({
          '@context': '#$delta',
          value: chunk.map(({ item, contentId }) => ({ '@contentId': contentId, ...deviceCreateBody(item) })),
        }),
        read: ({ status, body }) => readBulkResults(bulkEntries, status, body),
      });
      if (outcome.kind !== 'ok') {
        // Nothing created yet: the caller gets the failure itself (with its Retry-After). Otherwise the
        // earlier chunks' devices exist, so report them, and the rest as not created, and stop.
        if (last === null) return outcome;
        results.push(...entries.slice(start).map(({ contentId, serialNumber }) => notCreated({ contentId, serialNumber }, outcome)));
        break;
      }
      results.push(...outcome.value);
      durationMs += outcome.durationMs;
      last = outcome;
    }
    return { kind: 'ok', value: results, status: last?.status ?? 200, requestId: last?.requestId ?? null, durationMs };
  }

  listDevices(filter: DeviceFilter = {}, options?: { top?: number; maxItems?: number }): Promise<GraphOutcome<HardwareOathDevice[]>> {
    const clauses = Object.entries(filter)
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([field, value]) => odataEquals(field, field === 'timeIntervalInSeconds' && /^\d+$/.test(String(value)) ? Number(value) : value));
    return this.collect(
      PATHS.devices,
      {},
      {
        $filter: clauses.length > 0 ? clauses.join(' and ') : undefined,
        $top: options?.top === undefined ? undefined : clampPageSize(options.top),
      },
      readDevice,
      options?.maxItems,
    );
  }

  listDevicesPage(options: { top?: number; nextLink?: string | null } = {}): Promise<GraphOutcome<DevicePage>> {
    return this.call({
      method: 'GET',
      template: PATHS.devices,
      params: {},
      query: { $top: options.top === undefined ? undefined : clampPageSize(options.top) },
      ...(options.nextLink ? { url: options.nextLink } : {}),
      read: ({ body }) => {
        const page = readCollectionPage(body);
        return { devices: page.items.map(readDevice), nextLink: page.nextLink };
      },
    });
  }

  async findDeviceBySerial(serialNumber: string): Promise<GraphOutcome<HardwareOathDevice | null>> {
    const outcome = await this.listDevices({ serialNumber }, { maxItems: 1 });
    return outcome.kind === 'ok' ? { ...outcome, value: outcome.value[0] ?? null } : outcome;
  }

  getDevice(deviceId: string): Promise<GraphOutcome<HardwareOathDevice>> {
    return this.call({ method: 'GET', template: PATHS.device, params: { id: deviceId }, read: ({ body }) => readDevice(body) });
  }

  updateDevice(deviceId: string, patch: DeviceUpdate): Promise<GraphOutcome<void>> {
    return this.call({ method: 'PATCH', template: PATHS.device, params: { id: deviceId }, body: () => patch, read: noValue });
  }

  deleteDevice(deviceId: string): Promise<GraphOutcome<void>> {
    return this.call({ method: 'DELETE', template: PATHS.device, params: { id: deviceId }, read: noValue });
  }

  // ---- a user's methods ------------------------------------------------------------------------------

  listUserMethods(user: string): Promise<GraphOutcome<HardwareOathMethod[]>> {
    return this.collect(PATHS.userMethods, { user }, {}, readMethod);
  }

  getUserMethod(user: string, methodId: string): Promise<GraphOutcome<HardwareOathMethod>> {
    return this.call({ method: 'GET', template: PATHS.userMethod, params: { user, id: methodId }, read: ({ body }) => readMethod(body) });
  }

  assign(user: string, deviceId: string): Promise<GraphOutcome<{ id: string; createdDateTime: string | null }>> {
    return this.call({
      method: 'POST',
      template: PATHS.userMethods,
      params: { user },
      body: () => ({ device: { id: deviceId } }),
      read: ({ body }) => {
        const method = readMethod(body);
        return { id: method.id, createdDateTime: method.createdDateTime };
      },
    });
  }

  activate(user: string, methodId: string, verificationCode: VerificationCode, displayName?: string): Promise<GraphOutcome<void>> {
    return this.call({
      method: 'POST',
      template: PATHS.activate,
      params: { user, id: methodId },
      body: () => withDisplayName({ verificationCode: codeNow(verificationCode) }, displayName),
      read: noValue,
    });
  }

  assignAndActivate(user: string, deviceId: string, verificationCode: VerificationCode, displayName?: string): Promise<GraphOutcome<void>> {
    return this.call({
      method: 'POST',
      template: PATHS.assignAndActivate,
      params: { user },
      body: () => withDisplayName({ device: { id: deviceId }, verificationCode: codeNow(verificationCode) }, displayName),
      read: noValue,
    });
  }

  assignAndActivateBySerial(user: string, serialNumber: string, verificationCode: VerificationCode, displayName?: string): Promise<GraphOutcome<void>> {
    return this.call({
      method: 'POST',
      template: PATHS.assignAndActivateBySerial,
      params: { user },
      body: () => withDisplayName({ serialNumber, verificationCode: codeNow(verificationCode) }, displayName),
      read: noValue,
    });
  }

  deactivate(user: string, methodId: string): Promise<GraphOutcome<void>> {
    return this.call({ method: 'POST', template: PATHS.deactivate, params: { user, id: methodId }, read: noValue });
  }

  unassign(user: string, methodId: string): Promise<GraphOutcome<void>> {
    return this.call({ method: 'DELETE', template: PATHS.userMethod, params: { user, id: methodId }, read: noValue });
  }

  // ---- users -----------------------------------------------------------------------------------------

  getUser(idOrUpn: string): Promise<GraphOutcome<GraphUser | null>> {
    return this.call<GraphUser | null>({
      method: 'GET',
      template: PATHS.user,
      params: { user: idOrUpn },
      query: { $select: USER_FIELDS },
      version: 'v1.0',
      read: ({ body }) => readUser(body),
      onNotFound: () => null,
    });
  }

  async searchUsers(prefix: string, top = 10): Promise<GraphOutcome<GraphUser[]>> {
    const literal = odataString(prefix);
    return this.call({
      method: 'GET',
      template: PATHS.users,
      query: {
        $filter: `startswith(userPrincipalName,${literal}) or startswith(displayName,${literal})`,
        $top: clampPageSize(top),
        $select: USER_FIELDS,
      },
      version: 'v1.0',
      read: ({ body }) => readCollectionPage(body).items.map(readUser),
    });
  }

  findUsersByUpn(upns: readonly string[]): Promise<GraphOutcome<GraphUser[]>> {
    if (upns.length === 0 || upns.length > USERS_PER_LOOKUP) throw new RangeError(`findUsersByUpn takes 1 to ${USERS_PER_LOOKUP} UPNs, not ${upns.length}`);
    return this.call({
      method: 'GET',
      template: PATHS.users,
      query: { $filter: `userPrincipalName in (${upns.map(odataString).join(',')})`, $top: USERS_PER_LOOKUP, $select: USER_FIELDS },
      version: 'v1.0',
      read: ({ body }) => readCollectionPage(body).items.map(readUser),
    });
  }

  // ---- clock -----------------------------------------------------------------------------------------

  now(): number {
    return Date.now() + this.clock.offsetMs();
  }

  clockOffsetMs(): number {
    return this.clock.offsetMs();
  }

  clockUncertaintyMs(): number {
    const bounds = this.clock.bounds();
    return bounds ? Math.ceil((bounds.upperMs - bounds.lowerMs) / 2) : Number.POSITIVE_INFINITY;
  }

  close(): void {
    this.transport.close();
  }

  // ---- the machinery ---------------------------------------------------------------------------------

  /** Follows @odata.nextLink (full URL) until Graph stops sending one, or `maxItems` are in hand. */
  private async collect<T>(
    template: string,
    params: Record<string, string>,
    query: Record<string, string | number | undefined>,
    readItem: (item: unknown) => T,
    maxItems = Number.POSITIVE_INFINITY,
  ): Promise<GraphOutcome<T[]>> {
    const collected: T[] = [];
    let nextLink: string | null = null;
    let durationMs = 0;
    for (;;) {
      const page: GraphOutcome<CollectionPage> = await this.call({
        method: 'GET',
        template,
        params,
        query,
        ...(nextLink === null ? {} : { url: nextLink }),
        read: ({ body }) => readCollectionPage(body),
      });
      if (page.kind !== 'ok') return page;
      durationMs += page.durationMs;
      for (const item of page.value.items) {
        if (collected.length >= maxItems) break;
        collected.push(readItem(item));
      }
      nextLink = page.value.nextLink;
      if (nextLink === null || collected.length >= maxItems) {
        return { kind: 'ok', value: collected, status: page.status, requestId: page.requestId, durationMs };
      }
    }
  }

  private async call<T>(spec: CallSpec<T>): Promise<GraphOutcome<T>> {
    const version = spec.version ?? 'beta';
    const loggedPath = `/${version}${spec.template}`;
    let url: string;
    try {
      url = spec.url ?? `${this.graphOrigin}/${version}${renderPath(spec.template, spec.params)}${queryString(spec.query ?? {})}`;
      // A nextLink elsewhere would take our token to a host nobody configured.
      if (new URL(url).origin !== this.graphOrigin) throw new Error(`Graph sent a link to another host (${new URL(url).origin})`);
    } catch (error) {
      const failure: GraphFailure = { kind: 'permanent', status: 0, code: 'invalidRequest', message: (error as Error).message, requestId: null };
      this.log(spec.method, loggedPath, null, failure, 0);
      return failure;
    }

    // The first try of a 401 retry travels with the final outcome, so callers can audit both requests.
    let firstTry: RejectedTry | undefined;
    const withFirstTry = (outcome: GraphOutcome<T>): GraphOutcome<T> => (firstTry ? { ...outcome, firstTry } : outcome);
    for (let attempt = 1; ; attempt += 1) {
      const startedAt = Date.now();
      const token = await this.tokens.acquire(attempt > 1);
      if (!token.ok) {
        this.log(spec.method, loggedPath, null, token.failure, Date.now() - startedAt);
        return withFirstTry(token.failure);
      }
      const payload = spec.body?.();
      const probe = new ExchangeProbe();
      const request = this.graph
        .api(url)
        .responseType(ResponseType.RAW)
        .middlewareOptions([new AuthenticationHandlerOptions({ getAccessToken: async () => token.accessToken }), probe]);
      try {
        await send(request, spec.method, payload);
      } catch (error) {
        if (probe.exchange === null) {
          const failure = classifyTransportError(probe.error ?? error, `Microsoft Graph at ${this.graphOrigin}`);
          this.log(spec.method, loggedPath, null, failure, Date.now() - startedAt);
          return withFirstTry(failure);
        }
      }
      const exchange = probe.exchange;
      if (exchange === null) {
        const failure = classifyTransportError(new TransportError('no answer recorded', 'transportError'), `Microsoft Graph at ${this.graphOrigin}`);
        this.log(spec.method, loggedPath, null, failure, Date.now() - startedAt);
        return withFirstTry(failure);
      }
      this.clock.observe({ sentAtMs: exchange.sentAtMs, receivedAtMs: exchange.receivedAtMs, serverDateMs: Date.parse(exchange.headers.date ?? '') });

      const answer: HttpAnswer = { status: exchange.status, headers: exchange.headers, body: parseJsonBody(exchange.body) };
      const durationMs = Date.now() - startedAt;
      const interpreted = this.interpret(spec, answer, durationMs, sensitiveValues(payload));
      const limitUsage = parseLimitUsage(answer.headers);
      const outcome: GraphOutcome<T> = limitUsage === undefined ? interpreted : { ...interpreted, limitUsage };
      // A 401 may be a token revoked or rotated early: one more try with a token MSAL did not cache.
      const retryWithFreshToken = answer.status === 401 && attempt === 1;
      this.log(spec.method, loggedPath, answer, outcome, durationMs, retryWithFreshToken);
      if (retryWithFreshToken) {
        firstTry = { status: 401, requestId: requestIdOf(answer), code: parseGraphErrorEnvelope(answer.body).code, durationMs };
        continue;
      }
      return withFirstTry(outcome);
    }
  }

  private interpret<T>(spec: CallSpec<T>, answer: HttpAnswer, durationMs: number, secrets: string[]): GraphOutcome<T> {
    const requestId = requestIdOf(answer);
    if (isSuccess(answer.status) || (answer.status === 404 && spec.onNotFound)) {
      this.consecutiveRateLimits = 0;
      try {
        const value = isSuccess(answer.status) ? spec.read(answer) : spec.onNotFound!();
        return { kind: 'ok', value, status: answer.status, requestId, durationMs };
      } catch (error) {
        if (!(error instanceof UnexpectedShapeError)) throw error;
        return { kind: 'permanent', status: answer.status, code: 'unexpectedResponse', message: error.message, requestId };
      }
    }
    const failure = classifyFailure(answer, {
      previousConsecutiveRateLimits: this.consecutiveRateLimits,
      backoff: this.backoff,
      serverNowMs: this.now(),
    });
    this.consecutiveRateLimits = failure.kind === 'rate-limited' ? this.consecutiveRateLimits + 1 : 0;
    return 'message' in failure ? { ...failure, message: redact(failure.message, secrets) } : failure;
  }

  /** One line per HTTP call: the path template, never ids, bodies, codes or tokens. */
  private log(method: string, path: string, answer: HttpAnswer | null, outcome: GraphOutcome<unknown>, durationMs: number, retrying = false): void {
    const fields = {
      call: 'graph',
      method,
      path,
      status: answer?.status ?? null,
      outcome: outcome.kind,
      code: outcome.kind === 'ok' ? undefined : outcome.code,
      retryAfterMs: outcome.kind === 'rate-limited' ? outcome.retryAfterMs : undefined,
      durationMs,
      requestId: outcome.requestId,
      retrying: retrying || undefined,
    };
    if (outcome.kind === 'ok' && method === 'GET') (this.logger.debug ?? this.logger.info).call(this.logger, fields, 'graph call');
    else this.logger.info(fields, 'graph call');
  }
}

function send(request: GraphRequest, method: CallSpec<unknown>['method'], payload: unknown): Promise<unknown> {
  switch (method) {
    case 'GET':
      return request.get();
    case 'POST':
      return request.post(payload);
    case 'PATCH':
      return request.patch(payload);
    case 'DELETE':
      return request.delete();
  }
}

/** The create fields of docs/graph-hardware-oath.md §2.1, numbers as numbers and enums lower-case; nothing else leaks in. */
function deviceCreateBody(device: DeviceCreate): Record<string, unknown> {
  const body: Record<string, unknown> = {
    serialNumber: device.serialNumber,
    manufacturer: device.manufacturer,
    model: device.model,
    secretKey: device.secretKey,
    timeIntervalInSeconds: Number(device.timeIntervalInSeconds),
    hashFunction: device.hashFunction.toLowerCase(),
  };
  if (device.displayName !== undefined) body.displayName = device.displayName;
  if (device.assignTo !== undefined) body.assignTo = { id: device.assignTo.id };
  return body;
}

function notCreated(entry: BulkEntry, failure: GraphFailure): BulkCreateItemResult {
  return { ...entry, ok: false, status: failure.status ?? 0, code: failure.code ?? failure.kind, message: `Not sent: ${describeFailure(failure)}` };
}

export function describeFailure(failure: GraphFailure): string {
  return failure.kind === 'rate-limited' ? `Graph is throttling (retry after ${failure.retryAfterMs} ms)` : failure.message;
}

function codeNow(verificationCode: VerificationCode): string {
  return typeof verificationCode === 'function' ? verificationCode() : verificationCode;
}

function withDisplayName<T extends object>(body: T, displayName: string | undefined): T & { displayName?: string } {
  return displayName === undefined ? body : { ...body, displayName };
}

const SENSITIVE_FIELDS = new Set(['verificationCode', 'secretKey']);

/** Values of secret fields anywhere in a request body, so Graph echoing one in a message is scrubbed. */
function sensitiveValues(payload: unknown): string[] {
  if (Array.isArray(payload)) return payload.flatMap(sensitiveValues);
  if (!isRecord(payload)) return [];
  return Object.entries(payload).flatMap(([field, value]) =>
    SENSITIVE_FIELDS.has(field) && typeof value === 'string' && value !== '' ? [value] : sensitiveValues(value),
  );
}

function redact(message: string, secrets: readonly string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

function noValue(): void {}

function clampPageSize(top: number): number {
  return Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(top)));
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number (got ${value})`);
  return value;
}

function httpsUrl(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL: ${value}`);
  }
  if (url.protocol !== 'https:') throw new Error(`${name} must be an https:// URL (got ${url.origin}); Graph tokens never travel in clear text`);
  return url;
}

const silentLogger: GraphLogger = { info() {}, warn() {}, error() {}, debug() {} };
