// The hardware OATH inventory: create validation, duplicates, bulk `$delta` with partial failure,
// list filtering / selection / paging, update and delete rules.
import { describe, expect, it } from 'vitest';
import type { Reply } from './client';
import { DEVICES, methodsOf } from './client';
import { deviceBody, newSecret, useSandbox } from './helpers';

const fixture = useSandbox({ generatedUsers: 0 });

function expectGraphError(reply: Reply, status: number, code: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body.error.code).toBe(code);
  expect(reply.body.error.innerError['request-id']).toBe(reply.headers['request-id']);
  expect(reply.body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
}

async function userId(upn: string): Promise<string> {
  return (await fixture.client.graph('GET', `/v1.0/users/${upn}`)).body.id as string;
}

async function bulk(items: Array<Record<string, unknown>>): Promise<Reply> {
  return fixture.client.graph('PATCH', DEVICES, { '@context': '#$delta', value: items });
}

describe('create one', () => {
  it('refuses a duplicate serial with the Graph envelope, and allows it behind the switch', async () => {
    const body = deviceBody();
    expect((await fixture.client.graph('POST', DEVICES, body)).status).toBe(201);
    const duplicate = await fixture.client.graph('POST', DEVICES, { ...body, secretKey: newSecret() });
    expectGraphError(duplicate, 400, 'badRequest');
    expect(duplicate.body.error.message).toContain(`serial number '${body.serialNumber}' already exists`);
    expect(fixture.sandbox.inspect.devices()).toHaveLength(1);
    fixture.sandbox.configure({ duplicateSerial: 'allow' });
    expect((await fixture.client.graph('POST', DEVICES, { ...body, secretKey: newSecret() })).status).toBe(201);
    expect(fixture.sandbox.inspect.devices()).toHaveLength(2);
  });

  it.each([
    ['no serial', { serialNumber: undefined }, /'serialNumber' is required/],
    ['no manufacturer', { manufacturer: undefined }, /'manufacturer' is required/],
    ['no model', { model: undefined }, /'model' is required/],
    ['no secret', { secretKey: undefined }, /'secretKey' is required/],
    ['secret not Base32', { secretKey: 'JBSWY3DPEHPK3PX0' }, /Base32/],
    ['secret over 128 characters', { secretKey: 'A'.repeat(129) }, /longer than 128/],
    ['interval 45', { timeIntervalInSeconds: 45 }, /30 or 60/],
    ['no interval', { timeIntervalInSeconds: undefined }, /'timeIntervalInSeconds' is required/],
    ['hash md5', { hashFunction: 'md5' }, /hmacsha1' or 'hmacsha256'/],
    ['unknown property', { colour: 'blue' }, /'colour' does not exist/],
    ['assignTo by UPN', { assignTo: { id: 'alice@contoso.example' } }, /object id/],
  ])('refuses %s with 400', async (_label, override, message) => {
    const reply = await fixture.client.graph('POST', DEVICES, deviceBody(override));
    expectGraphError(reply, 400, 'badRequest');
    expect(reply.body.error.message).toMatch(message);
    expect(fixture.sandbox.inspect.devices()).toHaveLength(0);
  });

  it('accepts a 128-character secret in lower case, and defaults the hash to hmacsha1', async () => {
    const reply = await fixture.client.graph('POST', DEVICES, deviceBody({ secretKey: 'a'.repeat(128), hashFunction: undefined }));
    expect(reply.status).toBe(201);
    expect(reply.body.hashFunction).toBe('hmacsha1');
  });

  it('takes string intervals and upper-case hashes only when lenientCreateTypes is on', async () => {
    const loose = { timeIntervalInSeconds: '60', hashFunction: 'HMACSHA256' };
    expectGraphError(await fixture.client.graph('POST', DEVICES, deviceBody(loose)), 400, 'badRequest');
    fixture.sandbox.configure({ lenientCreateTypes: true });
    const reply = await fixture.client.graph('POST', DEVICES, deviceBody(loose));
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ timeIntervalInSeconds: 60, hashFunction: 'hmacsha256' });
  });

  it('creates with assignTo as assigned, or as available with assignedTo filled behind the switch', async () => {
    const alice = await userId('alice@contoso.example');
    const assigned = await fixture.client.graph('POST', DEVICES, deviceBody({ assignTo: { id: alice } }));
    expect(assigned.status).toBe(201);
    expect(assigned.body).toMatchObject({ status: 'assigned', assignedTo: { id: alice, displayName: 'Alice Anderson' } });
    fixture.sandbox.configure({ createWithAssignToStatus: 'available' });
    const available = await fixture.client.graph('POST', DEVICES, deviceBody({ assignTo: { id: alice } }));
    expect(available.body).toMatchObject({ status: 'available', assignedTo: { id: alice } });
    const methods = await fixture.client.graph('GET', methodsOf('alice@contoso.example'));
    expect(methods.body.value.map((method: { id: string }) => method.id).sort()).toEqual([assigned.body.id, available.body.id].sort());
  });

  it('answers 404 Request_ResourceNotFound for assignTo naming no user, and creates nothing', async () => {
    const reply = await fixture.client.graph('POST', DEVICES, deviceBody({ assignTo: { id: '00000000-0000-4000-8000-00000000dead' } }));
    expectGraphError(reply, 404, 'Request_ResourceNotFound');
    expect(fixture.sandbox.inspect.devices()).toHaveLength(0);
  });
});

