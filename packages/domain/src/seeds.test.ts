import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32';
import {
  describeValueSafely,
  hexSecretToBase32,
  inferHashFunctionFromKeyLength,
  normaliseBase32Secret,
  normaliseSerialNumber,
  normaliseUpn,
  parseHashFunctionName,
  parseSecretEncoding,
  parseSeedDate,
  parseTimeInterval,
  validateSeedFields,
} from './seeds';
import type { RawSeedFields } from './seeds';

const bytes = (length: number, fill = 7): Uint8Array => new Uint8Array(length).fill(fill);
const secretOfBytes = (length: number): string => base32Encode(bytes(length));
const SHA1_SECRET = secretOfBytes(20);

function valid(raw: RawSeedFields, allowSha512 = false) {
  const result = validateSeedFields(raw, { allowSha512 });
  if (!result.ok) throw new Error(`expected valid, got ${result.field}: ${result.reason}`);
  return result.value;
}

function invalid(raw: RawSeedFields) {
  const result = validateSeedFields(raw);
  if (result.ok) throw new Error('expected a refusal');
  return result;
}

describe('normaliseBase32Secret', () => {
  it('keeps lower-case a–f with 2–7 as Base32, never hex', () => {
    const result = normaliseBase32Secret('abcdef234567abcdef234567abcdef23');
    expect(result).toEqual({ ok: true, value: 'ABCDEF234567ABCDEF234567ABCDEF23' });
  });

  it('drops spaces, hyphens and trailing padding', () => {
    expect(normaliseBase32Secret('  jbsw-y3dp ehpk 3pxp====  ')).toEqual({ ok: true, value: 'JBSWY3DPEHPK3PXP' });
  });

  it("refuses '=' inside the secret", () => {
    const result = normaliseBase32Secret('JBSW=Y3DPEHPK3PXP');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/padding may only appear at the end/);
  });

  it('names the digits Base32 lacks', () => {
    const result = normaliseBase32Secret('ABCD0189EFGHIJKLMNOP');
    expect(!result.ok && result.reason).toMatch(/'0', '1', '8' or '9'/);
  });

  it('refuses other characters without quoting them', () => {
    const result = normaliseBase32Secret('JBSWY3DP!EHPK3PXP');
    expect(!result.ok && result.reason).toMatch(/other than letters A–Z and digits 2–7/);
    expect(!result.ok && result.reason).not.toContain('!');
  });

  it('treats padding alone as missing', () => {
    expect(normaliseBase32Secret(' ==== ')).toEqual({ ok: false, reason: 'secret is missing' });
  });
});

describe('hexSecretToBase32', () => {
  it('converts declared hex to the same bytes in Base32', () => {
    const result = hexSecretToBase32('0x3132 3334:35363738393031323334353637383930');
    expect(result.ok).toBe(true);
    const decoded = base32Decode(result.ok ? result.value : '');
    expect(Buffer.from(decoded!).toString('ascii')).toBe('12345678901234567890');
  });

  it('refuses non-hex characters and odd lengths', () => {
    expect(hexSecretToBase32('zz11').ok).toBe(false);
    const odd = hexSecretToBase32('abc');
    expect(!odd.ok && odd.reason).toMatch(/odd number of digits/);
  });
});

describe('hash functions', () => {
  it.each([
    ['hmacsha1', 'hmacsha1'],
    ['sha1', 'hmacsha1'],
    ['HMAC-SHA1', 'hmacsha1'],
    ['SHA-1', 'hmacsha1'],
    ['hmacsha256', 'hmacsha256'],
    ['HMAC-SHA256', 'hmacsha256'],
    ['sha-256', 'hmacsha256'],
    ['HmacSHA512', 'hmacsha512'],
    ['sha_512', 'hmacsha512'],
  ])('reads %s as %s', (name, expected) => {
    expect(parseHashFunctionName(name)).toBe(expected);
  });

  it.each(['md5', 'sha384', 'hmac', ''])('does not read %j', (name) => {
    expect(parseHashFunctionName(name)).toBeNull();
  });

  it('infers from the key length: 20 → SHA-1, 32 → SHA-256, 64 → SHA-512, others SHA-1', () => {
    expect([20, 32, 64, 10, 16, 33].map(inferHashFunctionFromKeyLength)).toEqual([
      'hmacsha1',
      'hmacsha256',
      'hmacsha512',
      'hmacsha1',
      'hmacsha1',
      'hmacsha1',
    ]);
  });
});

