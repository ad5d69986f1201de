// EntraSignIn (msal-node's code flow) against the sandbox as Entra's v2.0 OpenID provider: the authorize
// URL msal builds is one the sandbox serves, a code is redeemed once and only with its PKCE verifier and
// redirect URI, and a good ID token verifies against the published keys. The API's refusals of broken ID
// tokens are tested end to end in apps/api/test/sign-in.test.ts.
import https from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '@tokenfleet/entra-sandbox';
import { SignInRefused } from '../src/index';
import { sandboxSignIn } from '@tokenfleet/test-harness';

let sandbox: Sandbox;
const REDIRECT = 'http://localhost:3999/auth/microsoft/callback';

beforeAll(async () => {
  sandbox = await startSandbox({ generatedUsers: 1 });
});
afterAll(async () => {
  await sandbox?.close();
});

function sandboxCall(url: string, method: 'GET' | 'POST', body?: string): Promise<{ status: number; location: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca: sandbox.caCertificatePem, headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {} }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, text }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

async function codeFor(upn: string, overrides: { redirectUri?: string } = {}) {
  const client = sandboxSignIn(sandbox);
  const pkce = await client.pkce();
  const url = await client.authorizationUrl({ redirectUri: overrides.redirectUri ?? REDIRECT, state: 'the-state', nonce: 'the-nonce', codeChallenge: pkce.challenge });
  const user = sandbox.inspect.users().find((candidate) => candidate.userPrincipalName === upn)!;
  const picked = await sandboxCall(url, 'POST', `user=${user.id}`);
  return { client, pkce, url, picked, code: picked.location ? new URL(picked.location).searchParams.get('code') : null };
}

describe('sign-in against the sandbox as OpenID provider', () => {
  it('serves the authorize URL msal builds, with a page listing the demo users and their app roles', async () => {
    const { url } = await codeFor('alice@contoso.example');
    expect(new URL(url).pathname).toBe(`/${sandbox.tenantId}/oauth2/v2.0/authorize`);
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    const page = await sandboxCall(url, 'GET');
    expect(page.status).toBe(200);
    expect(page.text).toContain('alice@contoso.example');
    expect(page.text).toContain('Tokenfleet.Admin');
    expect(page.text).toContain('employee: no Tokenfleet role');
  });

  it('redirects back with the code and the state, and the code redeems to an ID token that verifies', async () => {
    const { client, pkce, picked, code } = await codeFor('bob@contoso.example');
    expect(new URL(picked.location!).searchParams.get('state')).toBe('the-state');
    const idToken = await client.redeem({ code: code!, redirectUri: REDIRECT, codeVerifier: pkce.verifier, nonce: 'the-nonce' });
    const identity = await client.verifyIdToken(idToken, 'the-nonce');
    expect(identity).toMatchObject({ username: 'bob@contoso.example', roles: ['Tokenfleet.Operator'], tenantId: sandbox.tenantId });
  });

  it('redeems a code once, and only with its PKCE verifier and redirect URI', async () => {
    const first = await codeFor('judy@contoso.example');
    const wrongVerifier = first.client.redeem({ code: first.code!, redirectUri: REDIRECT, codeVerifier: 'x'.repeat(43), nonce: 'the-nonce' });
    await expect(wrongVerifier).rejects.toThrow(SignInRefused);
    await expect(wrongVerifier).rejects.toThrow(/AADSTS501481|Code_Verifier/);
    // Presented once (even wrongly), the code is gone.
    await expect(first.client.redeem({ code: first.code!, redirectUri: REDIRECT, codeVerifier: first.pkce.verifier, nonce: 'the-nonce' })).rejects.toThrow(/AADSTS70008|expired|redeemed/);
    const second = await codeFor('judy@contoso.example');
    await expect(second.client.redeem({ code: second.code!, redirectUri: 'http://localhost:3999/elsewhere', codeVerifier: second.pkce.verifier, nonce: 'the-nonce' })).rejects.toThrow(/AADSTS500112|reply address/);
  });

  it('refuses to redirect to an address that is not registered, and publishes its signing key', async () => {
    const { picked } = await codeFor('alice@contoso.example', { redirectUri: 'https://evil.example/callback' });
    expect(picked.status).toBe(400);
    expect(picked.text).toContain('AADSTS50011');
    expect(picked.location).toBeUndefined();
    const keys = JSON.parse((await sandboxCall(`${sandbox.origin}/${sandbox.tenantId}/discovery/v2.0/keys`, 'GET')).text) as { keys: { kty: string; kid: string }[] };
    expect(keys.keys).toEqual([expect.objectContaining({ kty: 'RSA', kid: expect.any(String) })]);
    const discovery = JSON.parse((await sandboxCall(`${sandbox.origin}/${sandbox.tenantId}/v2.0/.well-known/openid-configuration`, 'GET')).text) as Record<string, string>;
    expect(discovery).toMatchObject({ issuer: `${sandbox.origin}/${sandbox.tenantId}/v2.0`, authorization_endpoint: `${sandbox.origin}/${sandbox.tenantId}/oauth2/v2.0/authorize` });
  });
});
