// The one way this package puts bytes on the wire: node:https with a keep-alive agent per client. MSAL (as
// its networkClient) and the Graph JS client (as the last middleware of its chain) both send through it,
// so both trust the same CAs (system store + NODE_EXTRA_CA_CERTS + the optional extra CA, never "verify
// off"), share one per-request timeout, and report the local send/receive instants the clock estimator
// needs.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export interface HttpRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
}

export interface HttpExchange {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
  /** Local epoch ms just before the request was handed to node:https. */
  sentAtMs: number;
  /** Local epoch ms when the response headers arrived. */
  receivedAtMs: number;
}

/** A request that got no HTTP answer: `code` is node's error code, or 'timeout'. */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TransportError';
  }
}

export interface HttpsTransportOptions {
  caCertificatePem?: string;
  timeoutMs: number;
}

export class HttpsTransport {
  private readonly agent: https.Agent;
  private readonly timeoutMs: number;

  constructor(options: HttpsTransportOptions) {
    this.timeoutMs = options.timeoutMs;
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 32,
      // Only when an extra CA is given do we trust a store of our own, which REPLACES node's default one; so
      // the default store (and NODE_EXTRA_CA_CERTS, which is not part of tls.rootCertificates) goes back in.
      // It is built once, as a secure context every socket shares: given as `ca`, the 140-odd certificates
      // would be parsed again for every new connection and joined into the agent's pool key on every request.
      ...(options.caCertificatePem === undefined ? {} : { secureContext: tls.createSecureContext({ ca: trustedCertificates(options.caCertificatePem) }) }),
    });
  }

  send(request: HttpRequest): Promise<HttpExchange> {
    const url = new URL(request.url);
    if (url.protocol !== 'https:') {
      return Promise.reject(new TransportError(`Refusing to send to a non-HTTPS URL (${url.origin})`, 'insecureUrl'));
    }
    return new Promise<HttpExchange>((resolve, reject) => {
      const headers: Record<string, string | number> = { ...request.headers };
      if (request.body !== undefined) headers['content-length'] = Buffer.byteLength(request.body);
      // The timeout covers the whole exchange, body included: aborting destroys the request and its socket.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), this.timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        if (timeout.signal.aborted) reject(new TransportError(`No answer from ${url.host} within ${this.timeoutMs} ms`, 'timeout', { cause: error }));
        else reject(error instanceof TransportError ? error : new TransportError(error.message, transportCode(error), { cause: error }));
      };
      const sentAtMs = Date.now();
      const outgoing = https.request(url, { method: request.method, headers, agent: this.agent, signal: timeout.signal });
      outgoing.on('error', fail);
      outgoing.on('response', (incoming) => {
        const receivedAtMs = Date.now();
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        let complete = false;
        incoming.on('error', fail);
        incoming.on('close', () => {
          if (!complete) fail(new TransportError(`${url.host} closed the connection mid-answer`, 'ECONNRESET'));
        });
        incoming.on('end', () => {
          complete = true;
          clearTimeout(timer);
          resolve({
            status: incoming.statusCode ?? 0,
            headers: flattenHeaders(incoming.headers),
            body: Buffer.concat(chunks),
            sentAtMs,
            receivedAtMs,
          });
        });
      });
      outgoing.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function trustedCertificates(extraPem: string): string[] {
  const fromEnvironment = process.env.NODE_EXTRA_CA_CERTS;
  const environmentPem = fromEnvironment ? readFileSync(fromEnvironment, 'utf8') : null;
  return [...tls.rootCertificates, ...(environmentPem ? [environmentPem] : []), extraPem];
}

function transportCode(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : 'transportError';
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** What one token-endpoint exchange ended in, kept by MSAL correlation id for error classification. */
export type TokenExchangeRecord = { exchange: HttpExchange; body: unknown } | { error: TransportError };

export interface MsalNetworkHooks {
  /** Called once per exchange (or transport failure) with the correlation id MSAL passed along. */
  onExchange(correlationId: string | undefined, url: string, method: string, record: TokenExchangeRecord): void;
}

/** MSAL's INetworkModule on top of the transport (MSAL parses the body itself, we hand it JSON). */
export function msalNetworkModule(transport: HttpsTransport, hooks: MsalNetworkHooks): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const request: HttpRequest = { url, method, headers: { ...options?.headers } };
    if (method === 'POST') request.body = options?.body ?? '';
    let exchange: HttpExchange;
    try {
      exchange = await transport.send(request);
    } catch (error) {
      const failure = error instanceof TransportError ? error : new TransportError(String(error), 'transportError');
      hooks.onExchange(options?.correlationId, url, method, { error: failure });
      throw failure;
    }
    const body = parseJsonBody(exchange.body);
    hooks.onExchange(options?.correlationId, url, method, { exchange, body });
    return { status: exchange.status, headers: exchange.headers, body: (body ?? {}) as T };
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
  };
}

/**
 * Handed to the Graph client per request (as a middleware option) and filled in by the transport
 * middleware: the raw exchange with its timing, or the transport failure. The Graph client wraps
 * transport errors into its own GraphError, losing the node error code; this keeps it.
 */
export class ExchangeProbe {
  exchange: HttpExchange | null = null;
  error: TransportError | null = null;
}

/** The last link of the Graph client's middleware chain, in place of its fetch-based HTTPMessageHandler. */
export class TransportMiddleware implements Middleware {
  constructor(private readonly transport: HttpsTransport) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const headers = Object.fromEntries(new Headers(options.headers as ConstructorParameters<typeof Headers>[0]).entries());
    const body = options.body as string | Uint8Array | undefined | null;
    // A call without a body (deactivate) goes without a Content-Type too.
    if (body === undefined || body === null) delete headers['content-type'];
    const probe = context.middlewareControl?.getMiddlewareOptions(ExchangeProbe) as ExchangeProbe | undefined;
    try {
      const exchange = await this.transport.send({ url, method: options.method ?? 'GET', headers, body: body ?? undefined });
      if (probe) probe.exchange = exchange;
      const bodyless = exchange.status === 204 || exchange.status === 205 || exchange.status === 304;
      context.response = new Response(bodyless ? null : exchange.body, {
        status: exchange.status,
        headers: Object.entries(exchange.headers),
      });
    } catch (error) {
      if (probe) probe.error = error instanceof TransportError ? error : new TransportError(String(error), 'transportError');
      throw error;
    }
  }
}
