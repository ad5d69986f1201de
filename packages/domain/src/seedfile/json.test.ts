import { describe, expect, it } from 'vitest';
import { base32Encode } from '../base32';
import { SeedFileError, parseJsonSeedFile, parseSeedFile } from './index';
import { accepted, chunked, collect, refused } from '../../test/seedfile-support';

const SECRET = base32Encode(new Uint8Array(20).fill(9));
const SECRET_256 = base32Encode(new Uint8Array(32).fill(3));
const USER_ID = '8f0d3c6e-1a2b-4c5d-9e8f-0a1b2c3d4e5f';

const item = (fields: Record<string, unknown>) => ({ serialNumber: 'S1', secretKey: SECRET, ...fields });
const parseItems = (items: unknown) => parseJsonSeedFile(JSON.stringify(items));

describe('parseJsonSeedFile', () => {
  it('reads the bulk body form { value: [...] } and ignores OData annotations', () => {
    const rows = parseItems({ '@context': '#$delta', value: [item({ '@contentId': '1', manufacturer: 'Token2', model: 'C202' })] });
    expect(accepted(rows)).toEqual([
      {
        rowNumber: 1,
        serialNumber: 'S1',
        secretBase32: SECRET,
        hashFunction: 'hmacsha1',
        timeIntervalSeconds: 30,
        manufacturer: 'Token2',
        model: 'C202',
        displayName: 'Token2 C202 - S1',
      },
    ]);
  });

  it('reads the interval as number or numeric string, and the hash in any case', () => {
    const rows = parseItems([
      item({ serialNumber: 'A', timeIntervalInSeconds: 60, hashFunction: 'HMACSHA256' }),
      item({ serialNumber: 'B', timeIntervalInSeconds: '60', hashFunction: 'hmacsha1' }),
      item({ serialNumber: 'C', timeIntervalInSeconds: 45 }),
    ]);
    expect(accepted(rows).map((record) => [record.serialNumber, record.timeIntervalSeconds, record.hashFunction])).toEqual([
      ['A', 60, 'hmacsha256'],
      ['B', 60, 'hmacsha1'],
    ]);
    expect(refused(rows)).toEqual([
      { rowNumber: 3, field: 'timeIntervalInSeconds', column: 'timeIntervalInSeconds', reason: 'interval must be 30 or 60 seconds, got 45', serialNumber: 'C' },
    ]);
  });

  it('infers the hash from the key length when hashFunction is absent', () => {
    expect(accepted(parseItems([item({ secretKey: SECRET_256 })]))[0]?.hashFunction).toBe('hmacsha256');
  });

  it('assigns by assignTo.id or by UPN', () => {
    const rows = parseItems([
      item({ serialNumber: 'A', assignTo: { id: USER_ID } }),
      item({ serialNumber: 'B', userPrincipalName: 'b@contoso.example' }),
      item({ serialNumber: 'C', upn: 'c@contoso.example' }),
    ]);
    expect(accepted(rows).map((record) => [record.userId, record.upn])).toEqual([
      [USER_ID, undefined],
      [undefined, 'b@contoso.example'],
      [undefined, 'c@contoso.example'],
    ]);
  });

  it('refuses malformed items one by one', () => {
    const rows = parseItems([
      'not an object',
      item({ serialNumber: 'A', assignTo: 'alice' }),
      item({ serialNumber: { nested: true } }),
      item({ serialNumber: 'B', upn: 'b@contoso.example', userPrincipalName: 'b@contoso.example' }),
      item({ serialNumber: 'C', assignTo: { id: 'alice' } }),
      item({ serialNumber: 'D' }),
    ]);
    expect(refused(rows).map(({ rowNumber, field }) => [rowNumber, field])).toEqual([
      [1, 'item'],
      [2, 'userId'],
      [3, 'item'],
      [4, 'item'],
      [5, 'userId'],
    ]);
    expect(refused(rows)[3]?.reason).toBe("both 'upn' and 'userPrincipalName' name the user");
    expect(accepted(rows).map((record) => record.rowNumber)).toEqual([6]);
  });

  it('keeps a numeric serial as text, treats null as absent, and refuses repeated serials', () => {
    const rows = parseItems([
      item({ serialNumber: 6099000001, displayName: null }),
      item({ serialNumber: '6099000001' }),
    ]);
    expect(accepted(rows)[0]).toMatchObject({ serialNumber: '6099000001', displayName: 'Unknown Unknown - 6099000001' });
    expect(refused(rows)[0]?.reason).toBe('serial 6099000001 already appears in row 1');
  });

  it('reads a secretKeyHex field as hex', () => {
    const hex = 'ab'.repeat(20);
    const rows = parseItems([{ serialNumber: 'H', secretKeyHex: hex }]);
    expect(accepted(rows)[0]?.secretBase32).toBe(base32Encode(Buffer.from(hex, 'hex')));
  });

  it('refuses a file that is not JSON without quoting it, and one that is not a list', () => {
    const broken = `[{"serialNumber": "1", "secretKey": "${SECRET}",]`;
    expect(() => parseJsonSeedFile(broken)).toThrow(SeedFileError);
    try {
      parseJsonSeedFile(broken);
    } catch (error) {
      expect((error as SeedFileError).code).toBe('invalid-json');
      expect((error as Error).message).not.toContain(SECRET);
    }
    expect(() => parseJsonSeedFile('{"tokens": []}')).toThrow(/array of tokens/);
  });

  it('accepts a leading BOM', () => {
    expect(accepted(parseJsonSeedFile(`\uFEFF${JSON.stringify([item({})])}`))).toHaveLength(1);
  });
});

describe('parseSeedFile with JSON', () => {
  it('reads a chunked upload and refuses one over maxBytes', async () => {
    const text = JSON.stringify([item({})]);
    expect(accepted(await collect(parseSeedFile('json', chunked(text, 3))))).toHaveLength(1);
    const tooLarge = collect(parseSeedFile('json', chunked(text, 3), { maxBytes: text.length - 1 }));
    await expect(tooLarge).rejects.toMatchObject({ code: 'too-large' });
  });
});

describe('dates in JSON seed files', () => {
  it('reads expiry and manufacturing dates under the keys people use, and names the key of a bad one', () => {
    const rows = parseItems([
      item({ serialNumber: 'D1', expirationDate: '2030-01-31', manufactureDate: '2025-05-01' }),
      item({ serialNumber: 'D2', validUntil: '2030-01-31T12:00:00Z' }),
      item({ serialNumber: 'D3', expiresAt: '31/01/2030' }),
    ]);
    expect(accepted(rows).map((record) => [record.serialNumber, record.expiresAt, record.manufacturedAt])).toEqual([
      ['D1', '2030-01-31T23:59:59.999Z', '2025-05-01T00:00:00.000Z'],
      ['D2', '2030-01-31T12:00:00.000Z', undefined],
    ]);
    expect(refused(rows)).toEqual([expect.objectContaining({ rowNumber: 3, field: 'expiresAt', column: 'expiresAt' })]);
  });
});
