// The allowed values the whole system shares: what the database's CHECK constraints hold, what the API
// accepts and answers (packages/contract re-exports them), and what the dashboard offers. Pure data with
// no imports, so a browser bundle can take it. Adding a value here changes every one of those places;
// the database needs a migration for it (its CHECK constraints list the values).

/** Access roles, for API keys and dashboard accounts. */
export const ROLES = ['admin', 'operator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/**
 * API keys also come as `validator`: such a key works only on the TOTPRadius-compatible validation routes
 * at the server root, and no management key works there (docs/validation-api.md). Accounts keep ROLES.
 */
export const VALIDATOR_ROLE = 'validator' as const;
export const KEY_ROLES = [...ROLES, VALIDATOR_ROLE] as const;
export type KeyRole = (typeof KEY_ROLES)[number];

/** Whether a tenant is the built-in Entra sandbox or a real Entra tenant. */
export const TENANT_MODES = ['sandbox', 'live'] as const;
export type TenantMode = (typeof TENANT_MODES)[number];

export const IMPORT_FORMATS = ['csv', 'json', 'pskc'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** How far an import carries its tokens: into the inventory only, also assigned, or also activated. */
export const IMPORT_MODES = ['import', 'assign', 'activate'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export const IMPORT_STATUSES = ['validating', 'running', 'completed', 'completed_with_errors', 'failed'] as const;
export type ImportStatus = (typeof IMPORT_STATUSES)[number];

/** Where an operation (one token, one Graph-facing step) is. */
export const OPERATION_STATUSES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

/** The statuses of an operation that may still do something. */
export const UNFINISHED_OPERATION_STATUSES = ['pending', 'queued', 'running'] as const satisfies readonly OperationStatus[];

/** Where a reconciliation with Entra (inventory.sync) is. */
export const SYNC_STATUSES = ['queued', 'running', 'succeeded', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];

/** Hours between two scheduled reconciliations of a tenant unless its settings say otherwise. */
export const SYNC_INTERVAL_HOURS_DEFAULT = 6;
/** The shortest and longest interval a tenant setting may ask for. */
export const SYNC_INTERVAL_HOURS_MIN = 0.25;
export const SYNC_INTERVAL_HOURS_MAX = 168;

export const AUDIT_OUTCOMES = ['success', 'failure', 'info'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

/** Graph's names for the hash functions, plus SHA-512 which seed files and validation may use. */
export const HASH_FUNCTIONS = ['hmacsha1', 'hmacsha256', 'hmacsha512'] as const;
export type HashFunction = (typeof HASH_FUNCTIONS)[number];

/** A user principal name as far as Tokenfleet checks one: `name@domain`, no spaces. */
export const UPN_PATTERN = /^[^\s@]+@[^\s@]+$/;

/** The events an HR system may send to a webhook source (docs/webhooks.md). */
export const WEBHOOK_EVENT_TYPES = ['token.assign', 'token.unassign', 'user.joined', 'user.left'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/**
 * How a source signs: `standard` is Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature);
 * `hmac-sha256` and `hmac-sha512` are a hex (or base64) HMAC of the raw body in a header the source names,
 * as BambooHR and HiBob send.
 */
export const WEBHOOK_SIGNATURE_SCHEMES = ['standard', 'hmac-sha256', 'hmac-sha512'] as const;
export type WebhookSignatureScheme = (typeof WEBHOOK_SIGNATURE_SCHEMES)[number];

/** What a leaver event does to the leaver's tokens: deactivate in Entra (kept assigned), or back to stock. */
export const LEAVER_POLICIES = ['disable', 'unassign'] as const;
export type LeaverPolicy = (typeof LEAVER_POLICIES)[number];

/**
 * Where a delivery is. Refused and duplicate are final at receipt; an accepted one is queued, held by the
 * mass-change guard, then done, rejected (a definite refusal found by the worker: unknown serial or user,
 * a token the life cycle cannot move), failed (attempts spent), or discarded by an admin.
 */
export const WEBHOOK_DELIVERY_STATUSES = ['refused', 'duplicate', 'queued', 'held', 'done', 'rejected', 'failed', 'discarded'] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

/**
 * What a bulk action does to each token it selects: the single token actions of the same names
 * (`POST /api/v1/tokens/{id}/<action>`), carried out through the same code path, one token at a time.
 */
export const BULK_ACTIONS = ['disable', 'enable', 'unassign', 'delete', 'retire'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/**
 * Where a bulk action is: `running` while its selection is walked and its operations run, `cancelling`
 * once cancelled while operations already sent to Graph finish, then settled as `completed`,
 * `completed_with_errors` (some tokens were refused or their operation failed) or `cancelled`.
 */
export const BULK_ACTION_STATUSES = ['running', 'cancelling', 'completed', 'completed_with_errors', 'cancelled'] as const;
export type BulkActionStatus = (typeof BULK_ACTION_STATUSES)[number];

/** A bulk action's explicit selection holds at most this many token ids (they fit the API's 100 kB JSON bodies); beyond it, select by filter. */
export const BULK_SELECTION_MAX_IDS = 2_000;
