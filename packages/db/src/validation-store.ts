// The validation API's state in Postgres: its users (one per email), the tokens a user validates with,
// and the statements that decide a validation. The rule that matters is in `acceptValidation`: the lock
// check, the replay check and the update of the token's last accepted step and drift are ONE statement,
// so of twenty simultaneous submissions of one code exactly one is accepted; the audit row is written by
// the same statement. Hand-written SQL over postgres.js: this is the hot path of the validation API.
import { randomBytes } from 'node:crypto';
import type postgres from 'postgres';
import type { HashFunction, TokenState } from '@tokenfleet/domain';

type Sql = postgres.Sql | postgres.TransactionSql;

/** The id the software token's seed is bound to in the seed vault (never a token row id). */
export const softwareSeedId = (userId: string): string => `validation-user:${userId}`;

export interface ValidationUserRow {
  id: string;
  email: string;
  phone: string | null;
  secretKeyId: string | null;
  secretCiphertext: Buffer | null;
  secretIssuedAt: Date | null;
  softwareDriftSteps: number;
  softwareLastAcceptedStep: number | null;
  failedValidations: number;
  lockedAt: Date | null;
  lastValidationAt: Date | null;
  lastValidationOk: boolean | null;
  createdBy: string;
  createdAt: Date;
}

export interface ValidationTokenRow {
  id: string;
  tenantId: string;
  serialNumber: string;
  state: TokenState;
  hashFunction: HashFunction;
  timeIntervalSeconds: number;
  digits: number;
  secretKeyId: string | null;
  secretCiphertext: Buffer | null;
  driftSteps: number;
  lastAcceptedStep: number | null;
}

const USER_COLUMNS = `id, email, phone, secret_key_id as "secretKeyId", secret_ciphertext as "secretCiphertext",
  secret_issued_at as "secretIssuedAt", software_drift_steps as "softwareDriftSteps",
  software_last_accepted_step::float8 as "softwareLastAcceptedStep", failed_validations as "failedValidations",
  locked_at as "lockedAt", last_validation_at as "lastValidationAt", last_validation_ok as "lastValidationOk",
  created_by as "createdBy", created_at as "createdAt"`;

const isEmail = (userid: string) => userid.includes('@');

/** These statements run on every validation: prepared once per connection, not parsed and planned each time. */
const PREPARED = { prepare: true } as const;

// drizzle's postgres.js setup passes timestamps through as text both ways and json parameters as text
// (the pool is shared with it): times go in as ISO strings and come back as strings made into Dates here.
const iso = (date: Date): string => date.toISOString();
const json = (value: Record<string, unknown>): string => JSON.stringify(value);
const dateOf = (value: unknown): Date | null => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(String(value)));

function toUser(row: ValidationUserRow | undefined): ValidationUserRow | null {
  if (!row) return null;
  return {
    ...row,
    secretIssuedAt: dateOf(row.secretIssuedAt),
    lockedAt: dateOf(row.lockedAt),
    lastValidationAt: dateOf(row.lastValidationAt),
    createdAt: dateOf(row.createdAt)!,
  };
}

/** The user a client's `userid` names: the id `createuser` answered, or the email itself. */
export async function findValidationUser(sql: Sql, userid: string): Promise<ValidationUserRow | null> {
  const rows = isEmail(userid)
    ? await sql.unsafe<ValidationUserRow[]>(`select ${USER_COLUMNS} from validation_users where lower(email) = lower($1)`, [userid], PREPARED)
    : await sql.unsafe<ValidationUserRow[]>(`select ${USER_COLUMNS} from validation_users where id = $1`, [userid], PREPARED);
  return toUser(rows[0]);
}

/** Every inventory token assigned to the email (ignoring case), usable or not: the caller says which it may check. */
export async function tokensOfEmail(sql: Sql, email: string): Promise<ValidationTokenRow[]> {
  return sql.unsafe<ValidationTokenRow[]>(
    `select id, tenant_id as "tenantId", serial_number as "serialNumber", state, hash_function as "hashFunction",
       time_interval_seconds as "timeIntervalSeconds", digits, secret_key_id as "secretKeyId",
       secret_ciphertext as "secretCiphertext", drift_steps as "driftSteps", last_accepted_step::float8 as "lastAcceptedStep"
     from tokens where lower(assigned_upn) = lower($1) order by created_at, id`,
    [email],
    PREPARED,
  );
}

