// The sample seed files (docs/samples) must yield what their README says.
import { describe, expect, it } from 'vitest';
import { SeedFileError, detectSeedFileFormat, parseSeedFile } from './index';
import type { SeedFileOptions } from './index';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { accepted, chunked, collect, refused } from '../../test/seedfile-support';

interface PskcExpectation {
  preSharedKeyHex: string;
  tokens: { serial: string; secretBase32: string; hash: string; interval: number }[];
}

async function parseSample(name: string, options: SeedFileOptions = {}, chunkSize = 7) {
  const bytes = sampleFile(name);
  const format = detectSeedFileFormat(name, bytes.subarray(0, 16));
  return collect(parseSeedFile(format, chunked(bytes, chunkSize), options));
}

describe('token2-classic.csv', () => {
  it('imports all six, rows 3 and 6 as SHA-256 with 52-character secrets', async () => {
    const rows = await parseSample('token2-classic.csv');
    const records = accepted(rows);
    expect(records).toHaveLength(6);
    expect(records.map((record) => record.rowNumber)).toEqual([2, 3, 4, 5, 6, 7]);
    expect(records.map((record) => record.hashFunction)).toEqual([
      'hmacsha1',
      'hmacsha1',
      'hmacsha256',
      'hmacsha1',
      'hmacsha1',
      'hmacsha256',
    ]);
    expect(records.filter((record) => record.secretBase32.length === 52).map((record) => record.serialNumber)).toEqual([
      '602345670003',
      '602345670006',
    ]);
    expect(records[0]).toEqual({
      rowNumber: 2,
      serialNumber: '602345670001',
      secretBase32: 'JIOKBCZDGZCTEINCO5R5AAWYO76VJV4S',
      hashFunction: 'hmacsha1',
      timeIntervalSeconds: 30,
      manufacturer: 'Token2',
      model: 'C202',
      displayName: 'Token2 C202 - 602345670001',
      upn: 'user1@contoso.example',
    });
  });
});

describe('entra-admin-center.csv', () => {
  it('imports all three: bob at 60 s, the third unassigned', async () => {
    const records = accepted(await parseSample('entra-admin-center.csv'));
    expect(records.map((record) => [record.upn, record.timeIntervalSeconds])).toEqual([
      ['alice@contoso.example', 30],
      ['bob@contoso.example', 60],
      [undefined, 30],
    ]);
    expect(records[2]).not.toHaveProperty('upn');
  });
});

describe('token2-inventory.json', () => {
  it('imports all four unassigned, the fourth SHA-256', async () => {
    const rows = await parseSample('token2-inventory.json');
    const records = accepted(rows);
    expect(records).toHaveLength(4);
    expect(records.every((record) => record.upn === undefined && record.userId === undefined)).toBe(true);
    expect(records.map((record) => record.hashFunction)).toEqual(['hmacsha1', 'hmacsha1', 'hmacsha1', 'hmacsha256']);
    expect(records[3]).toMatchObject({ rowNumber: 4, serialNumber: '6099000004', model: 'C302-i', timeIntervalSeconds: 30 });
  });
});

describe('messy.csv', () => {
  const lines = sampleFile('messy.csv').toString('utf8').split('\r\n');
  const rawSecretOfRow = (rowNumber: number) => lines[rowNumber - 1]!.split(';')[2]!;

  it('accepts carol, dave, erin, peggy, judy and mallory at their spreadsheet rows', async () => {
    const records = accepted(await parseSample('messy.csv'));
    expect(records.map((record) => [record.rowNumber, record.upn])).toEqual([
      [2, 'carol@contoso.example'],
      [3, 'dave@contoso.example'],
      [4, 'erin@contoso.example'],
      [5, 'peggy@contoso.example'],
      [10, 'judy@contoso.example'],
      [11, 'mallory@contoso.example'],
    ]);
    const byUser = new Map(records.map((record) => [record.upn, record]));
    expect(byUser.get('dave@contoso.example')?.secretBase32).toBe('XSXKYNZU45JKCKHK6AEXDARGOH6DZJO2');
    expect(byUser.get('erin@contoso.example')).toMatchObject({ hashFunction: 'hmacsha256', timeIntervalSeconds: 60 });
    // Looks like hex, sits in a Base32 column: it is Base32.
    expect(byUser.get('peggy@contoso.example')).toMatchObject({
      secretBase32: 'ABCDEF234567ABCDEF234567ABCDEF23',
      hashFunction: 'hmacsha1',
    });
    expect(byUser.get('judy@contoso.example')?.serialNumber).toBe('=HYPERLINK("http://evil.example","x")');
    expect(byUser.get('mallory@contoso.example')).toMatchObject({ manufacturer: 'Token2; Swiss', model: 'C202' });
  });

  it('refuses frank, grace, heidi, ivan, niaj and olivia with row, field and reason', async () => {
    const errors = refused(await parseSample('messy.csv'));
    expect(errors.map(({ rowNumber, field }) => [rowNumber, field])).toEqual([
      [6, 'secretKey'],
      [7, 'serialNumber'],
      [8, 'secretKey'],
      [9, 'timeIntervalInSeconds'],
      [12, 'hashFunction'],
      [13, 'secretKey'],
    ]);
    expect(errors.map((error) => error.reason)).toEqual([
      expect.stringMatching(/^secret is not Base32: it contains '0', '1', '8' or '9'/),
      'serial 700001 already appears in row 2',
      'secret is missing',
      'interval must be 30 or 60 seconds, got 45',
      "hash function 'md5' is not supported (use hmacsha1 or hmacsha256)",
      'secret is 154 Base32 characters; Entra accepts at most 128',
    ]);
    for (const error of errors) {
      const secret = rawSecretOfRow(error.rowNumber);
      if (secret) expect(error.reason).not.toContain(secret);
    }
  });

  it('imports no serial twice and does not depend on how the bytes are chunked', async () => {
    const byteByByte = await parseSample('messy.csv', {}, 1);
    const whole = await parseSample('messy.csv', {}, 1 << 20);
    expect(byteByByte).toEqual(whole);
    const serials = accepted(whole).map((record) => record.serialNumber);
    expect(new Set(serials).size).toBe(serials.length);
  });
});

