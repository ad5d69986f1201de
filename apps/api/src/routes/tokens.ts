// The token inventory: filtered lists, detail with its operations and audit trail, and the actions.
// Every action goes through requestTokenAction (packages/db/src/token-actions.ts) in one transaction, and
// the operations it wrote are enqueued after COMMIT; test and resync are answered at once, without Graph.
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import {
  AssignRequest,
  CodeCheck,
  DeleteRequest,
  EnableRequest,
  LostReport,
  TokenEdit,
  type TokenGraphAction,
  endpoints,
  PageQuery,
  ResyncRequest,
  TokenExpiryChange,
  TokenRecord,
  TOKEN_GRAPH_ACTIONS,
  TOKEN_LIFECYCLE_ACTIONS,
  tokenGraphActions,
  tokenLifecycleActions,
  TokenListQuery,
  type Token as TokenView,
} from '@tokenfleet/contract';
import {
  appendAudit,
  type DbOrTx,
  auditEvents,
  directoryUsers,
  obsoleteAfterDaysOfToken,
  operations,
  requestTokenAction,
  tokenFilterConditions,
  TokenNotFound,
  tokens,
  TokenStateConflict,
  updateTokenFields,
  type Operation,
  type Token,
  type TokenActionParams,
  type TokenActionResult,
} from '@tokenfleet/db';
import { base32Decode, describeTokenStatus, tokenStatus, findConsecutiveCodes, RESYNC_WINDOW_STEPS, totpStep, verifyTotp, type TokenAction, type TotpKey } from '@tokenfleet/domain';
import { enqueueOperations } from '@tokenfleet/queue';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError, conflict, describeErrorForLog, notFound } from '../errors';
import { auditItem, auditItemColumns } from './audit';
import { afterCreatedCursor, createdCursorKey, createdMicros, newestFirst, numericCursor, toPage } from '../paging';
import { isUuid, parseInput, pathId } from '../validation';

/** Columns that hold the seed: never part of an answer, whatever a schema says. */
const SEED_COLUMNS = ['secretCiphertext', 'secretKeyId'] as const;
type TokenField = Exclude<keyof z.output<typeof TokenRecord>, (typeof SEED_COLUMNS)[number]>;

/**
 * The columns a token is shown with: exactly the stored fields of the contract's Token (TokenRecord), each
 * read from the column of its name (a field that is not a column does not compile here), plus what the
 * answer derives: the tenant's idle limit (for the status) and the user's display name. Chosen by name, so
 * the seed columns are never read for a response.
 */
const TOKEN_FIELDS = Object.keys(TokenRecord.shape) as TokenField[];
if (TOKEN_FIELDS.some((field) => (SEED_COLUMNS as readonly string[]).includes(field))) throw new Error('a token answer may not carry its seed');
export const tokenItemColumns = {
  ...(Object.fromEntries(TOKEN_FIELDS.map((field) => [field, tokens[field]])) as { [K in TokenField]: (typeof tokens)[K] }),
  obsoleteAfterDays: obsoleteAfterDaysOfToken,
  assignedUserDisplayName: sql<string | null>`(select ${directoryUsers.displayName} from ${directoryUsers}
    where ${directoryUsers.tenantId} = ${tokens.tenantId} and ${directoryUsers.upnLower} = lower(${tokens.assignedUpn}))`,
};

type TokenItemRow = { [K in TokenField]: Token[K] } & { obsoleteAfterDays: number | null; assignedUserDisplayName: string | null };

const iso = (date: Date | null) => date?.toISOString() ?? null;