/** The API key row a validation request names, looked up by the SHA-256 of the key. */
export interface ApiKeyLookup {
  id: string;
  name: string;
  role: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface ValidationSubject {
  user: ValidationUserRow | null;
  tokens: ValidationTokenRow[];
  /** With `keyHash` given: the key's row, or null when no key has that hash. */
  key?: ApiKeyLookup | null;
}

/**
 * A user and their tokens in one round trip: by the id `createuser` answered, or by the email itself;
 * with `keyHash`, the calling key's row in the same round trip (the caller checks it before using the rest).
 */
export async function loadValidationSubject(sql: Sql, userid: string, keyHash?: string): Promise<ValidationSubject> {
  const byEmail = isEmail(userid);
  const withKey = keyHash !== undefined;
  const [row] = await sql.unsafe<{ key?: ApiKeyLookup | null; user: (Omit<ValidationUserRow, 'secretCiphertext'> & { secretCiphertext: string | null }) | null; tokens: (Omit<ValidationTokenRow, 'secretCiphertext'> & { secretCiphertext: string | null })[] }[]>(
    `with u as (select ${USER_COLUMNS} from validation_users where ${byEmail ? 'lower(email) = lower($1)' : 'id = $1'}),
       e as (select coalesce((select lower(email) from u), ${byEmail ? 'lower($1)' : 'null'}) as email)
     select (select row_to_json(u) from u) as user,
       coalesce((select json_agg(json_build_object('id', t.id, 'tenantId', t.tenant_id, 'serialNumber', t.serial_number, 'state', t.state,
           'hashFunction', t.hash_function, 'timeIntervalSeconds', t.time_interval_seconds, 'digits', t.digits, 'secretKeyId', t.secret_key_id,
           'secretCiphertext', t.secret_ciphertext, 'driftSteps', t.drift_steps, 'lastAcceptedStep', t.last_accepted_step) order by t.created_at, t.id)
         from tokens t, e where lower(t.assigned_upn) = e.email), '[]'::json) as tokens
       ${withKey ? `, (select row_to_json(k) from (select id, name, role, revoked_at as "revokedAt", last_used_at as "lastUsedAt" from api_keys where key_hash = $2) k) as key` : ''}`,
    withKey ? [userid, keyHash] : [userid],
    PREPARED,
  );
  // json renders bytea as '\\x<hex>'.
  const bytes = (hex: string | null) => (hex === null ? null : Buffer.from(hex.slice(2), 'hex'));
  const user = row?.user ? toUser({ ...row.user, secretCiphertext: bytes(row.user.secretCiphertext) }) : null;
  const tokens = (row?.tokens ?? []).map((token) => ({ ...token, secretCiphertext: bytes(token.secretCiphertext) }));
  return { user, tokens, ...(withKey ? { key: row?.key ?? null } : {}) };
}

/** A new user id: 16 hex digits, opaque, stable for the email from then on. */
export const newValidationUserId = (): string => randomBytes(8).toString('hex');

/**
 * The user row of an email, made when missing (by a validation of an email that has tokens, so its
 * failures can be counted). Two concurrent callers get the same row.
 */
export async function ensureValidationUser(sql: Sql, email: string, createdBy: string): Promise<ValidationUserRow> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const existing = await findValidationUser(sql, email);
    if (existing) return existing;
    const inserted = await sql.unsafe<ValidationUserRow[]>(
      `insert into validation_users (id, email, created_by) values ($1, $2, $3)
       on conflict (lower(email)) do nothing returning ${USER_COLUMNS}`,
      [newValidationUserId(), email, createdBy],
    PREPARED,
    );
    if (inserted[0]) return toUser(inserted[0])!;
  }
  throw new Error('could not create or find the validation user');
}

export interface SoftwareSeed {
  keyId: string;
  ciphertext: Buffer;
}

/**
 * `createuser`: the user of the email (made when missing, same id when not) gets a new software-token
 * seed, encrypted by the caller for the user's id (`encrypt(softwareSeedId(id))`). A new seed starts with
 * no drift and no spent step. Answers the row and whether it was new.
 */
