// Client behaviour that is not part of the Graph contract: token-endpoint failures, transport failures,
// TLS trust, and what bulk create reports when a later chunk is refused. Runs against the sandbox
// because it is a real HTTPS Entra + Graph; the contract suite covers the Graph calls themselves.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
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

const run = promisify(execFile);

let sandbox: Sandbox;
let stateDir: string;
const clients: GraphClient[] = [];

function clientFor(overrides: Partial<GraphClientOptions> = {}): GraphClient {
  const client = createGraphClient({
    tenantId: sandbox.tenantId,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    authorityHost: sandbox.origin,
    graphBaseUrl: sandbox.origin,
    caCertificatePem: sandbox.caCertificatePem,
    timeoutMs: 5_000,
    ...overrides,
  });
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
    const probe = join(import.meta.dirname, 'contract', 'trust-probe.ts');
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
