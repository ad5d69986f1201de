// The HTTP plumbing every sandbox route shares: one exchange object per request, the headers Graph
// sends on every response, the Graph error envelope, body reading and a small template router.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Graph's JSON content type (OData minimal metadata). */
export const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
/** Entra's token endpoint answers plain JSON. */
export const PLAIN_JSON = 'application/json; charset=utf-8';

const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** One request in flight: where it came from, its ids, and when it arrived on the sandbox clock. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: URL;
  /** Decoded path segments, e.g. ['beta', 'users', 'alice@contoso.example']. */
  segments: string[];
  requestId: string;
  clientRequestId: string;
  /** Sandbox-clock epoch ms when the request reached the service, after any simulated latency (TOTP checks use this moment). */
  arrivedAt: number;
  /** The origin the client used to reach us, for links it will follow (nextLink, metadata). */
  origin: string;
  /** Sandbox clock, read when the response is written (Date header, innerError.date). */
  now: () => number;
}

/** A Graph error, thrown by handlers and written in the Graph envelope. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** Extra innerError members (the 429 envelope carries code/status/message there). */
    readonly innerExtras: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GraphError';
  }
}

const HOST_PATTERN = /^(localhost|127\.0\.0\.1|\[::1\]):\d{1,5}$/i;

export function createExchange(req: IncomingMessage, res: ServerResponse, sandboxOrigin: string, now: () => number): Exchange {
  const requestId = randomUUID();
  const url = new URL(req.url ?? '/', sandboxOrigin);
  const host = req.headers.host ?? '';
  const clientRequestIdHeader = req.headers['client-request-id'];
  const clientRequestId =
    typeof clientRequestIdHeader === 'string' && clientRequestIdHeader.length > 0 && clientRequestIdHeader.length <= 200
      ? clientRequestIdHeader
      : (url.searchParams.get('client-request-id') ?? requestId);
  return {
    req,
    res,
    method: (req.method ?? 'GET').toUpperCase(),
    url,
    segments: decodeSegments(url.pathname),
    requestId,
    clientRequestId,
    arrivedAt: now(),
    origin: HOST_PATTERN.test(host) ? `https://${host.toLowerCase()}` : sandboxOrigin,
    now,
  };
}

function decodeSegments(pathname: string): string[] {
  return pathname
    .split('/')
    .filter((segment) => segment.length > 0)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

/** RFC 7231 date, as the Date header carries it. */
export function httpDate(epochMs: number): string {
  return new Date(epochMs).toUTCString();
}

/** innerError.date: UTC, no zone suffix, no fractions (e.g. 2025-02-13T10:17:06). */
export function innerErrorDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19);
}

function writeHead(exchange: Exchange, status: number, headers: Record<string, string>, contentType: string | null): void {
  const { res } = exchange;
  res.statusCode = status;
  res.setHeader('request-id', exchange.requestId);
  res.setHeader('client-request-id', exchange.clientRequestId);
  res.setHeader('Date', httpDate(exchange.now()));
  res.setHeader('OData-Version', '4.0');
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Strict-Transport-Security', 'max-age=31536000');
  res.setHeader(
    'x-ms-ags-diagnostic',
    JSON.stringify({ ServerInfo: { DataCenter: 'Sandbox', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'TOKENFLEET-SANDBOX' } }),
  );
  if (contentType) res.setHeader('Content-Type', contentType);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}

export function sendJson(exchange: Exchange, status: number, body: unknown, headers: Record<string, string> = {}, contentType = GRAPH_JSON): void {
  writeHead(exchange, status, headers, contentType);
  exchange.res.end(JSON.stringify(body));
}

/** 204 and friends: Graph sends no body and no content type. */
export function sendEmpty(exchange: Exchange, status: number, headers: Record<string, string> = {}): void {
  writeHead(exchange, status, headers, null);
  exchange.res.end();
}

export function sendGraphError(exchange: Exchange, error: GraphError): void {
  sendJson(
    exchange,
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        innerError: {
          ...error.innerExtras,
          date: innerErrorDate(exchange.now()),
          'request-id': exchange.requestId,
          'client-request-id': exchange.clientRequestId,
        },
      },
    },
    error.headers,
  );
}

/** Reads the whole request body as text (bounded, so a runaway client cannot exhaust memory). */
export async function readBodyText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new GraphError(413, 'requestBodyTooLarge', 'The request body is larger than the sandbox accepts (5 MiB).');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON request body; an empty body is `undefined`, malformed JSON a 400 as Graph answers it. */
export function parseJsonBody(text: string): unknown {
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
}

export interface Route<Handler> {
  method: string;
  /** Template relative to its mount point, e.g. `/users/{user}/authentication/hardwareOathMethods`. */
  template: string;
  handler: Handler;
}

interface CompiledRoute<Handler> extends Route<Handler> {
  parts: Array<{ literal: string } | { param: string }>;
}

export type RouteLookup<Handler> =
  | { kind: 'match'; route: Route<Handler>; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'none' };

/** Matches decoded path segments against templates; literal segments compare case-insensitively, as Graph's do. */
export class Router<Handler> {
  private readonly routes: CompiledRoute<Handler>[];

  constructor(routes: Route<Handler>[]) {
    this.routes = routes.map((route) => ({
      ...route,
      parts: route.template
        .split('/')
        .filter((part) => part.length > 0)
        .map((part) => (part.startsWith('{') && part.endsWith('}') ? { param: part.slice(1, -1) } : { literal: part.toLowerCase() })),
    }));
  }

  lookup(method: string, segments: string[]): RouteLookup<Handler> {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method === method) return { kind: 'match', route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'none' };
  }
}

function matchParts(parts: CompiledRoute<unknown>['parts'], segments: string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let index = 0; index < parts.length; index += 1) {
    const part = parts[index]!;
    const segment = segments[index]!;
    if ('literal' in part) {
      if (part.literal !== segment.toLowerCase()) return null;
    } else {
      params[part.param] = segment;
    }
  }
  return params;
}
