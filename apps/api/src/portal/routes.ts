// The self-service portal's API (/api/v1/my/…; docs/sign-in.md, "Self-service"): a person of the tenant,
// signed in with Microsoft, sees the tokens assigned to them and puts one into service by typing its serial
// and the code it shows. The code is checked here against the seed (proof they hold the device); the token
// is then assigned to them and the same code sent to Entra by the worker (token.assign → token.activate,
// through the queue like every Graph write). A serial that is someone else's answers exactly like an
// unknown one. Attempts are limited per person and hour (Redis), and every action is audited with the
// person as actor. Nothing here opens an operator route, nor the other way round.
import { and, eq, inArray, ne, or, sql } from 'drizzle-orm';
import type { Router } from 'express';
import { endpoints, PortalActivation, PortalCode, type PortalToken } from '@tokenfleet/contract';
import { appendAudit, operations, operatorCodeBinding, requestOperation, requestTokenAction, tenants, tokens, TokenStateConflict, updateTokenFields, type Database, type Operation, type Token } from '@tokenfleet/db';
import { totpStep, UNFINISHED_OPERATION_STATUSES, verifyTotp } from '@tokenfleet/domain';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError, conflict, describeErrorForLog } from '../errors';
import { enqueueAfterCommit, totpKeyFor } from '../routes/tokens';
import { isUuid, parseInput, pathId } from '../validation';
import { clearSessionCookie } from '../sessions';
import { PORTAL_COOKIE, portalAuthentication, portalUserOf, type PortalSessionStore, type PortalUser } from './sessions';
import { selfServiceSettings } from './settings';

const UNKNOWN_SERIAL = 'No token with this serial number can be activated by you. Check the serial printed on the back of the token; if it is right, ask the helpdesk.';
const WRONG_CODE = 'That is not the code the token shows now. Press the button for a new code (or wait for the next one) and type it.';
/** A code typed on the portal is accepted one step either side of the token's known drift (a slow typist). */
const CODE_WINDOW_STEPS = 1;

const portalColumns = { id: tokens.id, serialNumber: tokens.serialNumber, manufacturer: tokens.manufacturer, model: tokens.model, state: tokens.state, lastUsedAt: tokens.lastUsedAt };

/** The person's tokens: assigned to their object id, or to their UPN before Entra named the id. */
const heldBy = (user: PortalUser) => and(eq(tokens.tenantId, user.tenantId), or(eq(tokens.assignedUserId, user.objectId), sql`lower(${tokens.assignedUpn}) = ${user.upn.toLowerCase()}`));

