// PSKC (RFC 6030) seed files, as token vendors ship them: one KeyPackage per token, the secret either
// plain (base64) or AES-128-CBC encrypted under a pre-shared key, each encrypted secret carrying a
// ValueMAC (HMAC over IV + ciphertext, keyed by a MAC key that is itself encrypted under the pre-shared
// key). Any failure of the key or of a MAC refuses the whole file: every secret is checked before a
// single row is returned. Row numbers are 1-based KeyPackage indexes.
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { base32Encode } from '../base32';
import type { RawSeedFields, SeedRow } from '../seeds';
import { SeedFileError } from './errors';
import { SeedRowValidator, rowError } from './rows';
import type { FileColumnNames } from './columns';
import type { SeedFileOptions } from './rows';

const AES128_CBC = 'http://www.w3.org/2001/04/xmlenc#aes128-cbc';
const AES_BLOCK_BYTES = 16;
const PRE_SHARED_KEY_BYTES = 16;

/** RFC 6030 §6.1.1 requires HMAC-SHA1; RFC 4051 names the others. Values are node:crypto hash names. */
const MAC_HASH_BY_ALGORITHM: Readonly<Record<string, string>> = {
  'http://www.w3.org/2000/09/xmldsig#hmac-sha1': 'sha1',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha224': 'sha224',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha256': 'sha256',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha384': 'sha384',
  'http://www.w3.org/2001/04/xmldsig-more#hmac-sha512': 'sha512',
};

// ---------------------------------------------------------------------------------------------------
// Reading the XML tree (namespace prefixes removed, every value kept as text)

type XmlNode = Record<string, unknown>;

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  // Serials such as 0012345 must stay text.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'KeyPackage',
});

function child(node: unknown, name: string): unknown {
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as XmlNode)[name] : undefined;
}

function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  const text = child(node, '#text');
  return typeof text === 'string' ? text : undefined;
}

function attributeOf(node: unknown, name: string): string | undefined {
  const value = child(node, `@_${name}`);
  return typeof value === 'string' ? value : undefined;
}

const pathText = (node: unknown, ...path: string[]): string | undefined =>
  textOf(path.reduce<unknown>((current, name) => child(current, name), node));

