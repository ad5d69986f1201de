// A bare HTTP/1.1 client for the benchmarks: one kept-alive TCP connection, one request at a time on it.
// The benchmark's clients stand in for VPN gateways and RADIUS servers on other machines, yet here they
// share the API's two cores; node:http's request and response objects (and their streams) cost them about
// half as much CPU per request as the API spent answering it. This writes each request in one piece and
// reads only what the API sends back: a status line, headers with Content-Length, the body.
import { connect, type Socket } from 'node:net';

export interface BareAnswer {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One TCP connection and what is pending on it; a connection the server closed is replaced by a new one. */
interface Link {
  socket: Socket;
  received: Buffer;
  waiting: { resolve: (answer: BareAnswer) => void; reject: (error: Error) => void } | null;
  closed: boolean;
}

export class BareHttpConnection {
  private link: Link | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async request(method: 'GET' | 'POST', path: string, form?: string): Promise<BareAnswer> {
    const link = this.link && !this.link.closed ? this.link : (this.link = this.connect());
    if (link.waiting) throw new Error('BareHttpConnection: one request at a time');
    const head =
      form === undefined
        ? `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\n\r\n`
        : `${method} ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(form)}\r\n\r\n${form}`;
    // A socket still connecting keeps what is written until it is connected; a failed connect rejects
    // this answer through `waiting`.
    const answer = new Promise<BareAnswer>((resolve, reject) => {
      link.waiting = { resolve, reject };
    });
    link.socket.write(head);
    return answer;
  }

  close(): void {
    this.link?.socket.destroy();
    this.link = null;
  }

  private connect(): Link {
    const socket = connect({ host: this.host, port: this.port, noDelay: true });
    const link: Link = { socket, received: Buffer.alloc(0), waiting: null, closed: false };
    const gone = (error?: Error): void => {
      link.closed = true;
      settle(link, error ?? new Error('the server closed the connection'));
    };
    socket.on('data', (chunk: Buffer) => onData(link, chunk));
    socket.on('error', gone);
    socket.once('close', () => gone());
    return link;
  }
}

function settle(link: Link, outcome: BareAnswer | Error): void {
  const waiting = link.waiting;
  link.waiting = null;
  if (!waiting) return;
  if (outcome instanceof Error) waiting.reject(outcome);
  else waiting.resolve(outcome);
}

function onData(link: Link, chunk: Buffer): void {
  link.received = link.received.length === 0 ? chunk : Buffer.concat([link.received, chunk]);
  const headerEnd = link.received.indexOf(HEADER_END);
  if (headerEnd < 0) return;
  const head = link.received.toString('latin1', 0, headerEnd);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!length) {
    link.closed = true;
    link.socket.destroy();
    settle(link, new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
    return;
  }
  const bodyStart = headerEnd + HEADER_END.length;
  const bodyEnd = bodyStart + Number(length[1]);
  if (link.received.length < bodyEnd) return;
  const answer = { status: Number(head.slice(9, 12)), body: link.received.toString('utf8', bodyStart, bodyEnd) };
  link.received = link.received.subarray(bodyEnd);
  if (/\r\nconnection:\s*close/i.test(head)) {
    link.closed = true;
    link.socket.end();
  }
  settle(link, answer);
}
