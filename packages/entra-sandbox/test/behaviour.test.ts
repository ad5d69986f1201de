// Service behaviour around the resources: throttling, injected failures and timeouts, the sandbox
// clock, the headers on every response, the inspection routes and the call log, and CA reuse.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src/index';
import { DEVICES, methodsOf, sandboxClient } from './client';
import { centreClock, codeAt, deviceBody, useSandbox } from './helpers';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const fixture = useSandbox({ generatedUsers: 0 });

describe('throttling', () => {
  it('answers 429 with Retry-After and throttle headers once the write budget is spent, changing nothing', async () => {
    await fixture.client.accessToken();
    fixture.sandbox.configure({ writeLimit: { requests: 5, windowMs: 60_000 } });
    for (let index = 0; index < 5; index += 1) expect((await fixture.client.graph('POST', DEVICES, deviceBody())).status).toBe(201);
    const throttled = await fixture.client.graph('POST', DEVICES, deviceBody());
    expect(throttled.status).toBe(429);
    expect(throttled.body.error).toMatchObject({ code: 'TooManyRequests', innerError: { status: '429', 'request-id': throttled.headers['request-id'] } });
    const retryAfter = Number(throttled.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(throttled.headers['retry-after']).toMatch(/^\d+(\.\d{1,2})?$/);
    expect(throttled.headers['x-ms-throttle-scope']).toBe(`Tenant_Application/Write/${fixture.sandbox.clientId}/${fixture.sandbox.tenantId}`);
    expect(throttled.headers['x-ms-throttle-information']).toBe('WriteLimitExceeded');
    // No state change: still five devices; a delete is a write too and is refused the same way.
    const devices = fixture.sandbox.inspect.devices();
    expect(devices).toHaveLength(5);
    expect((await fixture.client.graph('DELETE', `${DEVICES}/${devices[0]!.id}`)).status).toBe(429);
    expect(fixture.sandbox.inspect.devices()).toHaveLength(5);
    // Reads have their own budget and still pass.
    expect((await fixture.client.graph('GET', DEVICES)).status).toBe(200);
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ writes: 5, throttled: 2, devicesCreated: 5 });
  });

  it('throttles reads on the ResourceUnit budget, and omits Retry-After when switched off', async () => {
    await fixture.client.accessToken();
    fixture.sandbox.configure({ readLimit: { requests: 2, windowMs: 60_000 }, retryAfterHeader: false });
    expect((await fixture.client.graph('GET', DEVICES)).status).toBe(200);
    expect((await fixture.client.graph('GET', DEVICES)).status).toBe(200);
    const throttled = await fixture.client.graph('GET', DEVICES);
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBeUndefined();
    expect(throttled.headers['x-ms-throttle-scope']).toMatch(/^Tenant_Application\/Read\//);
  });
});

describe('failure injection', () => {
  it('answers 503 serviceNotAvailable with Retry-After and does not carry out the call', async () => {
    await fixture.client.accessToken();
    fixture.sandbox.configure({ transientFailureRate: 1 });
    const reply = await fixture.client.graph('POST', DEVICES, deviceBody());
    expect(reply.status).toBe(503);
    expect(reply.body.error.code).toBe('serviceNotAvailable');
    expect(Number(reply.headers['retry-after'])).toBeGreaterThan(0);
    expect(fixture.sandbox.inspect.devices()).toHaveLength(0);
    expect(fixture.sandbox.inspect.counters().injectedFailures).toBe(1);
  });

  it('fails chosen bulk items inline with a per-item 503 and creates the rest', async () => {
    const [failing, passing] = [deviceBody(), deviceBody()];
    fixture.sandbox.configure({ bulkItemFailureSerials: [failing.serialNumber as string] });
    const reply = await fixture.client.graph('PATCH', DEVICES, { '@context': '#$delta', value: [{ '@contentId': '1', ...failing }, { '@contentId': '2', ...passing }] });
    expect(reply.status).toBe(201);
    const [first, second] = reply.body.value;
    expect(first).toMatchObject({ '@contentId': '1', '@Core.DataModificationException': { responseCode: 503, info: { code: 'serviceNotAvailable' } } });
    expect(second).toMatchObject({ '@contentId': '2', device: { serialNumber: passing.serialNumber } });
    expect(fixture.sandbox.inspect.devices().map((device) => device.serialNumber)).toEqual([passing.serialNumber]);
  });

  it('fails chosen single creates with 503 and Retry-After, creating nothing', async () => {
    const failing = deviceBody();
    fixture.sandbox.configure({ singleCreateFailureSerials: [failing.serialNumber as string] });
    const refused = await fixture.client.graph('POST', DEVICES, failing);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect((await fixture.client.graph('POST', DEVICES, deviceBody())).status).toBe(201);
    expect(fixture.sandbox.inspect.devices().map((device) => device.serialNumber)).not.toContain(failing.serialNumber);
    expect(fixture.sandbox.inspect.devices()).toHaveLength(1);
  });

  it('carries out a write and then drops its answer at lostWriteResponseRate 1; reads are answered', async () => {
    const token = await fixture.client.accessToken();
    fixture.sandbox.configure({ lostWriteResponseRate: 1 });
    const body = deviceBody();
    await expect(fixture.client.request('POST', DEVICES, { body, bearer: token })).rejects.toThrow();
    expect(fixture.sandbox.inspect.devices().map((device) => device.serialNumber)).toEqual([body.serialNumber]);
    expect((await fixture.client.graph('GET', DEVICES)).status).toBe(200);
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ writes: 1, lostResponses: 1 });
  });

  it('holds the answer of a write it carried out while holdWriteResponses is on', async () => {
    const token = await fixture.client.accessToken();
    fixture.sandbox.configure({ holdWriteResponses: true });
    const body = deviceBody();
    await expect(fixture.client.request('POST', DEVICES, { body, bearer: token, timeoutMs: 300 })).rejects.toThrow('client timeout');
    expect(fixture.sandbox.inspect.devices().map((device) => device.serialNumber)).toEqual([body.serialNumber]);
    fixture.sandbox.configure({ holdWriteResponses: false });
    expect((await fixture.client.graph('POST', DEVICES, deviceBody())).status).toBe(201);
  });

  it('leaves requests unanswered at timeoutRate 1, and close() still ends promptly', async () => {
    const hanging = await startSandbox({ generatedUsers: 0, timeoutRate: 1 });
    const hangingClient = sandboxClient(hanging);
    const token = await hangingClient.accessToken();
    const abandoned = hangingClient.request('GET', DEVICES, { bearer: token, timeoutMs: 200 });
    await expect(abandoned).rejects.toThrow('client timeout');
    const neverAnswered = hangingClient.request('GET', DEVICES, { bearer: token });
    const outcome = neverAnswered.then(
      () => 'answered',
      () => 'connection ended',
    );
    // Wait until the sandbox has the request in hand, by its call log, before closing.
    await expect.poll(() => hanging.inspect.calls().filter((call) => call.status === 0).length).toBe(2);
    await hanging.close();
    expect(await outcome).toBe('connection ended');
    hangingClient.close();
  });
});