export function portalRoutes(router: Router, deps: ApiDeps, store: PortalSessionStore): void {
  const { db } = deps;
  const guarded = portalAuthentication(store);

  async function settingsOf(tenantId: string) {
    const [tenant] = await db.select().from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) throw new Error(`tenant ${tenantId} is gone`);
    return selfServiceSettings(tenant);
  }

  async function portalTokens(user: PortalUser, extra?: ReturnType<typeof eq>): Promise<PortalToken[]> {
    const rows = await db
      .select({
        ...portalColumns,
        // Spelled out: inside a subquery drizzle would leave the columns unqualified, and `id` would be the operation's.
        activating: sql<boolean>`exists (select 1 from operations o where o.token_id = "tokens"."id" and o.kind in ('token.assign', 'token.activate') and o.status in ('pending', 'queued', 'running'))`,
      })
      .from(tokens)
      .where(and(heldBy(user), ne(tokens.state, 'deleted'), extra))
      .orderBy(tokens.serialNumber);
    return rows.map((row) => ({ ...row, lastUsedAt: row.lastUsedAt?.toISOString() ?? null }));
  }

  async function ownToken(user: PortalUser, id: string): Promise<PortalToken> {
    const [token] = isUuid(id) ? await portalTokens(user, eq(tokens.id, id)) : [];
    if (!token) throw new ApiError(404, 'not_found', 'You hold no such token');
    return token;
  }

  /** Counts one attempt of this person this hour; refuses beyond the tenant's limit. */
  async function countAttempt(user: PortalUser, limit: number): Promise<void> {
    const key = `${deps.redisPrefix}:self-service-attempts:${user.tenantId}:${user.objectId}`;
    const count = await deps.redis.incr(key);
    if (count === 1) await deps.redis.expire(key, 3600);
    if (count > limit) {
      const wait = Math.max(1, await deps.redis.ttl(key));
      throw new ApiError(429, 'too_many_attempts', `You have tried ${limit} times this hour; try again in ${Math.ceil(wait / 60)} minute(s), or ask the helpdesk`);
    }
  }

  const audit = (user: PortalUser, action: string, outcome: 'success' | 'failure' | 'info', token: Pick<Token, 'id'> | null, detail: Record<string, unknown>, tx: Database = db) =>
    appendAudit(tx, { actor: user.actor, action, outcome, tenantId: user.tenantId, targetType: token ? 'token' : 'user', targetId: token?.id ?? user.objectId, ...(token ? { tokenId: token.id } : {}), detail: { ...detail, portal: true } });

  route(router, endpoints.portalSession, guarded, async (_req, res) => {
    const user = portalUserOf(res);
    send(res, endpoints.portalSession, 200, { user: { upn: user.upn, name: user.name }, csrfToken: user.csrfToken, selfService: { enabled: (await settingsOf(user.tenantId)).enabled } });
  });

  route(router, endpoints.portalSignOut, guarded, async (_req, res) => {
    const user = portalUserOf(res);
    await store.end(user.sessionId);
    await audit(user, 'portal.signed_out', 'info', null, {});
    clearSessionCookie(res, PORTAL_COOKIE);
    res.status(204).end();
  });

  route(router, endpoints.portalTokens, guarded, async (_req, res) => {
    send(res, endpoints.portalTokens, 200, await portalTokens(portalUserOf(res)));
  });

  route(router, endpoints.portalActivate, guarded, async (req, res) => {
    const user = portalUserOf(res);
    const { serialNumber, code } = parseInput(PortalActivation, req.body, 'request body');
    const settings = await settingsOf(user.tenantId);
    if (!settings.enabled) throw conflict('Self-service activation is turned off for this organisation; ask the helpdesk to activate your token', 'self_service_off');
    await countAttempt(user, settings.attemptsPerHour);

    const outcome = await db.transaction(async (tx) => {
      const [token] = await tx.select().from(tokens).where(and(eq(tokens.tenantId, user.tenantId), eq(tokens.serialNumber, serialNumber))).for('update');
      const own = token !== undefined && (token.assignedUserId === user.objectId || token.assignedUpn?.toLowerCase() === user.upn.toLowerCase());
      const inStock = token !== undefined && token.assignedUserId === null && token.assignedUpn === null && (token.state === 'created' || token.state === 'imported');
      const eligible = inStock && (settings.eligibleImportIds === null || (token.importId !== null && settings.eligibleImportIds.includes(token.importId)));
      // Someone else's token, an ineligible one and an unknown serial get one answer: nothing is disclosed.
      if (!token || !(own || eligible)) return { refused: 'unknown_serial' as const };
      if (own && token.state === 'active') throw conflict('This token is active already: you can sign in with it', 'already_active');
      if (!own && token.state === 'imported') throw conflict('This token is still on its way into Entra; try again in a few minutes', 'not_ready');
      if (own && token.state !== 'assigned') throw conflict(`This token is ${token.state}; ask the helpdesk`, 'not_activatable');
      const [inFlight] = await tx
        .select({ id: operations.id })
        .from(operations)
        .where(and(eq(operations.tokenId, token.id), inArray(operations.kind, ['token.assign', 'token.activate']), inArray(operations.status, [...UNFINISHED_OPERATION_STATUSES])))
        .limit(1);
      if (inFlight) throw conflict('An activation of this token is under way already', 'operation_in_progress');

      const key = totpKeyFor(deps.vault, token);
      const now = Date.now();
      const verdict = verifyTotp(key, code, now, CODE_WINDOW_STEPS, token.driftSteps);
      if (!verdict.ok) return { refused: 'wrong_code' as const, token };
      // The person's code goes to Entra as the proof they hold the device: sealed in the operation row as
      // an operator's typed code is (bound to the token, removed once sent), never in job data.
      const sealed = deps.vault.encrypt(operatorCodeBinding(token.id), code);
      const sealedCode = { keyId: sealed.keyId, ciphertext: sealed.ciphertext.toString('base64'), step: totpStep(now, key.periodSeconds) + verdict.drift };
      const params = { upn: user.upn, selfService: true, sealedCode };
      const operation: Operation = own
        ? await requestOperation(tx, { tenantId: token.tenantId, tokenId: token.id, kind: 'token.activate', params, actor: user.actor })
        : await requestOperation(tx, { tenantId: token.tenantId, tokenId: token.id, kind: 'token.assign', params: { ...params, activate: true }, actor: user.actor });
      // Reserved for this person from now on: it leaves the stock (no one else can claim it) and shows in their list.
      if (!own) await updateTokenFields(tx, token.id, { assignedUpn: user.upn });
      await audit(user, 'self_service.activation_requested', 'success', token, { serialNumber, assigned: !own, operationId: operation.id }, tx);
      return { operation, token };
    });

    if ('refused' in outcome) {
      await audit(user, 'self_service.activation_refused', 'failure', outcome.refused === 'wrong_code' ? outcome.token : null, { serialNumber, reason: outcome.refused });
      if (outcome.refused === 'wrong_code') throw new ApiError(422, 'wrong_code', WRONG_CODE);
      throw new ApiError(404, 'unknown_serial', UNKNOWN_SERIAL);
    }
    await enqueueAfterCommit(deps, [outcome.operation], (error) => req.log.error({ error: describeErrorForLog(error), operationId: outcome.operation.id }, 'could not enqueue; the reconciler will'));
    send(res, endpoints.portalActivate, 202, { token: await ownToken(user, outcome.token.id), operationId: outcome.operation.id });
  });

  route(router, endpoints.portalTestCode, guarded, async (req, res) => {
    const user = portalUserOf(res);
    const { code } = parseInput(PortalCode, req.body, 'request body');
    const owned = await ownToken(user, pathId(req.params));
    await countAttempt(user, (await settingsOf(user.tenantId)).attemptsPerHour);
    const [token] = await db.select().from(tokens).where(eq(tokens.id, owned.id));
    // Checked here, not consumed: the validation API's replay guard (last accepted step) is left as it is.
    const verdict = verifyTotp(totpKeyFor(deps.vault, token!), code, Date.now(), CODE_WINDOW_STEPS, token!.driftSteps);
    await audit(user, 'token.tested', verdict.ok ? 'success' : 'failure', token!, { valid: verdict.ok });
    send(res, endpoints.portalTestCode, 200, { valid: verdict.ok });
  });

  route(router, endpoints.portalReportLost, guarded, async (req, res) => {
    const user = portalUserOf(res);
    const owned = await ownToken(user, pathId(req.params));
    // The life-cycle path (packages/db/src/token-actions.ts): marked lost at once, queued activations
    // cancelled, and Entra deactivates it ahead of the tenant's other work. The helpdesk sees it on the
    // dashboard (the token's state, and the audit row below naming the holder).
    const result = await db.transaction(async (tx) => {
      try {
        const done = await requestTokenAction(tx, { tokenId: owned.id, action: 'lost', actor: user.actor, params: { note: 'reported lost by its holder on the self-service portal' } });
        await audit(user, 'token.reported_lost', 'info', done.token, { serialNumber: done.token.serialNumber, helpdesk: 'needs action: replace the token' }, tx);
        return done;
      } catch (error) {
        if (error instanceof TokenStateConflict) throw conflict(error.message, 'not_reportable');
        throw error;
      }
    });
    await enqueueAfterCommit(deps, result.operations, (error) => req.log.error({ error: describeErrorForLog(error) }, 'could not enqueue; the reconciler will'));
    const token = await ownToken(user, owned.id);
    send(res, endpoints.portalReportLost, 200, { token, disabled: true, helpdeskNotified: true });
  });
}
