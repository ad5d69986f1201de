// The first slice of the contract: token endpoint, create / list / get, assign / activate with real TOTP.
import { describe, expect, it } from 'vitest';
import { DEVICES, methodsOf } from './client';
import { codeAt, deviceBody, useSandbox } from './helpers';

const fixture = useSandbox({ generatedUsers: 5 });

describe('token endpoint', () => {
  it('issues a bearer for the right client secret', async () => {
    const reply = await fixture.client.request('POST', `/${fixture.sandbox.tenantId}/oauth2/v2.0/token`, {
      form: { client_id: fixture.sandbox.clientId, client_secret: fixture.sandbox.clientSecret, scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(typeof reply.body.access_token).toBe('string');
  });

  it('refuses a wrong secret with the Entra envelope and says nothing of the secret', async () => {
    const reply = await fixture.client.request('POST', `/${fixture.sandbox.tenantId}/oauth2/v2.0/token`, {
      headers: { 'client-request-id': 'b1a2c3d4-0000-4000-8000-000000000abc' },
      form: { client_id: fixture.sandbox.clientId, client_secret: 'not-the-secret', scope: 'https://graph.microsoft.com/.default', grant_type: 'client_credentials' },
    });
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('invalid_client');
    expect(reply.body.error_codes).toEqual([7000215]);
    expect(reply.body.error_description).toMatch(/^AADSTS7000215: /);
    expect(reply.body.trace_id).toBe(reply.headers['request-id']);
    expect(reply.body.correlation_id).toBe('b1a2c3d4-0000-4000-8000-000000000abc');
    expect(reply.body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    expect(reply.text).not.toContain('not-the-secret');
    expect(reply.text).not.toContain(fixture.sandbox.clientSecret);
  });
});

describe('hardware OATH basics', () => {
  it('refuses Graph calls without a bearer', async () => {
    const reply = await fixture.client.request('GET', DEVICES);
    expect(reply.status).toBe(401);
    expect(reply.body.error.code).toBe('InvalidAuthenticationToken');
  });

  it('creates a flat device with secretKey null, then lists and gets it', async () => {
    const body = deviceBody();
    const created = await fixture.client.graph('POST', DEVICES, body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ serialNumber: body.serialNumber, secretKey: null, status: 'available', assignedTo: null, lastUsedDateTime: null });
    const listed = await fixture.client.graph('GET', DEVICES);
    expect(listed.status).toBe(200);
    expect(listed.body.value.map((device: { id: string }) => device.id)).toEqual([created.body.id]);
    const got = await fixture.client.graph('GET', `${DEVICES}/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ id: created.body.id, secretKey: null, hashFunction: 'hmacsha1', timeIntervalInSeconds: 30 });
  });

  it('assigns and activates with the current code', async () => {
    const body = deviceBody();
    const created = await fixture.client.graph('POST', DEVICES, body);
    const assigned = await fixture.client.graph('POST', methodsOf('alice@contoso.example'), { device: { id: created.body.id } });
    expect(assigned.status).toBe(201);
    expect(assigned.body.id).toBe(created.body.id);
    const activated = await fixture.client.graph('POST', `${methodsOf('alice@contoso.example')}/${assigned.body.id}/activate`, {
      verificationCode: codeAt(fixture.sandbox, body.secretKey as string),
    });
    expect(activated.status).toBe(204);
    const after = await fixture.client.graph('GET', `${DEVICES}/${created.body.id}`);
    expect(after.body.status).toBe('activated');
    expect(after.body.assignedTo.displayName).toBe('Alice Anderson');
  });
});
