import { createCipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base32Encode } from '../base32';
import { SeedFileError, parsePskc } from './index';
import type { SeedFileOptions } from './index';
import { accepted, refused } from '../../test/seedfile-support';

// Builds PSKC files the way a vendor does (RFC 6030 §6.1), so each rule can be tested on its own.

const PRE_SHARED_KEY = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const MAC_KEY = Buffer.from('1122334455667788990011223344556677889900', 'hex');
const AES128 = 'http://www.w3.org/2001/04/xmlenc#aes128-cbc';
const HMAC_SHA1 = 'http://www.w3.org/2000/09/xmldsig#hmac-sha1';
const HMAC_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256';
const TOTP = 'urn:ietf:params:xml:ns:keyprov:pskc:totp';

interface KeySpec {
  serial?: string;
  keyId?: string;
  secret: Buffer;
  algorithm?: string;
  suite?: string;
  length?: string;
  encoding?: string;
  interval?: string;
  plain?: boolean;
  withoutMac?: boolean;
}

interface FileSpec {
  macAlgorithm?: string;
  withoutMacMethod?: boolean;
  secretCipher?: string;
  encryptionKey?: string;
}

function encrypt(key: Buffer, plaintext: Buffer, ivByte: number): Buffer {
  const iv = Buffer.alloc(16, ivByte);
  const cipher = createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]);
}

const macHashOf = (macAlgorithm: string) => (macAlgorithm === HMAC_SHA256 ? 'sha256' : 'sha1');

function secretXml(spec: KeySpec, file: FileSpec, index: number): string {
  if (spec.plain) return `<Secret><PlainValue>${spec.secret.toString('base64')}</PlainValue></Secret>`;
  const cipherValue = encrypt(PRE_SHARED_KEY, spec.secret, index + 1);
  const mac = createHmac(macHashOf(file.macAlgorithm ?? HMAC_SHA1), MAC_KEY).update(cipherValue).digest('base64');
  return `<Secret><EncryptedValue>
      <xenc:EncryptionMethod Algorithm="${file.secretCipher ?? AES128}"/>
      <xenc:CipherData><xenc:CipherValue>${cipherValue.toString('base64')}</xenc:CipherValue></xenc:CipherData>
    </EncryptedValue>${spec.withoutMac ? '' : `<ValueMAC>${mac}</ValueMAC>`}</Secret>`;
}

function keyPackageXml(spec: KeySpec, file: FileSpec, index: number): string {
  const serial = spec.serial === undefined ? '' : `<SerialNo>${spec.serial}</SerialNo>`;
  const suite = spec.suite === undefined ? '' : `<Suite>${spec.suite}</Suite>`;
  const format = `<ResponseFormat Length="${spec.length ?? '6'}" Encoding="${spec.encoding ?? 'DECIMAL'}"/>`;
  const interval = spec.interval === undefined ? '' : `<TimeInterval><PlainValue>${spec.interval}</PlainValue></TimeInterval>`;
  return `<KeyPackage>
    <DeviceInfo><Manufacturer>Vendor &amp; Co</Manufacturer>${serial}<Model>M1</Model></DeviceInfo>
    <Key Id="${spec.keyId ?? `K${index}`}" Algorithm="${spec.algorithm ?? TOTP}">
      <AlgorithmParameters>${suite}${format}</AlgorithmParameters>
      <Data>${secretXml(spec, file, index)}${interval}</Data>
    </Key>
  </KeyPackage>`;
}

