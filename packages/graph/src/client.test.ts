// Client behaviour that is not part of the Graph contract: token-endpoint failures, transport failures,
// TLS trust, and what bulk create reports when a later chunk is refused. Runs against the sandbox
// because it is a real HTTPS Entra + Graph; the contract suite covers the Graph calls themselves.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { base32Encode } from '@tokenfleet/domain';
import { DEFAULT_BEHAVIOUR, startSandbox } from '@tokenfleet/entra-sandbox';
import type { Sandbox } from '@tokenfleet/entra-sandbox';
import { createGraphClient } from './client';
import type { DeviceCreate, GraphClient, GraphClientOptions } from './types';
import { makeSelfSignedCertificate } from '../test/contract/self-signed';
import { sandboxClientOptions } from './sandbox-options';

const run = promisify(execFile);

let sandbox: Sandbox;
let stateDir: string;
const clients: GraphClient[] = [];

function clientFor(overrides: Partial<GraphClientOptions> = {}): GraphClient {
  const client = createGraphClient(sandboxClientOptions(sandbox, { timeoutMs: 5_000, ...overrides }));
  clients.push(client);
  return client;
}

let serial = 0;
function device(): DeviceCreate {
  serial += 1;
  return {
    serialNumber: `CLIENT-${serial}`,
    manufacturer: 'Tokenfleet',
    model: 'Client test',
    secretKey: base32Encode(randomBytes(20)),
    timeIntervalInSeconds: 30,
    hashFunction: 'hmacsha1',
  };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'tokenfleet-graph-client-'));
  sandbox = await startSandbox({ stateDir });
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await sandbox?.close();
  await rm(stateDir, { recursive: true, force: true });
});

beforeEach(() => {
  sandbox.reset();
  sandbox.configure({ writeLimit: DEFAULT_BEHAVIOUR.writeLimit });
});

describe('options', () => {
  it('refuses plain-HTTP hosts and missing credentials with a clear message', () => {
    expect(() => clientFor({ graphBaseUrl: 'http://localhost:1' })).toThrow(/graphBaseUrl must be an https/);
    expect(() => clientFor({ authorityHost: 'http://localhost:1' })).toThrow(/authorityHost must be an https/);
    expect(() => clientFor({ clientSecret: undefined })).toThrow(/clientSecret or clientCertificate/);
    expect(() => clientFor({ clientSecret: undefined, clientCertificate: { certificatePem: 'nope', privateKeyPem: 'nope' } })).toThrow(
      /not a readable PEM X\.509 certificate/,
    );
  });
});

describe('token acquisition failures', () => {
  it('a wrong client secret is permanent, with the token endpoint error code, and the secret nowhere in it', async () => {
    const wrongSecret = `wrong-${randomBytes(8).toString('hex')}`;
    const outcome = await clientFor({ clientSecret: wrongSecret }).getUser('alice@contoso.example');
    expect(outcome).toMatchObject({ kind: 'permanent', status: 401, code: 'invalid_client' });
    expect(JSON.stringify(outcome)).not.toContain(wrongSecret);
    // Graph itself was never called without a token.
    expect(sandbox.inspect.calls().filter((call) => !call.route.includes('/oauth2/'))).toEqual([]);
  });

  it('an unreachable authority is transient (connection refused)', async () => {
    const outcome = await clientFor({ authorityHost: `https://127.0.0.1:${await closedPort()}` }).getUser('alice@contoso.example');
    expect(outcome).toMatchObject({ kind: 'transient', status: null, code: 'ECONNREFUSED' });
  });
});

describe('transport failures', () => {
  it('an unreachable Graph is transient (connection refused)', async () => {
    const outcome = await clientFor({ graphBaseUrl: `https://localhost:${await closedPort()}` }).getDevice('x');
    expect(outcome).toMatchObject({ kind: 'transient', status: null, code: 'ECONNREFUSED' });
  });

  it('an untrusted certificate is permanent: verification is never switched off', async () => {
    const outcome = await clientFor({ caCertificatePem: undefined }).getUser('alice@contoso.example');
    expect(outcome.kind).toBe('permanent');
    if (outcome.kind === 'permanent') expect(outcome.code).toMatch(/CERT|SIGNATURE|ISSUER/);
  });
});

describe('trust through NODE_EXTRA_CA_CERTS', () => {
  it('trusts the sandbox CA from NODE_EXTRA_CA_CERTS, also next to an explicit caCertificatePem for another CA', async () => {
    // NODE_EXTRA_CA_CERTS is read when node starts, so this runs in a child process.
    const probe = join(import.meta.dirname, '..', 'test', 'contract', 'trust-probe.ts');
    const target = {
      tenantId: sandbox.tenantId,
      clientId: sandbox.clientId,
      clientSecret: sandbox.clientSecret,
      authorityHost: sandbox.origin,
      graphBaseUrl: sandbox.origin,
      user: 'alice@contoso.example',
    };
    const { stdout } = await run(process.execPath, ['--import', 'tsx', probe], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: sandbox.caCertificatePath, TRUST_PROBE_TARGET: JSON.stringify(target) },
      timeout: 60_000,
    });
    expect(JSON.parse(stdout)).toEqual({ environmentOnly: 'ok', environmentAndOption: 'ok' });
  }, 60_000);
});