describe('bulk create', () => {
  it('creates the valid items and marks the invalid ones inline, echoing @contentId', async () => {
    const good = deviceBody({ '@contentId': '1' });
    const noSecret = deviceBody({ '@contentId': '2', secretKey: undefined });
    const duplicateOfGood = deviceBody({ '@contentId': '3', serialNumber: good.serialNumber });
    const alsoGood = deviceBody({ '@contentId': '4', timeIntervalInSeconds: 60, hashFunction: 'hmacsha256' });
    const reply = await bulk([good, noSecret, duplicateOfGood, alsoGood]);
    expect(reply.status).toBe(201);
    const byContentId = new Map(reply.body.value.map((item: { '@contentId': string }) => [item['@contentId'], item]));
    expect(byContentId.get('1')).toMatchObject({ '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', device: { serialNumber: good.serialNumber, secretKey: null, status: 'available' } });
    expect(byContentId.get('2')).toMatchObject({
      '@Core.DataModificationException': { failedOperation: 'insert', responseCode: 400, info: { code: 'badRequest', message: expect.stringMatching(/secretKey/) } },
    });
    expect(byContentId.get('3')).toMatchObject({ serialNumber: good.serialNumber, '@Core.DataModificationException': { responseCode: 400 } });
    expect(byContentId.get('4')).toMatchObject({ device: { timeIntervalInSeconds: 60, hashFunction: 'hmacsha256' } });
    expect(fixture.sandbox.inspect.devices().map((device) => device.serialNumber).sort()).toEqual([good.serialNumber, alsoGood.serialNumber].sort());
    expect(fixture.sandbox.inspect.counters().devicesCreated).toBe(2);
  });

  it('returns flat devices when bulkItemShape is device', async () => {
    fixture.sandbox.configure({ bulkItemShape: 'device' });
    const item = deviceBody({ '@contentId': 'a' });
    const reply = await bulk([item]);
    expect(reply.body.value[0]).toMatchObject({ '@contentId': 'a', serialNumber: item.serialNumber, secretKey: null, status: 'available' });
  });

  it('refuses more than bulkMaxItems, and a body that is not a delta payload, creating nothing', async () => {
    fixture.sandbox.configure({ bulkMaxItems: 3 });
    const tooMany = await bulk([deviceBody(), deviceBody(), deviceBody(), deviceBody()]);
    expectGraphError(tooMany, 400, 'badRequest');
    expect(tooMany.body.error.message).toMatch(/at most 3/);
    const notDelta = await fixture.client.graph('PATCH', DEVICES, { value: [deviceBody()] });
    expectGraphError(notDelta, 400, 'badRequest');
    expect(fixture.sandbox.inspect.devices()).toHaveLength(0);
  });
});