export async function issueSoftwareToken(
  sql: postgres.Sql,
  input: { email: string; phone: string | null; createdBy: string; now: Date },
  encrypt: (userId: string) => SoftwareSeed,
): Promise<{ user: ValidationUserRow; created: boolean }> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const existing = await findValidationUser(sql, input.email);
    if (existing) {
      const seed = encrypt(existing.id);
      const [updated] = await sql.unsafe<ValidationUserRow[]>(
        `update validation_users set secret_key_id = $2, secret_ciphertext = $3, secret_issued_at = $4, phone = coalesce($5, phone),
           software_drift_steps = 0, software_last_accepted_step = null
         where id = $1 returning ${USER_COLUMNS}`,
        [existing.id, seed.keyId, seed.ciphertext, iso(input.now), input.phone],
    PREPARED,
      );
      if (updated) return { user: toUser(updated)!, created: false };
      continue;
    }
    const id = newValidationUserId();
    const seed = encrypt(id);
    const [inserted] = await sql.unsafe<ValidationUserRow[]>(
      `insert into validation_users (id, email, phone, secret_key_id, secret_ciphertext, secret_issued_at, created_by)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (lower(email)) do nothing returning ${USER_COLUMNS}`,
      [id, input.email, input.phone, seed.keyId, seed.ciphertext, iso(input.now), input.createdBy],
    PREPARED,
    );
    if (inserted) return { user: toUser(inserted)!, created: true };
  }
  throw new Error('could not create or find the validation user');
}

// ---------------------------------------------------------------------------------------------------------
// Deciding a validation

export interface LockPolicy {
  /** Consecutive failures that lock the user. */
  maxFailures: number;
  /** How long a lock holds by itself; 0: until an operator unlocks. */
  clearTimeoutMs: number;
}

/** What the audit row of a validation says; never the code. */
export interface ValidationAudit {
  actor: string;
  tenantId: string | null;
  tokenId: string | null;
  detail: Record<string, unknown>;
}

export type AcceptResult = { accepted: true } | { accepted: false; reason: 'locked' | 'replayed' };

/**
 * Accepts `step` of the token (a row of `tokens`, or the user's software token) for the user, in one
 * statement: only if the user is not locked at `now`, the token is still active with a seed, and `step`
 * is after its last accepted step. On success the token's drift and last accepted step are stored, the
 * user's failures reset, and the success's audit row written; when refused, nothing is written and the
 * caller records the failure (recordValidationFailure), which writes its audit row.
 */
export async function acceptValidation(
  sql: postgres.Sql,
  input: { userId: string; token: { kind: 'hardware'; id: string } | { kind: 'software' }; step: number; driftSteps: number; now: Date; policy: LockPolicy; audit: ValidationAudit },
): Promise<AcceptResult> {
  const { userId, step, driftSteps, now, policy, audit } = input;
  // $1 user, $2 now, $3 clear-timeout ms, $4 step, $5 drift, $6 token id, $7 actor, $8 tenant, $9 detail.
  const unlocked = `select id from validation_users where id = $1
      and (locked_at is null or ($3::bigint > 0 and locked_at <= $2::timestamptz - $3::bigint * interval '1 millisecond'))
      for update`;
  const tokenUpdate =
    input.token.kind === 'hardware'
      ? `update tokens set drift_steps = $5, last_accepted_step = $4, last_used_at = $2
           where id = $6::text::uuid and state = 'active' and secret_ciphertext is not null
             and (last_accepted_step is null or last_accepted_step < $4) and exists (select 1 from u)
           returning id`
      : `update validation_users set software_drift_steps = $5, software_last_accepted_step = $4,
             failed_validations = 0, locked_at = null, last_validation_at = $2, last_validation_ok = true
           where id = $1 and $6::text is null and secret_ciphertext is not null
             and (software_last_accepted_step is null or software_last_accepted_step < $4) and exists (select 1 from u)
           returning id`;
  // The software token lives on the user row, which `t` already reset; a hardware success resets it here.
  const userReset =
    input.token.kind === 'hardware'
      ? `, r as (update validation_users set failed_validations = 0, locked_at = null, last_validation_at = $2, last_validation_ok = true
           where id = $1 and exists (select 1 from t) returning id)`
      : '';
  const [row] = await sql.unsafe<{ unlocked: boolean; accepted: boolean }[]>(
    `with u as (${unlocked}), t as (${tokenUpdate})${userReset},
       a as (insert into audit_events (actor, action, outcome, tenant_id, target_type, target_id, token_id, detail)
             select $7, 'validation.checked', 'success', $8, 'validation_user', $1, $6::text::uuid,
               $9::jsonb || jsonb_build_object('valid', true, 'reason', 'accepted')
             where exists (select 1 from t)
             returning id)
     select exists (select 1 from u) as unlocked, exists (select 1 from t) as accepted, (select count(*) from a) as audited`,
    [userId, iso(now), policy.clearTimeoutMs, step, driftSteps, input.token.kind === 'hardware' ? input.token.id : null, audit.actor, audit.tenantId, json(audit.detail)],
    PREPARED,
  );
  if (row?.accepted) return { accepted: true };
  return { accepted: false, reason: row?.unlocked ? 'replayed' : 'locked' };
}

