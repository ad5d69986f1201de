import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditEvents, operations, tokens } from '@tokenfleet/db';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ env: { UPLOAD_MAX_BYTES: '4096' } });
});
afterAll(async () => {
  await t?.close();
});

async function importFile(name: string, fields: Record<string, string> = {}, content: Buffer | string = sampleFile(name)) {
  const answer = await t.upload(t.keys.operator, { name, content }, fields);
  return answer;
}

async function getImport(id: string) {
  const answer = await t.call('GET', `/api/v1/imports/${id}`);
  expect(answer.status).toBe(200);
  return answer.body;
}

async function allErrors(id: string) {
  const answer = await t.call('GET', `/api/v1/imports/${id}/errors?limit=100`);
  expect(answer.status).toBe(200);
  return answer.body.items as { rowNumber: number; field: string; reason: string; serialNumber: string | null }[];
}

describe('POST /api/v1/imports', () => {
  it('imports token2-classic.csv: six tokens, one create operation each, expansion job queued', async () => {
    const answer = await importFile('token2-classic.csv');
    expect(answer.status).toBe(202);
    const imported = await getImport(answer.body.id);
    expect(imported).toMatchObject({ format: 'csv', mode: 'activate', status: 'running', totalRows: 6, validRows: 6, rejectedRows: 0, duplicateRows: 0, createdBy: 'api-key:operator-key' });
    expect(imported.progress).toEqual({ validated: 6, created: 0, assigned: 0, activated: 0, failed: 0, pending: 6 });
    expect(imported.tokensByState.imported).toBe(6);

    const rows = await t.api.deps.db.select().from(tokens).where(eq(tokens.importId, answer.body.id));
    expect(rows).toHaveLength(6);
    expect(rows.every((row) => row.state === 'imported' && row.generation === 0 && row.secretCiphertext !== null)).toBe(true);
    const sha256 = rows.filter((row) => row.hashFunction === 'hmacsha256').map((row) => row.serialNumber).sort();
    expect(sha256).toEqual(['602345670003', '602345670006']);
    // The seed is stored encrypted and decrypts to the file's secret.
    const first = rows.find((row) => row.serialNumber === '602345670001')!;
    expect(first.secretCiphertext!.toString('latin1')).not.toContain('JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S');
    expect(t.api.deps.vault.decrypt(first.id, first.secretKeyId!, first.secretCiphertext!)).toBe('JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S');

    const creates = await t.api.deps.db.select().from(operations).where(eq(operations.importId, answer.body.id));
    expect(creates).toHaveLength(6);
    expect(creates.every((op) => op.kind === 'token.create' && op.status === 'queued' && op.generation === 0)).toBe(true);
    expect(creates.find((op) => op.tokenId === first.id)!.params).toEqual({ upn: 'user1@contoso.example', assign: true, activate: true });

    const job = await t.api.deps.queues(t.api.deps.tenant.id).getJob(`expand-${answer.body.id}`);
    expect(job?.name).toBe('import.expand');
    expect(job?.data).toEqual({ tenantId: t.api.deps.tenant.id, importId: answer.body.id });

    const audit = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.importId, answer.body.id));
    expect(audit.map((row) => row.action).sort()).toEqual(['import.started', 'import.validated']);
    expect(audit.every((row) => row.actor === 'api-key:operator-key')).toBe(true);
    expect(audit.find((row) => row.action === 'import.validated')!.detail).toMatchObject({ totalRows: 6, validRows: 6 });
  });

  it('a second upload of the same file reports every serial as already in the inventory', async () => {
    const answer = await importFile('token2-classic.csv');
    expect(answer.status).toBe(202);
    const imported = await getImport(answer.body.id);
    expect(imported).toMatchObject({ status: 'completed_with_errors', totalRows: 6, validRows: 0, duplicateRows: 6 });
    expect(imported.finishedAt).not.toBeNull();
    const errors = await allErrors(answer.body.id);
    expect(errors.map((error) => error.rowNumber)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(errors[0]).toEqual({ rowNumber: 2, field: 'serialNumber', reason: 'serial 602345670001 is already in the inventory', serialNumber: '602345670001' });
    // Nothing was expanded for an import without new tokens.
    expect(await t.api.deps.queues(t.api.deps.tenant.id).getJob(`expand-${answer.body.id}`)).toBeUndefined();
  });

  it('imports entra-admin-center.csv: 60 s token, a row without UPN only created whatever the mode', async () => {
    const answer = await importFile('entra-admin-center.csv', { mode: 'assign' });
    expect(answer.status).toBe(202);
    const imported = await getImport(answer.body.id);
    expect(imported).toMatchObject({ mode: 'assign', validRows: 3, rejectedRows: 0 });
    const rows = await t.api.deps.db
      .select({ serial: tokens.serialNumber, interval: tokens.timeIntervalSeconds, params: operations.params })
      .from(tokens)
      .innerJoin(operations, eq(operations.tokenId, tokens.id))
      .where(eq(tokens.importId, answer.body.id));
    const params = rows.map((row) => row.params);
    expect(params).toContainEqual({ upn: 'alice@contoso.example', assign: true, activate: false });
    expect(params).toContainEqual({ assign: false, activate: false });
    expect(rows.filter((row) => row.interval === 60)).toHaveLength(1);
  });

  it('imports token2-inventory.json in import mode: four unassigned tokens', async () => {
    const answer = await importFile('token2-inventory.json', { mode: 'import' });
    expect(answer.status).toBe(202);
    expect(await getImport(answer.body.id)).toMatchObject({ format: 'json', mode: 'import', validRows: 4 });
    const params = await t.api.deps.db.select({ params: operations.params }).from(operations).where(eq(operations.importId, answer.body.id));
    expect(params.map((row) => row.params)).toEqual(Array(4).fill({ assign: false, activate: false }));
  });

  it('messy.csv: six accepted, six rejected with row numbers and reasons', async () => {
    const answer = await importFile('messy.csv');
    expect(answer.status).toBe(202);
    const imported = await getImport(answer.body.id);
    expect(imported).toMatchObject({ totalRows: 12, validRows: 6, rejectedRows: 6, duplicateRows: 0, status: 'running' });
    const errors = await allErrors(answer.body.id);
    expect(errors.map((error) => error.rowNumber)).toEqual([6, 7, 8, 9, 12, 13]);
    expect(errors.find((error) => error.rowNumber === 7)).toMatchObject({ serialNumber: '700001' });
    for (const error of errors) expect(error.reason.length).toBeGreaterThan(5);
    const serials = (await t.api.deps.db.select({ serial: tokens.serialNumber }).from(tokens).where(eq(tokens.importId, answer.body.id))).map((row) => row.serial);
    expect(serials).toContain('=HYPERLINK("http://evil.example","x")');
    expect(serials).toHaveLength(6);
  });

  it('pages row errors with an opaque cursor', async () => {
    // The numeric serials are new; judy's formula serial (row 10) is already in the inventory.
    const answer = await importFile('messy.csv', {}, sampleFile('messy.csv').toString('utf8').replace(/7000/g, '7100'));
    const first = await t.call('GET', `/api/v1/imports/${answer.body.id}/errors?limit=4`);
    expect(first.body.items.map((item: { rowNumber: number }) => item.rowNumber)).toEqual([6, 7, 8, 9]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await t.call('GET', `/api/v1/imports/${answer.body.id}/errors?limit=4&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((item: { rowNumber: number }) => item.rowNumber)).toEqual([10, 12, 13]);
    expect(second.body.items[0].reason).toContain('already in the inventory');
    expect(second.body.nextCursor).toBeNull();
    const bad = await t.call('GET', `/api/v1/imports/${answer.body.id}/errors?cursor=garbage`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_cursor');
  });

  it('a file of only bad rows still gets an import record with its errors', async () => {
    const csv = 'upn,serial number,secret key,timeinterval\nx@contoso.example,990001,NOT-BASE32-!!,30\ny@contoso.example,990002,JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S,45\n';
    const answer = await importFile('bad.csv', {}, csv);
    expect(answer.status).toBe(202);
    expect(await getImport(answer.body.id)).toMatchObject({ status: 'completed_with_errors', totalRows: 2, validRows: 0, rejectedRows: 2 });
    expect((await allErrors(answer.body.id)).map((error) => [error.rowNumber, error.serialNumber])).toEqual([
      [2, '990001'],
      [3, '990002'],
    ]);
  });

  it('refuses a file past UPLOAD_MAX_BYTES with 413, records the import as failed and keeps none of it', async () => {
    const header = 'upn,serial number,secret key,timeinterval,manufacturer,model\n';
    let csv = header;
    for (let i = 0; csv.length < 6000; i += 1) csv += `u${i}@contoso.example,55${String(i).padStart(6, '0')},JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S,30,Token2,C202\n`;
    const answer = await importFile('big.csv', {}, csv);
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('upload_too_large');
    expect(answer.body.error.message).toContain('4 KB');
    const imported = await getImport(answer.body.error.importId);
    expect(imported.status).toBe('failed');
    expect(imported.error).toContain('upload limit');
    expect(await t.api.deps.db.select().from(tokens).where(eq(tokens.importId, answer.body.error.importId))).toHaveLength(0);
    const audit = await t.api.deps.db.select().from(auditEvents).where(eq(auditEvents.importId, answer.body.error.importId));
    expect(audit.map((row) => row.action).sort()).toEqual(['import.failed', 'import.started']);
  });

  it('imports a PSKC file with the right key and refuses it, recording why, with a wrong one', async () => {
    const expected = JSON.parse(sampleFile('token2-psk.pskc.expected.json').toString('utf8')) as { preSharedKeyHex: string; tokens: { serial: string; secretBase32: string }[] };
    const wrong = await importFile('token2-psk.pskc.xml', { pskcKey: '00112233445566778899aabbccddeeff' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('seed_file_rejected');
    const refused = await getImport(wrong.body.error.importId);
    expect(refused).toMatchObject({ status: 'failed', format: 'pskc', validRows: 0 });
    expect(refused.error).toMatch(/refused/);

    const right = await importFile('token2-psk.pskc.xml', { pskcKey: expected.preSharedKeyHex });
    expect(right.status).toBe(202);
    expect(await getImport(right.body.id)).toMatchObject({ status: 'running', validRows: 3 });
    const rows = await t.api.deps.db.select().from(tokens).where(eq(tokens.importId, right.body.id));
    for (const token of expected.tokens) {
      const row = rows.find((candidate) => candidate.serialNumber === token.serial)!;
      expect(t.api.deps.vault.decrypt(row.id, row.secretKeyId!, row.secretCiphertext!)).toBe(token.secretBase32);
    }
  });

  it('takes the mode wherever the client puts it: after the file (as curl -F sends it), or in the query', async () => {
    const csv = (serial: string) => `upn,serial number,secret key\na@contoso.example,${serial},JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S\n`;
    const createParamsOf = async (importId: string) => (await t.api.deps.db.select().from(operations).where(eq(operations.importId, importId))).map((row) => row.params);

    const late = await t.upload(t.keys.operator, { name: 'late.csv', content: csv('880001') }, {}, { mode: 'import' });
    expect(late.status).toBe(202);
    expect(await getImport(late.body.id)).toMatchObject({ mode: 'import', validRows: 1 });
    // Written while the mode was still the default (activate), carried under the mode that came last.
    expect(await createParamsOf(late.body.id)).toEqual([expect.objectContaining({ upn: 'a@contoso.example', assign: false, activate: false })]);

    const queried = await t.upload(t.keys.operator, { name: 'query.csv', content: csv('880002') }, {}, {}, { mode: 'assign' });
    expect(queried.status).toBe(202);
    expect(await getImport(queried.body.id)).toMatchObject({ mode: 'assign' });
    expect(await createParamsOf(queried.body.id)).toEqual([expect.objectContaining({ assign: true, activate: false })]);

    const contradicting = await t.upload(t.keys.operator, { name: 'twice.csv', content: csv('880003') }, {}, { mode: 'import' }, { mode: 'activate' });
    expect(contradicting.status).toBe(400);
    expect(contradicting.body.error.message).toContain('"mode" was given twice');
    expect(await t.api.deps.db.select().from(tokens).where(eq(tokens.serialNumber, '880003'))).toHaveLength(0);

    const badLate = await t.upload(t.keys.operator, { name: 'bad.csv', content: csv('880004') }, {}, { mode: 'everything' });
    expect(badLate.status).toBe(400);
    expect((await getImport(badLate.body.error.importId)).status).toBe('failed');
    expect(await t.api.deps.db.select().from(tokens).where(eq(tokens.serialNumber, '880004'))).toHaveLength(0);
  });

  it('refuses a field the file is read with when it comes after the file, and an upload without a file', async () => {
    const late = await t.upload(t.keys.operator, { name: 'late.csv', content: 'upn,serial number,secret key\na@contoso.example,880011,JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S\n' }, {}, { pskcKey: '00112233445566778899aabbccddeeff' });
    expect(late.status).toBe(400);
    expect(late.body.error.message).toContain('"pskcKey" came after the file');
    expect((await getImport(late.body.error.importId)).status).toBe('failed');
    expect(await t.api.deps.db.select().from(tokens).where(eq(tokens.serialNumber, '880011'))).toHaveLength(0);

    const form = new FormData();
    form.append('mode', 'import');
    const none = await fetch(`${t.url}/api/v1/imports`, { method: 'POST', headers: { authorization: `Bearer ${t.keys.operator}` }, body: form });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain('no file');
  });

  it('refuses an unknown mode before reading the file', async () => {
    const answer = await importFile('token2-classic.csv', { mode: 'everything' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].path).toBe('mode');
  });
});

describe('import progress', () => {
  it('settles a running import once none of its operations is left to run', async () => {
    const csv = 'upn,serial number,secret key\np1@contoso.example,770001,JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S\np2@contoso.example,770002,H3GSFXQS7B53W2577ZLX5WAPRVKFTNZA\n';
    const answer = await importFile('progress.csv', {}, csv);
    const id = answer.body.id as string;
    const { db } = t.api.deps;
    const [one, two] = await db.select().from(tokens).where(eq(tokens.importId, id)).orderBy(tokens.serialNumber);
    // What the worker would do: one token activated, the other's create failed.
    await db.update(tokens).set({ state: 'active' }).where(eq(tokens.id, one!.id));
    await db.update(operations).set({ status: 'succeeded' }).where(eq(operations.tokenId, one!.id));
    let progress = await getImport(id);
    expect(progress.status).toBe('running');
    expect(progress.progress).toEqual({ validated: 2, created: 1, assigned: 1, activated: 1, failed: 0, pending: 1 });

    await db.update(tokens).set({ state: 'failed' }).where(eq(tokens.id, two!.id));
    await db.update(operations).set({ status: 'failed', lastErrorCode: 'badRequest' }).where(eq(operations.tokenId, two!.id));
    progress = await getImport(id);
    expect(progress.status).toBe('completed_with_errors');
    expect(progress.finishedAt).not.toBeNull();
    expect(progress.progress).toMatchObject({ failed: 1, pending: 0, activated: 1 });
    const finished = await db.select().from(auditEvents).where(eq(auditEvents.importId, id));
    expect(finished.filter((row) => row.action === 'import.finished')).toHaveLength(1);

    const list = await t.call('GET', '/api/v1/imports?limit=2');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0].id).toBe(id);
    expect(list.body.items[0].progress.activated).toBe(1);
    const next = await t.call('GET', `/api/v1/imports?limit=2&cursor=${list.body.nextCursor}`);
    const ids = [...list.body.items, ...next.body.items].map((item: { id: string }) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('row errors as CSV', () => {
  it("exports judy's formula serial from messy.csv as text", async () => {
    // messy.csv was imported above, so on a second upload judy's row is refused as a duplicate.
    const answer = await importFile('messy.csv');
    const download = await t.call('GET', `/api/v1/imports/${answer.body.id}/errors.csv`);
    const judy = download.text.split('\r\n').find((line) => line.startsWith('10,'));
    expect(judy).toBe('10,serialNumber,"serial =HYPERLINK(""http://evil.example"",""x"") is already in the inventory","\'=HYPERLINK(""http://evil.example"",""x"")"');
  });

  it('neutralises a formula serial and quotes fields', async () => {
    const csv = [
      'upn,serial number,secret key,timeinterval',
      'a@contoso.example,"=HYPERLINK(""http://evil.example"",""x"")",JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S,45',
      'b@contoso.example,+660002,JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S,45',
    ].join('\n');
    const answer = await importFile('formula.csv', {}, csv);
    const download = await t.call('GET', `/api/v1/imports/${answer.body.id}/errors.csv`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('text/csv');
    const lines = download.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toBe('rowNumber,field,reason,serialNumber');
    expect(lines[1]).toMatch(/^2,timeIntervalInSeconds,.*,"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)"$/);
    expect(lines[2]).toMatch(/,'\+660002$/);
  });
});

describe('an upload that breaks off', () => {
  it('rolls the import back and records it as failed', async () => {
    const { request } = await import('node:http');
    const { imports } = await import('@tokenfleet/db');
    const boundary = 'tokenfleet-test-boundary';
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.csv"\r\nContent-Type: text/csv\r\n\r\nupn,serial number,secret key\r\ncut@contoso.example,440001,JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S\r\n`;
    const url = new URL(`${t.url}/api/v1/imports`);
    const sent = request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      method: 'POST',
      headers: { authorization: `Bearer ${t.keys.operator}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 10_000) },
    });
    sent.on('error', () => {});
    sent.write(head);
    // Wait until the API has recorded the import (it is reading the file), then cut the connection.
    await vi.waitFor(async () => {
      const rows = await t.api.deps.db.select().from(imports).where(eq(imports.fileName, 'cut.csv'));
      expect(rows).toHaveLength(1);
    });
    sent.destroy();
    await vi.waitFor(async () => {
      const [row] = await t.api.deps.db.select().from(imports).where(eq(imports.fileName, 'cut.csv'));
      expect(row!.status).toBe('failed');
      expect(row!.error).toContain('interrupted');
    });
    expect(await t.api.deps.db.select().from(tokens).where(eq(tokens.serialNumber, '440001'))).toHaveLength(0);
  });
});