describe('list', () => {
  it('pages past 1,000 devices through absolute nextLinks with opaque skip tokens', async () => {
    const serials: string[] = [];
    for (let chunk = 0; chunk < 21; chunk += 1) {
      const items = Array.from({ length: 50 }, () => deviceBody());
      serials.push(...items.map((item) => item.serialNumber as string));
      const reply = await bulk(items);
      expect(reply.status).toBe(201);
    }
    expect(serials).toHaveLength(1050);
    for (const top of [undefined, 999]) {
      const seen: string[] = [];
      let pages = 0;
      let next: string | undefined = top ? `${DEVICES}?$top=${top}` : DEVICES;
      while (next) {
        const page: Reply = await fixture.client.graph('GET', next);
        expect(page.status).toBe(200);
        pages += 1;
        seen.push(...page.body.value.map((device: { serialNumber: string }) => device.serialNumber));
        next = page.body['@odata.nextLink'];
        if (next) {
          expect(next.startsWith(`${fixture.sandbox.origin}/beta/directory/authenticationMethodDevices/hardwareOathDevices?$skiptoken=`)).toBe(true);
          expect(next).not.toContain('$filter');
        }
      }
      expect(pages).toBe(top ? 2 : 11);
      expect(seen).toEqual(serials);
    }
  });

  it('refuses a tampered skip token', async () => {
    fixture.sandbox.configure({ pageSize: 1 });
    await fixture.client.graph('POST', DEVICES, deviceBody());
    await fixture.client.graph('POST', DEVICES, deviceBody());
    const first = await fixture.client.graph('GET', DEVICES);
    const link = new URL(first.body['@odata.nextLink']);
    const token = link.searchParams.get('$skiptoken')!;
    link.searchParams.set('$skiptoken', `${token.slice(0, -2)}xx`);
    expectGraphError(await fixture.client.graph('GET', link.toString()), 400, 'BadRequest');
  });

  it('filters with eq on serial, status and interval joined by and, and selects fields', async () => {
    const target = deviceBody({ serialNumber: "TF'0042", timeIntervalInSeconds: 60 });
    await fixture.client.graph('POST', DEVICES, target);
    await fixture.client.graph('POST', DEVICES, deviceBody());
    const bySerial = await fixture.client.graph('GET', `${DEVICES}?$filter=${encodeURIComponent("serialNumber eq 'TF''0042'")}`);
    expect(bySerial.status).toBe(200);
    expect(bySerial.body.value.map((device: { serialNumber: string }) => device.serialNumber)).toEqual(["TF'0042"]);
    const combined = await fixture.client.graph('GET', `${DEVICES}?$filter=${encodeURIComponent("status eq 'available' and timeIntervalInSeconds eq 60")}&$select=serialNumber,status`);
    expect(combined.body.value).toEqual([{ id: expect.any(String), serialNumber: "TF'0042", status: 'available' }]);
    const none = await fixture.client.graph('GET', `${DEVICES}?$filter=${encodeURIComponent("status eq 'activated'")}`);
    expect(none.body.value).toEqual([]);
  });

  it('refuses filters it does not support with 400', async () => {
    for (const filter of ["serialNumber ne 'x'", "startswith(serialNumber,'x')", "secretKey eq 'x'", "serialNumber eq 'x' or status eq 'y'", "serialNumber eq 'unclosed", "timeIntervalInSeconds eq '30'"]) {
      const reply = await fixture.client.graph('GET', `${DEVICES}?$filter=${encodeURIComponent(filter)}`);
      expect(reply.status, filter).toBe(400);
    }
    expect((await fixture.client.graph('GET', `${DEVICES}?$top=1000`)).status).toBe(400);
    expect((await fixture.client.graph('GET', `${DEVICES}?$orderby=serialNumber`)).status).toBe(400);
  });
});

describe('update and delete', () => {
  it('updates an unassigned device with 204 but never its serial or secret', async () => {
    const created = (await fixture.client.graph('POST', DEVICES, deviceBody())).body;
    const updated = await fixture.client.graph('PATCH', `${DEVICES}/${created.id}`, { displayName: 'Front desk', model: 'C302', timeIntervalInSeconds: 60 });
    expect(updated.status).toBe(204);
    expect(updated.text).toBe('');
    const after = (await fixture.client.graph('GET', `${DEVICES}/${created.id}`)).body;
    expect(after).toMatchObject({ displayName: 'Front desk', model: 'C302', timeIntervalInSeconds: 60, serialNumber: created.serialNumber });
    for (const forbidden of [{ serialNumber: 'OTHER' }, { secretKey: newSecret() }]) {
      const reply = await fixture.client.graph('PATCH', `${DEVICES}/${created.id}`, forbidden);
      expectGraphError(reply, 400, 'badRequest');
      expect(reply.body.error.message).toMatch(/cannot be updated/);
    }
    expect((await fixture.client.graph('GET', `${DEVICES}/${created.id}`)).body.serialNumber).toBe(created.serialNumber);
  });

  it('refuses update and delete of an assigned device, and deletes once unassigned', async () => {
    const created = (await fixture.client.graph('POST', DEVICES, deviceBody())).body;
    await fixture.client.graph('POST', methodsOf('bob@contoso.example'), { device: { id: created.id } });
    expectGraphError(await fixture.client.graph('PATCH', `${DEVICES}/${created.id}`, { model: 'X' }), 400, 'badRequest');
    expectGraphError(await fixture.client.graph('DELETE', `${DEVICES}/${created.id}`), 400, 'badRequest');
    expect(fixture.sandbox.inspect.devices()[0]).toMatchObject({ model: 'C202', status: 'assigned' });
    expect((await fixture.client.graph('DELETE', `${methodsOf('bob@contoso.example')}/${created.id}`)).status).toBe(204);
    expect((await fixture.client.graph('DELETE', `${DEVICES}/${created.id}`)).status).toBe(204);
    expectGraphError(await fixture.client.graph('GET', `${DEVICES}/${created.id}`), 404, 'itemNotFound');
  });
});

describe('API version', () => {
  it('answers hardware OATH paths under /v1.0 with 400 Request_BadRequest', async () => {
    const reply = await fixture.client.graph('GET', '/v1.0/directory/authenticationMethodDevices/hardwareOathDevices');
    expectGraphError(reply, 400, 'Request_BadRequest');
  });
});
