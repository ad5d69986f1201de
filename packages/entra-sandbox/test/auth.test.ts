// Entra side: the token endpoint (secret and certificate assertion), OIDC metadata, and the bearer
// checks every Graph route makes.
import { constants, createHash, randomUUID, sign, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { createClientCertificate, startSandbox } from '../src/index';
import type { SandboxClient } from './client';
import { DEVICES, sandboxClient } from './client';

let sandbox: Sandbox;
let client: SandboxClient;
let registered: { certificatePem: string; privateKeyPem: string };
let stranger: { certificatePem: string; privateKeyPem: string };

beforeAll(async () => {
  [registered, stranger] = await Promise.all([createClientCertificate(), createClientCertificate('someone else')]);
  sandbox = await startSandbox({ generatedUsers: 0, clientCertificatePem: registered.certificatePem });
  client = sandboxClient(sandbox);
});

afterAll(async () => {
  client.close();
  await sandbox.close();
});

beforeEach(() => {
  sandbox.reset();
  sandbox.configure({ clockOffsetMs: 0 });
});

const tokenPath = () => `/${sandbox.tenantId}/oauth2/v2.0/token`;
const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

interface AssertionOptions {
  key?: { certificatePem: string; privateKeyPem: string };
  alg?: 'PS256' | 'RS256';
  claims?: Record<string, unknown>;
  thumbprintOf?: string;
}

/** A client assertion shaped like msal-node's: x5t#S256 with PS256, x5t (SHA-1) with RS256. */
function assertion(options: AssertionOptions = {}): string {
  const key = options.key ?? registered;
  const alg = options.alg ?? 'PS256';
  const der = new X509Certificate(options.thumbprintOf ?? key.certificatePem).raw;
  const header =
    alg === 'PS256'
      ? { alg, typ: 'JWT', 'x5t#S256': createHash('sha256').update(der).digest('base64url') }
      : { alg, typ: 'JWT', x5t: createHash('sha1').update(der).digest('base64url') };
  const now = Math.floor(sandbox.now() / 1000);
  const claims = { aud: `${sandbox.origin}${tokenPath()}`, iss: sandbox.clientId, sub: sandbox.clientId, jti: randomUUID(), nbf: now, iat: now, exp: now + 600, ...options.claims };
  const signingInput = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature =
    alg === 'PS256'
      ? sign('sha256', Buffer.from(signingInput), { key: key.privateKeyPem, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST })
      : sign('sha256', Buffer.from(signingInput), key.privateKeyPem);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function assertionForm(jwt: string): Record<string, string> {
  return {
    client_id: sandbox.clientId,
    scope: GRAPH_SCOPE,
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: jwt,
  };
}

describe('client assertion', () => {
  it('accepts PS256 with x5t#S256 signed by the registered certificate, and the token opens Graph', async () => {
    const reply = await client.request('POST', tokenPath(), { form: assertionForm(assertion()) });
    expect(reply.status).toBe(200);
    const list = await client.request('GET', DEVICES, { bearer: reply.body.access_token });
    expect(list.status).toBe(200);
  });

  it('accepts RS256 with the SHA-1 x5t', async () => {
    const reply = await client.request('POST', tokenPath(), { form: assertionForm(assertion({ alg: 'RS256' })) });
    expect(reply.status).toBe(200);
  });

  it('refuses an assertion signed by another key that claims the registered thumbprint', async () => {
    const forged = assertion({ key: stranger, thumbprintOf: registered.certificatePem });
    const reply = await client.request('POST', tokenPath(), { form: assertionForm(forged) });
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ error: 'invalid_client', error_codes: [700027] });
  });

  it('refuses a certificate that is not registered', async () => {
    const reply = await client.request('POST', tokenPath(), { form: assertionForm(assertion({ key: stranger })) });
    expect(reply.status).toBe(401);
    expect(reply.body.error_codes).toEqual([700027]);
  });

  it('checks audience, issuer/subject and expiry', async () => {
    const now = Math.floor(sandbox.now() / 1000);
    const cases: Array<[Record<string, unknown>, number]> = [
      [{ aud: 'https://login.microsoftonline.com/other/oauth2/v2.0/token' }, 700021],
      [{ iss: randomUUID() }, 700021],
      [{ sub: randomUUID() }, 700021],
      [{ exp: now - 5 }, 700024],
    ];
    for (const [claims, code] of cases) {
      const reply = await client.request('POST', tokenPath(), { form: assertionForm(assertion({ claims })) });
      expect(reply.status, JSON.stringify(claims)).toBe(401);
      expect(reply.body.error_codes, JSON.stringify(claims)).toEqual([code]);
    }
  });
});

