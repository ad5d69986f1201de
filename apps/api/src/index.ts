// @tokenfleet/api: the express application and a way to run it in-process.
export { createApp, createApiRouter, API_BASE_PATH, QUEUE_BOARD_PATH } from './app';
export { startApi } from './start';
export type { RunningApi, StartApiOverrides } from './start';
export type { ApiDeps, UserDirectory } from './deps';
export { apiKeyAuthenticator, ensureBootstrapApiKey, generateApiKey, hashApiKey, requireRole } from './auth';
export type { Authenticator, Principal, Role } from './auth';
export { ApiError } from './errors';
export { ensureAccount } from './routes/accounts';
export { hashPassword, verifyPassword } from './passwords';
export { SESSION_COOKIE, CSRF_HEADER } from './sessions';
export { openApiDocument } from './app';
export { webhookDeliveryRouter } from './webhooks/delivery-route';