describe('sandbox clock', () => {
  it('shows the offset in the Date header and in innerError.date', async () => {
    const offset = 3 * 86_400_000;
    fixture.sandbox.configure({ clockOffsetMs: offset });
    const reply = await fixture.client.request('GET', DEVICES);
    const shown = Date.parse(reply.headers.date!);
    expect(Math.abs(shown - (Date.now() + offset))).toBeLessThan(5_000);
    expect(Math.abs(Date.parse(`${reply.body.error.innerError.date}Z`) - (Date.now() + offset))).toBeLessThan(5_000);
    expect(Math.abs(fixture.sandbox.now() - (Date.now() + offset))).toBeLessThan(1_000);
  });

  it('checks activation codes on the sandbox clock, not the local one', async () => {
    const body = deviceBody();
    const created = (await fixture.client.graph('POST', DEVICES, body)).body;
    await fixture.client.graph('POST', methodsOf('carol@contoso.example'), { device: { id: created.id } });
    centreClock(fixture.sandbox, 60_000);
    const localCode = codeAt(fixture.sandbox, body.secretKey as string, { clock: Date.now() });
    const refused = await fixture.client.graph('POST', `${methodsOf('carol@contoso.example')}/${created.id}/activate`, { verificationCode: localCode });
    expect(refused.status).toBe(400);
  });
});

describe('headers on every response', () => {
  it('carries request-id, client-request-id, Date, OData-Version and a JSON content type', async () => {
    const replies = [
      await fixture.client.graph('GET', DEVICES),
      await fixture.client.graph('GET', DEVICES, undefined, { 'client-request-id': '11111111-2222-4333-8444-555555555555' }),
      await fixture.client.request('GET', DEVICES),
      await fixture.client.graph('GET', '/beta/no/such/thing'),
    ];
    for (const reply of replies) {
      expect(reply.headers['request-id']).toMatch(GUID);
      expect(reply.headers['odata-version']).toBe('4.0');
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      expect(Number.isNaN(Date.parse(reply.headers.date!))).toBe(false);
    }
    expect(replies[0]!.headers['client-request-id']).toBe(replies[0]!.headers['request-id']);
    expect(replies[1]!.headers['client-request-id']).toBe('11111111-2222-4333-8444-555555555555');
    expect(new Set(replies.map((reply) => reply.headers['request-id'])).size).toBe(replies.length);
    expect(replies[3]!.status).toBe(400);
  });

  it('answers a wrong method with 405', async () => {
    const reply = await fixture.client.graph('PUT', DEVICES, {});
    expect(reply.status).toBe(405);
  });
});

