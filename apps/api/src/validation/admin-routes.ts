// The validation API as the dashboard sees it, under /api/v1: its users with their tokens, last
// validation, failures and lock; unlock (operator); a token's validations; the settings in force.
import type { Router } from 'express';
import { z } from 'zod';
import { endpoints, PageQuery, ValidationUserQuery } from '@tokenfleet/contract';
import { unlockValidationUser } from '@tokenfleet/db';
import { isLocked, type TokenState } from '@tokenfleet/domain';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { notFound } from '../errors';
import { decodeCursor, encodeCursor } from '../paging';
import { isUuid, likePrefix, parseInput, pathId } from '../validation';
import { unusableBecause } from './service';

const userCursor = z.tuple([z.string().regex(/^\d{1,20}$/), z.string().max(64)]);

interface UserRow {
  id: string;
  email: string;
  phone: string | null;
  hasSoftwareToken: boolean;
  secretIssuedAt: string | null;
  failedValidations: number;
  lockedAt: string | null;
  lastValidationAt: string | null;
  lastValidationOk: boolean | null;
  createdBy: string;
  createdAt: string;
  cursorMicros: string;
  tokens: { id: string; serialNumber: string; state: TokenState; hasSeed: boolean; driftSteps: number; lastUsedAt: string | null }[];
}

const isoOrNull = (value: string | null) => (value ? new Date(value).toISOString() : null);

