// startSandbox: an HTTPS server that is Entra's token endpoint and Microsoft Graph's hardware OATH and
// user endpoints at once, with throttling, latency and failure injection, and inspection routes.
// The request pipeline, in order: latency → (Graph only) timeout / 503 injection → authentication →
// routing → throttling → handler. Every answer carries Graph's headers; every Entra and Graph call is
// logged (route template, status, request id — never bodies, secrets or codes).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppRegistration } from './auth';
import { EntraError, instanceDiscovery, issueToken, openIdConfiguration, parseClientCertificate, sendEntraError, tokenSigningKey, verifyAccessToken } from './auth';
import { prepareTls } from './certificates';
import { Inventory } from './devices';
import type { GraphHandler } from './graph-routes';
import { buildGraphRouter, DEVICES as BULK_CREATE_TEMPLATE } from './graph-routes';
import type { Exchange } from './http';
import { createExchange, GraphError, parseJsonBody, PLAIN_JSON, readBodyText, sendEmpty, sendGraphError, sendJson } from './http';
import { SkipTokens } from './odata';
import { retryAfterSeconds, Throttle } from './throttle';
import type { Sandbox, SandboxBehaviour, SandboxCall, SandboxCounters, SandboxOptions } from './types';
import { behaviourProblems, DEFAULT_BEHAVIOUR, DEFAULT_CLIENT_ID, DEFAULT_TENANT_ID } from './types';
import { Directory, seedUsers } from './users';
import { SignInProvider } from './sign-in';

const escapeText = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function sendHtml(exchange: Exchange, status: number, html: string): void {
  exchange.res.statusCode = status;
  exchange.res.setHeader('Content-Type', 'text/html; charset=utf-8');
  exchange.res.setHeader('Cache-Control', 'no-store');
  exchange.res.setHeader('X-Frame-Options', 'DENY');
  exchange.res.end(html);
}

/** The call log keeps the most recent entries only, so a long-running standalone sandbox stays small. */
const CALL_LOG_LIMIT = 50_000;
/** Seconds a client is told to wait after an injected 503. */
const INJECTED_FAILURE_RETRY_AFTER = '1';
const GRAPH_VERSIONS = new Set(['beta', 'v1.0']);

function cloneBehaviour(behaviour: SandboxBehaviour): SandboxBehaviour {
  return structuredClone(behaviour);
}

function pickBehaviour(options: SandboxOptions): Partial<SandboxBehaviour> {
  const change: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_BEHAVIOUR)) {
    const value = (options as Record<string, unknown>)[key];
    if (value !== undefined) change[key] = value;
  }
  return change as Partial<SandboxBehaviour>;
}

function zeroCounters(): SandboxCounters {
  return { reads: 0, writes: 0, throttled: 0, injectedFailures: 0, activationsRefused: 0, activationsRefusedLate: 0, devicesCreated: 0, lostResponses: 0 };
}

function isWrite(method: string): boolean {
  return method === 'POST' || method === 'PATCH' || method === 'PUT' || method === 'DELETE';
}

