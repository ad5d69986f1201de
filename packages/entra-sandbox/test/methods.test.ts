// Per-user methods: assign, activate with real TOTP on the sandbox clock, the status life cycle,
// assign-and-activate (by id and by serial), deactivate, unassign, and the per-user rules.
import { describe, expect, it } from 'vitest';
import type { Reply } from './client';
import { DEVICES, methodsOf } from './client';
import { centreClock, codeAt, deviceBody, useSandbox } from './helpers';

const fixture = useSandbox({ generatedUsers: 0 });
const ALICE = 'alice@contoso.example';
const BOB = 'bob@contoso.example';

/** Creates a device and assigns it to `user`; returns its id and secret. */
async function assignedDevice(user = ALICE, overrides: Record<string, unknown> = {}): Promise<{ id: string; secret: string; serialNumber: string }> {
  const body = deviceBody(overrides);
  const created = await fixture.client.graph('POST', DEVICES, body);
  expect(created.status).toBe(201);
  const assigned = await fixture.client.graph('POST', methodsOf(user), { device: { id: created.body.id } });
  expect(assigned.status).toBe(201);
  return { id: created.body.id, secret: body.secretKey as string, serialNumber: body.serialNumber as string };
}

const activate = (user: string, methodId: string, verificationCode: string, displayName?: string): Promise<Reply> =>
  fixture.client.graph('POST', `${methodsOf(user)}/${methodId}/activate`, { verificationCode, ...(displayName ? { displayName } : {}) });

const statusOf = (id: string) => fixture.sandbox.inspect.devices().find((device) => device.id === id)?.status;

