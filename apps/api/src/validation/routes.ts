// The TOTPRadius-compatible routes at the server root, beside the dashboard (docs/validation-api.md):
// `/validate`, `/createuser`, `/api.php?action=listusers`, GET with query parameters or POST with form
// parameters, and `/qr/<ticket>.png`, the image a `hashqr` link shows. Answers are in the `format` asked
// for, errors too; a wrong code, an unknown or locked user is `validation` false with HTTP 200.
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import { appendAudit, findValidationUser } from '@tokenfleet/db';
import { otpauthUri } from '@tokenfleet/domain';
import type { ApiDeps } from '../deps';
import { describeErrorForLog } from '../errors';
import { hashApiKey } from '../auth';
import { checkValidatorKey, lookupKey, MISSING_KEY, type ValidatorKey } from './keys';
import { issueQrTicket, qrPng, readQrTicket, seedFingerprint } from './qr';
import { redisRateLimiter } from './rate-limit';
import type { ValidationSubject } from '@tokenfleet/db';
import { SOFTWARE_TOKEN, ValidationService, type Caller, type ValidationReason } from './service';
import { formatOf, param, send, WireError, type Fields, type Format } from './wire';

export const VALIDATION_PATHS = ['/validate', '/createuser', '/api.php'] as const;
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

type Handler = (req: Request, res: Response, format: Format, caller: Caller & { key: ValidatorKey }, prefetched: Promise<unknown> | undefined) => Promise<void>;

export function validationRouter(deps: ApiDeps): Router {
  const router = express.Router();
  const now = deps.clock ?? Date.now;
  const config = () => deps.config.validation;
  // The hot path's statements go to a pool of their own (packages/config/src/validation.ts says why it is small).
  const sql = deps.validationSql ?? deps.sql;
  const service = new ValidationService(sql, deps.vault, config, now);
  const limiter = redisRateLimiter(deps.redis, deps.redisPrefix, () => config().rateLimitPerSecond);
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });

  /** One route, GET and POST: format, key, rate limit, then the handler; every refusal in the format asked for. */
  function route(
    path: string,
    verdict: 'validation' | 'success',
    handler: Handler,
    options: {
      jsonOnly?: boolean;
      /** The handler's own read, made together with the key's look-up in one round trip; its key is checked before anything else of it is used. */
      withKey?: (req: Request, keyHash: string) => Promise<{ key?: ValidationSubject['key'] }> | undefined;
    } = {},
  ): void {
    const handle: RequestHandler = async (req, res) => {
      const asked = formatOf(req);
      const format: Format = options.jsonOnly ? 1 : (asked ?? 0);
      const failed = (status: number, code: string, message: string) =>
        send(res, status, format, { response: message, error: code, ...(verdict === 'validation' ? { userid: param(req, 'userid') ?? '', validation: 'false' } : { success: 'false' }) }, verdict);
      try {
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
        await handler(req, res, format, { key, keyName: key.name, client: req.ip ?? req.socket.remoteAddress ?? 'unknown' }, prefetched);
      } catch (error) {
        if (error instanceof WireError) {
          for (const [name, value] of Object.entries(error.headers)) res.set(name, value);
          failed(error.status, error.code, error.message);
          return;
        }
        // These routes are ahead of the request logger, so the failure gets its id here.
        const requestId = randomUUID();
        res.set('X-Request-Id', requestId);
        deps.logger.error({ requestId, method: req.method, path: req.path, error: describeErrorForLog(error) }, 'validation request failed');
        failed(500, 'internal_error', `internal error; it was logged under request id ${requestId}`);
      }
    };
    router.get(path, handle);
    router.post(path, form, handle);
  }

  // Machine clients read these answers, never a browser: of helmet's headers only the ones that matter
  // for a text or image answer (helmet's full set was a twentieth of the CPU of a validation).
  router.use([...VALIDATION_PATHS, QR_PATH], (_req, res, next) => {
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY', 'Content-Security-Policy': "default-src 'none'" });
    next();
  });

  const validUserid = (req: Request) => {
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
    const base = config().publicUrl ?? `${req.protocol}://${req.get('host') ?? 'localhost'}`;
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
      res.set('Cache-Control', 'no-store').json(
        rows.map((row) => {
          const registered = new Date(row.createdAt);
          return { userid: row.id, username: row.email, registered: registered.toISOString(), timestamp: Math.floor(registered.getTime() / 1000) };
        }),
      );
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

  // A form body that does not parse (too large, a broken encoding) is refused in the format asked for too.
  const refuseBody: ErrorRequestHandler = (error: unknown, req, res, next) => {
    const type = typeof error === 'object' && error !== null && 'type' in error ? (error as { type: unknown }).type : undefined;
    if (typeof type !== 'string' || !VALIDATION_PATHS.some((path) => req.path === path)) return next(error);
    const format = req.path === '/api.php' ? 1 : (formatOf(req) ?? 0);
    const verdict = req.path === '/validate' ? 'validation' : 'success';
    const status = type === 'entity.too.large' ? 413 : 400;
    send(res, status, format, { response: 'the form body cannot be read', error: 'invalid_body', ...(verdict === 'validation' ? { userid: '', validation: 'false' } : { success: 'false' }) }, verdict);
  };
  router.use(refuseBody);

  return router;
}
