// Validator keys: the key comes as `api_key=` (the appliance's name) or `api=` (Token2's Cloud API, which
// plugins send), in the query or the form. Only an unrevoked key of the validator role is accepted; a
// management key is refused here, as a validator key is refused under /api/v1.
import type postgres from 'postgres';
import { VALIDATOR_ROLE, type ApiKeyLookup } from '@tokenfleet/db';
import { WireError } from './wire';

export interface ValidatorKey {
  id: string;
  name: string;
}

/** `last_used_at` is written at most this often per key, so validations do not all write to api_keys. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The row of the key with this hash (a prepared statement: it runs on every request here). */
export async function lookupKey(sql: postgres.Sql, keyHash: string): Promise<ApiKeyLookup | null> {
  const [key] = await sql<ApiKeyLookup[]>`
    select id, name, role, revoked_at::text as "revokedAt", last_used_at::text as "lastUsedAt" from api_keys where key_hash = ${keyHash}`;
  return key ?? null;
}

/** Accepts the key only if it exists, is not revoked and has the validator role; notes its use (at most once a minute). */
export async function checkValidatorKey(sql: postgres.Sql, key: ApiKeyLookup | null, nowMs: number): Promise<ValidatorKey> {
  if (!key) throw new WireError(401, 'invalid_api_key', 'invalid api key');
  if (key.revokedAt) throw new WireError(401, 'invalid_api_key', 'api key revoked');
  if (key.role !== VALIDATOR_ROLE) {
    throw new WireError(403, 'not_a_validator_key', `this api key has the ${key.role} role; these routes take only keys of the validator role`);
  }
  if (!key.lastUsedAt || nowMs - new Date(key.lastUsedAt).getTime() >= LAST_USED_RESOLUTION_MS) {
    await sql`update api_keys set last_used_at = ${new Date(nowMs).toISOString()}::timestamptz where id = ${key.id}`;
  }
  return { id: key.id, name: key.name };
}

export const MISSING_KEY = (): WireError => new WireError(401, 'missing_api_key', 'api key missing: send it as api_key= (or api=)');
