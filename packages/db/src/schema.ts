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
import type { TokenState, TokenStatus } from '@tokenfleet/domain';
import {
  AUDIT_OUTCOMES,
  BULK_ACTION_STATUSES,
  BULK_ACTIONS,
  HASH_FUNCTIONS,
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_STATUSES,
  KEY_ROLES,
  LEAVER_POLICIES,
  OPERATION_KINDS,
  OPERATION_STATUSES,
  ROLES,
  SYNC_STATUSES,
  TENANT_MODES,
  TOKEN_STATES,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_SIGNATURE_SCHEMES,
  DEFAULT_LEAVER_THRESHOLD,
  IDEMPOTENT_STATUSES,
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
  /** Hours between two scheduled reconciliations with Entra (inventory.sync); default SYNC_INTERVAL_HOURS_DEFAULT. */
  syncIntervalHours?: number;
  /** The self-service portal (/my); absent members take their defaults (apps/api/src/portal/settings.ts). */
  selfService?: { enabled?: boolean; eligibleImportIds?: string[] | null; attemptsPerHour?: number };
}

/**
 * How the worker reaches the Graph of a tenant added in Tokenfleet (docs/tenants.md): the app
 * registration's public half. Its credential (client secret or PEM certificate with private key) is
 * sealed apart, in the tenant's credential columns, with the seeds' master key.
 */
export interface TenantConnection {
  entraTenantId: string;
  clientId: string;
  credential: 'secret' | 'certificate';
  authorityHost: string;
  graphBaseUrl: string;
}

