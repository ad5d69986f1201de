// @tokenfleet/graph: a typed Microsoft Graph client for hardware OATH tokens (its contract: packages/graph/README.md; the Graph facts: docs/graph-hardware-oath.md).
export { createGraphClient, DEFAULT_BULK_CHUNK_SIZE, DEFAULT_TIMEOUT_MS, PATHS, USERS_PER_LOOKUP } from './client';
export { DEFAULT_GRAPH_SCOPE, authorityMetadataFor } from './auth';
export { ClockOffsetTracker, estimateClockOffset, offsetBounds } from './clock';
export type { ClockObservation, OffsetBounds, OffsetEstimate } from './clock';
export { odataEquals, odataString, renderPath, queryString } from './odata';
export {
  classifyFailure,
  classifyTransportError,
  parseGraphErrorEnvelope,
  parseLimitUsage,
  parseRetryAfterMs,
  rateLimitBackoffMs,
  DEFAULT_RATE_LIMIT_BACKOFF,
} from './outcome';
export type { BackoffPolicy, HttpAnswer } from './outcome';
export type * from './types';
export { sandboxClientOptions } from './sandbox-options';
export type { SandboxCoordinates } from './sandbox-options';
export { clientOptionsFromConnection, clientOptionsFromCredential } from './connection-options';
export type { ConnectionSettings, CredentialSettings } from './connection-options';
export { EntraSignIn, SignInRefused, SIGN_IN_SCOPES } from './sign-in';
export type { SignInOptions, VerifiedIdentity } from './sign-in';
