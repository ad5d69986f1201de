// The TOTPRadius-compatible routes at the server root, beside the dashboard (docs/validation-api.md):
// `/validate`, `/createuser`, `/api.php?action=listusers`, GET with query parameters or POST with form
// parameters, and `/qr/<ticket>.png`, the image a `hashqr` link shows. Answers are in the `format` asked
// for, errors too; a wrong code, an unknown or locked user is `validation` false with HTTP 200.
//
// The three wire routes answer on node's own request and response, ahead of express: a validation is
// a few hundred microseconds of work, and express's per-request set-up and routing (the request and
// response given its prototypes, the route layers, the body parser) was a fifth of it. The QR image is
// not a hot path and stays an express route.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import { appendAudit, findValidationUser } from '@tokenfleet/db';
import { otpauthUri } from '@tokenfleet/domain';
import type { ApiDeps } from '../deps';
import { describeErrorForLog } from '../errors';
import { hashApiKey } from '../auth';
import { readForm } from './form-body';
import { checkValidatorKey, lookupKey, MISSING_KEY, type ValidatorKey } from './keys';
import { issueQrTicket, qrPng, readQrTicket, seedFingerprint } from './qr';
import { redisRateLimiter } from './rate-limit';
import type { ValidationSubject } from '@tokenfleet/db';
import { SOFTWARE_TOKEN, ValidationService, type Caller, type ValidationReason } from './service';
import { formatOf, param, send, WireError, writeBody, type Fields, type Format, type WireParams } from './wire';

export const QR_PATH = '/qr';

/** What `response` says for each outcome of a validation. */
const RESPONSE_TEXT: Record<ValidationReason, string> = {
  accepted: 'token validated',
  'wrong code': 'invalid token',
  replayed: 'token already used',
  locked: 'user locked after too many failed validations',
  'unknown user': 'user not found',
  'no usable token': 'user has no usable token',
  'malformed code': 'invalid token',
};

const EMAIL = /^[^\s@]{1,128}@[^\s@]{1,255}$/;
const E164 = /^\+[1-9]\d{1,14}$/;

/** A request to a wire route: its parameters, and what the answer needs of where it came from. */
interface WireRequest extends WireParams {
  method: string;
  path: string;
  /** The caller's address. */
  client: string;
  /** `scheme://host` the request was sent to, for `hashqr` links when no public URL is set. */
  origin: string;
}

type Handler = (req: WireRequest, res: ServerResponse, format: Format, caller: Caller & { key: ValidatorKey }, prefetched: Promise<unknown> | undefined) => Promise<void>;

/** Security headers of these answers; machine clients read them, never a browser, so not helmet's full set. */
const SECURITY_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'none'" };

export interface ValidationRoutes {
  /**
   * Answers a request for one of the wire routes and returns true; returns false, touching nothing, for
   * any other request. Called by the server before express, and as express's first middleware.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The wire routes' paths, each answering GET (and HEAD) and POST. */
  wirePaths: string[];
  /** The QR images, an express router. */
  router: Router;
}

/** The route a path names: as express matches, case-insensitive and with or without one trailing slash. */
const routeKey = (path: string) => (path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path).toLowerCase();