describe('token endpoint requests', () => {
  it('answers unknown tenants, unknown clients and non-.default scopes in the Entra envelope', async () => {
    const base = { client_id: sandbox.clientId, client_secret: sandbox.clientSecret, scope: GRAPH_SCOPE, grant_type: 'client_credentials' };
    const wrongTenant = await client.request('POST', `/${randomUUID()}/oauth2/v2.0/token`, { form: base });
    expect(wrongTenant.status).toBe(400);
    expect(wrongTenant.body.error_codes).toEqual([90002]);
    const wrongClient = await client.request('POST', tokenPath(), { form: { ...base, client_id: randomUUID() } });
    expect(wrongClient.status).toBe(400);
    expect(wrongClient.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    const badScope = await client.request('POST', tokenPath(), { form: { ...base, scope: 'User.Read' } });
    expect(badScope.status).toBe(400);
    expect(badScope.body.error).toBe('invalid_scope');
    const badGrant = await client.request('POST', tokenPath(), { form: { ...base, grant_type: 'password' } });
    expect(badGrant.body.error).toBe('unsupported_grant_type');
    for (const reply of [wrongTenant, wrongClient, badScope, badGrant]) {
      expect(Object.keys(reply.body).sort()).toEqual(['correlation_id', 'error', 'error_codes', 'error_description', 'error_uri', 'timestamp', 'trace_id']);
    }
  });

  it('serves OIDC metadata whose issuer and token endpoint sit on the host the client used', async () => {
    const reply = await client.request('GET', `/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(reply.status).toBe(200);
    expect(reply.body.issuer).toBe(`${sandbox.origin}/${sandbox.tenantId}/v2.0`);
    expect(reply.body.token_endpoint).toBe(`${sandbox.origin}${tokenPath()}`);
    const viaIp = await client.request('GET', `https://127.0.0.1:${sandbox.port}/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(viaIp.body.token_endpoint).toBe(`https://127.0.0.1:${sandbox.port}${tokenPath()}`);
  });
});

describe('Graph bearer checks', () => {
  it('refuses a tampered token and one not issued by this sandbox', async () => {
    const token = await client.accessToken();
    const [header, payload] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const widened = `${header}.${Buffer.from(JSON.stringify({ ...claims, tid: randomUUID() })).toString('base64url')}.${token.split('.')[2]}`;
    for (const bearer of [widened, 'eyJhbGciOiJub25lIn0.e30.', 'not-a-jwt']) {
      const reply = await client.request('GET', DEVICES, { bearer });
      expect(reply.status).toBe(401);
      expect(reply.body.error.code).toBe('InvalidAuthenticationToken');
      expect(reply.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('refuses a token once the sandbox clock passes its expiry', async () => {
    const token = await client.accessToken();
    expect((await client.request('GET', DEVICES, { bearer: token })).status).toBe(200);
    sandbox.configure({ clockOffsetMs: 3600_000 });
    const reply = await client.request('GET', DEVICES, { bearer: token });
    expect(reply.status).toBe(401);
    expect(reply.body.error.message).toMatch(/expired/);
  });
});