export interface FailureResult {
  failedValidations: number;
  locked: boolean;
}

/**
 * Counts a failed validation for the user and writes its audit row, in one statement. The count reaching
 * `maxFailures` locks the user at `now`; a lock that has cleared by itself starts the count again at 1; a
 * failure while locked does not move the lock.
 */
export async function recordValidationFailure(
  sql: postgres.Sql,
  input: { userId: string; now: Date; policy: LockPolicy; reason: string; audit: ValidationAudit },
): Promise<FailureResult> {
  const { userId, now, policy, audit } = input;
  // $1 user, $2 now, $3 clear-timeout ms, $4 max failures, $5 actor, $6 tenant, $7 token, $8 detail.
  const [row] = await sql.unsafe<{ failedValidations: number; lockedAt: Date | null }[]>(
    `with cur as (
       select id, locked_at is not null and ($3::bigint <= 0 or locked_at > $2::timestamptz - $3::bigint * interval '1 millisecond') as holding,
              locked_at is not null and not ($3::bigint <= 0 or locked_at > $2::timestamptz - $3::bigint * interval '1 millisecond') as cleared
       from validation_users where id = $1 for update),
     upd as (
       update validation_users v set
         failed_validations = case when cur.cleared then 1 else v.failed_validations + 1 end,
         locked_at = case when cur.holding then v.locked_at
                          when (case when cur.cleared then 1 else v.failed_validations + 1 end) >= $4 then $2::timestamptz
                          else null end,
         last_validation_at = $2, last_validation_ok = false
       from cur where v.id = cur.id
       returning v.failed_validations as "failedValidations", v.locked_at as "lockedAt"),
     a as (insert into audit_events (actor, action, outcome, tenant_id, target_type, target_id, token_id, detail)
           select $5, 'validation.checked', 'failure', $6, 'validation_user', $1, $7::text::uuid,
             $8::jsonb || jsonb_build_object('valid', false, 'failedValidations', (select "failedValidations" from upd),
               'locked', (select "lockedAt" is not null from upd))
           returning id)
     select (select "failedValidations" from upd) as "failedValidations", (select "lockedAt" from upd) as "lockedAt", (select count(*) from a) as audited`,
    [userId, iso(now), policy.clearTimeoutMs, policy.maxFailures, audit.actor, audit.tenantId, audit.tokenId, json({ ...audit.detail, reason: input.reason })],
    PREPARED,
  );
  return { failedValidations: row?.failedValidations ?? 0, locked: Boolean(row?.lockedAt) };
}

/** The audit row of a validation that names no known user (nothing to count failures on). */
export async function recordUnknownUserValidation(sql: postgres.Sql, input: { userid: string; reason: string; audit: Omit<ValidationAudit, 'tokenId' | 'tenantId'> }): Promise<void> {
  await sql.unsafe(
    `insert into audit_events (actor, action, outcome, target_type, target_id, detail) values ($1, 'validation.checked', 'failure', 'validation_user', $2, $3::jsonb)`,
    [input.audit.actor, input.userid.slice(0, 256), json({ ...input.audit.detail, valid: false, reason: input.reason })],
    PREPARED,
  );
}

/** An operator lifts the lock and clears the failures; answers null for an unknown user. */
export async function unlockValidationUser(sql: postgres.Sql, input: { userId: string; actor: string }): Promise<ValidationUserRow | null> {
  const [row] = await sql.unsafe<(ValidationUserRow & { wasLocked: boolean; previousFailures: number })[]>(
    `with before as (select id, locked_at is not null as "wasLocked", failed_validations as "previousFailures" from validation_users where id = $1 for update),
     upd as (update validation_users v set failed_validations = 0, locked_at = null from before where v.id = before.id returning v.*),
     a as (insert into audit_events (actor, action, outcome, target_type, target_id, detail)
           select $2, 'validation_user.unlocked', 'success', 'validation_user', $1,
             jsonb_build_object('email', (select email from upd), 'wasLocked', before."wasLocked", 'previousFailures', before."previousFailures") from before
           returning id)
     select ${USER_COLUMNS.replace(/\bid,/, 'upd.id,')}, before."wasLocked", before."previousFailures", (select count(*) from a) as audited from upd, before`,
    [input.userId, input.actor],
  );
  return toUser(row);
}
