// Watches every outbound HTTP request and TCP connection of this process through node's diagnostics
// channels, so a test can say what actually went over the wire: which hosts were reached (by node:http
// and node:net, and by fetch/undici should anything use it), which bearer tokens were sent, and the raw
// Retry-After Graph answered.
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export interface WireRequest {
  /** The Host header, e.g. "localhost:8443". */
  host: string;
  method: string;
  path: string;
  authorization: string | null;
  status: number | null;
  retryAfter: string | null;
}

export class WireRecorder {
  readonly requests: WireRequest[] = [];
  /** remoteAddress:remotePort of every TCP connection that was established. */
  readonly connections = new Set<string>();
  /** hostname:port of every connection fetch (undici) was about to make. */
  readonly fetchConnections = new Set<string>();
  private readonly byRequest = new WeakMap<ClientRequest, WireRequest>();

  private readonly onRequestStart = (message: unknown): void => {
    const { request } = message as { request: ClientRequest };
    const record: WireRequest = {
      host: String(request.getHeader('host') ?? request.host),
      method: request.method,
      path: request.path,
      authorization: headerText(request.getHeader('authorization')),
      status: null,
      retryAfter: null,
    };
    this.byRequest.set(request, record);
    this.requests.push(record);
  };

  private readonly onResponseFinish = (message: unknown): void => {
    const { request, response } = message as { request: ClientRequest; response: IncomingMessage };
    const record = this.byRequest.get(request);
    if (!record) return;
    record.status = response.statusCode ?? null;
    record.retryAfter = headerText(response.headers['retry-after']);
  };

  private readonly onSocket = (message: unknown): void => {
    const { socket } = message as { socket: Socket };
    socket.once('connect', () => this.connections.add(`${socket.remoteAddress}:${socket.remotePort}`));
  };

  private readonly onFetchConnect = (message: unknown): void => {
    const { connectParams } = message as { connectParams: { hostname: string; port: string | number } };
    this.fetchConnections.add(`${connectParams.hostname}:${connectParams.port}`);
  };

  start(): this {
    diagnostics.subscribe('http.client.request.start', this.onRequestStart);
    diagnostics.subscribe('http.client.response.finish', this.onResponseFinish);
    diagnostics.subscribe('net.client.socket', this.onSocket);
    diagnostics.subscribe('undici:client:beforeConnect', this.onFetchConnect);
    return this;
  }

  stop(): void {
    diagnostics.unsubscribe('http.client.request.start', this.onRequestStart);
    diagnostics.unsubscribe('http.client.response.finish', this.onResponseFinish);
    diagnostics.unsubscribe('net.client.socket', this.onSocket);
    diagnostics.unsubscribe('undici:client:beforeConnect', this.onFetchConnect);
  }

  /** Every bearer token that was sent. */
  bearerTokens(): string[] {
    return [...new Set(this.requests.map((r) => r.authorization?.replace(/^Bearer\s+/i, '') ?? '').filter((t) => t !== ''))];
  }
}

function headerText(value: string | number | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : String(value);
}