export function validationAdminRoutes(router: Router, deps: ApiDeps): void {
  const now = deps.clock ?? Date.now;
  const config = () => deps.config.validation;

  route(router, endpoints.validationSettings, (_req, res) => {
    const { windowSteps, maxFailures, lockoutClearMs, rateLimitPerSecond, qrTtlMs } = config();
    send(res, endpoints.validationSettings, 200, { windowSteps, maxFailures, lockoutClearMinutes: lockoutClearMs / 60_000, rateLimitPerSecond, qrTtlSeconds: qrTtlMs / 1000 });
  });

  route(router, endpoints.listValidationUsers, async (req, res) => {
    const query = parseInput(ValidationUserQuery, req.query, 'query');
    const after = query.cursor ? decodeCursor(query.cursor, userCursor) : undefined;
    const { lockoutClearMs } = config();
    const nowIso = new Date(now()).toISOString();
    const lockedCondition = deps.sql`u.locked_at is not null and (${lockoutClearMs}::bigint <= 0 or u.locked_at > ${nowIso}::timestamptz - ${lockoutClearMs}::bigint * interval '1 millisecond')`;
    const rows = await deps.sql<UserRow[]>`
      select u.id, u.email, u.phone, u.secret_ciphertext is not null as "hasSoftwareToken", u.secret_issued_at::text as "secretIssuedAt",
        u.failed_validations as "failedValidations", u.locked_at::text as "lockedAt", u.last_validation_at::text as "lastValidationAt",
        u.last_validation_ok as "lastValidationOk", u.created_by as "createdBy", u.created_at::text as "createdAt",
        (extract(epoch from u.created_at) * 1000000)::bigint::text as "cursorMicros",
        coalesce((select json_agg(json_build_object('id', t.id, 'serialNumber', t.serial_number, 'state', t.state,
            'hasSeed', t.secret_ciphertext is not null, 'driftSteps', t.drift_steps, 'lastUsedAt', t.last_used_at) order by t.created_at, t.id)
          from tokens t where lower(t.assigned_upn) = lower(u.email)), '[]'::json) as tokens
      from validation_users u
      where true
        ${query.email ? deps.sql`and lower(u.email) like ${likePrefix(query.email.toLowerCase())}` : deps.sql``}
        ${query.locked === 'true' ? deps.sql`and ${lockedCondition}` : query.locked === 'false' ? deps.sql`and not (${lockedCondition})` : deps.sql``}
        ${after ? deps.sql`and (u.created_at, u.id) < (timestamptz 'epoch' + ${after[0]}::bigint * interval '1 microsecond', ${after[1]})` : deps.sql``}
      order by u.created_at desc, u.id desc
      limit ${query.limit + 1}`;
    const more = rows.length > query.limit;
    const kept = more ? rows.slice(0, query.limit) : rows;
    const last = kept[kept.length - 1];
    send(res, endpoints.listValidationUsers, 200, {
      items: kept.map((row) => {
        const lockedAtMs = row.lockedAt ? new Date(row.lockedAt).getTime() : null;
        const locked = isLocked(lockedAtMs, now(), lockoutClearMs);
        return {
          userid: row.id,
          email: row.email,
          phone: row.phone,
          hasSoftwareToken: row.hasSoftwareToken,
          softwareTokenIssuedAt: isoOrNull(row.secretIssuedAt),
          failedValidations: row.failedValidations,
          locked,
          lockedAt: locked ? isoOrNull(row.lockedAt) : null,
          lockedUntil: locked && lockedAtMs !== null && lockoutClearMs > 0 ? new Date(lockedAtMs + lockoutClearMs).toISOString() : null,
          lastValidationAt: isoOrNull(row.lastValidationAt),
          lastValidationOk: row.lastValidationOk,
          createdBy: row.createdBy,
          createdAt: new Date(row.createdAt).toISOString(),
          tokens: row.tokens.map((token) => {
            const reason = unusableBecause({ state: token.state, secretCiphertext: token.hasSeed ? Buffer.alloc(1) : null });
            return { ...token, lastUsedAt: token.lastUsedAt ? new Date(token.lastUsedAt).toISOString() : null, usable: reason === null, unusableBecause: reason };
          }),
        };
      }),
      nextCursor: more && last ? encodeCursor([last.cursorMicros, last.id]) : null,
    });
  });

  route(router, endpoints.unlockValidationUser, async (req, res) => {
    const id = pathId(req.params);
    const user = await unlockValidationUser(deps.sql, { userId: id, actor: principalOf(res).actor });
    if (!user) throw notFound(`Validation user ${id}`);
    send(res, endpoints.unlockValidationUser, 200, { userid: user.id, email: user.email, failedValidations: user.failedValidations, locked: false });
  });

  route(router, endpoints.tokenValidations, async (req, res) => {
    const id = pathId(req.params);
    const query = parseInput(PageQuery, req.query, 'query');
    if (!isUuid(id)) throw notFound(`Token ${id}`);
    const [token] = await deps.sql`select id from tokens where id = ${id}`;
    if (!token) throw notFound(`Token ${id}`);
    const after = query.cursor ? decodeCursor(query.cursor, z.tuple([z.number().int()])) : undefined;
    const rows = await deps.sql<{ id: string; at: string; actor: string; outcome: string; detail: Record<string, unknown> | null }[]>`
      select id::text, at::text, actor, outcome, detail from audit_events
      where token_id = ${id} and action = 'validation.checked' ${after ? deps.sql`and id < ${after[0]}` : deps.sql``}
      order by id desc limit ${query.limit + 1}`;
    const more = rows.length > query.limit;
    const kept = more ? rows.slice(0, query.limit) : rows;
    send(res, endpoints.tokenValidations, 200, {
      items: kept.map((row) => ({
        id: Number(row.id),
        at: new Date(row.at).toISOString(),
        keyName: typeof row.detail?.keyName === 'string' ? row.detail.keyName : row.actor.replace(/^api-key:/, ''),
        valid: row.outcome === 'success',
        reason: typeof row.detail?.reason === 'string' ? row.detail.reason : null,
        userid: typeof row.detail?.userid === 'string' ? row.detail.userid : null,
        email: typeof row.detail?.email === 'string' ? row.detail.email : null,
        driftSteps: typeof row.detail?.driftSteps === 'number' ? row.detail.driftSteps : null,
        client: typeof row.detail?.client === 'string' ? row.detail.client : null,
      })),
      nextCursor: more && kept.length ? encodeCursor([Number(kept[kept.length - 1]!.id)]) : null,
    });
  });
}