describe('assign', () => {
  it('answers 201 with the method, by UPN in any case, and lists it under the user', async () => {
    const created = (await fixture.client.graph('POST', DEVICES, deviceBody())).body;
    const assigned = await fixture.client.graph('POST', methodsOf('ALICE@Contoso.Example'), { device: { id: created.id } });
    expect(assigned.status).toBe(201);
    expect(assigned.body).toMatchObject({ '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: created.id, createdDateTime: expect.stringMatching(/Z$/) });
    const listed = await fixture.client.graph('GET', methodsOf(ALICE));
    expect(listed.body.value).toEqual([expect.objectContaining({ id: created.id, device: expect.objectContaining({ status: 'assigned', secretKey: null }) })]);
    const one = await fixture.client.graph('GET', `${methodsOf(ALICE)}/${created.id}`);
    expect(one.status).toBe(200);
    expect(one.body.device.serialNumber).toBe(created.serialNumber);
  });

  it('assigns a token to one user only', async () => {
    const device = await assignedDevice(ALICE);
    const second = await fixture.client.graph('POST', methodsOf(BOB), { device: { id: device.id } });
    expect(second.status).toBe(400);
    expect(second.body.error.code).toBe('badRequest');
    expect(fixture.sandbox.inspect.devices()[0]!.assignedTo?.id).not.toBe((await fixture.client.graph('GET', `/v1.0/users/${BOB}`)).body.id);
  });

  it('refuses guests and users at the per-user cap, unless switched off', async () => {
    const guest = fixture.sandbox.inspect.users().find((user) => user.userType === 'Guest')!;
    const forGuest = (await fixture.client.graph('POST', DEVICES, deviceBody())).body;
    expect((await fixture.client.graph('POST', methodsOf(guest.userPrincipalName), { device: { id: forGuest.id } })).status).toBe(400);
    fixture.sandbox.configure({ guestAssignment: 'allow' });
    expect((await fixture.client.graph('POST', methodsOf(guest.userPrincipalName), { device: { id: forGuest.id } })).status).toBe(201);

    fixture.sandbox.configure({ perUserTokenLimit: 2 });
    await assignedDevice(BOB);
    await assignedDevice(BOB);
    const third = (await fixture.client.graph('POST', DEVICES, deviceBody())).body;
    const refused = await fixture.client.graph('POST', methodsOf(BOB), { device: { id: third.id } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/maximum of 2/);
    fixture.sandbox.configure({ perUserTokenLimit: null });
    expect((await fixture.client.graph('POST', methodsOf(BOB), { device: { id: third.id } })).status).toBe(201);
  });

  it('answers 404 Request_ResourceNotFound for an unknown user and itemNotFound for an unknown device', async () => {
    const unknownUser = await fixture.client.graph('GET', methodsOf('nobody@contoso.example'));
    expect(unknownUser.status).toBe(404);
    expect(unknownUser.body.error.code).toBe('Request_ResourceNotFound');
    const unknownDevice = await fixture.client.graph('POST', methodsOf(ALICE), { device: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(unknownDevice.status).toBe(404);
    expect(unknownDevice.body.error.code).toBe('itemNotFound');
  });
});

describe('activate', () => {
  it('accepts the current code and records the drift', async () => {
    const device = await assignedDevice();
    const reply = await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret), 'Alice desk token');
    expect(reply.status).toBe(204);
    expect(fixture.sandbox.inspect.devices()[0]).toMatchObject({ status: 'activated', displayName: 'Alice desk token', activation: { driftSteps: 0, attempts: 1 } });
  });

  it('refuses a code from the previous window at tolerance 0 and accepts it at tolerance 1', async () => {
    const strict = await assignedDevice();
    const refused = await activate(ALICE, strict.id, codeAt(fixture.sandbox, strict.secret, { stepOffset: -1 }));
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/verification code/);
    expect(statusOf(strict.id)).toBe('failedActivation');

    fixture.sandbox.configure({ totpToleranceSteps: 1 });
    const lenient = await assignedDevice();
    expect((await activate(ALICE, lenient.id, codeAt(fixture.sandbox, lenient.secret, { stepOffset: -1 }))).status).toBe(204);
    expect(fixture.sandbox.inspect.devices().find((device) => device.id === lenient.id)?.activation.driftSteps).toBe(-1);
    // Two windows back is still outside a tolerance of 1.
    const farther = await assignedDevice();
    expect((await activate(ALICE, farther.id, codeAt(fixture.sandbox, farther.secret, { stepOffset: -2 }))).status).toBe(400);
  });

  it('activates a 60-second SHA-256 token with its own interval and hash', async () => {
    const device = await assignedDevice(ALICE, { timeIntervalInSeconds: 60, hashFunction: 'hmacsha256' });
    // A 30 s SHA-1 code for the same seed must not pass for it.
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret))).status).toBe(400);
    const reply = await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret, { period: 60, hash: 'hmacsha256' }));
    expect(reply.status).toBe(204);
    expect(statusOf(device.id)).toBe('activated');
  });

  it('marks a wrong code failedActivation and still lets a later correct code activate', async () => {
    const device = await assignedDevice();
    const good = codeAt(fixture.sandbox, device.secret);
    const wrong = good === '000000' ? '000001' : '000000';
    const refused = await activate(ALICE, device.id, wrong);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('badRequest');
    expect(refused.text).not.toContain(wrong);
    expect((await fixture.client.graph('GET', `${DEVICES}/${device.id}`)).body.status).toBe('failedActivation');
    expect((await activate(ALICE, device.id, good)).status).toBe(204);
    expect(statusOf(device.id)).toBe('activated');
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ activationsRefused: 1, activationsRefusedLate: 0 });
  });

  it('refuses a second activation, and a code already used once', async () => {
    const device = await assignedDevice();
    const code = codeAt(fixture.sandbox, device.secret);
    expect((await activate(ALICE, device.id, code)).status).toBe(204);
    expect((await activate(ALICE, device.id, code)).status).toBe(400);
    expect((await fixture.client.graph('POST', `${methodsOf(ALICE)}/${device.id}/deactivate`)).status).toBe(204);
    expect(statusOf(device.id)).toBe('assigned');
    // Replaying the accepted code after deactivation is refused; the next window's code works.
    expect((await activate(ALICE, device.id, code)).status).toBe(400);
    fixture.sandbox.configure({ totpToleranceSteps: 1 });
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret, { stepOffset: 1 }))).status).toBe(204);
  });

  it('counts a refused code of the window just closed as late, and a code older still or of a used step as wrong', async () => {
    fixture.sandbox.configure({ totpToleranceSteps: 0 });
    const device = await assignedDevice();
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret, { stepOffset: -2 }))).status).toBe(400);
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ activationsRefused: 1, activationsRefusedLate: 0 });
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret, { stepOffset: -1 }))).status).toBe(400);
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ activationsRefused: 2, activationsRefusedLate: 1 });
    expect(fixture.sandbox.inspect.devices()[0]!.activation).toMatchObject({ refused: 2, refusedLate: 1 });

    // One tolerated step either way: late is the step just outside it.
    fixture.sandbox.configure({ totpToleranceSteps: 1 });
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret, { stepOffset: -2 }))).status).toBe(400);
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ activationsRefused: 3, activationsRefusedLate: 2 });

    // A step at or before the last one accepted is a replay, never "late".
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret))).status).toBe(204);
    expect((await fixture.client.graph('POST', `${methodsOf(ALICE)}/${device.id}/deactivate`)).status).toBe(204);
    fixture.sandbox.configure({ totpToleranceSteps: 0 });
    const usedEarlier = codeAt(fixture.sandbox, device.secret, { clock: fixture.sandbox.now() - 30_000 });
    expect((await activate(ALICE, device.id, usedEarlier)).status).toBe(400);
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ activationsRefused: 4, activationsRefusedLate: 2 });
  });

  it('refuses the next N activations when refuseActivations is set, then works again', async () => {
    fixture.sandbox.configure({ refuseActivations: 2 });
    const device = await assignedDevice();
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret))).status).toBe(400);
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret))).status).toBe(400);
    expect(statusOf(device.id)).toBe('failedActivation');
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret))).status).toBe(204);
    expect(fixture.sandbox.inspect.counters()).toMatchObject({ activationsRefused: 2, activationsRefusedLate: 0 });
  });

  it('answers 404 for a method the user does not have, and 400 without a code', async () => {
    const device = await assignedDevice(ALICE);
    const otherUser = await activate(BOB, device.id, codeAt(fixture.sandbox, device.secret));
    expect(otherUser.status).toBe(404);
    expect(otherUser.body.error.code).toBe('itemNotFound');
    const noCode = await fixture.client.graph('POST', `${methodsOf(ALICE)}/${device.id}/activate`, {});
    expect(noCode.status).toBe(400);
    expect(statusOf(device.id)).toBe('assigned');
  });

  it('checks codes against the sandbox clock: a local-clock code fails when the sandbox is 2 windows ahead', async () => {
    const device = await assignedDevice();
    centreClock(fixture.sandbox, 60_000);
    const localCode = codeAt(fixture.sandbox, device.secret, { clock: Date.now() });
    expect((await activate(ALICE, device.id, localCode)).status).toBe(400);
    expect((await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret))).status).toBe(204);
  });
});