describe('parseTimeInterval', () => {
  it('accepts 30 and 60 and defaults to 30', () => {
    expect(parseTimeInterval('60')).toEqual({ ok: true, value: 60 });
    expect(parseTimeInterval(' 30 ')).toEqual({ ok: true, value: 30 });
    expect(parseTimeInterval(undefined)).toEqual({ ok: true, value: 30 });
    expect(parseTimeInterval('')).toEqual({ ok: true, value: 30 });
  });

  it('refuses anything else, quoting only numbers', () => {
    expect(parseTimeInterval('45')).toEqual({ ok: false, reason: 'interval must be 30 or 60 seconds, got 45' });
    const text = parseTimeInterval('JBSWY3DPEHPK3PXP');
    expect(!text.ok && text.reason).not.toContain('JBSWY3DP');
  });
});

describe('serial numbers, UPNs and encodings', () => {
  it('keeps a spreadsheet formula serial verbatim', () => {
    expect(normaliseSerialNumber(' =1+2 ')).toEqual({ ok: true, value: '=1+2' });
    expect(normaliseSerialNumber('@SUM(A1)')).toEqual({ ok: true, value: '@SUM(A1)' });
  });

  it('refuses empty, over-long and multi-line serials', () => {
    expect(normaliseSerialNumber('  ').ok).toBe(false);
    expect(normaliseSerialNumber('x'.repeat(64)).ok).toBe(true);
    expect(normaliseSerialNumber('x'.repeat(65))).toEqual({
      ok: false,
      reason: 'serial number is 65 characters; at most 64 are allowed',
    });
    expect(normaliseSerialNumber('12\n34').ok).toBe(false);
  });

  it('keeps a UPN as given, trimmed, and refuses one without a domain or with spaces', () => {
    expect(normaliseUpn(' Alice@Contoso.example ')).toEqual({ ok: true, value: 'Alice@Contoso.example' });
    expect(normaliseUpn('')).toEqual({ ok: true, value: undefined });
    expect(normaliseUpn('alice').ok).toBe(false);
    expect(normaliseUpn('al ice@contoso.example').ok).toBe(false);
  });

  it('reads encoding values and refuses unknown ones', () => {
    expect(parseSecretEncoding('HEX')).toEqual({ ok: true, value: 'hex' });
    expect(parseSecretEncoding('base32')).toEqual({ ok: true, value: 'base32' });
    expect(parseSecretEncoding(' ')).toEqual({ ok: true, value: undefined });
    expect(parseSecretEncoding('base64').ok).toBe(false);
  });

  it('quotes only short harmless values', () => {
    expect(describeValueSafely('md5')).toBe("'md5'");
    expect(describeValueSafely('JBSWY3DPEHPK3PXP')).toBe('a 16-character value');
  });
});

