// What /validate and /createuser do, apart from the wire: which tokens a user may validate with, the
// check, and the one statement that accepts it or the one that counts a failure (packages/db's
// validation-store). Every validation writes one audit row, never with the code.
import { randomBytes } from 'node:crypto';
import {
  acceptValidation,
  ensureValidationUser,
  issueSoftwareToken,
  loadValidationSubject,
  recordUnknownUserValidation,
  recordValidationFailure,
  SeedDecryptionError,
  softwareSeedId,
  type LockPolicy,
  type SeedVault,
  type ValidationSubject,
  type ValidationTokenRow,
  type ValidationUserRow,
} from '@tokenfleet/db';
import { base32Decode, base32Encode, checkCode, isLocked, type ValidationCandidate } from '@tokenfleet/domain';
import type postgres from 'postgres';
import type { ValidationConfig } from '@tokenfleet/config';

/** A software token: what mobile apps accept everywhere. */
export const SOFTWARE_TOKEN = { hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 } as const;
const SOFTWARE_ID = 'software';


export interface Caller {
  /** The validator key's name, for the audit row. */
  keyName: string;
  /** The client's address. */
  client: string;
}

export type ValidationReason =
  | 'accepted'
  | 'wrong code'
  | 'replayed'
  | 'locked'
  | 'unknown user'
  | 'no usable token'
  | 'malformed code';

export interface ValidationOutcome {
  valid: boolean;
  reason: ValidationReason;
  /** The user's id when known (else the userid as given). */
  userid: string;
}

/** Why a hardware token of the user cannot be checked, or null when it can. */
export function unusableBecause(token: Pick<ValidationTokenRow, 'state' | 'secretCiphertext'>): string | null {
  if (token.state !== 'active') return `token is ${token.state}`;
  if (!token.secretCiphertext) return 'seed purged';
  return null;
}

export class ValidationService {
  constructor(
    private readonly sql: postgres.Sql,
    private readonly vault: SeedVault,
    private readonly config: () => ValidationConfig,
    private readonly now: () => number,
  ) {}

  private policy(): LockPolicy {
    const { maxFailures, lockoutClearMs } = this.config();
    return { maxFailures, clearTimeoutMs: lockoutClearMs };
  }

  /** The user and tokens a validation needs, and with `keyHash` the calling key's row, in one round trip (read-only). */
  load(userid: string, keyHash?: string): Promise<ValidationSubject> {
    return loadValidationSubject(this.sql, userid, keyHash);
  }

