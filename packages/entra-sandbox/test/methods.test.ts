// Per-user methods: assign, activate with real TOTP on the sandbox clock, the status life cycle,
// assign-and-activate (by id and by serial), deactivate, unassign, and the per-user rules.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../src/index';
import { startSandbox } from '../src/index';
import type { Reply, SandboxClient } from './client';
import { DEVICES, methodsOf, sandboxClient } from './client';
import { centreClock, codeAt, deviceBody } from './helpers';

let sandbox: Sandbox;
let client: SandboxClient;
const ALICE = 'alice@contoso.example';
const BOB = 'bob@contoso.example';

beforeAll(async () => {
  sandbox = await startSandbox({ generatedUsers: 0 });
  client = sandboxClient(sandbox);
});

afterAll(async () => {
  client.close();
  await sandbox.close();
});

beforeEach(() => {
  sandbox.reset();
  sandbox.configure({ totpToleranceSteps: 0, refuseActivations: 0, perUserTokenLimit: 5, guestAssignment: 'reject' });
  centreClock(sandbox);
});

/** Creates a device and assigns it to `user`; returns its id and secret. */
async function assignedDevice(user = ALICE, overrides: Record<string, unknown> = {}): Promise<{ id: string; secret: string; serialNumber: string }> {
  const body = deviceBody(overrides);
  const created = await client.graph('POST', DEVICES, body);
  expect(created.status).toBe(201);
  const assigned = await client.graph('POST', methodsOf(user), { device: { id: created.body.id } });
  expect(assigned.status).toBe(201);
  return { id: created.body.id, secret: body.secretKey as string, serialNumber: body.serialNumber as string };
}

const activate = (user: string, methodId: string, verificationCode: string, displayName?: string): Promise<Reply> =>
  client.graph('POST', `${methodsOf(user)}/${methodId}/activate`, { verificationCode, ...(displayName ? { displayName } : {}) });

const statusOf = (id: string) => sandbox.inspect.devices().find((device) => device.id === id)?.status;