describe('bulk create across chunks', () => {
  it('when the first chunk is throttled, answers the rate-limited outcome itself', async () => {
    sandbox.configure({ writeLimit: { requests: 1, windowMs: 60_000 } });
    const client = clientFor();
    await client.createDevice(device()); // uses the only write
    const outcome = await client.createDevices([device(), device()], { chunkSize: 1 });
    expect(outcome).toMatchObject({ kind: 'rate-limited', status: 429, fromHeader: true });
    expect(sandbox.inspect.devices()).toHaveLength(1);
  });

  it('when a later chunk is throttled, reports what was created and marks the rest not sent', async () => {
    sandbox.configure({ writeLimit: { requests: 1, windowMs: 60_000 } });
    const items = [device(), device(), device()];
    const outcome = await clientFor().createDevices(items, { chunkSize: 1 });
    expect(outcome.kind).toBe('ok');
    if (outcome.kind !== 'ok') return;
    expect(outcome.value.map((r) => [r.serialNumber, r.ok])).toEqual(items.map((item, index) => [item.serialNumber, index === 0]));
    expect(outcome.value[1]).toMatchObject({ ok: false, status: 429, code: 'TooManyRequests' });
    expect(outcome.value[2]).toMatchObject({ ok: false, status: 429, code: 'TooManyRequests' });
    expect(sandbox.inspect.devices().map((d) => d.serialNumber)).toEqual([items[0]!.serialNumber]);
  });

  it('sends chunks of the configured default size', async () => {
    const client = clientFor({ bulkChunkSize: 2 });
    const outcome = await client.createDevices([device(), device(), device(), device(), device()]);
    expect(outcome.kind === 'ok' && outcome.value.every((r) => r.ok)).toBe(true);
    expect(sandbox.inspect.calls().filter((call) => call.method === 'PATCH')).toHaveLength(3);
  });
});

// ---- answers the sandbox does not give: a stub HTTPS host that is both authority and Graph --------------

interface Stub {
  origin: string;
  certificatePem: string;
  requests: Array<{ method: string; path: string; authorization: string | null }>;
  close(): Promise<void>;
}

const STUB_TENANT = '00000000-0000-4000-8000-00000000beef';
const stubCertificate = makeSelfSignedCertificate('stub graph', ['localhost', '127.0.0.1']);

/** Serves the token endpoint itself (token `stub-token-<n>`) and hands every Graph request to `graph`. */
async function startStub(graph: (request: IncomingMessage, response: ServerResponse) => void): Promise<Stub> {
  const requests: Stub['requests'] = [];
  let tokensIssued = 0;
  const server = createHttpsServer({ key: stubCertificate.privateKeyPem, cert: stubCertificate.certificatePem }, (request, response) => {
    requests.push({ method: request.method ?? '', path: request.url ?? '', authorization: request.headers.authorization ?? null });
    if (request.url?.startsWith(`/${STUB_TENANT}/oauth2/v2.0/token`)) {
      request.resume();
      tokensIssued += 1;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: `stub-token-${tokensIssued}` }));
      return;
    }
    graph(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    origin: `https://localhost:${port}`,
    certificatePem: stubCertificate.certificatePem,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function stubClient(stub: Stub): GraphClient {
  return clientFor({
    tenantId: STUB_TENANT,
    clientId: 'stub-client',
    clientSecret: 'stub-secret',
    authorityHost: stub.origin,
    graphBaseUrl: stub.origin,
    caCertificatePem: stub.certificatePem,
  });
}

function answerJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

describe('against a stub Graph', () => {
  it('a 401 gets exactly one retry with a fresh token, then is permanent', async () => {
    const stub = await startStub((_request, response) =>
      answerJson(response, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } }),
    );
    try {
      const outcome = await stubClient(stub).getDevice('d1');
      expect(outcome).toMatchObject({ kind: 'permanent', status: 401, code: 'InvalidAuthenticationToken' });
      // The refused first try travels with the outcome, so the caller can audit both requests.
      expect(outcome.firstTry).toMatchObject({ status: 401, code: 'InvalidAuthenticationToken' });
      expect(stub.requests.map((r) => [r.method, r.path.startsWith('/beta/') ? 'graph' : 'token', r.authorization])).toEqual([
        ['POST', 'token', null],
        ['GET', 'graph', 'Bearer stub-token-1'],
        ['POST', 'token', null],
        ['GET', 'graph', 'Bearer stub-token-2'],
      ]);
    } finally {
      await stub.close();
    }
  });

  it('does not follow a nextLink to another host (it would carry our token there)', async () => {
    const stub = await startStub((_request, response) =>
      answerJson(response, 200, { value: [], '@odata.nextLink': 'https://graph.example.invalid/beta/directory/authenticationMethodDevices/hardwareOathDevices?$skiptoken=x' }),
    );
    try {
      const outcome = await stubClient(stub).listDevices();
      expect(outcome).toMatchObject({ kind: 'permanent', code: 'invalidRequest' });
      expect(stub.requests.filter((r) => r.path.startsWith('/beta/'))).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  it('reads a Retry-After HTTP-date against the response Date', async () => {
    const stub = await startStub((_request, response) =>
      answerJson(response, 429, { error: { code: 'TooManyRequests', message: 'Please retry again later.' } }, {
        date: 'Sat, 01 Mar 2025 12:00:00 GMT',
        'retry-after': 'Sat, 01 Mar 2025 12:00:42 GMT',
      }),
    );
    try {
      expect(await stubClient(stub).getDevice('d1')).toMatchObject({ kind: 'rate-limited', status: 429, retryAfterMs: 42_000, fromHeader: true });
    } finally {
      await stub.close();
    }
  });

  it('a 2xx it cannot read is permanent, not a crash', async () => {
    const stub = await startStub((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>portal</html>');
    });
    try {
      expect(await stubClient(stub).getDevice('d1')).toMatchObject({ kind: 'permanent', status: 200, code: 'unexpectedResponse' });
    } finally {
      await stub.close();
    }
  });
});