  async validate(userid: string, code: string, caller: Caller, subject: Promise<ValidationSubject> = this.load(userid)): Promise<ValidationOutcome> {
    const nowMs = this.now();
    const now = new Date(nowMs);
    const base = { keyName: caller.keyName, client: caller.client };
    const { user: found, tokens } = await subject;

    // An email with tokens but no user row yet gets one, so its failures can be counted.
    const user = found ?? (tokens.length > 0 && userid.includes('@') ? await ensureValidationUser(this.sql, userid, `api-key:${caller.keyName}`) : null);
    if (!user) {
      await recordUnknownUserValidation(this.sql, { userid, reason: 'unknown user', audit: { actor: `api-key:${caller.keyName}`, detail: { ...base, userid } } });
      return { valid: false, reason: 'unknown user', userid };
    }

    const skipped = tokens.filter((token) => unusableBecause(token) !== null).map((token) => `${token.serialNumber}: ${unusableBecause(token)}`);
    // A seed that does not decrypt (a key missing from TOKENFLEET_PREVIOUS_MASTER_KEYS, an altered row)
    // costs that token only: the user's other tokens are still checked, and the audit row says why.
    const usable: ValidationTokenRow[] = [];
    const candidates: ValidationCandidate[] = [];
    for (const token of tokens.filter((row) => unusableBecause(row) === null)) {
      try {
        candidates.push(this.candidateOf(token));
        usable.push(token);
      } catch (error) {
        if (!(error instanceof SeedDecryptionError)) throw error;
        skipped.push(`${token.serialNumber}: seed cannot be decrypted (${error.reason})`);
      }
    }
    if (user.secretKeyId && user.secretCiphertext) candidates.push(this.softwareCandidate(user));

    const single = usable.length === 1 && candidates.length === 1 ? usable[0]! : undefined;
    const detail = { ...base, userid: user.id, email: user.email, tokensChecked: candidates.length, ...(skipped.length ? { tokensSkipped: skipped } : {}) };
    const fail = async (reason: ValidationReason, token?: ValidationTokenRow, extra: Record<string, unknown> = {}): Promise<ValidationOutcome> => {
      const target = token ?? single;
      await recordValidationFailure(this.sql, {
        userId: user.id,
        now,
        policy: this.policy(),
        reason,
        audit: {
          actor: `api-key:${caller.keyName}`,
          tenantId: target?.tenantId ?? null,
          tokenId: target?.id ?? null,
          detail: { ...detail, ...(target ? { serialNumber: target.serialNumber } : {}), ...extra },
        },
      });
      return { valid: false, reason, userid: user.id };
    };

    if (isLocked(user.lockedAt?.getTime() ?? null, nowMs, this.policy().clearTimeoutMs)) return fail('locked');
    if (candidates.length === 0) return fail('no usable token');
    if (!/^\d{6,8}$/.test(code)) return fail('malformed code');

    const result = checkCode(candidates, code, nowMs, this.config().windowSteps);
    if (result.outcome === 'no_match') return fail('wrong code');
    const token = result.candidateId === SOFTWARE_ID ? undefined : usable.find((row) => row.id === result.candidateId);
    const source = token ? { serialNumber: token.serialNumber } : { softwareToken: true };
    if (result.outcome === 'replay') return fail('replayed', token, { ...source, step: result.step });

    const accepted = await acceptValidation(this.sql, {
      userId: user.id,
      token: token ? { kind: 'hardware', id: token.id } : { kind: 'software' },
      step: result.step,
      driftSteps: result.driftSteps,
      now,
      policy: this.policy(),
      audit: {
        actor: `api-key:${caller.keyName}`,
        tenantId: token?.tenantId ?? null,
        tokenId: token?.id ?? null,
        detail: { ...detail, ...source, step: result.step, driftSteps: result.driftSteps, previousDriftSteps: result.previousDriftSteps },
      },
    });
    if (accepted.accepted) return { valid: true, reason: 'accepted', userid: user.id };
    // Refused by the statement: a concurrent submission spent the step, or the user was locked meanwhile.
    return fail(accepted.reason, token, { ...source, step: result.step, concurrent: true });
  }

  private candidateOf(token: ValidationTokenRow): ValidationCandidate {
    const secret = base32Decode(this.vault.decrypt(token.id, token.secretKeyId!, token.secretCiphertext!));
    if (!secret) throw new Error(`the stored seed of token ${token.id} is not Base32`);
    return {
      id: token.id,
      key: { secret, hashFunction: token.hashFunction, periodSeconds: token.timeIntervalSeconds, digits: token.digits },
      driftSteps: token.driftSteps,
      lastAcceptedStep: token.lastAcceptedStep,
    };
  }

  private softwareCandidate(user: ValidationUserRow): ValidationCandidate {
    const secret = base32Decode(this.vault.decrypt(softwareSeedId(user.id), user.secretKeyId!, user.secretCiphertext!));
    if (!secret) throw new Error(`the stored software seed of validation user ${user.id} is not Base32`);
    return {
      id: SOFTWARE_ID,
      key: { secret, hashFunction: SOFTWARE_TOKEN.hashFunction, periodSeconds: SOFTWARE_TOKEN.periodSeconds, digits: SOFTWARE_TOKEN.digits },
      driftSteps: user.softwareDriftSteps,
      lastAcceptedStep: user.softwareLastAcceptedStep,
    };
  }

  /** createuser: the user of the email (same id as before, if any) with a new software-token secret. */
  async createUser(input: { email: string; phone: string | null }, caller: Caller): Promise<{ user: ValidationUserRow; created: boolean; secretBase32: string }> {
    // 160 bits, as RFC 4226 recommends: 32 Base32 characters.
    const secretBase32 = base32Encode(randomBytes(20));
    const result = await issueSoftwareToken(
      this.sql,
      { email: input.email, phone: input.phone, createdBy: `api-key:${caller.keyName}`, now: new Date(this.now()) },
      (userId) => this.vault.encrypt(softwareSeedId(userId), secretBase32),
    );
    return { ...result, secretBase32 };
  }

  /** The software secret of a user, for its QR image; null when the user has none. */
  softwareSecret(user: ValidationUserRow): string | null {
    if (!user.secretKeyId || !user.secretCiphertext) return null;
    return this.vault.decrypt(softwareSeedId(user.id), user.secretKeyId, user.secretCiphertext);
  }
}