describe('token2-psk.pskc.xml', () => {
  const expected = JSON.parse(sampleFile('token2-psk.pskc.expected.json').toString('utf8')) as PskcExpectation;
  const preSharedKey = Buffer.from(expected.preSharedKeyHex, 'hex');

  it('decrypts all three to the expected secrets with the right key', async () => {
    const records = accepted(await parseSample('token2-psk.pskc.xml', { preSharedKey }));
    expect(
      records.map((record) => ({
        serial: record.serialNumber,
        secretBase32: record.secretBase32,
        hash: record.hashFunction,
        interval: record.timeIntervalSeconds,
      })),
    ).toEqual(expected.tokens);
    expect(records[2]).toMatchObject({ rowNumber: 3, manufacturer: 'Token2', model: 'C302-i' });
  });

  it('refuses the whole file with a wrong key, naming no secret', async () => {
    const wrongKey = Buffer.from(preSharedKey).map((byte) => byte ^ 0x5a);
    const error = await parseSample('token2-psk.pskc.xml', { preSharedKey: wrongKey }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SeedFileError);
    expect((error as SeedFileError).code).toMatch(/^pskc-(wrong-key|mac-mismatch)$/);
    for (const token of expected.tokens) expect((error as Error).message).not.toContain(token.secretBase32);
  });

  it('refuses the whole file when one ValueMAC was tampered with', async () => {
    const xml = sampleFile('token2-psk.pskc.xml').toString('utf8');
    // The last key's MAC: the first two keys are fine, and still nothing may be imported.
    const tampered = xml.replace('soDpBGsjomOIRnUnsbLjnVlaj2E=', 'toDpBGsjomOIRnUnsbLjnVlaj2E=');
    expect(tampered).not.toBe(xml);
    const rows = collect(parseSeedFile('pskc', chunked(tampered, 1024), { preSharedKey }));
    await expect(rows).rejects.toMatchObject({ code: 'pskc-mac-mismatch', name: 'SeedFileError' });
  });
});

describe('token2-dated.csv', () => {
  it('reads the expiry and production dates, a date alone meaning the end (expiry) or start (made) of that day or month', async () => {
    const rows = await parseSample('token2-dated.csv');
    expect(accepted(rows).map((record) => [record.serialNumber, record.expiresAt, record.manufacturedAt])).toEqual([
      ['603000000001', '2029-12-31T23:59:59.999Z', '2026-03-15T00:00:00.000Z'],
      ['603000000002', '2027-12-31T23:59:59.999Z', '2024-01-01T00:00:00.000Z'],
      ['603000000003', undefined, undefined],
    ]);
  });

  it("refuses an ambiguous or impossible date, naming the file's own column and the row it counts with the header as row 1", async () => {
    const errors = refused(await parseSample('token2-dated.csv'));
    expect(errors).toEqual([
      expect.objectContaining({ rowNumber: 5, field: 'expiresAt', column: 'Expiry Date', serialNumber: '603000000004', reason: expect.stringMatching(/YYYY-MM-DD/) }),
      expect.objectContaining({ rowNumber: 6, field: 'expiresAt', column: 'Expiry Date', serialNumber: '603000000005', reason: expect.stringMatching(/no day 30/) }),
    ]);
  });
});

describe('dated.pskc.xml', () => {
  it("takes Key/Policy/ExpiryDate and StartDate as the token's expiry and start", async () => {
    const records = accepted(await parseSample('dated.pskc.xml'));
    expect(records.map((record) => [record.serialNumber, record.expiresAt, record.manufacturedAt])).toEqual([
      ['8100000001', '2030-06-30T23:59:59.000Z', '2026-01-10T00:00:00.000Z'],
      ['8100000002', '2031-01-30T23:00:00.000Z', undefined],
      ['8100000003', undefined, undefined],
    ]);
  });
});