export function tokenItem({ obsoleteAfterDays, ...row }: TokenItemRow, now = new Date()): TokenView {
  const policy = { obsoleteAfterDays };
  const verdict = tokenStatus(row, policy, now);
  return {
    ...row,
    lastUsedAt: iso(row.lastUsedAt),
    activatedAt: iso(row.activatedAt),
    expiresAt: iso(row.expiresAt),
    manufacturedAt: iso(row.manufacturedAt),
    lastTestedAt: iso(row.lastTestedAt),
    lastResyncedAt: iso(row.lastResyncedAt),
    lostAt: iso(row.lostAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    status: verdict.status,
    statusReason: describeTokenStatus(verdict, row, policy),
  };
}

export function tokenRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;

  route(router, endpoints.listTokens, async (req, res) => {
    const query = parseInput(TokenListQuery, req.query, 'query');
    const now = new Date();
    const rows = await db
      .select({ ...tokenItemColumns, cursorMicros: createdMicros(tokens.createdAt) })
      .from(tokens)
      .where(
        and(
          ...tokenFilterConditions(query, now),
          afterCreatedCursor(query.cursor, tokens.createdAt, tokens.id),
        ),
      )
      .orderBy(...newestFirst(tokens.createdAt, tokens.id))
      .limit(query.limit + 1);
    send(res, endpoints.listTokens, 200, toPage(rows, query.limit, ({ cursorMicros: _cursor, ...row }) => tokenItem(row, now), createdCursorKey));
  });

  async function findTokenItem(id: string, reader: DbOrTx = db) {
    const [row] = isUuid(id)
      ? await reader
          .select({
            ...tokenItemColumns,
            graphDeviceId: tokens.graphDeviceId,
            assignedUserId: tokens.assignedUserId,
            driftSteps: tokens.driftSteps,
            hasSeed: sql<boolean>`${tokens.secretCiphertext} is not null`,
          })
          .from(tokens)
          .where(eq(tokens.id, id))
      : [];
    if (!row) throw notFound(`Token ${id}`);
    return row;
  }

  route(router, endpoints.getToken, async (req, res) => {
    // One snapshot for the token and its operations: the detail page stops polling when no operation is
    // unfinished, so a state read before a job's commit beside operations read after it would leave the
    // page showing the old state for good (apps/api/test/token-detail-snapshot.test.ts).
    const { row, tokenOperations } = await db.transaction(
      async (tx) => {
        const row = await findTokenItem(pathId(req.params), tx);
        const tokenOperations = await tx
          .select({
            id: operations.id,
            kind: operations.kind,
            status: operations.status,
            attempts: operations.attempts,
            lastErrorCode: operations.lastErrorCode,
            lastErrorMessage: operations.lastErrorMessage,
            createdBy: operations.createdBy,
            chainId: operations.chainId,
            createdAt: operations.createdAt,
            updatedAt: operations.updatedAt,
          })
          .from(operations)
          .where(eq(operations.tokenId, row.id))
          .orderBy(desc(operations.createdAt), desc(operations.id))
          .limit(100);
        return { row, tokenOperations };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    const { graphDeviceId, assignedUserId, driftSteps, hasSeed, ...item } = row;
    send(res, endpoints.getToken, 200, {
      ...tokenItem(item),
      graphDeviceId,
      assignedUserId,
      driftSteps,
      hasSeed,
      operations: tokenOperations.map((operation) => ({ ...operation, createdAt: operation.createdAt.toISOString(), updatedAt: operation.updatedAt.toISOString() })),
    });
  });

  route(router, endpoints.tokenAudit, async (req, res) => {
    const token = await findTokenItem(pathId(req.params));
    const query = parseInput(PageQuery, req.query, 'query');
    const after = numericCursor(query.cursor);
    const rows = await db
      .select(auditItemColumns)
      .from(auditEvents)
      .where(and(eq(auditEvents.tokenId, token.id), after === undefined ? undefined : sql`${auditEvents.id} < ${after}`))
      .orderBy(desc(auditEvents.id))
      .limit(query.limit + 1);
    send(res, endpoints.tokenAudit, 200, toPage(rows, query.limit, auditItem, (row) => [row.id]));
  });

  // ---- Actions: requestTokenAction in a transaction, jobs after COMMIT ----------------------------------

  /** Runs one action on one token (packages/db/src/token-actions.ts), then enqueues what it wrote. */
  async function act(req: Request, res: Response, action: TokenAction, params: TokenActionParams = {}): Promise<TokenActionResult> {
    const tokenId = pathId(req.params);
    if (!isUuid(tokenId)) throw notFound(`Token ${tokenId}`);
    const result = await db
      .transaction((tx) => requestTokenAction(tx, { tokenId, action, actor: principalOf(res).actor, params, vault: deps.vault }))
      .catch((error: unknown) => Promise.reject(actionRefusal(error)));
    await enqueueAfterCommit(deps, result.operations, (error) => req.log.error({ error: describeErrorForLog(error), operationIds: result.operations.map((op) => op.id) }, 'could not enqueue; the reconciler will'));
    return result;
  }

  /** What each Graph-facing action takes from its request body. */
  const ACTION_INPUT: { [A in TokenGraphAction]?: (body: unknown) => TokenActionParams } = {
    assign: (body) => ({ upn: parseInput(AssignRequest, body, 'request body').upn }),
    reassign: (body) => ({ upn: parseInput(AssignRequest, body, 'request body').upn }),
    delete: (body) => withoutUndefined({ confirm: parseInput(DeleteRequest, body ?? {}, 'request body').confirm }),
    enable: (body) => withoutUndefined({ verificationCode: parseInput(EnableRequest, body ?? {}, 'request body').verificationCode }),
  };

  for (const action of TOKEN_GRAPH_ACTIONS) {
    const endpoint = tokenGraphActions[action];
    route(router, endpoint, async (req, res) => {
      const { operations: [operation] } = await act(req, res, action, ACTION_INPUT[action]?.(req.body) ?? {});
      send(res, endpoint, 202, { operationId: operation!.id });
    });
  }

  for (const action of TOKEN_LIFECYCLE_ACTIONS) {
    const endpoint = tokenLifecycleActions[action];
    route(router, endpoint, async (req, res) => {
      const { token } = await act(req, res, action);
      send(res, endpoint, 200, await tokenView(token.id));
    });
  }

  route(router, endpoints.setTokenExpiry, async (req, res) => {
    const { expiresAt } = parseInput(TokenExpiryChange, req.body, 'request body');
    const tokenId = pathId(req.params);
    if (!isUuid(tokenId)) throw notFound(`Token ${tokenId}`);
    // A date alone is the end of that day (UTC), as a seed file's expiry date is (packages/domain/src/seeds.ts).
    const next = expiresAt === null ? null : new Date(expiresAt.length === 10 ? `${expiresAt}T23:59:59.999Z` : expiresAt);
    await db.transaction(async (tx) => {
      const [token] = await tx.select({ id: tokens.id, tenantId: tokens.tenantId, expiresAt: tokens.expiresAt }).from(tokens).where(eq(tokens.id, tokenId)).for('update');
      if (!token) throw notFound(`Token ${tokenId}`);
      await updateTokenFields(tx, token.id, { expiresAt: next });
      await appendAudit(tx, {
        actor: principalOf(res).actor,
        action: 'token.expiry_changed',
        outcome: 'success',
        tenantId: token.tenantId,
        targetType: 'token',
        targetId: token.id,
        tokenId: token.id,
        detail: { before: iso(token.expiresAt), after: iso(next) },
      });
    });
    send(res, endpoints.setTokenExpiry, 200, await tokenView(tokenId));
  });

  route(router, endpoints.reportLost, async (req, res) => {
    const { note } = parseInput(LostReport, req.body, 'request body');
    const { token, operations: written } = await act(req, res, 'lost', { note });
    send(res, endpoints.reportLost, 202, { token: await tokenView(token.id), operationId: written[0]?.id ?? null });
  });

  route(router, endpoints.editToken, async (req, res) => {
    const edit = parseInput(TokenEdit, req.body, 'request body');
    const { token, operations: written } = await act(req, res, 'edit', withoutUndefined({ displayName: edit.displayName, comment: edit.comment }));
    send(res, endpoints.editToken, 200, { token: await tokenView(token.id), operationId: written[0]?.id ?? null });
  });

  async function tokenView(id: string): Promise<TokenView> {
    const { graphDeviceId: _g, assignedUserId: _a, driftSteps: _d, hasSeed: _h, ...item } = await findTokenItem(id);
    return tokenItem(item);
  }

  /** The token's TOTP key, decrypted for a check; never leaves this process. */
  async function totpKeyOf(tokenId: string): Promise<{ token: Pick<Token, 'id' | 'tenantId' | 'driftSteps' | 'timeIntervalSeconds'>; key: TotpKey }> {
    const [token] = isUuid(tokenId) ? await db.select().from(tokens).where(eq(tokens.id, tokenId)) : [];
    if (!token) throw notFound(`Token ${tokenId}`);
    return { token, key: totpKeyFor(deps.vault, token) };
  }

  route(router, endpoints.testCode, async (req, res) => {
    const { code } = parseInput(CodeCheck, req.body, 'request body');
    const { token, key } = await totpKeyOf(pathId(req.params));
    // A window of one step around the drift the token is known to have; the code is not consumed.
    const result = verifyTotp(key, code, Date.now(), 1, token.driftSteps);
    const drift = result.ok ? result.drift : null;
    // A check is not a change of the token: its "updated" time stays.
    await db.update(tokens).set({ lastTestedAt: new Date(), updatedAt: sql`${tokens.updatedAt}` }).where(eq(tokens.id, token.id));
    await appendAudit(db, {
      actor: principalOf(res).actor,
      action: 'token.tested',
      outcome: result.ok ? 'success' : 'failure',
      tenantId: token.tenantId,
      targetType: 'token',
      targetId: token.id,
      tokenId: token.id,
      detail: { valid: result.ok, drift },
    });
    send(res, endpoints.testCode, 200, { valid: result.ok, drift });
  });

  route(router, endpoints.resync, async (req, res) => {
    const { code1, code2 } = parseInput(ResyncRequest, req.body, 'request body');
    const actor = principalOf(res).actor;
    const { token, key } = await totpKeyOf(pathId(req.params));
    const currentStep = totpStep(Date.now(), token.timeIntervalSeconds);
    const step = findConsecutiveCodes(key, code1, code2, currentStep, RESYNC_WINDOW_STEPS);
    const audit = { actor, action: 'token.resynced', tenantId: token.tenantId, targetType: 'token', targetId: token.id, tokenId: token.id } as const;
    if (step === null) {
      // An attempt counts as "last resynced" only when it succeeds: the drift it shows is the one stored.
      await appendAudit(db, { ...audit, outcome: 'failure', detail: { reason: 'codes not found as consecutive codes' } });
      throw new ApiError(
        400,
        'resync_failed',
        `These are not two consecutive codes of this token within ${RESYNC_WINDOW_STEPS} time steps of now; enter two codes the token shows one after the other`,
      );
    }
    const driftSteps = step - currentStep;
    await db.transaction(async (tx) => {
      // The newer code is spent: the validation API must not accept it (or anything before it) again.
      await updateTokenFields(tx, token.id, { driftSteps, lastAcceptedStep: step, failedValidations: 0, lockedUntil: null, lastResyncedAt: new Date() });
      await appendAudit(tx, { ...audit, outcome: 'success', detail: { previousDriftSteps: token.driftSteps, driftSteps } });
    });
    send(res, endpoints.resync, 200, { driftSteps });
  });
}

/** A token's TOTP key, decrypted for a check in this process (never answered); a purged seed is a 409. */
export function totpKeyFor(vault: ApiDeps['vault'], token: Token): TotpKey {
  if (!token.secretKeyId || !token.secretCiphertext) {
    throw conflict('This token has no seed any more (it was purged), so its codes cannot be checked here', 'seed_purged');
  }
  const secret = base32Decode(vault.decrypt(token.id, token.secretKeyId, token.secretCiphertext));
  if (!secret) throw new Error(`the stored seed of token ${token.id} is not Base32`);
  return { secret, hashFunction: token.hashFunction, periodSeconds: token.timeIntervalSeconds, digits: token.digits };
}

/** Enqueues committed operations; a failure is only logged, because the reconciler enqueues queued rows. */
export async function enqueueAfterCommit(deps: ApiDeps, committed: Operation[], onError: (error: unknown) => void): Promise<void> {
  const byTenant = new Map<string, Operation[]>();
  for (const operation of committed) byTenant.set(operation.tenantId, [...(byTenant.get(operation.tenantId) ?? []), operation]);
  for (const [tenantId, tenantOperations] of byTenant) {
    try {
      await enqueueOperations(deps.queues(tenantId), tenantOperations);
    } catch (error) {
      onError(error);
    }
  }
}

/** What requestTokenAction refuses, as the API answers it: 404 for no such token, 409 with the reason's code. */
export function actionRefusal(error: unknown): unknown {
  if (error instanceof TokenNotFound) return notFound(`Token ${error.tokenId}`);
  if (error instanceof TokenStateConflict) return conflict(capitalise(error.message), error.code);
  return error;
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
