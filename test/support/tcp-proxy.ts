// A TCP proxy the test controls, put between the system and a server (PostgreSQL, Redis) that other test
// files use at the same moment: an outage is made by refusing and dropping connections at the proxy,
// never by stopping the machine's own server.
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port the system connects to instead of the server's. */
  port: number;
  /** Connections are refused (new ones) and dropped (open ones) until `restore()`. */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(target.port, target.host);
        open.add(client);
        open.add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          open.delete(client);
          open.delete(upstream);
        };
        client.on('error', end).on('close', end);
        upstream.on('error', end).on('close', end);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      next.once('error', reject);
      // The same port each time, so the system's connection strings stay valid across an outage.
      next.listen(port, '127.0.0.1', () => {
        next.off('error', reject);
        server = next;
        const address = next.address();
        if (address && typeof address === 'object') port = address.port;
        resolve();
      });
    });

  const stop = async () => {
    const current = server;
    server = null;
    for (const socket of open) socket.destroy();
    open.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    cut: stop,
    async restore() {
      if (!server) await listen();
    },
    close: stop,
  };
}

/** The URL with its host and port replaced by the proxy's. */
export function viaProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxy.port);
  return parsed.toString();
}