function decodeBase64(text: string | undefined): Buffer | undefined {
  const compact = text?.replace(/\s+/g, '');
  if (!compact || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

// ---------------------------------------------------------------------------------------------------
// Cryptography

/**
 * AES-128-CBC with the IV as the first block (XML Encryption). Returns undefined when the result cannot
 * be right: a length that is not whole blocks, or padding that does not parse — the mark of a wrong key.
 * XML Encryption padding fixes only the last byte (the pad length), so only that is checked.
 */
function decryptAes128Cbc(key: Uint8Array, ivAndCiphertext: Uint8Array): Buffer | undefined {
  if (ivAndCiphertext.length < 2 * AES_BLOCK_BYTES || ivAndCiphertext.length % AES_BLOCK_BYTES !== 0) return undefined;
  const decipher = createDecipheriv('aes-128-cbc', key, ivAndCiphertext.subarray(0, AES_BLOCK_BYTES));
  decipher.setAutoPadding(false);
  const padded = Buffer.concat([decipher.update(ivAndCiphertext.subarray(AES_BLOCK_BYTES)), decipher.final()]);
  const padLength = padded[padded.length - 1]!;
  if (padLength < 1 || padLength > AES_BLOCK_BYTES) return undefined;
  return padded.subarray(0, padded.length - padLength);
}

interface PskcDecryption {
  preSharedKey: Uint8Array;
  macHash: string;
  macKey: Buffer;
}

function requireAes128Cbc(encrypted: unknown, what: string): void {
  const algorithm = attributeOf(child(encrypted, 'EncryptionMethod'), 'Algorithm');
  if (algorithm !== AES128_CBC) {
    throw new SeedFileError('pskc-unsupported', `${what} is encrypted with ${algorithm ?? 'no stated algorithm'}; only aes128-cbc is supported`);
  }
}

function checkPreSharedKey(preSharedKey: Uint8Array | undefined): Uint8Array {
  if (!preSharedKey) {
    throw new SeedFileError('pskc-key-required', 'the secrets in this file are encrypted; give the pre-shared key the vendor sent with it');
  }
  if (preSharedKey.length !== PRE_SHARED_KEY_BYTES) {
    throw new SeedFileError(
      'pskc-key-required',
      `the pre-shared key must be ${PRE_SHARED_KEY_BYTES} bytes (32 hex digits) for aes128-cbc, got ${preSharedKey.length} bytes`,
    );
  }
  return preSharedKey;
}

/** The pre-shared key and the decrypted MAC key, from the container's EncryptionKey and MACMethod. */
function createDecryption(container: unknown, givenKey: Uint8Array | undefined): PskcDecryption {
  if (child(child(container, 'EncryptionKey'), 'DerivedKey') !== undefined) {
    throw new SeedFileError('pskc-unsupported', 'password-derived keys (DerivedKey) are not supported; ask the vendor for a pre-shared key file');
  }
  const preSharedKey = checkPreSharedKey(givenKey);
  const macMethod = child(container, 'MACMethod');
  const macAlgorithm = attributeOf(macMethod, 'Algorithm');
  const macHash = macAlgorithm === undefined ? undefined : MAC_HASH_BY_ALGORITHM[macAlgorithm];
  if (macHash === undefined) {
    throw new SeedFileError(
      'pskc-unsupported',
      macMethod === undefined
        ? 'the secrets are encrypted but the file has no MACMethod, so their integrity cannot be checked'
        : `the MAC algorithm ${macAlgorithm ?? '(none)'} is not supported`,
    );
  }
  const macKeyNode = child(macMethod, 'MACKey');
  if (macKeyNode === undefined) throw new SeedFileError('pskc-unsupported', 'the MACMethod carries no MACKey (a MACKeyReference is not supported)');
  requireAes128Cbc(macKeyNode, 'the MAC key');
  const macKeyCipher = decodeBase64(pathText(macKeyNode, 'CipherData', 'CipherValue'));
  const macKey = macKeyCipher && decryptAes128Cbc(preSharedKey, macKeyCipher);
  if (!macKey) throw new SeedFileError('pskc-wrong-key', 'the pre-shared key does not decrypt this file: it is not the key this file was made with');
  return { preSharedKey, macHash, macKey };
}

/** MAC first (encrypt-then-MAC), then decryption; either failing refuses the file. */
function decryptSecret(decryption: PskcDecryption, secretNode: unknown, keyLabel: string): Buffer {
  const encrypted = child(secretNode, 'EncryptedValue');
  requireAes128Cbc(encrypted, `the secret of ${keyLabel}`);
  const cipher = decodeBase64(pathText(encrypted, 'CipherData', 'CipherValue'));
  if (!cipher) throw new SeedFileError('invalid-pskc', `the encrypted secret of ${keyLabel} has no base64 CipherValue`);
  const expectedMac = decodeBase64(textOf(child(secretNode, 'ValueMAC')));
  if (!expectedMac) {
    throw new SeedFileError('invalid-pskc', `the secret of ${keyLabel} has no ValueMAC, so its integrity cannot be checked`);
  }
  const actualMac = createHmac(decryption.macHash, decryption.macKey).update(cipher).digest();
  if (actualMac.length !== expectedMac.length || !timingSafeEqual(actualMac, expectedMac)) {
    throw new SeedFileError(
      'pskc-mac-mismatch',
      `the integrity check (ValueMAC) of ${keyLabel} failed: the file was altered, or the pre-shared key is wrong`,
    );
  }
  const secret = decryptAes128Cbc(decryption.preSharedKey, cipher);
  if (!secret) throw new SeedFileError('pskc-wrong-key', `the pre-shared key does not decrypt the secret of ${keyLabel}`);
  return secret;
}

// ---------------------------------------------------------------------------------------------------
// Key packages

/** `urn:ietf:params:xml:ns:keyprov:pskc:totp` and the older `…pskc#totp` both end in the name. */
function algorithmName(uri: string | undefined): string | undefined {
  return uri?.split(/[:#]/).pop()?.toLowerCase();
}

function algorithmProblem(key: unknown): string | undefined {
  const algorithm = algorithmName(attributeOf(key, 'Algorithm'));
  if (algorithm === 'hotp') return 'the key is HOTP (counter-based); Entra supports TOTP tokens only';
  if (algorithm !== 'totp') return 'the key algorithm is not TOTP; Entra supports TOTP tokens only';
  return undefined;
}

function responseEncodingProblem(key: unknown): string | undefined {
  const encoding = attributeOf(child(child(key, 'AlgorithmParameters'), 'ResponseFormat'), 'Encoding');
  if (encoding === undefined || encoding.toUpperCase() === 'DECIMAL') return undefined;
  return `codes must be decimal digits; this key's response format is ${encoding.slice(0, 20)}`;
}

type DecryptionProvider = () => PskcDecryption;

/** The key's secret bytes; undefined when the file has none, null when a PlainValue is not base64. */
function secretBytes(key: unknown, getDecryption: DecryptionProvider, keyLabel: string): Buffer | undefined | null {
  const secretNode = child(child(key, 'Data'), 'Secret');
  if (secretNode === undefined) return undefined;
  if (child(secretNode, 'EncryptedValue') !== undefined) return decryptSecret(getDecryption(), secretNode, keyLabel);
  const plain = textOf(child(secretNode, 'PlainValue'));
  return plain === undefined ? undefined : (decodeBase64(plain) ?? null);
}

function rowFromKeyPackage(
  keyPackage: unknown,
  rowNumber: number,
  getDecryption: DecryptionProvider,
  validator: SeedRowValidator,
): SeedRow {
  const key = child(keyPackage, 'Key');
  if (typeof key !== 'object' || key === null || Array.isArray(key)) {
    return rowError(rowNumber, 'item', `KeyPackage ${rowNumber} must hold exactly one Key`);
  }
  const deviceInfo = child(keyPackage, 'DeviceInfo');
  const serialNumber = textOf(child(deviceInfo, 'SerialNo')) ?? attributeOf(key, 'Id');
  const keyLabel = `key ${rowNumber}${serialNumber ? ` (serial ${serialNumber.slice(0, 64)})` : ''}`;
  // Decrypt (and MAC-check) before anything else, so every encrypted secret in the file is verified.
  const secret = secretBytes(key, getDecryption, keyLabel);

  const notTotp = algorithmProblem(key);
  if (notTotp) return rowError(rowNumber, 'algorithm', notTotp, serialNumber, PSKC_NAMES.algorithm);
  const encodingProblem = responseEncodingProblem(key);
  if (encodingProblem) return rowError(rowNumber, 'digits', encodingProblem, serialNumber, 'ResponseFormat Encoding');
  if (secret === null) return rowError(rowNumber, 'secretKey', 'the secret PlainValue is not base64', serialNumber, PSKC_NAMES.secretKey);

  const raw: RawSeedFields = {
    serialNumber,
    secret: secret === undefined ? undefined : base32Encode(secret),
    secretDeclaredEncoding: 'base32',
    hashFunction: pathText(key, 'AlgorithmParameters', 'Suite'),
    digits: attributeOf(child(child(key, 'AlgorithmParameters'), 'ResponseFormat'), 'Length'),
    timeInterval: pathText(key, 'Data', 'TimeInterval', 'PlainValue'),
    manufacturer: textOf(child(deviceInfo, 'Manufacturer')),
    model: textOf(child(deviceInfo, 'Model')),
    displayName: textOf(child(key, 'FriendlyName')),
    // RFC 6030 §5: the key's usage window; DeviceInfo's dates (§4.3.1) where the Policy has none.
    expiresAt: pathText(key, 'Policy', 'ExpiryDate') ?? textOf(child(deviceInfo, 'ExpiryDate')),
    manufacturedAt: pathText(key, 'Policy', 'StartDate') ?? textOf(child(deviceInfo, 'StartDate')),
  };
  return validator.validate(rowNumber, raw, PSKC_NAMES);
}

/** What a PSKC file calls each field, for row errors (element paths within a KeyPackage). */
const PSKC_NAMES: FileColumnNames = {
  serialNumber: 'DeviceInfo/SerialNo',
  secretKey: 'Key/Data/Secret',
  hashFunction: 'AlgorithmParameters/Suite',
  digits: 'ResponseFormat Length',
  timeIntervalInSeconds: 'Data/TimeInterval',
  manufacturer: 'DeviceInfo/Manufacturer',
  model: 'DeviceInfo/Model',
  displayName: 'Key/FriendlyName',
  expiresAt: 'Key/Policy/ExpiryDate',
  manufacturedAt: 'Key/Policy/StartDate',
  algorithm: 'Key Algorithm',
};

function keyContainerOf(xml: string): unknown {
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw new SeedFileError('invalid-xml', `the file is not well-formed XML (line ${validation.err.line})`);
  }
  const container = child(xmlParser.parse(xml), 'KeyContainer');
  if (container === undefined) throw new SeedFileError('invalid-pskc', 'the file is XML but not PSKC: it has no KeyContainer');
  return container;
}

/**
 * Parses a PSKC file. Throws SeedFileError when the file cannot be trusted or read as a whole (not
 * PSKC, wrong or missing pre-shared key, a MAC that does not match, unsupported cryptography); returns
 * one SeedRow per KeyPackage otherwise (HOTP keys and invalid fields as row errors).
 */
export function parsePskc(xml: string, options: SeedFileOptions = {}): SeedRow[] {
  const container = keyContainerOf(xml.replace(/^\uFEFF/, ''));
  const keyPackages = child(container, 'KeyPackage');
  if (!Array.isArray(keyPackages) || keyPackages.length === 0) {
    throw new SeedFileError('invalid-pskc', 'the PSKC file contains no KeyPackage');
  }
  let decryption: PskcDecryption | undefined;
  // Built on the first encrypted secret only, so a plain-value file needs no key.
  const getDecryption = () => (decryption ??= createDecryption(container, options.preSharedKey));
  const validator = new SeedRowValidator(options);
  return keyPackages.map((keyPackage, index) => rowFromKeyPackage(keyPackage, index + 1, getDecryption, validator));
}
