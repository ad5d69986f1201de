// The express application: one concise log line per request (headers at debug, redacted), security headers, the /api/v1 router
// (probes, then authentication, then every other route, then a 404 in the envelope), bull-board for
// admins, the built dashboard for everything else, and the one error middleware.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { apiKeyAuthenticator, authenticate, requireRole, type Authenticator } from './auth';
import { dashboardRouter } from './dashboard';
import type { ApiDeps } from './deps';
import { errorMiddleware, unknownRoute } from './errors';
import { buildOpenApiDocument, endpoints } from '@tokenfleet/contract';
import { route, send } from './contract-routes';
import { queueBoard } from './queue-board';
import { rememberRouteBase, requestLog } from './request-log';
import { SessionStore, sessionAuthenticator } from './sessions';
import { PortalSessionStore } from './portal/sessions';
import { portalRoutes } from './portal/routes';
import { microsoftSignInRouter } from './sign-in/microsoft';
import { setupRoutes } from './sign-in/setup-link';
import { accountRoutes } from './routes/accounts';
import { apiKeyRoutes } from './routes/api-keys';
import { auditRoutes } from './routes/audit';
import { bulkActionRoutes } from './routes/bulk-actions';
import { importRoutes } from './routes/imports';
import { operationRoutes } from './routes/operations';
import { sessionRoutes } from './routes/session';
import { metricsRoutes } from './routes/metrics';
import { overviewRoutes, probeRoutes } from './routes/system';
import { tenantRoutes } from './routes/tenants';
import { tokenRoutes } from './routes/tokens';
import { userRoutes } from './routes/users';
import { validationAdminRoutes } from './validation/admin-routes';
import { withValidationRoutes } from './validation/openapi';
import { redactRequest } from './validation/log-redaction';
import { validationRoutes, type ValidationRoutes } from './validation/routes';
import { webhookDeliveryRouter } from './webhooks/delivery-route';
import { webhookJoinerRoutes, webhookSourceRoutes } from './routes/webhook-sources';

export const API_BASE_PATH = '/api/v1';

/**
 * Generated once from the contract (packages/contract), with the validation API's wire routes at the
 * server root added, served at /api/v1/openapi.json.
 */
export const openApiDocument = withValidationRoutes(buildOpenApiDocument());
export const QUEUE_BOARD_PATH = '/admin/queues';

/** JSON bodies here are a few fields; seed files come as multipart and are streamed, not parsed here. */
const JSON_BODY_LIMIT = '100kb';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/** API key first (machines), then the dashboard's session cookie, then any the caller adds. */
function authenticators(deps: ApiDeps, sessions: SessionStore): Authenticator[] {
  return [apiKeyAuthenticator(deps.db), sessionAuthenticator(sessions), ...(deps.authenticators ?? [])];
}

export interface SessionStores {
  sessions: SessionStore;
  portal: PortalSessionStore;
}

export function sessionStores(deps: ApiDeps): SessionStores {
  return { sessions: new SessionStore(deps.db, deps.config.signIn.sessionMaxAgeMs), portal: new PortalSessionStore(deps.db, deps.config.signIn.sessionMaxAgeMs) };
}

/** Every /api/v1 route, in the order express matches them. Exported so a test can walk its stack. */
export function createApiRouter(deps: ApiDeps, stores: SessionStores = sessionStores(deps)): Router {
  const router = express.Router();
  router.use(rememberRouteBase);
  const { sessions } = stores;
  probeRoutes(router, deps);
  sessionRoutes(router, deps, sessions);
  setupRoutes(router, deps, sessions);
  // The self-service portal authenticates its own sessions (portal/sessions.ts): ahead of the operators' authentication, which it never passes.
  portalRoutes(router, deps, stores.portal);
  router.use(authenticate(authenticators(deps, sessions)));
  route(router, endpoints.openApi, (_req, res) => {
    send(res, endpoints.openApi, 200, openApiDocument);
  });
  overviewRoutes(router, deps);
  metricsRoutes(router, deps);
  importRoutes(router, deps);
  tokenRoutes(router, deps);
  operationRoutes(router, deps);
  bulkActionRoutes(router, deps);
  auditRoutes(router, deps);
  userRoutes(router, deps);
  apiKeyRoutes(router, deps);
  accountRoutes(router, deps, sessions);
  tenantRoutes(router, deps);
  validationAdminRoutes(router, deps);
  webhookSourceRoutes(router, deps);
  webhookJoinerRoutes(router, deps);
  router.use(unknownRoute);
  return router;
}

/**
 * The API's request listener: the validation API's wire routes first, on node's own request (see
 * validation/routes.ts), then the express app, which is also returned.
 */
export function createRequestListener(deps: ApiDeps): { app: Express; listener: (req: IncomingMessage, res: ServerResponse) => void } {
  const validation = validationRoutes(deps);
  const app = createApp(deps, validation);
  return {
    app,
    listener: (req, res) => {
      if (!validation.handle(req, res)) app(req, res);
    },
  };
}

/** The express app; with the validation routes first, so it answers them too when it is served alone. */
export function createApp(deps: ApiDeps, validation: ValidationRoutes = validationRoutes(deps)): Express {
  const app = express();
  app.disable('x-powered-by');

  // The TOTPRadius-compatible validation API at the server root (docs/validation-api.md). Ahead of the
  // request logger: each validation writes an audit row (user, token, outcome, key, client) instead of a
  // log line, which at a thousand validations a second would cost a sixth of the API's CPU; its errors
  // are logged.
  app.use((req, res, next) => {
    if (!validation.handle(req, res)) next();
  });
  app.use(validation.router);

  app.use(
    pinoHttp({
      logger: deps.logger,
      // A caller's request id is kept (so logs line up across services); otherwise one is made.
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // requestLog writes the one line per request; pino-http gives every request its id and req.log.
      autoLogging: false,
      // req.log carries only the request id (not the whole request, headers and all) on every line.
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      // Should a request be serialized after all: the validation routes carry keys and codes in their
      // query strings, QR links a ticket in the path.
      serializers: { req: redactRequest },
    }),
  );

  app.use(requestLog({ quietPaths: [`${API_BASE_PATH}/health`, `${API_BASE_PATH}/ready`] }));

  const stores = sessionStores(deps);
  // Webhook deliveries ahead of the JSON parser: their signature is over the raw bytes as sent, and they
  // authenticate by it rather than by a key or session (docs/webhooks.md).
  app.use(API_BASE_PATH, helmet(), webhookDeliveryRouter(deps), express.json({ limit: JSON_BODY_LIMIT }), createApiRouter(deps, stores));
  // Sign in with Microsoft: browser navigations to and back from Entra (sign-in/microsoft.ts).
  app.use(microsoftSignInRouter(deps, stores));

  const board = queueBoard(deps, QUEUE_BOARD_PATH);
  app.use(
    QUEUE_BOARD_PATH,
    // bull-board's page boots from an inline script, which a strict CSP would block.
    helmet({ contentSecurityPolicy: false }),
    authenticate(authenticators(deps, stores.sessions)),
    requireRole('admin'),
    board.readOnly,
    board.offline,
    board.refresh,
    board.router,
  );

  app.use(dashboardRouter());
  app.use(errorMiddleware(deps.logger));
  return app;
}