/** The latest "test the connection": a token fetched and one device read, or why not. */
export interface TenantConnectionTest {
  ok: boolean;
  at: string;
  /** What Entra or Graph answered, in their words when they refused. */
  message: string;
  graphStatus?: number;
  requestId?: string;
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
  status?: TokenStatus;
  /** Only tokens not out of service whose expiry falls within this many days from the walk. */
  expiresWithinDays?: number;
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
  /**
   * An operator's verification code, or the holder's from the self-service portal, encrypted like a seed
   * (bound to `operatorCodeBinding`); removed once used. `step`: the TOTP step the code is of, when known.
   */
  sealedCode?: { keyId: string; ciphertext: string; step?: number };
  /** Asked for by the token's holder on the self-service portal (/my). */
  selfService?: boolean;
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
    /**
     * An active token not used for longer than this many days counts as OBSOLETE (packages/domain/src/status.ts);
     * null: never. A column rather than a settings key, because the token list filters by status in SQL.
     */
    obsoleteAfterDays: integer('obsolete_after_days'),
    /**
     * A tenant added in Tokenfleet: how its Graph is reached. Null for the tenant the environment (or the
     * built-in sandbox) configures, whose connection is the environment's.
     */
    connection: jsonb('connection').$type<TenantConnection>(),
    credentialKeyId: text('credential_key_id'),
    /** The client secret or PEM, AES-GCM under the master key, bound to `tenantCredentialId(id)`. */
    credentialCiphertext: bytea('credential_ciphertext'),
    /** Bumped at every change of the connection, so a running worker builds the tenant's Graph client again. */
    connectionVersion: integer('connection_version').notNull().default(0),
    lastConnectionTest: jsonb('last_connection_test').$type<TenantConnectionTest>(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
  },
  (table) => [
    check('tenants_id_format', sql`${table.id} ~ '^[A-Za-z0-9_-]+$'`),
    check('tenants_credential_complete', sql`(${table.credentialKeyId} is null) = (${table.credentialCiphertext} is null)`),
    check('tenants_connection_has_credential', sql`(${table.connection} is null) = (${table.credentialCiphertext} is null)`),
    check('tenants_obsolete_after_days_positive', sql`${table.obsoleteAfterDays} is null or ${table.obsoleteAfterDays} > 0`),
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
    /** The file's own name for that field (its CSV header, JSON key or PSKC element), when it has one. */
    columnName: text('column_name'),
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
    /** When it last went into service (activated, or enabled again): where the idle clock starts if never used. */
    activatedAt: timestamptz('activated_at'),
    /** From the seed file (expiry date, PSKC Policy/ExpiryDate) or set by an operator; past it the token is OBSOLETE. */
    expiresAt: timestamptz('expires_at'),
    /** From the seed file (manufacturing or production date, PSKC Policy/StartDate). */
    manufacturedAt: timestamptz('manufactured_at'),
    /** When an operator last checked a code with "Test a code", and last resynchronised it. */
    lastTestedAt: timestamptz('last_tested_at'),
    lastResyncedAt: timestamptz('last_resynced_at'),
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
    /**
     * The inventory sync that last saw this token's device in Entra: after a complete run, a token holding a
     * device id that run did not stamp is missing from Entra, found with one query (docs/reconciliation.md).
     */
    lastSeenSyncId: uuid('last_seen_sync_id'),
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
    // The overview's "expiring in the next 90 days".
    index('tokens_expires_at_idx').on(table.expiresAt).where(sql`${table.expiresAt} is not null`),
    // The sync compares each page of Entra's devices with the tokens holding those device ids.
    index('tokens_tenant_device_idx').on(table.tenantId, table.graphDeviceId).where(sql`${table.graphDeviceId} is not null`),
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
 * Users of the directory as Graph answered them when a token was assigned (the worker's user look-up
 * writes them), so the token table can show a user's display name beside the UPN without a Graph call.
 */
export const directoryUsers = pgTable(
  'directory_users',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** lower(userPrincipalName): tokens' assigned_upn is matched ignoring case. */
    upnLower: text('upn_lower').notNull(),
    userId: text('user_id').notNull(),
    displayName: text('display_name'),
    seenAt: timestamptz('seen_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.upnLower] })],
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
    /** scrypt, self-describing: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (base64url); null for an account that signs in with Entra only. */
    passwordHash: text('password_hash'),
    role: text('role', { enum: ROLES }).notNull(),
    /** Entra's object id (oid) of an account made by signing in with Microsoft; its role follows the ID token's app roles. */
    entraObjectId: text('entra_object_id'),
    displayName: text('display_name'),
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
    uniqueIndex('accounts_entra_object_id_unique').on(table.entraObjectId).where(sql`${table.entraObjectId} is not null`),
    // Every account can sign in some way: a password, or Entra.
    check('accounts_can_sign_in', sql`${table.passwordHash} is not null or ${table.entraObjectId} is not null`),
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

/**
 * One reconciliation with Entra (inventory.sync): asked for by an admin or by the schedule, run by the
 * worker a page at a time. At most one per tenant is open (queued or running) at once.
 */
export const inventorySyncs = pgTable(
  'inventory_syncs',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    status: text('status', { enum: SYNC_STATUSES }).notNull(),
    /** `schedule`, or the actor who asked (`user:ada`, `api-key:ops`). */
    requestedBy: text('requested_by').notNull(),
    requestedAt: timestamptz('requested_at').notNull().defaultNow(),
    startedAt: timestamptz('started_at'),
    /** Moved at every page: a running sync whose heartbeat stopped long ago died with its worker. */
    heartbeatAt: timestamptz('heartbeat_at'),
    finishedAt: timestamptz('finished_at'),
    /** Counts: devices read, pages, changes of each kind, unmanaged found and gone, missing from Entra. */
    summary: jsonb('summary').$type<Record<string, number>>(),
    error: text('error'),
  },
  (table) => [
    index('inventory_syncs_tenant_requested_idx').on(table.tenantId, table.requestedAt),
    uniqueIndex('inventory_syncs_one_open_unique').on(table.tenantId).where(sql`${table.status} in ('queued', 'running')`),
    check('inventory_syncs_status_valid', oneOf(table.status, SYNC_STATUSES)),
  ],
);

/**
 * Devices Entra holds that no token of Tokenfleet names: listed for an operator to adopt. Refreshed by
 * every sync; a device gone from Entra (or adopted) leaves the list.
 */
export const unmanagedDevices = pgTable(
  'unmanaged_devices',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    graphDeviceId: text('graph_device_id').notNull(),
    serialNumber: text('serial_number').notNull(),
    manufacturer: text('manufacturer').notNull(),
    model: text('model').notNull(),
    displayName: text('display_name'),
    hashFunction: text('hash_function').notNull(),
    timeIntervalSeconds: integer('time_interval_seconds').notNull(),
    /** Graph's status as it said it: available, assigned, activated, failedActivation. */
    status: text('status').notNull(),
    assignedUserId: text('assigned_user_id'),
    /** The assignee's display name as Graph's `assignedTo` gives it (Graph gives no UPN there). */
    assignedUserName: text('assigned_user_name'),
    lastUsedAt: timestamptz('last_used_at'),
    firstSeenAt: timestamptz('first_seen_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    lastSeenSyncId: uuid('last_seen_sync_id').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.graphDeviceId] }),
    index('unmanaged_devices_tenant_serial_idx').on(table.tenantId, table.serialNumber),
    index('unmanaged_devices_tenant_sync_idx').on(table.tenantId, table.lastSeenSyncId),
  ],
);

/**
 * Webhook sources: one per HR or onboarding system that sends joiner and leaver events (docs/webhooks.md).
 * The signing secret is encrypted like a seed (bound to `webhook-source:<id>`); after a rotation the
 * previous one stays valid until `previousSecretExpiresAt`.
 */
export const webhookSources = pgTable(
  'webhook_sources',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    scheme: text('scheme', { enum: WEBHOOK_SIGNATURE_SCHEMES }).notNull().default('standard'),
    /** The header carrying the body's HMAC for the `hmac-*` schemes (e.g. `Bob-Signature`). */
    signatureHeader: text('signature_header'),
    secretKeyId: text('secret_key_id').notNull(),
    secretCiphertext: bytea('secret_ciphertext').notNull(),
    previousSecretKeyId: text('previous_secret_key_id'),
    previousSecretCiphertext: bytea('previous_secret_ciphertext'),
    previousSecretExpiresAt: timestamptz('previous_secret_expires_at'),
    leaverPolicy: text('leaver_policy', { enum: LEAVER_POLICIES }).notNull().default('disable'),
    /** Leaver events per rolling hour beyond which the rest are held for an admin. */
    leaverThreshold: integer('leaver_threshold').notNull().default(DEFAULT_LEAVER_THRESHOLD),
    /** An admin released held events: the guard counts from here (or from an hour ago, whichever is later). */
    guardResetAt: timestamptz('guard_reset_at'),
    disabledAt: timestamptz('disabled_at'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (table) => [
    uniqueIndex('webhook_sources_name_lower_unique').on(sql`lower(${table.name})`),
    check('webhook_sources_scheme_valid', oneOf(table.scheme, WEBHOOK_SIGNATURE_SCHEMES)),
    check('webhook_sources_leaver_policy_valid', oneOf(table.leaverPolicy, LEAVER_POLICIES)),
    check('webhook_sources_threshold_positive', sql`${table.leaverThreshold} > 0`),
    check('webhook_sources_header_for_hmac', sql`(${table.scheme} = 'standard') = (${table.signatureHeader} is null)`),
    check('webhook_sources_previous_complete', sql`(${table.previousSecretKeyId} is null) = (${table.previousSecretCiphertext} is null)`),
  ],
);

/** What a delivery did: the tokens it touched and why some were left alone. Never a secret. */
export interface WebhookDeliveryResult {
  tokens?: { tokenId: string; serialNumber: string; action: string }[];
  skipped?: { tokenId: string; serialNumber: string; reason: string }[];
  note?: string;
}

/**
 * Every delivery to a source, refused ones included. The webhook-id is the idempotency key: the partial
 * unique index lets one delivery per id and source hold it (so two API processes receiving the same
 * id at the same moment store it once); refusals and duplicates do not hold it.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => webhookSources.id, { onDelete: 'cascade' }),
    tenantId: text('tenant_id').notNull(),
    webhookId: text('webhook_id'),
    status: text('status', { enum: WEBHOOK_DELIVERY_STATUSES }).notNull(),
    /** As sent (an unknown type is recorded too, with its refusal). */
    eventType: text('event_type'),
    /** Counts towards the mass-change guard. */
    leaver: boolean('leaver').notNull().default(false),
    /** The event as parsed (`type`, `timestamp`, `data`), for accepted deliveries. */
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    reasonCode: text('reason_code'),
    reason: text('reason'),
    result: jsonb('result').$type<WebhookDeliveryResult>(),
    operationIds: jsonb('operation_ids').$type<string[]>().notNull().default([]),
    /** Jobs started for it (a redelivery is another run, with its own job id). */
    runs: integer('runs').notNull().default(0),
    bodyBytes: integer('body_bytes').notNull().default(0),
    receivedAt: timestamptz('received_at').notNull().defaultNow(),
    finishedAt: timestamptz('finished_at'),
    updatedAt: timestamptz('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (table) => [
    uniqueIndex('webhook_deliveries_source_webhook_id_unique')
      .on(table.sourceId, table.webhookId)
      .where(sql`${table.webhookId} is not null and ${oneOf(table.status, IDEMPOTENT_STATUSES)}`),
    index('webhook_deliveries_source_received_idx').on(table.sourceId, table.receivedAt),
    index('webhook_deliveries_guard_idx').on(table.sourceId, table.receivedAt).where(sql`${table.leaver}`),
    index('webhook_deliveries_status_idx').on(table.status, table.updatedAt),
    check('webhook_deliveries_status_valid', oneOf(table.status, WEBHOOK_DELIVERY_STATUSES)),
  ],
);

export const WEBHOOK_JOINER_STATUSES = ['waiting', 'assigned', 'dismissed'] as const;

/** Joiners announced by `user.joined` without a serial: they wait here until an operator hands them a token. */
export const webhookJoiners = pgTable(
  'webhook_joiners',
  {
    id: uuid('id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    sourceId: uuid('source_id').references(() => webhookSources.id, { onDelete: 'set null' }),
    deliveryId: uuid('delivery_id'),
    upn: text('upn').notNull(),
    userId: text('user_id'),
    status: text('status', { enum: WEBHOOK_JOINER_STATUSES }).notNull().default('waiting'),
    tokenId: uuid('token_id'),
    operationId: uuid('operation_id'),
    resolvedBy: text('resolved_by'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    resolvedAt: timestamptz('resolved_at'),
  },
  (table) => [
    uniqueIndex('webhook_joiners_waiting_upn_unique').on(table.tenantId, sql`lower(${table.upn})`).where(sql`${table.status} = 'waiting'`),
    index('webhook_joiners_status_created_idx').on(table.status, table.createdAt),
    check('webhook_joiners_status_valid', oneOf(table.status, WEBHOOK_JOINER_STATUSES)),
  ],
);

// ---------------------------------------------------------------------------------------------------------
// Row types

export type Tenant = typeof tenants.$inferSelect;
export type DirectoryUser = typeof directoryUsers.$inferSelect;
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
export type InventorySync = typeof inventorySyncs.$inferSelect;
export type UnmanagedDevice = typeof unmanagedDevices.$inferSelect;
export type WebhookSource = typeof webhookSources.$inferSelect;
export type WebhookDelivery = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDelivery = typeof webhookDeliveries.$inferInsert;
export type WebhookJoiner = typeof webhookJoiners.$inferSelect;
export type PortalSession = typeof portalSessions.$inferSelect;

/**
 * One-time links that create the first admin in the browser (docs/sign-in.md, "The first minute"). The link
 * is printed once on the console; only its SHA-256 is stored, it works once and until `expires_at`.
 */
export const setupTokens = pgTable('setup_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  expiresAt: timestamptz('expires_at').notNull(),
  usedAt: timestamptz('used_at'),
  /** The account the link created. */
  usedBy: uuid('used_by'),
});

/**
 * Sessions of the self-service portal (/my): people of the tenant signed in with Entra, who need no
 * Tokenfleet role and have no account. Kept apart from `sessions`, so no operator route can be reached
 * with one. The cookie holds a random token; only its SHA-256 is stored, as the id.
 */
export const portalSessions = pgTable(
  'portal_sessions',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Entra object id (oid) and UPN of the person. */
    userObjectId: text('user_object_id').notNull(),
    upn: text('upn').notNull(),
    displayName: text('display_name').notNull(),
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    lastSeenAt: timestamptz('last_seen_at').notNull().defaultNow(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (table) => [index('portal_sessions_user_idx').on(table.userObjectId), index('portal_sessions_expires_idx').on(table.expiresAt)],
);
