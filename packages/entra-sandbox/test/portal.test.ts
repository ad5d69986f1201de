// The portal routes: what an administrator in the Entra admin center or a user in Security info does to a
// device behind a caller's back (activate, unassign, delete, reassign, a device nobody imported), and the
// sign-in that moves lastUsedDateTime, all seen afterwards through Graph as any client would see them.
import { describe, expect, it } from 'vitest';
import { DEVICES } from './client';
import { codeAt, deviceBody, useSandbox } from './helpers';

const fixture = useSandbox({ generatedUsers: 3 });
const PORTAL = '/_sandbox/portal/devices';

function portal(method: string, path: string, body?: unknown) {
  return fixture.client.request(method, `${PORTAL}${path}`, { bearer: fixture.sandbox.clientSecret, ...(body !== undefined ? { body } : {}) });
}

async function graphDevice(id: string) {
  return (await fixture.client.graph('GET', `${DEVICES}/${id}`)).body;
}

describe('the portal routes', () => {
  it('need the sandbox secret', async () => {
    expect((await fixture.client.request('POST', PORTAL, { body: deviceBody() })).status).toBe(401);
  });

  it('add a device Tokenfleet never made, assigned to a user, and activate it as Security info does', async () => {
    const [alice] = fixture.sandbox.inspect.users();
    const body = deviceBody({ assignTo: { id: alice!.id } });
    const created = await portal('POST', '', body);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ serialNumber: body.serialNumber, status: 'assigned', assignedTo: { id: alice!.id } });
    expect(created.body).not.toHaveProperty('secretKey');
    const wrong = await portal('POST', `/${created.body.id}/activate`, { verificationCode: codeAt(fixture.sandbox, body.secretKey as string, { stepOffset: 5 }) });
    expect(wrong.status).toBe(400);
    expect((await portal('POST', `/${created.body.id}/activate`, { verificationCode: codeAt(fixture.sandbox, body.secretKey as string) })).status).toBe(204);
    expect(await graphDevice(created.body.id)).toMatchObject({ status: 'activated', lastUsedDateTime: null });
  });

  it('move lastUsedDateTime when a code signs in, refusing a wrong or replayed code and a token not activated', async () => {
    const [alice] = fixture.sandbox.inspect.users();
    const body = deviceBody({ assignTo: { id: alice!.id } });
    const { id } = fixture.sandbox.portal.createDevice(body);
    // The activation takes the previous step, so the current one is still unused for the sign-in.
    fixture.sandbox.configure({ totpToleranceSteps: 1 });
    const signIn = (code: string) => portal('POST', `/${id}/sign-in`, { verificationCode: code });
    expect((await signIn(codeAt(fixture.sandbox, body.secretKey as string))).status).toBe(400);
    fixture.sandbox.portal.activate(id, codeAt(fixture.sandbox, body.secretKey as string, { stepOffset: -1 }));
    expect((await signIn('000000')).status).toBe(400);
    const signedIn = await signIn(codeAt(fixture.sandbox, body.secretKey as string));
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.lastUsedDateTime).toBe(new Date(fixture.sandbox.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect((await signIn(codeAt(fixture.sandbox, body.secretKey as string))).status).toBe(400);
    const listed = (await fixture.client.graph('GET', DEVICES)).body.value.find((device: { id: string }) => device.id === id);
    expect(listed.lastUsedDateTime).toBe(signedIn.body.lastUsedDateTime);
    const methods = (await fixture.client.graph('GET', `/beta/users/${alice!.id}/authentication/hardwareOathMethods`)).body.value;
    expect(methods[0].lastUsedDateTime).toBe(signedIn.body.lastUsedDateTime);
  });

  it('unassign, reassign and delete a device, assigned or not', async () => {
    const [alice, bob] = fixture.sandbox.inspect.users();
    const { id } = fixture.sandbox.portal.createDevice(deviceBody({ assignTo: { id: alice!.id } }));
    expect((await portal('POST', `/${id}/reassign`, { user: bob!.userPrincipalName })).status).toBe(204);
    expect(await graphDevice(id)).toMatchObject({ status: 'assigned', assignedTo: { id: bob!.id } });
    expect((await portal('POST', `/${id}/reassign`, { user: bob!.id })).status).toBe(400);
    expect((await portal('POST', `/${id}/reassign`, { user: 'nobody@contoso.example' })).status).toBe(404);
    expect((await portal('POST', `/${id}/unassign`)).status).toBe(204);
    expect(await graphDevice(id)).toMatchObject({ status: 'available', assignedTo: null });
    expect((await portal('POST', `/${id}/unassign`)).status).toBe(400);
    fixture.sandbox.portal.reassign(id, alice!.id);
    expect((await portal('DELETE', `/${id}`)).status).toBe(204);
    expect((await fixture.client.graph('GET', `${DEVICES}/${id}`)).status).toBe(404);
    expect((await portal('POST', `/${id}/unassign`)).status).toBe(404);
    expect((await portal('POST', `/${id}/nonsense`)).status).toBe(404);
  });
});