function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const initialChange = pickBehaviour(options);
  const initialProblems = behaviourProblems(initialChange as Record<string, unknown>);
  if (initialProblems.length > 0) throw new Error(`Sandbox options are not valid: ${initialProblems.join('; ')}.`);
  const behaviour: SandboxBehaviour = { ...cloneBehaviour(DEFAULT_BEHAVIOUR), ...structuredClone(initialChange) };
  const counters = zeroCounters();
  const logger = options.logger;
  // Without a stateDir the CA lives in a temporary directory of this sandbox's own, removed on close().
  const temporaryStateDir = options.stateDir ? null : await mkdtemp(join(tmpdir(), 'tokenfleet-sandbox-'));
  const stateDir = options.stateDir ?? temporaryStateDir!;
  const tls = await prepareTls(stateDir);
  const now = () => Date.now() + behaviour.clockOffsetMs;

  const tenantId = options.tenantId ?? DEFAULT_TENANT_ID;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.clientSecret ?? randomBytes(30).toString('base64url');
  const app: AppRegistration = {
    tenantId,
    clientId,
    clientSecret,
    certificate: parseClientCertificate(options.clientCertificatePem),
    tokenSigningKey: tokenSigningKey(clientSecret, tenantId),
  };
  const throttlePair = `${clientId}/${tenantId}`;

  const directory = new Directory(seedUsers(options.generatedUsers ?? 50, options.users ?? []));
  const signIn = new SignInProvider(app, () => directory.users, behaviour, options.redirectUris);
  const inventory = new Inventory({ behaviour, counters, directory, now });
  const throttle = new Throttle();
  const router = buildGraphRouter({ inventory, directory, behaviour, skipTokens: new SkipTokens(randomBytes(32)) });
  let calls: SandboxCall[] = [];

  // Sockets and timers we must be able to end when close() is called, including requests left
  // hanging on purpose by timeoutRate.
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  /** `write` marks Graph calls that may change state (the token endpoint's POST is not one). */
  const recordCall = (exchange: Exchange, route: string, status: number, write: boolean) => {
    calls.push({
      at: new Date(exchange.arrivedAt).toISOString(),
      method: exchange.method,
      path: exchange.url.pathname,
      route,
      status,
      requestId: exchange.requestId,
      write,
    });
    // Trimmed in batches so a full log does not copy itself on every call.
    if (calls.length > CALL_LOG_LIMIT * 1.1) calls = calls.slice(calls.length - CALL_LOG_LIMIT);
    logger?.debug?.({ method: exchange.method, route, status, requestId: exchange.requestId }, 'sandbox call');
  };

  const logWhenAnswered = (exchange: Exchange, route: () => string, write = false) => {
    exchange.res.on('finish', () => recordCall(exchange, route(), exchange.res.statusCode, write));
  };

  // ---- Entra (authority) ------------------------------------------------------------------------

  const handleAuthority = (exchange: Exchange, bodyText: string): boolean => {
    const [tenant, ...rest] = exchange.segments;
    const path = rest.join('/').toLowerCase();
    if (exchange.method === 'POST' && path === 'oauth2/v2.0/token' && tenant) {
      logWhenAnswered(exchange, () => 'POST /{tenantId}/oauth2/v2.0/token');
      try {
        sendJson(exchange, 200, issueToken(exchange, tenant, new URLSearchParams(bodyText), app, signIn), {}, PLAIN_JSON);
      } catch (error) {
        if (!(error instanceof EntraError)) throw error;
        sendEntraError(exchange, error);
      }
      return true;
    }
    if (path === 'oauth2/v2.0/authorize' && tenant && (exchange.method === 'GET' || exchange.method === 'POST')) {
      logWhenAnswered(exchange, () => `${exchange.method} /{tenantId}/oauth2/v2.0/authorize`);
      try {
        if (exchange.method === 'GET' && exchange.url.searchParams.get('cancel') !== '1') {
          sendHtml(exchange, 200, signIn.signInPage(exchange, tenant));
        } else {
          exchange.res.statusCode = 302;
          exchange.res.setHeader('Location', signIn.completeSignIn(exchange, tenant, new URLSearchParams(bodyText)));
          exchange.res.setHeader('Cache-Control', 'no-store');
          exchange.res.end();
        }
      } catch (error) {
        if (!(error instanceof EntraError)) throw error;
        // As Entra does, a request that cannot be trusted to redirect (unknown app, unregistered redirect URI) gets a page.
        sendHtml(exchange, error.status, `<!doctype html><title>Sign-in error</title><p>AADSTS${error.aadstsCode}: ${escapeText(error.message)}</p>`);
      }
      return true;
    }
    if (exchange.method !== 'GET' || !tenant) return false;
    if (path === 'v2.0/.well-known/openid-configuration') {
      logWhenAnswered(exchange, () => 'GET /{tenantId}/v2.0/.well-known/openid-configuration');
      if (tenant.toLowerCase() !== tenantId.toLowerCase()) {
        sendEntraError(exchange, new EntraError(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`));
      } else {
        sendJson(exchange, 200, openIdConfiguration(exchange.origin, tenantId), {}, PLAIN_JSON);
      }
      return true;
    }
    if (path === 'discovery/v2.0/keys') {
      logWhenAnswered(exchange, () => 'GET /{tenantId}/discovery/v2.0/keys');
      // The ID tokens' signing key (access tokens are HMAC-signed: nothing outside the sandbox verifies them).
      sendJson(exchange, 200, signIn.jwks(exchange.origin), {}, PLAIN_JSON);
      return true;
    }
    if (tenant === 'common' && path === 'discovery/instance') {
      logWhenAnswered(exchange, () => 'GET /common/discovery/instance');
      sendJson(exchange, 200, instanceDiscovery(exchange.origin, tenantId), {}, PLAIN_JSON);
      return true;
    }
    return false;
  };

  // ---- Graph ------------------------------------------------------------------------------------

  /** Writes a request costs: one, or with `bulkCreateCost: 'item'` one per item of a bulk create. */
  const writeCost = (template: string, method: string, bodyText: string): number => {
    if (behaviour.bulkCreateCost !== 'item' || method !== 'PATCH' || template !== BULK_CREATE_TEMPLATE) return 1;
    const body = parseJsonBody(bodyText) as { value?: unknown } | undefined;
    return Array.isArray(body?.value) ? Math.max(1, body.value.length) : 1;
  };

  const handleGraph = async (exchange: Exchange, bodyText: string): Promise<void> => {
    const [version, ...segments] = exchange.segments;
    let routeName = `${exchange.method} /${version} (no such route)`;
    const write = isWrite(exchange.method);
    logWhenAnswered(exchange, () => routeName, write);
    const lookup = router.lookup(exchange.method, segments);
    if (lookup.kind === 'match') routeName = `${exchange.method} /${version}${lookup.route.template}`;

    if (behaviour.timeoutRate > 0 && Math.random() < behaviour.timeoutRate) {
      // Never answered: the client's own timeout ends it; close() destroys the socket.
      counters.injectedFailures += 1;
      recordCall(exchange, routeName, 0, write);
      exchange.res.removeAllListeners('finish');
      return;
    }
    if (behaviour.transientFailureRate > 0 && Math.random() < behaviour.transientFailureRate) {
      counters.injectedFailures += 1;
      throw new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable. Please retry after the time given in Retry-After.', {
        'Retry-After': INJECTED_FAILURE_RETRY_AFTER,
      });
    }
    const token = verifyAccessToken(exchange.req.headers.authorization, app, exchange.now());
    if (!token.ok) {
      throw new GraphError(401, 'InvalidAuthenticationToken', token.message, {
        'WWW-Authenticate': `Bearer realm="", authorization_uri="${exchange.origin}/${tenantId}/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`,
      });
    }
    if (segments[0]?.toLowerCase() === 'me') {
      throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    }
    if (lookup.kind === 'wrong-method') {
      throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.', { Allow: lookup.allowed.join(', ') });
    }
    if (lookup.kind === 'none') {
      throw new GraphError(400, 'BadRequest', `Resource not found for the segment '${segments[segments.length - 1] ?? version}'.`);
    }
    if (version !== 'beta' && router.betaOnly(lookup.route.template)) {
      const segment = segments.find((part) => /^(authenticationMethodDevices|hardwareOathMethods)$/i.test(part)) ?? segments[0];
      throw new GraphError(400, 'Request_BadRequest', `Resource not found for the segment '${segment}'. Hardware OATH APIs exist in /beta only.`);
    }
    const writes = write ? writeCost(lookup.route.template, exchange.method, bodyText) : 0;
    const verdict = throttle.admit(throttlePair, writes, behaviour);
    if ('retryAfterMs' in verdict) {
      counters.throttled += 1;
      const headers: Record<string, string> = {
        'x-ms-throttle-scope': `Tenant_Application/${verdict.limit}/${token.appId}/${tenantId}`,
        'x-ms-throttle-information': verdict.information,
      };
      if (behaviour.retryAfterHeader) headers['Retry-After'] = retryAfterSeconds(verdict.retryAfterMs);
      throw new GraphError(429, 'TooManyRequests', 'Please retry again later.', headers, { code: '429', message: 'Please retry after', status: '429' });
    }
    if (write) counters.writes += writes;
    else counters.reads += 1;
    const usageHeaders: Record<string, string> = { 'x-ms-resource-unit': '1' };
    if (verdict.usage > 0.8) usageHeaders['x-ms-throttle-limit-percentage'] = verdict.usage.toFixed(1);
    const handler: GraphHandler = lookup.route.handler;
    const result = handler({ exchange, params: lookup.params, body: parseJsonBody(bodyText), version: version! });
    if (write && (behaviour.holdWriteResponses || (behaviour.lostWriteResponseRate > 0 && Math.random() < behaviour.lostWriteResponseRate))) {
      // Done, and never heard of: the caller must find out from Graph's state what happened.
      counters.lostResponses += 1;
      recordCall(exchange, routeName, 0, write);
      exchange.res.removeAllListeners('finish');
      if (!behaviour.holdWriteResponses) exchange.res.socket?.destroy();
      return;
    }
    if (result.body === undefined) sendEmpty(exchange, result.status, usageHeaders);
    else sendJson(exchange, result.status, result.body, usageHeaders);
  };

  // ---- inspection and control -------------------------------------------------------------------

  const handleControl = (exchange: Exchange, bodyText: string): void => {
    const presented = /^Bearer\s+(.+)$/i.exec(exchange.req.headers.authorization ?? '')?.[1]?.trim();
    if (!presented || !sameSecret(presented, clientSecret)) {
      throw new GraphError(401, 'unauthenticated', 'The sandbox inspection routes need Authorization: Bearer <the sandbox client secret>.');
    }
    const route = `${exchange.method} /${exchange.segments.join('/')}`;
    if (exchange.segments[1] === 'portal') return handlePortal(exchange, bodyText);
    switch (route) {
      case 'GET /_sandbox/calls':
        return sendJson(exchange, 200, { value: sandbox.inspect.calls() });
      case 'GET /_sandbox/devices':
        return sendJson(exchange, 200, { value: sandbox.inspect.devices() });
      case 'GET /_sandbox/counters':
        return sendJson(exchange, 200, sandbox.inspect.counters());
      case 'GET /_sandbox/users':
        return sendJson(exchange, 200, { value: sandbox.inspect.users() });
      case 'GET /_sandbox/behaviour':
        return sendJson(exchange, 200, cloneBehaviour(behaviour));
      case 'POST /_sandbox/behaviour': {
        const change = parseJsonBody(bodyText);
        if (typeof change !== 'object' || change === null || Array.isArray(change)) {
          throw new GraphError(400, 'badRequest', 'The body must be a JSON object of behaviour switches.');
        }
        const problems = behaviourProblems(change as Record<string, unknown>);
        if (problems.length > 0) throw new GraphError(400, 'badRequest', `Behaviour not changed: ${problems.join('; ')}.`);
        sandbox.configure(change as Partial<SandboxBehaviour>);
        return sendJson(exchange, 200, cloneBehaviour(behaviour));
      }
      case 'POST /_sandbox/reset':
        sandbox.reset();
        return sendEmpty(exchange, 204);
      default:
        throw new GraphError(404, 'itemNotFound', `No sandbox route ${route}.`);
    }
  };

  /**
   * `/_sandbox/portal/devices[/{id}[/{action}]]`: the portal and Security info (Sandbox.portal). Answers
   * as Graph does: 204 for a change, 201 with the device for a create, Graph's error envelope otherwise.
   */
  const handlePortal = (exchange: Exchange, bodyText: string): void => {
    const [, , collection, deviceId, action, ...rest] = exchange.segments;
    const body = bodyText ? parseJsonBody(bodyText) : {};
    const field = (name: string): string => {
      const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
      if (typeof value !== 'string' || value.length === 0) throw new GraphError(400, 'badRequest', `The property '${name}' is required.`);
      return value;
    };
    const route = `${exchange.method} ${action ?? (deviceId ? '{id}' : '')}`;
    if (collection !== 'devices' || rest.length > 0) throw new GraphError(404, 'itemNotFound', `No sandbox route ${exchange.method} ${exchange.url.pathname}.`);
    switch (route) {
      case 'POST ': {
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new GraphError(400, 'badRequest', 'The body must be a Graph create body.');
        return sendJson(exchange, 201, sandbox.portal.createDevice(body as Record<string, unknown>));
      }
      case 'DELETE {id}':
        sandbox.portal.delete(deviceId!);
        return sendEmpty(exchange, 204);
      case 'POST activate':
        sandbox.portal.activate(deviceId!, field('verificationCode'));
        return sendEmpty(exchange, 204);
      case 'POST unassign':
        sandbox.portal.unassign(deviceId!);
        return sendEmpty(exchange, 204);
      case 'POST reassign':
        sandbox.portal.reassign(deviceId!, field('user'));
        return sendEmpty(exchange, 204);
      case 'POST sign-in':
        return sendJson(exchange, 200, { lastUsedDateTime: sandbox.portal.signIn(deviceId!, field('verificationCode')) });
      default:
        throw new GraphError(404, 'itemNotFound', `No sandbox route ${exchange.method} ${exchange.url.pathname}.`);
    }
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const exchange = createExchange(req, res, origin, now);
    try {
      const bodyText = await readBodyText(req);
      const first = exchange.segments[0] ?? '';
      // Inspection is the operator's window, not part of the simulated service: no latency.
      if (first === '_sandbox') return handleControl(exchange, bodyText);
      const { min, max } = behaviour.latencyMs;
      if (max > 0) {
        await wait(min + Math.random() * (max - min));
        // The latency is the request's way to the service: Graph checks a code when it gets there, so a
        // code that left in the last moments of its window can reach it too late, as on a slow network.
        exchange.arrivedAt = now();
      }
      if (closing) return;
      if (GRAPH_VERSIONS.has(first.toLowerCase())) return await handleGraph(exchange, bodyText);
      if (handleAuthority(exchange, bodyText)) return;
      throw new GraphError(404, 'itemNotFound', `Nothing is served at ${exchange.method} ${exchange.url.pathname}.`);
    } catch (error) {
      if (res.headersSent || res.destroyed) return;
      if (error instanceof GraphError) return sendGraphError(exchange, error);
      logger?.error({ err: error, requestId: exchange.requestId }, 'sandbox request failed');
      sendGraphError(exchange, new GraphError(500, 'generalException', 'The sandbox failed to handle this request; see its log.'));
    }
  };

  const server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertificatePem }, (req, res) => {
    void handleRequest(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', (error) => logger?.debug?.({ err: error.message }, 'sandbox TLS handshake failed'));

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The sandbox server has no TCP address.');
  const port = address.port;
  const origin = `https://localhost:${port}`;

  const sandbox: Sandbox = {
    origin,
    port,
    tenantId,
    clientId,
    clientSecret,
    caCertificatePem: tls.caCertificatePem,
    caCertificatePath: tls.caCertificatePath,
    configure(change) {
      const problems = behaviourProblems(change as Record<string, unknown>);
      if (problems.length > 0) throw new Error(`Sandbox behaviour not changed: ${problems.join('; ')}.`);
      Object.assign(behaviour, structuredClone(change));
    },
    reset() {
      inventory.reset();
      throttle.reset();
      Object.assign(counters, zeroCounters());
      calls = [];
    },
    inspect: {
      calls: () => calls.map((call) => ({ ...call })),
      devices: () => inventory.inspect(),
      counters: () => ({ ...counters }),
      users: () => directory.users.map((user) => ({ ...user })),
    },
    portal: {
      activate: (deviceId, code) => inventory.portalActivate(deviceId, code, now()),
      unassign: (deviceId) => inventory.portalUnassign(deviceId),
      delete: (deviceId) => inventory.portalDelete(deviceId),
      reassign: (deviceId, user) => inventory.portalReassign(deviceId, user),
      createDevice: (body) => inventory.inspectOne(inventory.portalCreate(body)),
      signIn: (deviceId, code) => inventory.signIn(deviceId, code, now()),
    },
    now,
    async close() {
      closing = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Hanging requests (timeoutRate) and idle keep-alive connections would hold close() forever.
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
      if (temporaryStateDir) await rm(temporaryStateDir, { recursive: true, force: true });
    },
  };
  logger?.info({ origin, tenantId, clientId, caCertificatePath: tls.caCertificatePath }, 'SANDBOX Entra + Graph simulator listening');
  return sandbox;
}