describe('assign', () => {
  it('answers 201 with the method, by UPN in any case, and lists it under the user', async () => {
    const created = (await client.graph('POST', DEVICES, deviceBody())).body;
    const assigned = await client.graph('POST', methodsOf('ALICE@Contoso.Example'), { device: { id: created.id } });
    expect(assigned.status).toBe(201);
    expect(assigned.body).toMatchObject({ '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: created.id, createdDateTime: expect.stringMatching(/Z$/) });
    const listed = await client.graph('GET', methodsOf(ALICE));
    expect(listed.body.value).toEqual([expect.objectContaining({ id: created.id, device: expect.objectContaining({ status: 'assigned', secretKey: null }) })]);
    const one = await client.graph('GET', `${methodsOf(ALICE)}/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body.device.serialNumber).toBe(created.serialNumber);
  });

  it('assigns a token to one user only', async () => {
    const device = await assignedDevice(ALICE);
    const second = await client.graph('POST', methodsOf(BOB), { device: { id: device.id } });
    expect(second.status).toBe(400);
    expect(second.body.error.code).toBe('badRequest');
    expect(sandbox.inspect.devices()[0]!.assignedTo?.id).not.toBe((await client.graph('GET', `/v1.0/users/${BOB}`)).body.id);
  });

  it('refuses guests and users at the per-user cap, unless switched off', async () => {
    const guest = sandbox.inspect.users().find((user) => user.userType === 'Guest')!;
    const forGuest = (await client.graph('POST', DEVICES, deviceBody())).body;
    expect((await client.graph('POST', methodsOf(guest.userPrincipalName), { device: { id: forGuest.id } })).status).toBe(400);
    sandbox.configure({ guestAssignment: 'allow' });
    expect((await client.graph('POST', methodsOf(guest.userPrincipalName), { device: { id: forGuest.id } })).status).toBe(201);

    sandbox.configure({ perUserTokenLimit: 2 });
    await assignedDevice(BOB);
    await assignedDevice(BOB);
    const third = (await client.graph('POST', DEVICES, deviceBody())).body;
    const refused = await client.graph('POST', methodsOf(BOB), { device: { id: third.id } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/maximum of 2/);
    sandbox.configure({ perUserTokenLimit: null });
    expect((await client.graph('POST', methodsOf(BOB), { device: { id: third.id } })).status).toBe(201);
  });

  it('answers 404 Request_ResourceNotFound for an unknown user and itemNotFound for an unknown device', async () => {
    const unknownUser = await client.graph('GET', methodsOf('nobody@contoso.example'));
    expect(unknownUser.status).toBe(404);
    expect(unknownUser.body.error.code).toBe('Request_ResourceNotFound');
    const unknownDevice = await client.graph('POST', methodsOf(ALICE), { device: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(unknownDevice.status).toBe(404);
    expect(unknownDevice.body.error.code).toBe('itemNotFound');
  });
});

describe('activate', () => {
  it('accepts the current code and records the drift', async () => {
    const device = await assignedDevice();
    const reply = await activate(ALICE, device.id, codeAt(sandbox, device.secret), 'Alice desk token');
    expect(reply.status).toBe(204);
    expect(sandbox.inspect.devices()[0]).toMatchObject({ status: 'activated', displayName: 'Alice desk token', activation: { driftSteps: 0, attempts: 1 } });
  });

  it('refuses a code from the previous window at tolerance 0 and accepts it at tolerance 1', async () => {
    const strict = await assignedDevice();
    const refused = await activate(ALICE, strict.id, codeAt(sandbox, strict.secret, { stepOffset: -1 }));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/verification code/);
    expect(statusOf(strict.id)).toBe('failedActivation');

    sandbox.configure({ totpToleranceSteps: 1 });
    const lenient = await assignedDevice();
    expect((await activate(ALICE, lenient.id, codeAt(sandbox, lenient.secret, { stepOffset: -1 }))).status).toBe(204);
    expect(sandbox.inspect.devices().find((device) => device.id === lenient.id)?.activation.driftSteps).toBe(-1);
    // Two windows back is still outside a tolerance of 1.
    const farther = await assignedDevice();
    expect((await activate(ALICE, farther.id, codeAt(sandbox, farther.secret, { stepOffset: -2 }))).status).toBe(400);
  });

  it('activates a 60-second SHA-256 token with its own interval and hash', async () => {
    const device = await assignedDevice(ALICE, { timeIntervalInSeconds: 60, hashFunction: 'hmacsha256' });
    // A 30 s SHA-1 code for the same seed must not pass for it.
    expect((await activate(ALICE, device.id, codeAt(sandbox, device.secret))).status).toBe(400);
    const reply = await activate(ALICE, device.id, codeAt(sandbox, device.secret, { period: 60, hash: 'hmacsha256' }));
    expect(reply.status).toBe(204);
    expect(statusOf(device.id)).toBe('activated');
  });

  it('marks a wrong code failedActivation and still lets a later correct code activate', async () => {
    const device = await assignedDevice();
    const good = codeAt(sandbox, device.secret);
    const wrong = good === '000000' ? '000001' : '000000';
    const refused = await activate(ALICE, device.id, wrong);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('badRequest');
    expect(refused.text).not.toContain(wrong);
    expect((await client.graph('GET', `${DEVICES}/${device.id}`)).body.status).toBe('failedActivation');
    expect((await activate(ALICE, device.id, good)).status).toBe(204);
    expect(statusOf(device.id)).toBe('activated');
    expect(sandbox.inspect.counters().activationsRefused).toBe(1);
  });

  it('refuses a second activation, and a code already used once', async () => {
    const device = await assignedDevice();
    const code = codeAt(sandbox, device.secret);
    expect((await activate(ALICE, device.id, code)).status).toBe(204);
    expect((await activate(ALICE, device.id, code)).status).toBe(400);
    expect((await client.graph('POST', `${methodsOf(ALICE)}/${device.id}/deactivate`)).status).toBe(204);
    expect(statusOf(device.id)).toBe('assigned');
    // Replaying the accepted code after deactivation is refused; the next window's code works.
    expect((await activate(ALICE, device.id, code)).status).toBe(400);
    sandbox.configure({ totpToleranceSteps: 1 });
    expect((await activate(ALICE, device.id, codeAt(sandbox, device.secret, { stepOffset: 1 }))).status).toBe(204);
  });

  it('refuses the next N activations when refuseActivations is set, then works again', async () => {
    sandbox.configure({ refuseActivations: 2 });
    const device = await assignedDevice();
    expect((await activate(ALICE, device.id, codeAt(sandbox, device.secret))).status).toBe(400);
    expect((await activate(ALICE, device.id, codeAt(sandbox, device.secret))).status).toBe(400);
    expect(statusOf(device.id)).toBe('failedActivation');
    expect((await activate(ALICE, device.id, codeAt(sandbox, device.secret))).status).toBe(204);
    expect(sandbox.inspect.counters().activationsRefused).toBe(2);
  });

  it('answers 404 for a method the user does not have, and 400 without a code', async () => {
    const device = await assignedDevice(ALICE);
    const otherUser = await activate(BOB, device.id, codeAt(sandbox, device.secret));
    expect(otherUser.status).toBe(404);
    expect(otherUser.body.error.code).toBe('itemNotFound');
    const noCode = await client.graph('POST', `${methodsOf(ALICE)}/${device.id}/activate`, {});
    expect(noCode.status).toBe(400);
    expect(statusOf(device.id)).toBe('assigned');
  });

  it('checks codes against the sandbox clock: a local-clock code fails when the sandbox is 2 windows ahead', async () => {
    const device = await assignedDevice();
    centreClock(sandbox, 60_000);
    const localCode = codeAt(sandbox, device.secret, { clock: Date.now() });
    expect((await activate(ALICE, device.id, localCode)).status).toBe(400);
    expect((await activate(ALICE, device.id, codeAt(sandbox, device.secret))).status).toBe(204);
  });
});

describe('assign and activate in one call', () => {
  it('assignAndActivate by device id', async () => {
    const body = deviceBody();
    const created = (await client.graph('POST', DEVICES, body)).body;
    const reply = await client.graph('POST', `${methodsOf(BOB)}/assignAndActivate`, {
      device: { id: created.id },
      verificationCode: codeAt(sandbox, body.secretKey as string),
      displayName: 'Bob token',
    });
    expect(reply.status).toBe(204);
    expect(sandbox.inspect.devices()[0]).toMatchObject({ status: 'activated', displayName: 'Bob token', assignedTo: { displayName: 'Bob Brown' } });
  });

  it('assignAndActivateBySerialNumber, retried after a wrong code', async () => {
    const body = deviceBody();
    await client.graph('POST', DEVICES, body);
    const path = `${methodsOf(BOB)}/assignAndActivateBySerialNumber`;
    const good = codeAt(sandbox, body.secretKey as string);
    const wrong = await client.graph('POST', path, { serialNumber: body.serialNumber, verificationCode: good === '123456' ? '654321' : '123456' });
    expect(wrong.status).toBe(400);
    expect(sandbox.inspect.devices()[0]).toMatchObject({ status: 'failedActivation', assignedTo: { displayName: 'Bob Brown' } });
    expect((await client.graph('POST', path, { serialNumber: body.serialNumber, verificationCode: good })).status).toBe(204);
    expect(sandbox.inspect.devices()[0]!.status).toBe('activated');
    const unknown = await client.graph('POST', path, { serialNumber: 'NO-SUCH-SERIAL', verificationCode: good });
    expect(unknown.status).toBe(404);
  });
});

describe('unassign', () => {
  it('returns an activated token to the inventory as available', async () => {
    const device = await assignedDevice();
    await activate(ALICE, device.id, codeAt(sandbox, device.secret));
    const reply = await client.graph('DELETE', `${methodsOf(ALICE)}/${device.id}`);
    expect(reply.status).toBe(204);
    const after = (await client.graph('GET', `${DEVICES}/${device.id}`)).body;
    expect(after).toMatchObject({ status: 'available', assignedTo: null });
    expect((await client.graph('GET', methodsOf(ALICE))).body.value).toEqual([]);
  });
});

describe('self-service paths', () => {
  it('refuses /me with an app-only token', async () => {
    const reply = await client.graph('GET', '/beta/me/authentication/hardwareOathMethods');
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/delegated/);
  });
});
