// The sandbox's portal routes over HTTPS (trusting its CA), as a test or a demo makes Entra drift from what
// Tokenfleet believes: what an administrator in the Entra admin center or a user in Security info does.
import { request } from 'node:https';
import type { Sandbox } from '@tokenfleet/entra-sandbox';

export interface PortalAnswer {
  status: number;
  // Tests read into answers freely; the status assertion next to each read guards the shape.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface SandboxPortalClient {
  activate(deviceId: string, verificationCode: string): Promise<PortalAnswer>;
  unassign(deviceId: string): Promise<PortalAnswer>;
  reassign(deviceId: string, user: string): Promise<PortalAnswer>;
  delete(deviceId: string): Promise<PortalAnswer>;
  createDevice(body: Record<string, unknown>): Promise<PortalAnswer>;
  signIn(deviceId: string, verificationCode: string): Promise<PortalAnswer>;
}

export function sandboxPortal(sandbox: Sandbox): SandboxPortalClient {
  const call = (method: string, path: string, body?: unknown) =>
    new Promise<PortalAnswer>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(`/_sandbox/portal/devices${path}`, sandbox.origin),
        {
          method,
          ca: sandbox.caCertificatePem,
          headers: { authorization: `Bearer ${sandbox.clientSecret}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  return {
    activate: (id, verificationCode) => call('POST', `/${id}/activate`, { verificationCode }),
    unassign: (id) => call('POST', `/${id}/unassign`),
    reassign: (id, user) => call('POST', `/${id}/reassign`, { user }),
    delete: (id) => call('DELETE', `/${id}`),
    createDevice: (body) => call('POST', '', body),
    signIn: (id, verificationCode) => call('POST', `/${id}/sign-in`, { verificationCode }),
  };
}
