// Every sample seed file, uploaded through the API into the running system (worker, Entra sandbox over
// HTTPS with strict TOTP), ends as docs/samples/README.md says it must.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokens } from '@tokenfleet/db';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { sampleFile } from '../support/samples';

let system: FullSystem;
beforeAll(async () => {
  system = await startFullSystem();
});
afterAll(async () => {
  await system?.stop();
});

async function tokensOf(importId: string) {
  const rows = await system.client.db.select().from(tokens).where(eq(tokens.importId, importId));
  return new Map(rows.map((row) => [row.serialNumber, row]));
}

function device(serial: string) {
  return system.sandbox.inspect.devices().find((candidate) => candidate.serialNumber === serial);
}

describe('sample seed files, end to end', () => {
  it('token2-classic.csv: all six created, assigned and activated; rows 3 and 6 are SHA-256', async () => {
    const id = await system.upload('token2-classic.csv', sampleFile('token2-classic.csv'));
    const summary = await system.waitForImport(id, 120_000);
    expect(summary).toMatchObject({ status: 'completed', validRows: 6, rejectedRows: 0 });
    const rows = await tokensOf(id);
    expect([...rows.values()].map((row) => row.state)).toEqual(Array(6).fill('active'));
    for (const serial of ['602345670003', '602345670006']) expect(device(serial)).toMatchObject({ hashFunction: 'hmacsha256', status: 'activated' });
    expect(device('602345670001')).toMatchObject({ hashFunction: 'hmacsha1', status: 'activated' });
    expect(rows.get('602345670002')!.assignedUpn).toBe('user2@contoso.example');
  }, 150_000);

  it('the same file again: every serial is reported as already in the inventory, nothing is imported twice', async () => {
    const id = await system.upload('token2-classic.csv', sampleFile('token2-classic.csv'));
    const summary = await system.waitForImport(id, 30_000);
    expect(summary).toMatchObject({ validRows: 0, duplicateRows: 6 });
    const errors = (await (await system.call(`/api/v1/imports/${id}/errors`)).json()) as { items: Array<{ rowNumber: number; reason: string }> };
    expect(errors.items.map((error) => error.rowNumber)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(errors.items[0]!.reason).toMatch(/already in the inventory/);
    expect(system.sandbox.inspect.devices().filter((d) => d.serialNumber === '602345670001')).toHaveLength(1);
  }, 60_000);

  it('entra-admin-center.csv: alice and bob (a 60 s token) active, the row without a UPN unassigned', async () => {
    const id = await system.upload('entra-admin-center.csv', sampleFile('entra-admin-center.csv'));
    await system.waitForImport(id, 150_000);
    const rows = await tokensOf(id);
    expect(rows.get('1234567')).toMatchObject({ state: 'active', assignedUpn: 'alice@contoso.example' });
    expect(rows.get('1234568')).toMatchObject({ state: 'active', timeIntervalSeconds: 60 });
    expect(device('1234568')).toMatchObject({ timeIntervalInSeconds: 60, status: 'activated' });
    expect(rows.get('1234569')).toMatchObject({ state: 'created', assignedUpn: null });
    expect(device('1234569')).toMatchObject({ status: 'available', assignedTo: null });
  }, 180_000);

  it('token2-inventory.json: four tokens in the inventory, unassigned; the fourth is SHA-256', async () => {
    const id = await system.upload('token2-inventory.json', sampleFile('token2-inventory.json'));
    const summary = await system.waitForImport(id, 60_000);
    expect(summary).toMatchObject({ status: 'completed', validRows: 4 });
    const rows = await tokensOf(id);
    expect([...rows.values()].map((row) => row.state)).toEqual(Array(4).fill('created'));
    expect(device('6099000004')).toMatchObject({ hashFunction: 'hmacsha256', status: 'available' });
  }, 90_000);

  it('messy.csv: six accepted and activated, six rejected with their row, field and reason', async () => {
    const id = await system.upload('messy.csv', sampleFile('messy.csv'));
    const summary = await system.waitForImport(id, 150_000);
    expect(summary).toMatchObject({ status: 'completed_with_errors', validRows: 6, rejectedRows: 6 });
    const rows = await tokensOf(id);
    const upns = [...rows.values()].map((row) => row.assignedUpn?.split('@')[0]).sort();
    expect(upns).toEqual(['carol', 'dave', 'erin', 'judy', 'mallory', 'peggy']);
    expect([...rows.values()].every((row) => row.state === 'active')).toBe(true);
    const errors = (await (await system.call(`/api/v1/imports/${id}/errors`)).json()) as { items: Array<{ rowNumber: number; field: string; reason: string }> };
    expect(errors.items.map((error) => error.rowNumber)).toEqual([6, 7, 8, 9, 12, 13]);
    expect(errors.items.every((error) => error.reason.length > 10 && error.field)).toBe(true);
    // judy's serial is a spreadsheet formula: stored verbatim (CSV exports neutralise it; see apps/api's csv tests).
    expect(rows.get('=HYPERLINK("http://evil.example","x")')).toMatchObject({ assignedUpn: 'judy@contoso.example' });
  }, 180_000);

  it('token2-psk.pskc.xml: with the pre-shared key all three decrypt and are created; a wrong key imports nothing', async () => {
    const expected = JSON.parse(sampleFile('token2-psk.pskc.expected.json').toString('utf8')) as { preSharedKeyHex: string; tokens: Array<{ serial: string; hash: string }> };
    const wrong = await system.call('/api/v1/imports', { method: 'POST', body: form('token2-psk.pskc.xml', { pskcKey: '00'.repeat(16) }) });
    if (wrong.status === 202) {
      const { id } = (await wrong.json()) as { id: string };
      expect((await system.waitForImport(id, 30_000)).status).toBe('failed');
    } else {
      expect(wrong.status).toBe(400);
    }
    expect(device('8000000001')).toBeUndefined();

    const id = await system.upload('token2-psk.pskc.xml', sampleFile('token2-psk.pskc.xml'), { pskcKey: expected.preSharedKeyHex });
    const summary = await system.waitForImport(id, 60_000);
    expect(summary).toMatchObject({ validRows: 3 });
    for (const token of expected.tokens) expect(device(token.serial)).toMatchObject({ hashFunction: token.hash, status: 'available' });
  }, 120_000);
});

function form(fileName: string, fields: Record<string, string>): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append('file', new Blob([sampleFile(fileName)]), fileName);
  return body;
}
