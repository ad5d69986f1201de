import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createSeedVault,
  deriveKeyId,
  loadMasterKeys,
  MasterKeyConfigError,
  SeedDecryptionError,
  toMasterKey,
} from './seed-vault';

const SEED = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

function newKey() {
  return toMasterKey(randomBytes(32));
}

/** Runs `action`, expecting it to throw; returns the error so its fields can be checked. */
function caught(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, none was thrown');
}

describe('seed vault', () => {
  it('round-trips a seed for the row it was encrypted for', () => {
    const vault = createSeedVault({ current: newKey() });
    const tokenId = randomUUID();
    const sealed = vault.encrypt(tokenId, SEED);
    expect(sealed.keyId).toBe(vault.currentKeyId);
    expect(vault.decrypt(tokenId, sealed.keyId, sealed.ciphertext)).toBe(SEED);
  });

  it('uses a fresh IV each time, so the same seed never gives the same ciphertext', () => {
    const vault = createSeedVault({ current: newKey() });
    const tokenId = randomUUID();
    const first = vault.encrypt(tokenId, SEED).ciphertext;
    const second = vault.encrypt(tokenId, SEED).ciphertext;
    expect(first.subarray(0, 12).equals(second.subarray(0, 12))).toBe(false);
    expect(first.equals(second)).toBe(false);
    // IV + body (same length as the plaintext) + 16-byte tag.
    expect(first.length).toBe(12 + Buffer.byteLength(SEED) + 16);
  });

  it('refuses a ciphertext moved onto another row', () => {
    const vault = createSeedVault({ current: newKey() });
    const sealed = vault.encrypt(randomUUID(), SEED);
    const otherRow = randomUUID();
    const error = caught(() => vault.decrypt(otherRow, sealed.keyId, sealed.ciphertext));
    expect(error).toBeInstanceOf(SeedDecryptionError);
    expect(error).toMatchObject({ tokenId: otherRow, keyId: sealed.keyId, reason: 'authentication-failed' });
  });

  it('refuses a tampered ciphertext, whichever part was changed', () => {
    const vault = createSeedVault({ current: newKey() });
    const tokenId = randomUUID();
    const { keyId, ciphertext } = vault.encrypt(tokenId, SEED);
    for (const position of [0, 12, ciphertext.length - 1]) {
      const tampered = Buffer.from(ciphertext);
      tampered[position] = tampered[position]! ^ 0x01;
      expect(() => vault.decrypt(tokenId, keyId, tampered)).toThrow(SeedDecryptionError);
    }
    expect(caught(() => vault.decrypt(tokenId, keyId, ciphertext.subarray(0, 20)))).toMatchObject({
      reason: 'malformed',
    });
  });

  it('names an unknown key id instead of trying the wrong key', () => {
    const vault = createSeedVault({ current: newKey() });
    const stranger = createSeedVault({ current: newKey() });
    const tokenId = randomUUID();
    const sealed = stranger.encrypt(tokenId, SEED);
    expect(caught(() => vault.decrypt(tokenId, sealed.keyId, sealed.ciphertext))).toMatchObject({
      reason: 'unknown-key',
      keyId: sealed.keyId,
    });
  });

  it('still decrypts with a previous key after rotation, and rewrap moves the seed to the current key', () => {
    const oldKey = newKey();
    const newCurrent = newKey();
    const tokenId = randomUUID();
    const before = createSeedVault({ current: oldKey }).encrypt(tokenId, SEED);

    const rotated = createSeedVault({ current: newCurrent, previous: [oldKey] });
    expect(rotated.decrypt(tokenId, before.keyId, before.ciphertext)).toBe(SEED);

    const after = rotated.rewrap(tokenId, before.keyId, before.ciphertext);
    expect(after.keyId).toBe(newCurrent.id);
    expect(after.keyId).not.toBe(before.keyId);
    // Once every row is rewrapped the old key can go: the new ciphertext needs only the current key.
    expect(createSeedVault({ current: newCurrent }).decrypt(tokenId, after.keyId, after.ciphertext)).toBe(SEED);
  });

  it('keeps keys and seeds out of error messages', () => {
    const key = newKey();
    const vault = createSeedVault({ current: key });
    const tokenId = randomUUID();
    const sealed = vault.encrypt(tokenId, SEED);
    const error = caught(() => vault.decrypt(randomUUID(), sealed.keyId, sealed.ciphertext));
    const text = `${error.message} ${JSON.stringify(error)}`;
    for (const secret of [SEED, key.key.toString('base64'), key.key.toString('hex'), sealed.ciphertext.toString('hex')]) {
      expect(text).not.toContain(secret);
    }
  });

  it('derives key ids from the keys, and rejects two different keys claiming one id', () => {
    const key = randomBytes(32);
    expect(deriveKeyId(key)).toMatch(/^k[0-9a-f]{8}$/);
    expect(deriveKeyId(Buffer.from(key))).toBe(deriveKeyId(key));
    expect(deriveKeyId(randomBytes(32))).not.toBe(deriveKeyId(key));
    const current = toMasterKey(key);
    expect(() => createSeedVault({ current, previous: [current] })).not.toThrow();
    expect(() => createSeedVault({ current, previous: [{ id: current.id, key: randomBytes(32) }] })).toThrow(
      /share the id/,
    );
    expect(() => toMasterKey(randomBytes(16))).toThrow(/32 bytes, not 16/);
  });
});