function pskcFile(keys: KeySpec[], file: FileSpec = {}): string {
  const macAlgorithm = file.macAlgorithm ?? HMAC_SHA1;
  const macMethod = file.withoutMacMethod
    ? ''
    : `<MACMethod Algorithm="${macAlgorithm}"><MACKey>
      <xenc:EncryptionMethod Algorithm="${AES128}"/>
      <xenc:CipherData><xenc:CipherValue>${encrypt(PRE_SHARED_KEY, MAC_KEY, 0xee).toString('base64')}</xenc:CipherValue></xenc:CipherData>
    </MACKey></MACMethod>`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
  ${file.encryptionKey ?? '<EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>'}
  ${macMethod}
  ${keys.map((spec, index) => keyPackageXml(spec, file, index)).join('\n')}
</KeyContainer>`;
}

const secret20 = Buffer.alloc(20, 0x42);
const secret32 = Buffer.alloc(32, 0x24);
const withKey: SeedFileOptions = { preSharedKey: PRE_SHARED_KEY };

function refusalOf(xml: string, options: SeedFileOptions = withKey): SeedFileError {
  try {
    parsePskc(xml, options);
  } catch (error) {
    if (error instanceof SeedFileError) return error;
    throw error;
  }
  throw new Error('expected the file to be refused');
}

describe('parsePskc', () => {
  it('decrypts secrets and reads suite, interval and device info', () => {
    const rows = parsePskc(
      pskcFile([
        { serial: '0012', secret: secret20, suite: 'HMAC-SHA1', interval: '60' },
        { serial: 'B', secret: secret32 },
      ]),
      withKey,
    );
    expect(accepted(rows)).toEqual([
      {
        rowNumber: 1,
        serialNumber: '0012',
        secretBase32: base32Encode(secret20),
        hashFunction: 'hmacsha1',
        timeIntervalSeconds: 60,
        manufacturer: 'Vendor & Co',
        model: 'M1',
        displayName: 'Vendor & Co M1 - 0012',
      },
      expect.objectContaining({ rowNumber: 2, serialNumber: 'B', hashFunction: 'hmacsha256', timeIntervalSeconds: 30 }),
    ]);
  });

  it('reads plain values without any key, and uses the Key Id when there is no SerialNo', () => {
    const rows = parsePskc(pskcFile([{ keyId: 'ID-7', secret: secret20, plain: true }], { withoutMacMethod: true }));
    expect(accepted(rows)[0]).toMatchObject({ serialNumber: 'ID-7', secretBase32: base32Encode(secret20) });
  });

  it('checks MACs with HMAC-SHA256 when the file says so', () => {
    const rows = parsePskc(pskcFile([{ serial: 'A', secret: secret20 }], { macAlgorithm: HMAC_SHA256 }), withKey);
    expect(accepted(rows)).toHaveLength(1);
  });

  it('refuses HOTP keys and non-decimal or 8-digit codes row by row', () => {
    const rows = parsePskc(
      pskcFile([
        { serial: 'H', secret: secret20, algorithm: 'urn:ietf:params:xml:ns:keyprov:pskc:hotp' },
        { serial: 'E', secret: secret20, encoding: 'ALPHANUMERIC' },
        { serial: 'L', secret: secret20, length: '8' },
        { serial: 'S', secret: secret20, suite: 'HMAC-SHA512' },
        { serial: 'OK', secret: secret20 },
      ]),
      withKey,
    );
    expect(refused(rows).map(({ rowNumber, field, serialNumber }) => [rowNumber, field, serialNumber])).toEqual([
      [1, 'algorithm', 'H'],
      [2, 'digits', 'E'],
      [3, 'digits', 'L'],
      [4, 'hashFunction', 'S'],
    ]);
    expect(refused(rows)[0]?.reason).toBe('the key is HOTP (counter-based); Entra supports TOTP tokens only');
    expect(accepted(rows).map((record) => record.serialNumber)).toEqual(['OK']);
  });

  it('refuses a repeated serial', () => {
    const rows = parsePskc(pskcFile([{ serial: 'A', secret: secret20 }, { serial: 'a', secret: secret32 }]), withKey);
    expect(refused(rows)[0]).toMatchObject({ rowNumber: 2, reason: 'serial a already appears in row 1' });
  });

  it('refuses the whole file when a ciphertext was altered', () => {
    const xml = pskcFile([{ serial: 'A', secret: secret20 }, { serial: 'B', secret: secret20 }]);
    const cipherValues = [...xml.matchAll(/<Data><Secret><EncryptedValue>[\s\S]*?<xenc:CipherValue>([^<]+)</g)];
    const original = cipherValues[1]![1]!;
    const altered = Buffer.from(original, 'base64');
    altered[20] = altered[20]! ^ 1;
    const error = refusalOf(xml.replace(original, altered.toString('base64')));
    expect(error.code).toBe('pskc-mac-mismatch');
    expect(error.message).toMatch(/key 2 \(serial B\)/);
  });

  it('refuses the whole file under any wrong key: bad padding or, failing that, a MAC mismatch', () => {
    const xml = pskcFile([{ serial: 'A', secret: secret20 }]);
    const codes = new Set<string>();
    for (let flip = 1; flip <= 32; flip += 1) {
      const wrongKey = Buffer.from(PRE_SHARED_KEY);
      wrongKey[15] = wrongKey[15]! ^ flip;
      codes.add(refusalOf(xml, { preSharedKey: wrongKey }).code);
    }
    expect([...codes].sort()).toEqual(['pskc-mac-mismatch', 'pskc-wrong-key']);
  });

  it('asks for the key when secrets are encrypted and none was given, or one of the wrong size', () => {
    const xml = pskcFile([{ serial: 'A', secret: secret20 }]);
    expect(refusalOf(xml, {}).code).toBe('pskc-key-required');
    expect(refusalOf(xml, { preSharedKey: Buffer.alloc(32) }).reason).toMatch(/must be 16 bytes/);
  });

  it('refuses encrypted secrets whose integrity cannot be checked', () => {
    expect(refusalOf(pskcFile([{ serial: 'A', secret: secret20, withoutMac: true }])).code).toBe('invalid-pskc');
    expect(refusalOf(pskcFile([{ serial: 'A', secret: secret20 }], { withoutMacMethod: true })).code).toBe(
      'pskc-unsupported',
    );
  });

  it('refuses cryptography it does not support', () => {
    const aes256 = 'http://www.w3.org/2001/04/xmlenc#aes256-cbc';
    expect(refusalOf(pskcFile([{ serial: 'A', secret: secret20 }], { secretCipher: aes256 })).reason).toMatch(
      /aes256-cbc; only aes128-cbc is supported/,
    );
    const derived = '<EncryptionKey><DerivedKey><KeyDerivationMethod Algorithm="pbkdf2"/></DerivedKey></EncryptionKey>';
    expect(refusalOf(pskcFile([{ serial: 'A', secret: secret20 }], { encryptionKey: derived })).code).toBe(
      'pskc-unsupported',
    );
  });

  it('refuses what is not PSKC', () => {
    expect(refusalOf('<html><body/></html>').code).toBe('invalid-pskc');
    expect(refusalOf('<KeyContainer><KeyPackage></KeyContainer>').code).toBe('invalid-xml');
    expect(refusalOf('<KeyContainer Version="1.0"></KeyContainer>').reason).toBe('the PSKC file contains no KeyPackage');
  });
});