describe('validateSeedFields', () => {
  it('fills Graph defaults and the Token2 display name', () => {
    expect(valid({ serialNumber: ' 42 ', secret: SHA1_SECRET })).toEqual({
      serialNumber: '42',
      secretBase32: SHA1_SECRET,
      hashFunction: 'hmacsha1',
      timeIntervalSeconds: 30,
      manufacturer: 'Unknown',
      model: 'Unknown',
      displayName: 'Unknown Unknown - 42',
    });
  });

  it('takes manufacturer, model, display name and UPN from the row', () => {
    const record = valid({
      serialNumber: '42',
      secret: SHA1_SECRET,
      manufacturer: 'Token2',
      model: 'C202',
      displayName: 'Desk token',
      upn: 'a@b.example',
    });
    expect(record).toMatchObject({ manufacturer: 'Token2', model: 'C202', displayName: 'Desk token', upn: 'a@b.example' });
  });

  it('reads hex only when the column declares it, and then checks the Base32 form', () => {
    const hex = Buffer.from(bytes(20, 0xab)).toString('hex');
    expect(valid({ serialNumber: '1', secret: hex, secretDeclaredEncoding: 'hex' }).secretBase32).toBe(
      base32Encode(bytes(20, 0xab)),
    );
    expect(valid({ serialNumber: '1', secret: hex, secretEncoding: 'hex' }).secretBase32).toBe(
      base32Encode(bytes(20, 0xab)),
    );
    // The same hex text in a Base32 column is not Base32 (it has 8, 9 or 0/1 in it).
    expect(invalid({ serialNumber: '1', secret: '0123456789abcdef0123456789abcdef01234567' }).field).toBe('secretKey');
  });

  it('refuses a row whose encoding contradicts its hex column', () => {
    const result = invalid({ serialNumber: '1', secret: 'aa'.repeat(20), secretDeclaredEncoding: 'hex', secretEncoding: 'base32' });
    expect(result.field).toBe('secretEncoding');
  });

  it('accepts 128 Base32 characters and refuses 129', () => {
    expect(valid({ serialNumber: '1', secret: 'A'.repeat(128) }).secretBase32).toHaveLength(128);
    expect(invalid({ serialNumber: '1', secret: 'A'.repeat(129) }).reason).toBe(
      'secret is 129 Base32 characters; Entra accepts at most 128',
    );
  });

  it('applies the length limit to converted hex as well', () => {
    const result = invalid({ serialNumber: '1', secret: 'ab'.repeat(81), secretDeclaredEncoding: 'hex' });
    expect(result.reason).toMatch(/Entra accepts at most 128/);
  });

  it('refuses secrets under 10 bytes (16 Base32 characters)', () => {
    expect(valid({ serialNumber: '1', secret: secretOfBytes(10) }).secretBase32).toHaveLength(16);
    expect(invalid({ serialNumber: '1', secret: secretOfBytes(9) }).reason).toBe(
      'secret is only 9 bytes (15 Base32 characters); at least 10 bytes (16 Base32 characters) are required',
    );
  });

  it('infers SHA-256 from a 32-byte key and lets an explicit column win', () => {
    expect(valid({ serialNumber: '1', secret: secretOfBytes(32) }).hashFunction).toBe('hmacsha256');
    expect(valid({ serialNumber: '1', secret: secretOfBytes(32), hashFunction: 'SHA-1' }).hashFunction).toBe('hmacsha1');
    expect(valid({ serialNumber: '1', secret: secretOfBytes(20), hashFunction: 'HMAC-SHA256' }).hashFunction).toBe(
      'hmacsha256',
    );
  });

  it('refuses SHA-512 for Entra, explicit or inferred, unless allowed', () => {
    expect(invalid({ serialNumber: '1', secret: secretOfBytes(20), hashFunction: 'sha512' }).reason).toMatch(
      /HMAC-SHA512 is not supported by Entra/,
    );
    expect(invalid({ serialNumber: '1', secret: secretOfBytes(64) }).reason).toMatch(/64 bytes, which means HMAC-SHA512/);
    expect(valid({ serialNumber: '1', secret: secretOfBytes(64) }, true).hashFunction).toBe('hmacsha512');
  });

  it('refuses an unknown hash function with the names to use', () => {
    expect(invalid({ serialNumber: '1', secret: SHA1_SECRET, hashFunction: 'md5' })).toEqual({
      ok: false,
      field: 'hashFunction',
      reason: "hash function 'md5' is not supported (use hmacsha1 or hmacsha256)",
    });
  });

  it('refuses codes other than 6 digits', () => {
    expect(invalid({ serialNumber: '1', secret: SHA1_SECRET, digits: '8' }).field).toBe('digits');
    expect(valid({ serialNumber: '1', secret: SHA1_SECRET, digits: '6' }).serialNumber).toBe('1');
  });

  it('accepts a GUID user id and refuses anything else', () => {
    const id = '8f0d3c6e-1a2b-4c5d-9e8f-0a1b2c3d4e5f';
    expect(valid({ serialNumber: '1', secret: SHA1_SECRET, userId: id }).userId).toBe(id);
    expect(invalid({ serialNumber: '1', secret: SHA1_SECRET, userId: 'alice' }).field).toBe('userId');
  });

  it('reports the serial before the secret', () => {
    expect(invalid({ secret: 'not base32 at all!' }).field).toBe('serialNumber');
  });
});

describe('parseSeedDate', () => {
  it.each([
    ['2029-12-31', 'end', '2029-12-31T23:59:59.999Z'],
    ['2029/12/31', 'start', '2029-12-31T00:00:00.000Z'],
    ['20291231', 'start', '2029-12-31T00:00:00.000Z'],
    ['31.12.2029', 'end', '2029-12-31T23:59:59.999Z'],
    ['2028-02', 'end', '2028-02-29T23:59:59.999Z'],
    ['2029-12-31T10:00:00+02:00', 'end', '2029-12-31T08:00:00.000Z'],
    ['2029-12-31 10:00:00Z', 'start', '2029-12-31T10:00:00.000Z'],
  ] as const)('reads %j (%s of day)', (text, bound, iso) => {
    expect(parseSeedDate(text, bound)).toEqual({ ok: true, value: iso });
  });

  it('treats empty as absent and refuses what cannot be known or does not exist', () => {
    expect(parseSeedDate('  ', 'end')).toEqual({ ok: true, value: undefined });
    expect(parseSeedDate('03/04/2029', 'end')).toMatchObject({ ok: false, reason: expect.stringMatching(/YYYY-MM-DD/) });
    expect(parseSeedDate('2029-13-01', 'end')).toMatchObject({ ok: false, reason: expect.stringMatching(/no month 13/) });
    expect(parseSeedDate('2029-02-29', 'end')).toMatchObject({ ok: false, reason: expect.stringMatching(/no day 29/) });
  });
});