describe('inspection and control routes', () => {
  it('need the client secret as bearer', async () => {
    for (const bearer of [null, 'wrong', await fixture.client.accessToken()]) {
      const reply = await fixture.client.request('GET', '/_sandbox/counters', { bearer });
      expect(reply.status).toBe(401);
    }
    expect((await fixture.client.request('POST', '/_sandbox/behaviour', { body: { totpToleranceSteps: 3 } })).status).toBe(401);
  });

  it('show devices, counters, users and calls, and change behaviour', async () => {
    const body = deviceBody();
    await fixture.client.graph('POST', DEVICES, body);
    const bearer = fixture.sandbox.clientSecret;
    const devices = await fixture.client.request('GET', '/_sandbox/devices', { bearer });
    expect(devices.body.value).toEqual([expect.objectContaining({ serialNumber: body.serialNumber, status: 'available' })]);
    expect(devices.text).not.toContain(body.secretKey as string);
    expect((await fixture.client.request('GET', '/_sandbox/counters', { bearer })).body).toMatchObject({ writes: 1, devicesCreated: 1 });
    const users = await fixture.client.request('GET', '/_sandbox/users', { bearer });
    expect(users.body.value.map((user: { userPrincipalName: string }) => user.userPrincipalName)).toContain('mallory@contoso.example');

    await fixture.client.request('POST', `/${fixture.sandbox.tenantId}/oauth2/v2.0/token`, { form: { grant_type: 'client_credentials' } });
    const calls = (await fixture.client.request('GET', '/_sandbox/calls', { bearer })).body.value;
    expect(calls.slice(-2)).toEqual([
      expect.objectContaining({ method: 'POST', route: 'POST /beta/directory/authenticationMethodDevices/hardwareOathDevices', status: 201, write: true, requestId: expect.stringMatching(GUID) }),
      expect.objectContaining({ method: 'POST', route: 'POST /{tenantId}/oauth2/v2.0/token', path: `/${fixture.sandbox.tenantId}/oauth2/v2.0/token`, status: 400, write: false }),
    ]);

    const refused = await fixture.client.request('POST', '/_sandbox/behaviour', { bearer, body: { totpToleranceSteps: -1, nonsense: true } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/totpToleranceSteps/);
    const applied = await fixture.client.request('POST', '/_sandbox/behaviour', { bearer, body: { totpToleranceSteps: 2, pageSize: 7 } });
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ totpToleranceSteps: 2, pageSize: 7 });
    fixture.sandbox.configure({ totpToleranceSteps: 0, pageSize: 100 });
  });

  it('never log secrets or codes', async () => {
    const body = deviceBody();
    const created = (await fixture.client.graph('POST', DEVICES, body)).body;
    await fixture.client.graph('POST', methodsOf('dave@contoso.example'), { device: { id: created.id } });
    centreClock(fixture.sandbox);
    const code = codeAt(fixture.sandbox, body.secretKey as string);
    await fixture.client.graph('POST', `${methodsOf('dave@contoso.example')}/${created.id}/activate`, { verificationCode: code });
    const log = JSON.stringify(fixture.sandbox.inspect.calls());
    expect(log).toContain('/activate');
    expect(log).toContain('"route":"POST /beta/users/{user}/authentication/hardwareOathMethods/{methodId}/activate"');
    for (const secret of [body.secretKey as string, code, fixture.sandbox.clientSecret, await fixture.client.accessToken()]) expect(log).not.toContain(secret);
  });

  it('reset forgets devices, counters and calls but keeps users', async () => {
    await fixture.client.graph('POST', DEVICES, deviceBody());
    fixture.sandbox.reset();
    expect(fixture.sandbox.inspect.devices()).toEqual([]);
    expect(fixture.sandbox.inspect.calls()).toEqual([]);
    expect(fixture.sandbox.inspect.counters()).toEqual({ reads: 0, writes: 0, throttled: 0, injectedFailures: 0, activationsRefused: 0, activationsRefusedLate: 0, devicesCreated: 0, lostResponses: 0 });
    expect(fixture.sandbox.inspect.users().length).toBeGreaterThan(20);
  });
});

describe('certificate authority', () => {
  it('reuses the CA kept in stateDir, so clients that trusted it keep trusting the next start', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sandbox-ca-test-'));
    try {
      const first = await startSandbox({ stateDir, generatedUsers: 0 });
      const firstCa = first.caCertificatePem;
      await first.close();
      const second = await startSandbox({ stateDir, generatedUsers: 0 });
      try {
        expect(second.caCertificatePem).toBe(firstCa);
        expect(second.caCertificatePath).toBe(join(stateDir, 'sandbox-ca.pem'));
        const trustingFirst = sandboxClient({ ...second, caCertificatePem: firstCa });
        const viaIp = await trustingFirst.request('GET', `https://127.0.0.1:${second.port}/${second.tenantId}/v2.0/.well-known/openid-configuration`);
        expect(viaIp.status).toBe(200);
        trustingFirst.close();
      } finally {
        await second.close();
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('is not trusted without the CA: TLS verification stays on', async () => {
    const untrusting = sandboxClient({ ...fixture.sandbox, caCertificatePem: '' });
    await expect(untrusting.request('GET', `/${fixture.sandbox.tenantId}/v2.0/.well-known/openid-configuration`)).rejects.toThrow(/certificate/i);
    untrusting.close();
  });
});