describe('loadMasterKeys', () => {
  const directory = mkdtempSync(join(tmpdir(), 'tokenfleet-keys-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const key = randomBytes(32);
  const base64 = key.toString('base64');

  function loadError(env: Record<string, string>): MasterKeyConfigError {
    const error = caught(() => loadMasterKeys(env));
    expect(error).toBeInstanceOf(MasterKeyConfigError);
    return error as MasterKeyConfigError;
  }

  it('reads the key from TOKENFLEET_MASTER_KEY', () => {
    const keys = loadMasterKeys({ TOKENFLEET_MASTER_KEY: base64 });
    expect(keys.current.key.equals(key)).toBe(true);
    expect(keys.current.id).toBe(deriveKeyId(key));
    expect(keys.previous).toEqual([]);
  });

  it('reads the key from a file, ignoring the trailing newline editors add', () => {
    const path = join(directory, 'master.key');
    writeFileSync(path, `${base64}\n`);
    expect(loadMasterKeys({ TOKENFLEET_MASTER_KEY_FILE: path }).current.key.equals(key)).toBe(true);
  });

  it('reads previous keys in order, skipping empty entries', () => {
    const older = randomBytes(32);
    const oldest = randomBytes(32);
    const keys = loadMasterKeys({
      TOKENFLEET_MASTER_KEY: base64,
      TOKENFLEET_PREVIOUS_MASTER_KEYS: ` ${older.toString('base64')},,${oldest.toString('base64url')} `,
    });
    expect(keys.previous.map((previous) => previous.id)).toEqual([deriveKeyId(older), deriveKeyId(oldest)]);
  });

  it('says how to make a key when none is configured', () => {
    expect(loadError({}).message).toMatch(/No master key: set TOKENFLEET_MASTER_KEY .*openssl rand -base64 32/);
    expect(loadError({ TOKENFLEET_MASTER_KEY: '  ' }).message).toMatch(/No master key/);
  });

  it('refuses a key of the wrong length and says how long it was', () => {
    const message = loadError({ TOKENFLEET_MASTER_KEY: randomBytes(16).toString('base64') }).message;
    expect(message).toMatch(/TOKENFLEET_MASTER_KEY decodes to 16 bytes; it must be exactly 32/);
  });

  it('refuses text that is not base64 instead of decoding what it can', () => {
    const notBase64 = `${base64.slice(0, 40)}!@#$`;
    const message = loadError({ TOKENFLEET_MASTER_KEY: notBase64 }).message;
    expect(message).toMatch(/TOKENFLEET_MASTER_KEY is not valid base64/);
    expect(message).not.toContain(notBase64);
  });

  it('names the bad entry among the previous keys', () => {
    const message = loadError({
      TOKENFLEET_MASTER_KEY: base64,
      TOKENFLEET_PREVIOUS_MASTER_KEYS: `${randomBytes(32).toString('base64')},${randomBytes(31).toString('base64')}`,
    }).message;
    expect(message).toMatch(/entry 2 of TOKENFLEET_PREVIOUS_MASTER_KEYS decodes to 31 bytes/);
  });

  it('names an unreadable key file without guessing at its content', () => {
    const path = join(directory, 'missing.key');
    expect(loadError({ TOKENFLEET_MASTER_KEY_FILE: path }).message).toBe(
      `Cannot read TOKENFLEET_MASTER_KEY_FILE ${path} (ENOENT)`,
    );
  });

  it('refuses a key file whose content is not a key', () => {
    const path = join(directory, 'wrong.key');
    writeFileSync(path, randomBytes(32));
    expect(loadError({ TOKENFLEET_MASTER_KEY_FILE: path }).message).toMatch(
      /The master key in the key file .*wrong\.key \(TOKENFLEET_MASTER_KEY_FILE\) is not valid base64/,
    );
  });

  it('refuses both sources at once rather than picking one silently', () => {
    const path = join(directory, 'both.key');
    writeFileSync(path, base64);
    expect(loadError({ TOKENFLEET_MASTER_KEY: base64, TOKENFLEET_MASTER_KEY_FILE: path }).message).toMatch(
      /Both TOKENFLEET_MASTER_KEY and TOKENFLEET_MASTER_KEY_FILE are set/,
    );
  });

  it('never echoes a key in its messages', () => {
    const wrongLength = randomBytes(24).toString('base64');
    for (const env of [
      { TOKENFLEET_MASTER_KEY: wrongLength } as Record<string, string>,
      { TOKENFLEET_MASTER_KEY: base64, TOKENFLEET_PREVIOUS_MASTER_KEYS: wrongLength },
    ]) {
      expect(loadError(env).message).not.toContain(wrongLength);
    }
  });
});