export function validationRoutes(deps: ApiDeps): ValidationRoutes {
  const router = express.Router();
  const wireRoutes = new Map<string, (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => Promise<void>>();
  const now = deps.clock ?? Date.now;
  const config = () => deps.config.validation;
  // The hot path's statements go to a pool of their own (packages/config/src/validation.ts says why it is small).
  const sql = deps.validationSql;
  const service = new ValidationService(sql, deps.vault, config, now);
  const limiter = redisRateLimiter(deps.redis, deps.redisPrefix, () => config().rateLimitPerSecond);

  /** One route, GET and POST: format, key, rate limit, then the handler; every refusal in the format asked for. */
  function route(
    path: string,
    verdict: 'validation' | 'success',
    handler: Handler,
    options: {
      jsonOnly?: boolean;
      /** The handler's own read, made together with the key's look-up in one round trip; its key is checked before anything else of it is used. */
      withKey?: (req: WireRequest, keyHash: string) => Promise<{ key?: ValidationSubject['key'] }> | undefined;
    } = {},
  ): void {
    wireRoutes.set(path, async (incoming, res, requestPath, query) => {
      // A body that cannot be read is refused in the format the query string asks for.
      const form = await readForm(incoming).then(
        (value) => ({ value, problem: undefined }),
        (problem: unknown) => ({ value: undefined, problem }),
      );
      const socket = incoming.socket as IncomingMessage['socket'] & { encrypted?: boolean };
      const req: WireRequest = {
        method: incoming.method ?? 'GET',
        path: requestPath,
        query,
        form: form.value,
        client: socket.remoteAddress ?? 'unknown',
        origin: `${socket.encrypted ? 'https' : 'http'}://${incoming.headers.host ?? 'localhost'}`,
      };
      const asked = formatOf(req);
      const format: Format = options.jsonOnly ? 1 : (asked ?? 0);
      const failed = (status: number, code: string, message: string) =>
        send(res, status, format, { response: message, error: code, ...(verdict === 'validation' ? { userid: param(req, 'userid') ?? '', validation: 'false' } : { success: 'false' }) }, verdict);
      try {
        if (form.problem) throw form.problem;
        if (asked === null && !options.jsonOnly) throw new WireError(400, 'invalid_format', 'format must be 0 (serialized), 1 (JSON), 2 (XML) or 3 (plain text)');
        const nowMs = now();
        const given = param(req, 'api_key') ?? param(req, 'api');
        if (!given) throw MISSING_KEY();
        const keyHash = hashApiKey(given);
        const prefetched = options.withKey?.(req, keyHash);
        const key = await checkValidatorKey(sql, prefetched ? ((await prefetched).key ?? null) : await lookupKey(sql, keyHash), nowMs);
        const allowed = await limiter.take(key.id, nowMs);
        if (!allowed.allowed) {
          throw new WireError(429, 'rate_limited', `too many requests with this api key; at most ${config().rateLimitPerSecond} per second`, {
            'Retry-After': String(Math.max(1, Math.ceil(allowed.retryAfterMs / 1000))),
          });
        }
        await handler(req, res, format, { key, keyName: key.name, client: req.client }, prefetched);
      } catch (error) {
        if (error instanceof WireError) {
          for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
          failed(error.status, error.code, error.message);
          return;
        }
        // These routes are ahead of the request logger, so the failure gets its id here.
        const requestId = randomUUID();
        res.setHeader('X-Request-Id', requestId);
        deps.logger.error({ requestId, method: req.method, path: req.path, error: describeErrorForLog(error) }, 'validation request failed');
        failed(500, 'internal_error', `internal error; it was logged under request id ${requestId}`);
      }
    });
  }

  router.use(QR_PATH, (_req, res, next) => {
    res.set(SECURITY_HEADERS);
    next();
  });

  const validUserid = (req: WireRequest) => {
    const userid = param(req, 'userid')?.trim();
    return userid && userid.length <= 256 && param(req, 'token')?.trim() ? userid : undefined;
  };
  route(
    '/validate',
    'validation',
    async (req, res, format, caller, prefetched) => {
      const userid = param(req, 'userid')?.trim();
      const code = param(req, 'token')?.trim();
      if (!userid) throw new WireError(400, 'missing_userid', 'userid missing');
      if (!code) throw new WireError(400, 'missing_token', 'token missing');
      if (userid.length > 256) throw new WireError(400, 'invalid_userid', 'userid too long');
      const outcome = await service.validate(userid, code, caller, prefetched as Promise<ValidationSubject> | undefined);
      send(res, 200, format, { response: RESPONSE_TEXT[outcome.reason], userid: outcome.userid, validation: outcome.valid ? 'true' : 'false' }, 'validation');
    },
    {
      withKey: (req, keyHash) => {
        const userid = validUserid(req);
        return userid ? service.load(userid, keyHash) : undefined;
      },
    },
  );

  route('/createuser', 'success', async (req, res, format, caller) => {
    const email = param(req, 'email')?.trim();
    const phone = param(req, 'phone')?.trim() || null;
    const type = param(req, 'type')?.trim() || '0';
    if (!email) throw new WireError(400, 'missing_email', 'email missing');
    if (!EMAIL.test(email)) throw new WireError(400, 'invalid_email', 'email not valid');
    if (phone && !E164.test(phone)) throw new WireError(400, 'invalid_phone', 'phone not valid: use E.164, such as +41790000000');
    if (type !== '0') throw new WireError(400, 'unsupported_type', 'only type 0 (a mobile app) is supported');
    const { user, created, secretBase32 } = await service.createUser({ email, phone }, caller);
    const ticket = await issueQrTicket(deps.redis, deps.redisPrefix, { userId: user.id, seedFingerprint: seedFingerprint(user.secretCiphertext!) }, config().qrTtlMs);
    await appendAudit(deps.db, {
      actor: `api-key:${caller.keyName}`,
      action: created ? 'validation_user.created' : 'validation_user.secret_issued',
      outcome: 'success',
      targetType: 'validation_user',
      targetId: user.id,
      detail: { email: user.email, keyName: caller.keyName, client: caller.client },
    });
    const base = config().publicUrl ?? req.origin;
    const fields: Fields = {
      response: created ? 'user created' : 'user exists; new secret issued',
      userid: user.id,
      success: 'true',
      hash: secretBase32,
      hashqr: `${base}${QR_PATH}/${ticket}.png`,
    };
    send(res, 200, format, fields, 'success');
  });

  route(
    '/api.php',
    'success',
    async (req, res) => {
      const action = param(req, 'action');
      if (action !== 'listusers') throw new WireError(400, 'unknown_action', 'action must be listusers');
      const rows = await sql<{ id: string; email: string; createdAt: string }[]>`
        select id, email, created_at::text as "createdAt" from validation_users order by created_at, id`;
      const users = rows.map((row) => {
        const registered = new Date(row.createdAt);
        return { userid: row.id, username: row.email, registered: registered.toISOString(), timestamp: Math.floor(registered.getTime() / 1000) };
      });
      writeBody(res, 200, 'application/json; charset=utf-8', JSON.stringify(users));
    },
    { jsonOnly: true },
  );

  router.get(`${QR_PATH}/:file`, async (req, res) => {
    const file = typeof req.params.file === 'string' ? req.params.file : '';
    const ticket = file.endsWith('.png') ? await readQrTicket(deps.redis, deps.redisPrefix, file.slice(0, -4)) : null;
    const user = ticket ? await findValidationUser(sql, ticket.userId) : null;
    const secret = user && ticket && user.secretCiphertext && seedFingerprint(user.secretCiphertext) === ticket.seedFingerprint ? service.softwareSecret(user) : null;
    res.set('Cache-Control', 'no-store');
    if (!user || !secret) {
      res.status(404).type('text/plain').send('This QR link has expired or was replaced; ask for a new one.');
      return;
    }
    const uri = otpauthUri({ issuer: config().issuer, account: user.email, secretBase32: secret, digits: SOFTWARE_TOKEN.digits, periodSeconds: SOFTWARE_TOKEN.periodSeconds });
    res.type('image/png').send(await qrPng(uri));
  });

  return {
    router,
    wirePaths: [...wireRoutes.keys()],
    handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') return false;
      const url = req.url ?? '/';
      const queryAt = url.indexOf('?');
      const path = queryAt < 0 ? url : url.slice(0, queryAt);
      const answer = wireRoutes.get(routeKey(path));
      if (!answer) return false;
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
      void answer(req, res, path, new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1))).catch((error: unknown) => {
        // Only a failure to write the answer gets here (the route answers every error of its own).
        deps.logger.error({ method: req.method, path, error: describeErrorForLog(error) }, 'validation answer could not be written');
        res.destroy();
      });
      return true;
    },
  };
}
