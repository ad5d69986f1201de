// The API's allowed values and limits, defined once. Plain data without zod, so the dashboard can import
// them into its bundle at no cost (`@tokenfleet/contract/values`); the schemas in schemas.ts are built
// from them, and the stored vocabularies come from the domain (the database's CHECK constraints use the
// same lists).
import type { Role } from '@tokenfleet/domain/vocabulary';

export {
  AUDIT_OUTCOMES,
  BULK_ACTION_STATUSES,
  BULK_ACTIONS,
  BULK_SELECTION_MAX_IDS,
  HASH_FUNCTIONS,
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_STATUSES,
  KEY_ROLES,
  LEAVER_POLICIES,
  OPERATION_STATUSES,
  ROLES,
  SYNC_INTERVAL_HOURS_DEFAULT,
  SYNC_INTERVAL_HOURS_MAX,
  SYNC_INTERVAL_HOURS_MIN,
  SYNC_STATUSES,
  TENANT_MODES,
  UNFINISHED_OPERATION_STATUSES,
  UPN_PATTERN,
  VALIDATOR_ROLE,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_SIGNATURE_SCHEMES,
  type AuditOutcome,
  type LeaverPolicy,
  type WebhookDeliveryStatus,
  type WebhookEventType,
  type WebhookSignatureScheme,
  type BulkAction as BulkActionName,
  type BulkActionStatus,
  type HashFunction,
  type ImportFormat,
  type ImportMode,
  type ImportStatus,
  type KeyRole,
  type OperationStatus,
  type Role,
  type SyncStatus,
  type TenantMode,
} from '@tokenfleet/domain/vocabulary';
export { canApply, TOKEN_STATES, type TokenEventType, type TokenState } from '@tokenfleet/domain/lifecycle';
export { OPERATION_KINDS, type OperationKind } from '@tokenfleet/domain/jobs';
export { TOKEN_STATUSES, type TokenStatus } from '@tokenfleet/domain/status';

/** The overview counts tokens whose expiry falls within this many days from now. */
export const EXPIRING_SOON_DAYS = 90;
/** The longest idle limit a tenant may set (ten years). */
export const OBSOLETE_AFTER_DAYS_MAX = 3650;
/**
 * How the roles rank: each may do what the ones below it may. A role added to ROLES must be placed here
 * (the type demands it); the API enforces with this and the dashboard hides with it.
 */
export const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` may do what needs `needed`. */
export function roleAllows(role: Role, needed: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[needed];
}

/** Dashboard account passwords: at least this long (the bootstrap admin's too). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

/** Dashboard account names: letters, digits and . _ @ - (the bootstrap admin's too). */
export const USERNAME_MAX_LENGTH = 64;
export const USERNAME_PATTERN = /^[\w.@-]+$/;

export const API_KEY_NAME_MAX_LENGTH = 100;
export const API_KEY_NAME_PATTERN = /^[\w .@-]+$/;

/** A code a token shows: 6 digits for Entra, 8 for some tokens. */
export const TOTP_CODE_PATTERN = /^\d{6,8}$/;

/** A PSKC pre-shared key in hex: AES-128, -192 or -256. */
export const PSKC_KEY_PATTERN = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{48}|[0-9a-fA-F]{64})$/;

/** List pages (docs/api-conventions.md, "Paging"). */
export const PAGE_LIMIT_DEFAULT = 50;
export const PAGE_LIMIT_MAX = 500;

/** The user search answers at most this many users. */
export const USER_SEARCH_MAX_RESULTS = 20;

/** Failures without a Graph error code (a timeout, a crash) group and filter under this code. */
export const UNKNOWN_ERROR_CODE = 'unknown';

/** Webhook sources: names as API keys' names; the guard's threshold per source and rolling hour. */
export const WEBHOOK_SOURCE_NAME_MAX_LENGTH = 100;
export const WEBHOOK_THRESHOLD_MAX = 100_000;
/** How long the previous secret stays valid after a rotation, by default and at most (hours). */
export const WEBHOOK_ROTATION_GRACE_HOURS_DEFAULT = 24;
export const WEBHOOK_ROTATION_GRACE_HOURS_MAX = 24 * 30;
/** The largest delivery body accepted: HR events are a few hundred bytes. */
export const WEBHOOK_BODY_MAX_BYTES = 64 * 1024;
/** Standard Webhooks' timestamp tolerance, either way. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** A header name as HTTP allows it. */
export const HEADER_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
