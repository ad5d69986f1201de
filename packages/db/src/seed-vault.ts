// Encryption of token seeds at rest. AES-256-GCM with a fresh random 12-byte IV per encryption and the
// token's row id as associated data: a ciphertext copied onto another row fails authentication instead
// of handing that row someone else's seed. The master key comes from the environment or a key file,
// never the database; each ciphertext is stored beside the id of the key that made it, so keys rotate
// without a flag day (old keys stay configured as "previous" until `rewrap` has moved every row).
//
// Stored ciphertext layout: IV (12 bytes) | encrypted seed | GCM tag (16 bytes).
// Nothing in this file puts a key or a seed into an error message.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Domain separation: these bytes authenticate a Tokenfleet seed for one row, in this layout. */
const AAD_PREFIX = 'tokenfleet:seed:v1:';

export interface MasterKey {
  /** Derived from the key (see deriveKeyId), stored beside each ciphertext. */
  id: string;
  key: Buffer;
}

export interface MasterKeys {
  current: MasterKey;
  /** Keys that may still have ciphertexts in the database; used to decrypt, never to encrypt. */
  previous?: MasterKey[];
}

export interface EncryptedSeed {
  keyId: string;
  ciphertext: Buffer;
}

export interface SeedVault {
  /** Id of the key new ciphertexts are made with; rows with another key id are due for `rewrap`. */
  readonly currentKeyId: string;
  encrypt(tokenId: string, secretBase32: string): EncryptedSeed;
  decrypt(tokenId: string, keyId: string, ciphertext: Buffer): string;
  /** Decrypts with whichever configured key made it and encrypts again with the current key. */
  rewrap(tokenId: string, keyId: string, ciphertext: Buffer): EncryptedSeed;
}

export type SeedDecryptionReason = 'unknown-key' | 'malformed' | 'authentication-failed';

/** A stored seed that cannot be decrypted. Names the token and key id only, never key or content. */
export class SeedDecryptionError extends Error {
  override readonly name = 'SeedDecryptionError';
  constructor(
    readonly tokenId: string,
    readonly keyId: string,
    readonly reason: SeedDecryptionReason,
  ) {
    super(`Cannot decrypt the seed of token ${tokenId} (key ${keyId}): ${REASON_TEXT[reason]}`);
  }
}

const REASON_TEXT: Record<SeedDecryptionReason, string> = {
  'unknown-key': 'that key is not configured; add it to TOKENFLEET_PREVIOUS_MASTER_KEYS',
  malformed: 'the stored ciphertext is too short to be one of ours',
  'authentication-failed':
    'the ciphertext does not authenticate for this token with that key (it was altered, or belongs to another row)',
};

