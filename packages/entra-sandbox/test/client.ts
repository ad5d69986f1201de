// A plain HTTPS client for the sandbox tests: node's `https` trusting the sandbox CA explicitly
// (never with verification turned off), so the tests see exactly what any Graph client would.
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Sandbox } from '../src/index';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // Tests read arbitrary JSON shapes; `any` keeps the assertions readable.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  form?: Record<string, string>;
  headers?: Record<string, string>;
  bearer?: string | null;
  /** Abort (destroy) the request after this many ms. */
  timeoutMs?: number;
}

export interface SandboxClient {
  request(method: string, pathOrUrl: string, options?: RequestOptions): Promise<Reply>;
  /** A Graph call with a fresh-enough access token obtained with the client secret. */
  graph(method: string, pathOrUrl: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  accessToken(): Promise<string>;
  close(): void;
}

export function sandboxClient(sandbox: Sandbox): SandboxClient {
  const agent = new Agent({ ca: sandbox.caCertificatePem, keepAlive: true, maxSockets: 8 });
  let cachedToken: string | null = null;

  const request = (method: string, pathOrUrl: string, options: RequestOptions = {}): Promise<Reply> =>
    new Promise((resolve, reject) => {
      const url = new URL(pathOrUrl, sandbox.origin);
      const headers: Record<string, string> = { ...options.headers };
      let payload: string | undefined;
      if (options.form) {
        payload = new URLSearchParams(options.form).toString();
        headers['Content-Type'] = 'application/x-www-form-urlencoded;charset=utf-8';
      } else if (options.body !== undefined) {
        payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['Content-Type'] = 'application/json';
      }
      if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
      const req = httpsRequest(url, { method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = undefined;
          if (text.length > 0) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (options.timeoutMs !== undefined) req.setTimeout(options.timeoutMs, () => req.destroy(new Error('client timeout')));
      req.end(payload);
    });

  const accessToken = async (): Promise<string> => {
    if (cachedToken) return cachedToken;
    const reply = await request('POST', `/${sandbox.tenantId}/oauth2/v2.0/token`, {
      form: { client_id: sandbox.clientId, client_secret: sandbox.clientSecret, scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' },
    });
    if (reply.status !== 200) throw new Error(`token request failed: ${reply.status} ${reply.text}`);
    cachedToken = reply.body.access_token as string;
    return cachedToken;
  };

  return {
    request,
    accessToken,
    async graph(method, pathOrUrl, body, headers) {
      return request(method, pathOrUrl, { body, headers, bearer: await accessToken() });
    },
    close: () => agent.destroy(),
  };
}

export const DEVICES = '/beta/directory/authenticationMethodDevices/hardwareOathDevices';
export const methodsOf = (user: string) => `/beta/users/${encodeURIComponent(user)}/authentication/hardwareOathMethods`;
