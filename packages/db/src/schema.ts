// The Postgres schema: tenants, the token inventory, imports and their row errors, operations (one row per
// token and Graph-facing step, the truth behind every queued job), the append-only audit trail, and API
// keys. drizzle-kit reads this file to generate the SQL migrations in /drizzle.
//
// Enumerated columns are text with a CHECK constraint rather than Postgres enums: adding a value to a
// CHECK is an ordinary transactional migration, while a new enum value cannot be used inside the
// transaction that adds it (and drizzle's migrator runs every pending migration in one transaction).
import { sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { TokenState } from '@tokenfleet/domain';
import {
  AUDIT_OUTCOMES,
  BULK_ACTION_STATUSES,
  BULK_ACTIONS,
  HASH_FUNCTIONS,
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_STATUSES,
  KEY_ROLES,
  OPERATION_KINDS,
  OPERATION_STATUSES,
  ROLES,
  TENANT_MODES,
  TOKEN_STATES,
} from '@tokenfleet/domain';

// ---------------------------------------------------------------------------------------------------------
// Vocabularies stored in enumerated columns: defined once in the domain (vocabulary.ts, lifecycle.ts),
// re-exported here for the code that reads rows.

export {
  AUDIT_OUTCOMES,
  BULK_ACTION_STATUSES,
  BULK_ACTIONS,
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_STATUSES,
  KEY_ROLES,
  OPERATION_STATUSES,
  ROLES,
  VALIDATOR_ROLE,
  TENANT_MODES,
  TOKEN_STATES,
  type AuditOutcome,
  type BulkAction,
  type BulkActionStatus,
  type ImportFormat,
  type ImportMode,
  type ImportStatus,
  type KeyRole,
  type OperationStatus,
  type Role,
  type TenantMode,
  type TokenState,
} from '@tokenfleet/domain';


/** Per-tenant policy switches, stored as jsonb so a new switch needs no migration. */
export interface TenantSettings {
  /** Erase a token's encrypted seed once Entra reports it active (then it can never be re-activated). */
  purgeSeedsWhenActive?: boolean;
}

/**
 * What a bulk action selects: the token ids an operator ticked, or the token list's filter as it was
 * when the operator chose "all N matching this filter" (the same fields as the list's query).
 */
export interface BulkSelection {
  tokenIds?: string[];
  filter?: TokenFilter;
}

/** The token list's filters (packages/contract's TokenListQuery without its paging). */
export interface TokenFilter {
  state?: TokenState;
  upn?: string;
  serial?: string;
  importId?: string;
  manufacturer?: string;
  tenantId?: string;
}

/** What an operation needs beyond its token, e.g. the user to assign to. Never a secret. */
export interface OperationParams {
  upn?: string;
  userId?: string;
  /** Enqueued at the head of the tenant's queue (a lost token's deactivation, an operator's code). */
  urgent?: boolean;
  /** The step that follows this one in its chain (an unassign before an assign or a delete). */
  then?: 'assign' | 'delete';
  /** An activation that enables a disabled token again. */
  enable?: boolean;
  /** An operator's verification code, encrypted like a seed (bound to `operatorCodeBinding`); removed once used. */
  sealedCode?: { keyId: string; ciphertext: string };
  /** The display name a token.update sets in Entra. */
  displayName?: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------------
// Column helpers

/** `column IN ('a', 'b', ...)`: the CHECK behind every enumerated text column. */
function oneOf(column: AnyPgColumn, values: readonly string[]): SQL {
  return sql`${column} in (${sql.join(
    values.map((value) => sql.raw(`'${value.replace(/'/g, "''")}'`)),
    sql`, `,
  )})`;
}

/** The domain's vocabularies are plain arrays; drizzle's `enum` option wants a non-empty tuple type. */
function asEnum<T extends string>(values: readonly T[]): [T, ...T[]] {
  const [first, ...rest] = values;
  if (first === undefined) throw new Error('an enumerated column needs at least one value');
  return [first, ...rest];
}

/** Every timestamp is timestamptz: the API, the worker and Graph may all sit in different zones. */
function timestamptz(name: string) {
  return timestamp(name, { withTimezone: true, mode: 'date' });
}

/** Binary column; postgres.js reads and writes bytea as a Buffer. drizzle-orm 0.45 has no built-in bytea. */
const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});

// ---------------------------------------------------------------------------------------------------------
// Tables

export const tenants = pgTable(
  'tenants',
  {
    /** Part of queue names and job ids, hence the narrow alphabet (checked below). */
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    mode: text('mode', { enum: TENANT_MODES }).notNull(),
    entraTenantId: text('entra_tenant_id'),
    settings: jsonb('settings').$type<TenantSettings>().notNull().default({}),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    check('tenants_id_format', sql`${table.id} ~ '^[A-Za-z0-9_-]+$'`),
    check('tenants_mode_valid', oneOf(table.mode, TENANT_MODES)),
  ],
);

export const imports = pgTable(
  'imports',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    fileName: text('file_name').notNull(),
    format: text('format', { enum: IMPORT_FORMATS }).notNull(),
    mode: text('mode', { enum: IMPORT_MODES }).notNull(),
    status: text('status', { enum: IMPORT_STATUSES }).notNull(),
    totalRows: integer('total_rows').notNull().default(0),
    validRows: integer('valid_rows').notNull().default(0),
    rejectedRows: integer('rejected_rows').notNull().default(0),
    /** Rows whose serial number is already in the tenant's inventory. */
    duplicateRows: integer('duplicate_rows').notNull().default(0),
    createdBy: text('created_by').notNull(),
    /** Why the whole import failed (a file that cannot be parsed), not per-row errors. */
    error: text('error'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
  },
  (table) => [
    index('imports_tenant_created_idx').on(table.tenantId, table.createdAt),
    check('imports_format_valid', oneOf(table.format, IMPORT_FORMATS)),
    check('imports_mode_valid', oneOf(table.mode, IMPORT_MODES)),
    check('imports_status_valid', oneOf(table.status, IMPORT_STATUSES)),
  ],
);

export const importRowErrors = pgTable(
  'import_row_errors',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    importId: uuid('import_id')
      .notNull()
      .references(() => imports.id, { onDelete: 'cascade' }),
    rowNumber: integer('row_number').notNull(),
    /** The offending field; null when the row as a whole is at fault (e.g. a line that does not parse). */
    field: text('field'),
    reason: text('reason').notNull(),
    serialNumber: text('serial_number'),
  },
  (table) => [index('import_row_errors_import_row_idx').on(table.importId, table.rowNumber)],
);

export const tokens = pgTable(
  'tokens',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    serialNumber: text('serial_number').notNull(),
    manufacturer: text('manufacturer').notNull(),
    model: text('model').notNull(),
    displayName: text('display_name').notNull(),
    hashFunction: text('hash_function', { enum: asEnum(HASH_FUNCTIONS) }).notNull(),
    timeIntervalSeconds: integer('time_interval_seconds').notNull().default(30),
    digits: integer('digits').notNull().default(6),
    /** Which master key encrypted the seed (see seed-vault.ts); null once the seed is purged. */
    secretKeyId: text('secret_key_id'),
    /** AES-256-GCM ciphertext of the seed, bound to this row's id; null once purged. */
    secretCiphertext: bytea('secret_ciphertext'),
    state: text('state', { enum: TOKEN_STATES }).notNull(),
    assignedUpn: text('assigned_upn'),
    /** Entra object id of the assigned user. */
    assignedUserId: text('assigned_user_id'),
    /** Graph's id for the hardware OATH device. */
    graphDeviceId: text('graph_device_id'),
    /** Graph's id for the user's authentication method, once activated. */
    graphMethodId: text('graph_method_id'),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    lastError: text('last_error'),
    lastUsedAt: timestamptz('last_used_at'),
    /** An operator's note about the token (Tokenfleet's own; Entra has no such field). */
    comment: text('comment'),
    /** When the token was reported lost, and the reporter's note (the state says lost until it is retired or deleted). */
    lostAt: timestamptz('lost_at'),
    lostNote: text('lost_note'),
    // Validation API state: resynchronised drift, replay protection, lockout after repeated failures.
    driftSteps: integer('drift_steps').notNull().default(0),
    lastAcceptedStep: bigint('last_accepted_step', { mode: 'number' }),
    failedValidations: integer('failed_validations').notNull().default(0),
    lockedUntil: timestamptz('locked_until'),
    /** Bumped whenever the token re-enters provisioning; part of every job id, so old jobs never collide. */
    generation: integer('generation').notNull().default(0),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (table) => [
    unique('tokens_tenant_serial_unique').on(table.tenantId, table.serialNumber),
    // The dashboard's server-side filters and keyset pagination over 100,000 tokens.
    index('tokens_tenant_state_id_idx').on(table.tenantId, table.state, table.id),
    // The table's order (newest first, read backwards): the first page and every cursor page read 50
    // index entries instead of sorting the whole inventory.
    index('tokens_created_id_idx').on(table.createdAt, table.id),
    // The user filter is a case-insensitive prefix (`lower(assigned_upn) LIKE 'ali%'`).
    index('tokens_upn_prefix_idx').on(sql`lower(${table.assignedUpn}) text_pattern_ops`),
    // The serial filter is a prefix too (`LIKE '6023%'`), whatever the database's collation.
    index('tokens_serial_prefix_idx').on(sql`${table.serialNumber} text_pattern_ops`),
    index('tokens_tenant_upn_idx').on(table.tenantId, table.assignedUpn),
    index('tokens_import_idx').on(table.importId),
    index('tokens_tenant_manufacturer_idx').on(table.tenantId, table.manufacturer),
    check('tokens_state_valid', oneOf(table.state, TOKEN_STATES)),
    check('tokens_hash_function_valid', oneOf(table.hashFunction, HASH_FUNCTIONS)),
    check('tokens_time_interval_positive', sql`${table.timeIntervalSeconds} > 0`),
    check('tokens_digits_positive', sql`${table.digits} > 0`),
    // A ciphertext is useless without the id of the key that made it, and a key id alone means nothing.
    check(
      'tokens_secret_complete',
      sql`(${table.secretKeyId} is null) = (${table.secretCiphertext} is null)`,
    ),
  ],
);

export const operations = pgTable(
  'operations',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    tokenId: uuid('token_id')
      .notNull()
      .references(() => tokens.id),
    importId: uuid('import_id').references(() => imports.id, { onDelete: 'set null' }),
    /** The bulk action that requested this operation, if one did: its progress is read from these rows. */
    bulkActionId: uuid('bulk_action_id').references((): AnyPgColumn => bulkActions.id, { onDelete: 'set null' }),
    kind: text('kind', { enum: asEnum(OPERATION_KINDS) }).notNull(),
    status: text('status', { enum: OPERATION_STATUSES }).notNull(),
    generation: integer('generation').notNull(),
    attempts: integer('attempts').notNull().default(0),
    params: jsonb('params').$type<OperationParams>().notNull().default({}),
    lastErrorCode: text('last_error_code'),
    lastErrorMessage: text('last_error_message'),
    lastGraphStatus: integer('last_graph_status'),
    lastRequestId: text('last_request_id'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    queuedAt: timestamptz('queued_at'),
    finishedAt: timestamptz('finished_at'),
    /**
     * The create operation whose bulk call carries this one (itself when it leads). Creates ride fifty to a
     * Graph call; the other operations' jobs see the claim and finish without a call of their own.
     */
    claimedBy: uuid('claimed_by'),
    /** Set just before a request carrying this operation leaves: a retry must look in Graph before writing again. */
    sentAt: timestamptz('sent_at'),
    /**
     * The first operation of a chain one operator action started (reassign: unassign → assign → activate;
     * delete of an assigned token: unassign → delete); every step carries it, the first one its own id.
     */
    chainId: uuid('chain_id'),
  },
  (table) => [
    // One operation of a kind per token and generation: the job id is derived from exactly these.
    unique('operations_token_kind_generation_unique').on(table.tokenId, table.kind, table.generation),
    index('operations_tenant_status_kind_idx').on(table.tenantId, table.status, table.kind),
    // A bulk create claims the oldest queued creates of its tenant.
    index('operations_claim_idx').on(table.tenantId, table.kind, table.status, table.createdAt),
    index('operations_claimed_by_idx').on(table.claimedBy).where(sql`${table.claimedBy} is not null`),
    // The reconciler looks for rows left pending (committed, never enqueued) or running too long.
    index('operations_status_updated_idx').on(table.status, table.updatedAt),
    index('operations_import_idx').on(table.importId).where(sql`${table.importId} is not null`),
    index('operations_bulk_action_idx').on(table.bulkActionId, table.status).where(sql`${table.bulkActionId} is not null`),
    index('operations_chain_idx').on(table.chainId).where(sql`${table.chainId} is not null`),
    check('operations_kind_valid', oneOf(table.kind, OPERATION_KINDS)),
    check('operations_status_valid', oneOf(table.status, OPERATION_STATUSES)),
  ],
);

/**
 * One operator action over many tokens (apps/worker/src/jobs/bulk-expand.ts walks its selection). Its
 * progress is its operations' (operations.bulk_action_id), plus the tokens it carried out at once (no
 * Graph call) and the tokens it skipped because their life cycle refused the action.
 */
export const bulkActions = pgTable(
  'bulk_actions',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    action: text('action', { enum: BULK_ACTIONS }).notNull(),
    status: text('status', { enum: BULK_ACTION_STATUSES }).notNull(),
    selection: jsonb('selection').$type<BulkSelection>().notNull(),
    /** Tokens selected: counted when the action was confirmed, corrected to those walked once the walk ends. */
    total: integer('total').notNull(),
    /** Tokens the walk of the current round has handled so far (requested, done at once or skipped). */
    walked: integer('walked').notNull().default(0),
    /** Tokens whose action needed no Graph call and was done when walked. */
    doneAtOnce: integer('done_at_once').notNull().default(0),
    /** Keyset cursor of the walk: the last token id (round 0, the skipped tokens) or operation id handled. */
    cursor: text('cursor'),
    /** 0 for the first walk; each retry of the failures starts a new round (and job id). */
    round: integer('round').notNull().default(0),
    /** Within a retry round: first the failed operations are retried, then the skipped tokens tried again. */
    phase: text('phase', { enum: ['selection', 'failed-operations', 'skipped'] }).notNull().default('selection'),
    /** When the walk of the current round ended; null while it runs. */
    walkedAt: timestamptz('walked_at'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
    cancelledBy: text('cancelled_by'),
    cancelledAt: timestamptz('cancelled_at'),
    finishedAt: timestamptz('finished_at'),
  },
  (table) => [
    index('bulk_actions_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('bulk_actions_status_idx').on(table.status),
    check('bulk_actions_action_valid', oneOf(table.action, BULK_ACTIONS)),
    check('bulk_actions_status_valid', oneOf(table.status, BULK_ACTION_STATUSES)),
    check('bulk_actions_phase_valid', oneOf(table.phase, ['selection', 'failed-operations', 'skipped'])),
  ],
);

/** Tokens a bulk action left alone because their life cycle refused it now, each with the reason. */
export const bulkActionSkips = pgTable(
  'bulk_action_skips',
  {
    bulkActionId: uuid('bulk_action_id')
      .notNull()
      .references(() => bulkActions.id, { onDelete: 'cascade' }),
    tokenId: uuid('token_id')
      .notNull()
      .references(() => tokens.id, { onDelete: 'cascade' }),
    /** Stable, snake_case (e.g. `invalid_transition`, `operation_in_progress`). */
    code: text('code').notNull(),
    reason: text('reason').notNull(),
    at: timestamptz('at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.bulkActionId, table.tokenId] })],
);

/**
 * The audit trail. Append-only in the database (a trigger refuses UPDATE, DELETE and TRUNCATE; see the
 * audit_append_only migration) and free of foreign keys, so it outlives the rows it describes.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    at: timestamptz('at').notNull().defaultNow(),
    tenantId: text('tenant_id'),
    /** Who acted: `api-key:<name>`, `user:<name>`, `worker`, `webhook:<source>`. */
    actor: text('actor').notNull(),
    /** What happened: `token.created`, `graph.call`, `operation.retried`, ... */
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    tokenId: uuid('token_id'),
    importId: uuid('import_id'),
    operationId: uuid('operation_id'),
    outcome: text('outcome', { enum: AUDIT_OUTCOMES }).notNull(),
    graphStatus: integer('graph_status'),
    graphRequestId: text('graph_request_id'),
    durationMs: integer('duration_ms'),
    detail: jsonb('detail').$type<Record<string, unknown>>(),
  },
  (table) => [
    // Each filter the dashboard offers, newest first within it.
    index('audit_events_token_at_idx').on(table.tokenId, table.at).where(sql`${table.tokenId} is not null`),
    index('audit_events_import_at_idx').on(table.importId, table.at).where(sql`${table.importId} is not null`),
    index('audit_events_operation_idx').on(table.operationId).where(sql`${table.operationId} is not null`),
    index('audit_events_tenant_at_idx').on(table.tenantId, table.at),
    index('audit_events_actor_at_idx').on(table.actor, table.at),
    index('audit_events_action_at_idx').on(table.action, table.at),
    index('audit_events_at_idx').on(table.at),
    check('audit_events_outcome_valid', oneOf(table.outcome, AUDIT_OUTCOMES)),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    /** SHA-256 hex of the key. Keys are high-entropy random, so a fast hash is enough to look them up. */
    keyHash: text('key_hash').notNull().unique('api_keys_key_hash_unique'),
    /** The key's first 8 characters, so an operator can tell keys apart in a list. */
    keyPrefix: text('key_prefix').notNull(),
    role: text('role', { enum: KEY_ROLES }).notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastUsedAt: timestamptz('last_used_at'),
    revokedAt: timestamptz('revoked_at'),
  },
  (table) => [check('api_keys_role_valid', oneOf(table.role, KEY_ROLES))],
);

/** People who sign in to the dashboard. Roles are the API keys' roles. */
export const accounts = pgTable(
  'accounts',
  {
    id: uuid('id').primaryKey(),
    /** As typed when created; unique ignoring case, so `Alice` and `alice` are one account. */
    username: text('username').notNull(),
    /** scrypt, self-describing: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url). */
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    disabledAt: timestamptz('disabled_at'),
    lastLoginAt: timestamptz('last_login_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (table) => [
    uniqueIndex('accounts_username_lower_unique').on(sql`lower(${table.username})`),
    check('accounts_role_valid', oneOf(table.role, ROLES)),
  ],
);

/** Dashboard sessions. The cookie holds a random token; only its SHA-256 is stored, as the id. */
export const sessions = pgTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    accountId: uuid('account_id')
      .notNull()
      .references(() => accounts.id, { onDelete: 'cascade' }),
    /** Sent back as X-CSRF-Token on every state-changing request made with this session. */
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (table) => [index('sessions_account_idx').on(table.accountId), index('sessions_expires_idx').on(table.expiresAt)],
);

/**
 * The users of the validation API (TOTPRadius-compatible, see docs/validation-api.md): one per email,
 * made by `createuser` or at the first validation of an email that has tokens in the inventory. The id is
 * the `userid` clients store. A user validates with the active hardware tokens assigned to the email and
 * with the software token `createuser` issued (its seed encrypted like the tokens', bound to
 * `validation-user:<id>`). Consecutive failures lock the user; a success or an operator resets them.
 */
export const validationUsers = pgTable(
  'validation_users',
  {
    id: text('id').primaryKey(),
    /** As given; unique ignoring case, and matched against tokens' assigned_upn ignoring case. */
    email: text('email').notNull(),
    phone: text('phone'),
    /** The software token's seed (from createuser), encrypted; null for a user with hardware tokens only. */
    secretKeyId: text('secret_key_id'),
    secretCiphertext: bytea('secret_ciphertext'),
    secretIssuedAt: timestamptz('secret_issued_at'),
    softwareDriftSteps: integer('software_drift_steps').notNull().default(0),
    softwareLastAcceptedStep: bigint('software_last_accepted_step', { mode: 'number' }),
    failedValidations: integer('failed_validations').notNull().default(0),
    /** When consecutive failures reached the limit; the lock holds until an operator or the clear-timeout lifts it. */
    lockedAt: timestamptz('locked_at'),
    lastValidationAt: timestamptz('last_validation_at'),
    lastValidationOk: boolean('last_validation_ok'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('validation_users_email_lower_unique').on(sql`lower(${table.email})`),
    index('validation_users_locked_idx').on(table.lockedAt).where(sql`${table.lockedAt} is not null`),
    check('validation_users_secret_complete', sql`(${table.secretKeyId} is null) = (${table.secretCiphertext} is null)`),
  ],
);

// ---------------------------------------------------------------------------------------------------------
// Row types

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;
export type Token = typeof tokens.$inferSelect;
export type NewToken = typeof tokens.$inferInsert;
export type Import = typeof imports.$inferSelect;
export type NewImport = typeof imports.$inferInsert;
export type ImportRowError = typeof importRowErrors.$inferSelect;
export type NewImportRowError = typeof importRowErrors.$inferInsert;
export type Operation = typeof operations.$inferSelect;
export type BulkActionRow = typeof bulkActions.$inferSelect;
export type BulkActionSkip = typeof bulkActionSkips.$inferSelect;
export type NewOperation = typeof operations.$inferInsert;
export type AuditEvent = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
export type ApiKey = typeof apiKeys.$inferSelect;
export type NewApiKey = typeof apiKeys.$inferInsert;
export type Account = typeof accounts.$inferSelect;
export type NewAccount = typeof accounts.$inferInsert;
export type Session = typeof sessions.$inferSelect;
export type ValidationUser = typeof validationUsers.$inferSelect;
export type NewValidationUser = typeof validationUsers.$inferInsert;
export type NewSession = typeof sessions.$inferInsert;