describe('assign and activate in one call', () => {
  it('assignAndActivate by device id', async () => {
    const body = deviceBody();
    const created = (await fixture.client.graph('POST', DEVICES, body)).body;
    const reply = await fixture.client.graph('POST', `${methodsOf(BOB)}/assignAndActivate`, {
      device: { id: created.id },
      verificationCode: codeAt(fixture.sandbox, body.secretKey as string),
      displayName: 'Bob token',
    });
    expect(reply.status).toBe(204);
    expect(fixture.sandbox.inspect.devices()[0]).toMatchObject({ status: 'activated', displayName: 'Bob token', assignedTo: { displayName: 'Bob Brown' } });
  });

  it('assignAndActivateBySerialNumber, retried after a wrong code', async () => {
    const body = deviceBody();
    await fixture.client.graph('POST', DEVICES, body);
    const path = `${methodsOf(BOB)}/assignAndActivateBySerialNumber`;
    const good = codeAt(fixture.sandbox, body.secretKey as string);
    const wrong = await fixture.client.graph('POST', path, { serialNumber: body.serialNumber, verificationCode: good === '123456' ? '654321' : '123456' });
    expect(wrong.status).toBe(400);
    expect(fixture.sandbox.inspect.devices()[0]).toMatchObject({ status: 'failedActivation', assignedTo: { displayName: 'Bob Brown' } });
    expect((await fixture.client.graph('POST', path, { serialNumber: body.serialNumber, verificationCode: good })).status).toBe(204);
    expect(fixture.sandbox.inspect.devices()[0]!.status).toBe('activated');
    const unknown = await fixture.client.graph('POST', path, { serialNumber: 'NO-SUCH-SERIAL', verificationCode: good });
    expect(unknown.status).toBe(404);
  });
});

describe('assign by reference', () => {
  it('assigns through both $ref routes with an @odata.id naming the user', async () => {
    const bob = fixture.sandbox.inspect.users().find((user) => user.userPrincipalName === BOB)!;
    const first = (await fixture.client.graph('POST', DEVICES, deviceBody())).body;
    const viaInventory = await fixture.client.graph('PUT', `${DEVICES}/${first.id}/assignTo/$ref`, { '@odata.id': `https://graph.microsoft.com/beta/users/${bob.id}` });
    expect(viaInventory.status).toBe(204);
    const second = (await fixture.client.graph('POST', DEVICES, deviceBody())).body;
    const viaMethod = await fixture.client.graph('PUT', `${methodsOf(BOB)}/${second.id}/device/assignTo/$ref`, { '@odata.id': `https://graph.microsoft.com/beta/users/${bob.id}` });
    expect(viaMethod.status).toBe(204);
    expect(fixture.sandbox.inspect.devices().map((device) => [device.status, device.assignedTo?.id])).toEqual([
      ['assigned', bob.id],
      ['assigned', bob.id],
    ]);
    const unknownUser = await fixture.client.graph('PUT', `${DEVICES}/${first.id}/assignTo/$ref`, { '@odata.id': 'https://graph.microsoft.com/beta/users/00000000-0000-4000-8000-000000000000' });
    expect(unknownUser.status).toBe(404);
  });
});

describe('unassign', () => {
  it('returns an activated token to the inventory as available', async () => {
    const device = await assignedDevice();
    await activate(ALICE, device.id, codeAt(fixture.sandbox, device.secret));
    const reply = await fixture.client.graph('DELETE', `${methodsOf(ALICE)}/${device.id}`);
    expect(reply.status).toBe(204);
    const after = (await fixture.client.graph('GET', `${DEVICES}/${device.id}`)).body;
    expect(after).toMatchObject({ status: 'available', assignedTo: null });
    expect((await fixture.client.graph('GET', methodsOf(ALICE))).body.value).toEqual([]);
  });
});

describe('self-service paths', () => {
  it('refuses /me with an app-only token', async () => {
    const reply = await fixture.client.graph('GET', '/beta/me/authentication/hardwareOathMethods');
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/delegated/);
  });
});