/** `k` + the first 8 hex digits of SHA-256 of the key: stable, and reveals nothing usable about it. */
export function deriveKeyId(key: Buffer): string {
  return `k${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

function assertKeyLength(key: Buffer, label: string): void {
  if (key.length !== KEY_BYTES) throw new Error(`${label} must be ${KEY_BYTES} bytes, not ${key.length}`);
}

export function toMasterKey(key: Buffer): MasterKey {
  assertKeyLength(key, 'A master key');
  return { id: deriveKeyId(key), key };
}

function associatedData(tokenId: string): Buffer {
  return Buffer.from(AAD_PREFIX + tokenId, 'utf8');
}

export function createSeedVault(keys: MasterKeys): SeedVault {
  const byId = new Map<string, Buffer>();
  for (const { id, key } of [keys.current, ...(keys.previous ?? [])]) {
    assertKeyLength(key, `Master key ${id}`);
    const known = byId.get(id);
    // The same key listed twice (current also among the previous) is harmless; two keys, one id is not.
    if (known && !known.equals(key)) throw new Error(`Two different master keys share the id ${id}`);
    byId.set(id, key);
  }
  const current = keys.current;

  function encrypt(tokenId: string, secretBase32: string): EncryptedSeed {
    if (secretBase32.length === 0) throw new Error(`Refusing to store an empty seed for token ${tokenId}`);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, current.key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(tokenId));
    const body = Buffer.concat([cipher.update(secretBase32, 'utf8'), cipher.final()]);
    return { keyId: current.id, ciphertext: Buffer.concat([iv, body, cipher.getAuthTag()]) };
  }

  function decrypt(tokenId: string, keyId: string, ciphertext: Buffer): string {
    const key = byId.get(keyId);
    if (!key) throw new SeedDecryptionError(tokenId, keyId, 'unknown-key');
    if (ciphertext.length <= IV_BYTES + TAG_BYTES) throw new SeedDecryptionError(tokenId, keyId, 'malformed');
    const iv = ciphertext.subarray(0, IV_BYTES);
    const body = ciphertext.subarray(IV_BYTES, ciphertext.length - TAG_BYTES);
    const tag = ciphertext.subarray(ciphertext.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(tokenId));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      // OpenSSL's message ("Unsupported state or unable to authenticate data") says nothing useful.
      throw new SeedDecryptionError(tokenId, keyId, 'authentication-failed');
    }
  }

  return {
    currentKeyId: current.id,
    encrypt,
    decrypt,
    rewrap: (tokenId, keyId, ciphertext) => encrypt(tokenId, decrypt(tokenId, keyId, ciphertext)),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Configuration

/** A master-key setting that is missing or unusable; the message says which variable and why. */
export class MasterKeyConfigError extends Error {
  override readonly name = 'MasterKeyConfigError';
}

const HOW_TO_MAKE_A_KEY = 'generate one with `openssl rand -base64 32`';

/**
 * Reads the master keys from the environment: `TOKENFLEET_MASTER_KEY` (base64 of exactly 32 bytes) or
 * `TOKENFLEET_MASTER_KEY_FILE` (a file holding that base64 text), plus optional
 * `TOKENFLEET_PREVIOUS_MASTER_KEYS` (comma-separated base64) that still decrypt older rows.
 */
export function loadMasterKeys(env: Record<string, string | undefined> = process.env): Required<MasterKeys> {
  const inline = env.TOKENFLEET_MASTER_KEY?.trim() || undefined;
  const file = env.TOKENFLEET_MASTER_KEY_FILE?.trim() || undefined;
  if (inline && file) {
    throw new MasterKeyConfigError(
      'Both TOKENFLEET_MASTER_KEY and TOKENFLEET_MASTER_KEY_FILE are set; set only one of them',
    );
  }
  let current: MasterKey;
  if (inline) {
    current = parseKey(inline, 'TOKENFLEET_MASTER_KEY');
  } else if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new MasterKeyConfigError(`Cannot read TOKENFLEET_MASTER_KEY_FILE ${file} (${code})`);
    }
    current = parseKey(text.trim(), `the key file ${file} (TOKENFLEET_MASTER_KEY_FILE)`);
  } else {
    throw new MasterKeyConfigError(
      'No master key: set TOKENFLEET_MASTER_KEY to a base64-encoded 32-byte key, or ' +
        `TOKENFLEET_MASTER_KEY_FILE to a file holding one; ${HOW_TO_MAKE_A_KEY}`,
    );
  }
  const previous = (env.TOKENFLEET_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.length > 0)
    .map(({ entry, index }) => parseKey(entry, `entry ${index + 1} of TOKENFLEET_PREVIOUS_MASTER_KEYS`));
  return { current, previous };
}

/** Standard or URL-safe base64, padding optional. Buffer.from would silently skip anything else. */
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

function parseKey(text: string, source: string): MasterKey {
  if (!BASE64.test(text)) {
    throw new MasterKeyConfigError(`The master key in ${source} is not valid base64; ${HOW_TO_MAKE_A_KEY}`);
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new MasterKeyConfigError(
      `The master key in ${source} decodes to ${key.length} bytes; it must be exactly ${KEY_BYTES} ` +
        `(${HOW_TO_MAKE_A_KEY})`,
    );
  }
  return toMasterKey(key);
}
