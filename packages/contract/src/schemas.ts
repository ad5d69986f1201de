// The request and response schemas of /api/v1, defined once. The API parses every input with the request
// schemas and types every answer with the response schemas; the OpenAPI document is generated from them
// (openapi.ts); the dashboard takes its types from them (`z.output<…>`, exported as the names below).
// Responses are objects of exactly these fields: the document says so (no additional properties), and
// a test checks the API's real answers against it.
import { z } from 'zod';
import {
  API_KEY_NAME_MAX_LENGTH,
  API_KEY_NAME_PATTERN,
  AUDIT_OUTCOMES,
  BULK_ACTION_STATUSES,
  BULK_ACTIONS,
  BULK_SELECTION_MAX_IDS,
  HASH_FUNCTIONS,
  IMPORT_FORMATS,
  IMPORT_MODES,
  IMPORT_STATUSES,
  OPERATION_KINDS,
  OPERATION_STATUSES,
  PAGE_LIMIT_DEFAULT,
  PAGE_LIMIT_MAX,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  PSKC_KEY_PATTERN,
  KEY_ROLES,
  ROLES,
  SYNC_INTERVAL_HOURS_DEFAULT,
  SYNC_INTERVAL_HOURS_MAX,
  SYNC_INTERVAL_HOURS_MIN,
  SYNC_STATUSES,
  TENANT_MODES,
  TOKEN_STATES,
  TOKEN_STATUSES,
  EXPIRING_SOON_DAYS,
  OBSOLETE_AFTER_DAYS_MAX,
  TOTP_CODE_PATTERN,
  UPN_PATTERN,
  USERNAME_MAX_LENGTH,
  USERNAME_PATTERN,
  HEADER_NAME_PATTERN,
  LEAVER_POLICIES,
  WEBHOOK_DELIVERY_STATUSES,
  WEBHOOK_ROTATION_GRACE_HOURS_DEFAULT,
  WEBHOOK_ROTATION_GRACE_HOURS_MAX,
  WEBHOOK_SIGNATURE_SCHEMES,
  WEBHOOK_SOURCE_NAME_MAX_LENGTH,
  WEBHOOK_THRESHOLD_MAX,
} from './values';
import { DEFAULT_LEAVER_THRESHOLD } from '@tokenfleet/domain/webhooks';

// ---- Building blocks -------------------------------------------------------------------------------------

/** Ids the API hands out (random UUIDs). Inputs accept any 8-4-4-4-12 hex string; others are 404s. */
export const Id = z.guid().meta({ id: 'Id' });
const UUID_TEXT = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const IdInput = z.string().regex(UUID_TEXT, 'must be a UUID');
const Time = z.iso.datetime({ offset: true }).meta({ id: 'DateTime' });
const Count = z.number().int().min(0);

/** A query parameter that is either absent or a non-empty string (an empty `?upn=` means no filter). */
export const OptionalText = z
  .string()
  .trim()
  .max(256)
  .optional()
  .transform((value) => (value ? value : undefined));

const TimeInput = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time such as 2026-01-31T00:00:00Z' });
const Code = z.string().trim().regex(TOTP_CODE_PATTERN, 'must be the 6-digit code the token shows');
export const Upn = z.string().trim().min(3).max(256).regex(UPN_PATTERN, 'must be a user principal name such as alice@contoso.com');
export const Password = z.string().min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`).max(PASSWORD_MAX_LENGTH);
export const Username = z
  .string()
  .trim()
  .min(1)
  .max(USERNAME_MAX_LENGTH)
  .regex(USERNAME_PATTERN, `letters, digits and . _ @ - only, at most ${USERNAME_MAX_LENGTH}`);

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(PAGE_LIMIT_DEFAULT),
  cursor: z.string().max(512).optional().describe('the nextCursor of the previous page'),
});

export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const countsBy = <const K extends readonly [string, ...string[]]>(keys: K) =>
  z.object(Object.fromEntries(keys.map((key) => [key, Count])) as { [P in K[number]]: typeof Count });

// ---- Errors ----------------------------------------------------------------------------------------------

export const ErrorBody = z
  .object({
    error: z.looseObject({
      code: z.string().describe('snake_case, stable'),
      message: z.string().describe('what a person should know'),
      details: z.array(z.looseObject({ path: z.string().optional(), message: z.string() })).optional(),
      importId: Id.optional(),
    }),
  })
  .meta({ id: 'Error', description: 'Every error: docs/api-conventions.md, "Errors"' });

// ---- Probes and overview ---------------------------------------------------------------------------------

export const Health = z.object({ status: z.literal('ok') });
export const Readiness = z.object({ postgres: z.boolean(), redis: z.boolean() });

export const QueueState = z
  .object({ waiting: Count, active: Count, delayed: Count, failed: Count, completed: Count, rateLimitedUntil: Time.nullable() })
  .meta({ id: 'QueueState' });

export const TenantPace = z
  .object({
    windowSeconds: z.number().int().describe('the recent past the figures are measured over'),
    graphWritesPerSecond: z.number().describe('Graph writes the worker sent for the tenant (429s not counted: their write is given back)'),
    writeBudgetPerSecond: z.number().describe('the write budget configured for the tenant (GRAPH_WRITE_LIMIT per GRAPH_WRITE_WINDOW_MS)'),
    budgetUsed: z.number().describe('graphWritesPerSecond ÷ writeBudgetPerSecond'),
    tokensPerMinute: z.number().describe("tokens of the tenant's running imports that finished, per minute"),
  })
  .meta({ id: 'TenantPace' });
export const Overview = z.object({
  mode: z.enum(TENANT_MODES),
  tenants: z.array(z.object({ id: z.string(), name: z.string(), mode: z.enum(TENANT_MODES), queue: QueueState, pace: TenantPace })),
  tokensByState: countsBy(TOKEN_STATES),
  tokensByStatus: countsBy(TOKEN_STATUSES),
  tokensExpiringSoon: Count.describe(`tokens not out of service whose expiry falls within the next ${EXPIRING_SOON_DAYS} days`),
  importsRunning: Count,
  failedOperations: Count,
});

// ---- Session and accounts --------------------------------------------------------------------------------

export const Credentials = z.object({ username: z.string().trim().min(1).max(USERNAME_MAX_LENGTH), password: z.string().min(1).max(PASSWORD_MAX_LENGTH) });

export const Session = z
  .object({
    user: z.object({ id: Id, username: z.string(), role: z.enum(ROLES) }),
    csrfToken: z.string().describe('send as X-CSRF-Token on every POST, PUT, PATCH and DELETE'),
  })
  .meta({ id: 'Session' });

export const Account = z
  .object({
    id: Id,
    username: z.string(),
    role: z.enum(ROLES),
    source: z.enum(['local', 'microsoft']).describe('microsoft: made by signing in with Microsoft; its role follows the Entra app role at every sign-in'),
    disabled: z.boolean(),
    lastLoginAt: Time.nullable(),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: 'Account' });
export const NewAccount = z.object({ username: Username, password: Password, role: z.enum(ROLES) });
export const AccountChange = z.strictObject({ role: z.enum(ROLES).optional(), password: Password.optional(), disabled: z.boolean().optional() });

// ---- API keys --------------------------------------------------------------------------------------------

export const ApiKey = z
  .object({ id: Id, name: z.string(), role: z.enum(KEY_ROLES), keyPrefix: z.string(), createdAt: Time, lastUsedAt: Time.nullable(), revokedAt: Time.nullable() })
  .meta({ id: 'ApiKey' });
export const CreatedApiKey = ApiKey.extend({ key: z.string().describe('shown only in this answer') });
export const NewApiKey = z.object({
  name: z.string().trim().min(1).max(API_KEY_NAME_MAX_LENGTH).regex(API_KEY_NAME_PATTERN, 'letters, digits, spaces and . _ @ - only'),
  // `validator` keys work only on the validation routes at the server root (docs/validation-api.md).
  role: z.enum(KEY_ROLES),
});

// ---- Imports ---------------------------------------------------------------------------------------------

export const UploadFields = z.object({
  mode: z.enum(IMPORT_MODES).default('activate').describe('import: inventory only; assign: also assign rows naming a user; activate: also activate them'),
  tenantId: OptionalText,
  pskcKey: z.string().trim().regex(PSKC_KEY_PATTERN, 'must be the pre-shared key in hex (32, 48 or 64 hex digits)').optional().describe('PSKC pre-shared key, hex'),
});
/** The same options as query parameters (`POST /imports?mode=assign`), for clients that find that easier. */
export const UploadQuery = UploadFields.partial();
/** The multipart form of an upload as the document shows it: the fields and then the file. */
export const UploadForm = UploadFields.extend({
  file: z.string().describe('CSV, JSON or PSKC; the format is detected from the content').meta({ format: 'binary' }),
});
export const Accepted = z.object({ id: Id });

export const ImportProgress = z.object({ validated: Count, created: Count, assigned: Count, activated: Count, failed: Count, pending: Count });
export const Pace = z
  .object({
    tokensPerMinute: z.number().describe('tokens whose operations all ended within the last minute (or since the start, if shorter), per minute'),
    estimatedFinishAt: Time.nullable().describe('when the tokens still to go are done at that pace; null until one has finished'),
  })
  .meta({ id: 'Pace' });
export const Import = z
  .object({
    id: Id,
    tenantId: z.string(),
    fileName: z.string(),
    format: z.enum(IMPORT_FORMATS),
    mode: z.enum(IMPORT_MODES),
    status: z.enum(IMPORT_STATUSES),
    totalRows: Count.describe('rows the file yielded: validRows + rejectedRows + duplicateRows'),
    validRows: Count.describe('rows imported as new tokens'),
    rejectedRows: Count.describe('rows refused by validation'),
    duplicateRows: Count.describe('rows whose serial was already in the inventory'),
    createdBy: z.string(),
    createdAt: Time,
    finishedAt: Time.nullable(),
    error: z.string().nullable().describe('why the whole file was refused'),
    progress: ImportProgress,
    tokensByState: countsBy(TOKEN_STATES),
    pace: Pace.nullable().describe('while running: how fast its tokens finish, and when the rest should be done at that pace'),
  })
  .meta({ id: 'Import' });
export const ImportListQuery = PageQuery.extend({ status: z.enum(IMPORT_STATUSES).optional(), tenantId: OptionalText });
export const ImportRowError = z
  .object({
    rowNumber: z.number().int().describe("CSV: the file's row, the header being row 1; JSON: the item's 1-based index; PSKC: the KeyPackage's 1-based index"),
    field: z.string().nullable().describe("the field in the API's (Graph's) names"),
    column: z.string().nullable().describe("the file's own name for that field (its header, key or element), when it has one"),
    reason: z.string(),
    serialNumber: z.string().nullable(),
  })
  .meta({ id: 'ImportRowError' });

// ---- Tokens ----------------------------------------------------------------------------------------------

/** A token's stored fields, each the column of its name (the API reads exactly these columns). */
export const TokenRecord = z.object({
    id: Id,
    tenantId: z.string(),
    serialNumber: z.string(),
    manufacturer: z.string(),
    model: z.string(),
    displayName: z.string(),
    hashFunction: z.enum(HASH_FUNCTIONS),
    timeIntervalSeconds: z.number().int(),
    state: z.enum(TOKEN_STATES),
    assignedUpn: z.string().nullable(),
    importId: Id.nullable(),
    lastError: z.string().nullable(),
    lastUsedAt: Time.nullable(),
    activatedAt: Time.nullable().describe('when it last went into service (activated or enabled)'),
    expiresAt: Time.nullable().describe('from the seed file or set by an operator; past it the token is OBSOLETE'),
    manufacturedAt: Time.nullable(),
    lastTestedAt: Time.nullable().describe('when "Test a code" was last done'),
    lastResyncedAt: Time.nullable().describe('when it was last resynchronised'),
    comment: z.string().nullable().describe("an operator's note, Tokenfleet's own"),
    lostAt: Time.nullable().describe('when the token was reported lost'),
    lostNote: z.string().nullable().describe("the reporter's note"),
    createdAt: Time,
    updatedAt: Time,
  });
export const Token = TokenRecord.extend({
  status: z.enum(TOKEN_STATUSES).describe('ACTIVE: signs its user in; DISABLED: does not (disabled, or not activated yet); OBSOLETE: lost, retired, deleted, expired or unused too long'),
  statusReason: z.string().describe('why, in words'),
  assignedUserDisplayName: z.string().nullable().describe("the assigned user's display name, as the directory last answered it"),
}).meta({ id: 'Token' });

export const TokenOperation = z.object({
  id: Id,
  kind: z.enum(OPERATION_KINDS),
  status: z.enum(OPERATION_STATUSES),
  attempts: Count,
  lastErrorCode: z.string().nullable(),
  lastErrorMessage: z.string().nullable(),
  createdBy: z.string(),
  chainId: Id.nullable().describe('the first operation of the operator action this step belongs to (reassign, delete of an assigned token)'),
  createdAt: Time,
  updatedAt: Time,
});
export const TokenDetail = Token.extend({
  graphDeviceId: z.string().nullable(),
  assignedUserId: z.string().nullable(),
  driftSteps: z.number().int(),
  hasSeed: z.boolean(),
  operations: z.array(TokenOperation),
}).meta({ id: 'TokenDetail' });

export const TokenListQuery = PageQuery.extend({
  state: z.enum(TOKEN_STATES).optional(),
  status: z.enum(TOKEN_STATUSES).optional(),
  expiresWithinDays: z.coerce.number().int().min(1).max(OBSOLETE_AFTER_DAYS_MAX).optional().describe('only tokens not out of service whose expiry falls within this many days from now'),
  upn: OptionalText.describe('prefix, case-insensitive'),
  serial: OptionalText.describe('prefix'),
  importId: IdInput.optional(),
  manufacturer: OptionalText,
  tenantId: OptionalText,
});

export const AssignRequest = z.object({ upn: Upn });
export const TokenExpiryChange = z.strictObject({
  expiresAt: z
    .union([TimeInput, z.iso.date({ message: 'must be a date such as 2029-12-31 or an ISO 8601 time' })])
    .nullable()
    .describe('a time, or a date (the end of that day, UTC); null removes the expiry'),
});
export const OperationQueued = z.object({ operationId: Id });
export const DeleteRequest = z.object({ confirm: z.string().trim().max(256).optional().describe("required when the token is assigned: its user's UPN") });
export const EnableRequest = z.object({ verificationCode: Code.optional().describe('required when the seed was purged: the code the token shows now') });
export const LostReport = z.object({ note: z.string().trim().min(1, "say where or how it was lost").max(1000).describe("the reporter's note") });
export const TokenEdit = z
  .object({
    displayName: z.string().trim().min(1).max(256).optional().describe('the name Entra shows'),
    comment: z.string().trim().max(1000).nullable().optional().describe("Tokenfleet's own note; null or empty clears it"),
  })
  .refine((edit) => edit.displayName !== undefined || edit.comment !== undefined, { message: 'give a displayName, a comment, or both' });
export const TokenActionAnswer = z
  .object({ token: Token, operationId: Id.nullable().describe('the operation that carries the action into Entra, if one was queued') })
  .meta({ id: 'TokenActionAnswer' });
export const CodeCheck = z.object({ code: Code });
export const CodeVerdict = z.object({ valid: z.boolean(), drift: z.number().int().nullable() });
export const ResyncRequest = z.object({ code1: Code, code2: Code });
export const ResyncResult = z.object({ driftSteps: z.number().int() });

// ---- Bulk actions (docs/api-conventions.md, "Bulk actions") --------------------------------------------

/** The token list's filters without its paging: what "all N matching this filter" selects. */
export const TokenFilter = TokenListQuery.omit({ limit: true, cursor: true }).meta({ id: 'TokenFilter' });
const selectionFields = {
  action: z.enum(BULK_ACTIONS).describe('the single token action of the same name, for each selected token'),
  tokenIds: z.array(IdInput).min(1).max(BULK_SELECTION_MAX_IDS).optional().describe('the tokens ticked; or …'),
  filter: TokenFilter.optional().describe('… every token matching the token list\'s filter ({} selects every token of the tenant)'),
};
const oneSelection = (value: { tokenIds?: unknown; filter?: unknown }) => (value.tokenIds === undefined) !== (value.filter === undefined);
const ONE_SELECTION = { message: 'give either tokenIds or filter', path: ['tokenIds'] };
export const BulkPreviewRequest = z.strictObject({ ...selectionFields, action: selectionFields.action.optional() }).refine(oneSelection, ONE_SELECTION);
export const BulkActionRequest = z
  .strictObject({ ...selectionFields, confirm: z.literal(true).describe('the operator confirmed the count and the users the preview answered') })
  .refine(oneSelection, ONE_SELECTION);
export const BulkPreview = z.object({
  action: z.enum(BULK_ACTIONS).nullable().describe('the action asked about; null when only counting'),
  total: Count.describe('tokens selected'),
  users: Count.describe('distinct users they are assigned to'),
  unassigned: Count.describe('selected tokens assigned to nobody'),
  sampleUpns: z.array(z.string()).describe('some of those users, in order'),
  byState: z.record(z.string(), Count).describe('selected tokens per state'),
});
export const BulkActionProgress = z.object({
  total: Count,
  done: Count.describe('carried out'),
  failed: Count.describe('the operation failed'),
  skipped: Count.describe('refused by the token\'s life cycle now, with the reason in the failures'),
  cancelled: Count,
  pending: Count.describe('still to do'),
  walked: Count.describe('tokens the fan-out has reached'),
});
export const BulkAction = z
  .object({
    id: Id,
    tenantId: z.string(),
    action: z.enum(BULK_ACTIONS),
    status: z.enum(BULK_ACTION_STATUSES),
    selection: z.object({ tokenIds: Count.nullable().describe('how many ids were given, when selected by id'), filter: TokenFilter.partial().nullable().describe('the filter as given, when selected by filter') }),
    round: Count.describe('0, then one more per retry of the failures'),
    createdBy: z.string(),
    createdAt: Time,
    cancelledBy: z.string().nullable(),
    cancelledAt: Time.nullable(),
    finishedAt: Time.nullable(),
    progress: BulkActionProgress,
    operationsByStatus: countsBy(OPERATION_STATUSES),
  })
  .meta({ id: 'BulkAction' });
export const BulkActionListQuery = PageQuery.extend({ tenantId: OptionalText });
export const BulkFailure = z
  .object({
    tokenId: Id,
    serialNumber: z.string(),
    assignedUpn: z.string().nullable(),
    state: z.enum(TOKEN_STATES),
    outcome: z.enum(['skipped', 'failed']).describe('skipped: the life cycle refused the action; failed: its operation failed'),
    code: z.string(),
    reason: z.string(),
    operationId: Id.nullable(),
  })
  .meta({ id: 'BulkFailure' });

// ---- Users -----------------------------------------------------------------------------------------------

export const UserSearchQuery = z.object({ search: z.string().trim().min(1, 'type the start of a name or UPN').max(128).describe('start of a UPN or display name') });
export const DirectoryUser = z.object({ id: z.string(), userPrincipalName: z.string(), displayName: z.string().nullable() }).meta({ id: 'User' });

// ---- Operations ------------------------------------------------------------------------------------------

export const Operation = z
  .object({
    id: Id,
    tenantId: z.string(),
    tokenId: Id,
    serialNumber: z.string(),
    importId: Id.nullable(),
    kind: z.enum(OPERATION_KINDS),
    status: z.enum(OPERATION_STATUSES),
    attempts: Count,
    generation: z.number().int(),
    lastErrorCode: z.string().nullable(),
    lastErrorMessage: z.string().nullable(),
    lastGraphStatus: z.number().int().nullable(),
    lastRequestId: z.string().nullable(),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: 'Operation' });

export const OperationFilters = z.object({
  status: z.enum(OPERATION_STATUSES).optional(),
  kind: z.enum(OPERATION_KINDS).optional(),
  code: OptionalText.describe('the Graph error code; failures without one are "unknown"'),
  tokenId: IdInput.optional(),
  importId: IdInput.optional(),
  tenantId: OptionalText,
});
export const OperationListQuery = OperationFilters.extend(PageQuery.shape);
export const FailureGroupQuery = OperationFilters.pick({ importId: true, kind: true, tenantId: true });
export const FailureGroup = z.object({ code: z.string(), message: z.string().nullable(), count: Count });
export const RetrySelection = z.strictObject({
  ids: z.array(IdInput).max(10_000).optional(),
  code: z.string().trim().min(1).max(256).optional(),
  kind: z.enum(OPERATION_KINDS).optional(),
  importId: IdInput.optional(),
});
export const RetryResult = z.object({ retried: Count });

// ---- Audit -----------------------------------------------------------------------------------------------

export const AuditEvent = z
  .object({
    id: z.number().int(),
    at: Time,
    actor: z.string(),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    tokenId: Id.nullable(),
    importId: Id.nullable(),
    operationId: Id.nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    graphStatus: z.number().int().nullable(),
    graphRequestId: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    detail: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: 'AuditEvent' });
export const OperationDetail = Operation.extend({ history: z.array(AuditEvent) }).meta({ id: 'OperationDetail' });

export const AuditFilters = z.object({
  from: TimeInput.optional(),
  to: TimeInput.optional(),
  actor: OptionalText.describe('`user:alice`, `api-key:ci`, `worker`… or just the name (`alice`), which matches any kind of actor of that name'),
  action: OptionalText,
  tokenId: IdInput.optional(),
  token: OptionalText.describe("a token's id, its 8-character short id as the dashboard shows it, or its serial number"),
  importId: IdInput.optional(),
  operationId: IdInput.optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
});
export const AuditListQuery = AuditFilters.extend(PageQuery.shape);

// ---- Tenants ---------------------------------------------------------------------------------------------

/** The self-service portal (/my) of a tenant: whether it is open, which stock tokens people may activate, and how often they may try. */
export const SelfServiceSettings = z.object({
  enabled: z.boolean(),
  eligibleImportIds: z.array(Id).max(1000).nullable().describe('only tokens of these imports may be activated by their holders; null: every token in stock'),
  attemptsPerHour: z.number().int().min(1).max(100).describe('activation and test attempts one person may make per hour'),
});
const ObsoleteAfterDays = z
  .number()
  .int()
  .min(1)
  .max(OBSOLETE_AFTER_DAYS_MAX)
  .nullable()
  .describe('an active token not used for longer than this many days is OBSOLETE; null: never');
const SyncIntervalHours = z
  .number()
  .min(SYNC_INTERVAL_HOURS_MIN)
  .max(SYNC_INTERVAL_HOURS_MAX)
  .describe(`hours between two scheduled reconciliations with Entra (default ${SYNC_INTERVAL_HOURS_DEFAULT})`);
export const TenantSettings = z.object({ purgeSeedsWhenActive: z.boolean(), obsoleteAfterDays: ObsoleteAfterDays, syncIntervalHours: SyncIntervalHours, selfService: SelfServiceSettings });
export const InventorySync = z
  .object({
    id: Id,
    tenantId: z.string(),
    status: z.enum(SYNC_STATUSES),
    requestedBy: z.string().describe('`schedule`, or who asked'),
    requestedAt: Time,
    startedAt: Time.nullable(),
    finishedAt: Time.nullable(),
    summary: z
      .record(z.string(), z.number())
      .nullable()
      .describe('pages, devicesRead, changedInEntra, missingFromEntra, lastUsedUpdated, skippedBusy (left for the next sync: Tokenfleet was changing them), unmanagedFound, unmanagedGone'),
    error: z.string().nullable(),
  })
  .meta({ id: 'InventorySync', description: 'One reconciliation with Entra: docs/reconciliation.md' });
export const ConnectionTest = z
  .object({
    ok: z.boolean().describe('a token was issued for the app registration and one hardware OATH device read with it'),
    at: Time,
    message: z.string().describe('what Entra or Graph answered, in their words when they refused'),
    graphStatus: z.number().int().optional(),
    requestId: z.string().optional().describe("Graph's request-id, for a support case"),
  })
  .meta({ id: 'ConnectionTest' });
export const TenantConnection = z
  .object({
    source: z.enum(['environment', 'stored']).describe('environment: the ENTRA_* variables (or the built-in sandbox); stored: added in Tokenfleet, credential sealed in the database'),
    entraTenantId: z.string().nullable(),
    clientId: z.string().nullable(),
    credential: z.enum(['secret', 'certificate']).nullable().describe('which kind of credential signs in; the credential itself is never shown'),
    authorityHost: z.string().nullable(),
    graphBaseUrl: z.string().nullable(),
    lastTest: ConnectionTest.nullable(),
  })
  .meta({ id: 'TenantConnection' });
const HttpsUrl = z.url({ protocol: /^https$/, error: 'an https:// URL' });
/** An app registration's credential: a client secret, or a PEM holding the certificate and its private key. */
const Credential = {
  clientSecret: z.string().min(1).max(1_024).optional(),
  clientCertificatePem: z
    .string()
    .max(64 * 1024)
    .refine((pem) => pem.includes('PRIVATE KEY-----') && pem.includes('-----BEGIN CERTIFICATE-----'), 'a PEM holding both the certificate and its private key')
    .optional(),
};
const oneCredential = (change: { clientSecret?: string | undefined; clientCertificatePem?: string | undefined }) => (change.clientSecret === undefined) !== (change.clientCertificatePem === undefined);
const ONE_CREDENTIAL = { message: 'give exactly one of clientSecret and clientCertificatePem', path: ['clientSecret'] };
/** An app registration as a tenant is added or its connection replaced with it. */
const AppRegistration = {
  clientId: z.guid().describe("the app registration's application (client) id"),
  ...Credential,
  authorityHost: HttpsUrl.optional().describe('default https://login.microsoftonline.com (another cloud: its own)'),
  graphBaseUrl: HttpsUrl.optional().describe('default https://graph.microsoft.com'),
};
export const TenantConnectionChange = z.strictObject(AppRegistration).refine(oneCredential, ONE_CREDENTIAL).meta({ id: 'TenantConnectionChange' });
export const NewTenant = z
  .strictObject({
    name: z.string().trim().min(1).max(120),
    entraTenantId: z.guid().describe("the Entra tenant's id (Directory (tenant) ID)"),
    ...AppRegistration,
  })
  .refine(oneCredential, ONE_CREDENTIAL)
  .meta({ id: 'NewTenant' });
export const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    mode: z.enum(TENANT_MODES),
    connection: TenantConnection,
    settings: TenantSettings,
    lastSync: InventorySync.nullable().describe('the latest reconciliation, running or finished'),
    lastSyncedAt: Time.nullable().describe('when the latest successful reconciliation finished'),
    unmanagedDevices: Count.describe('devices in Entra that no token of Tokenfleet names'),
  })
  .meta({ id: 'Tenant' });
export const TenantSettingsChange = z
  .strictObject({
    purgeSeedsWhenActive: z.boolean().optional(),
    obsoleteAfterDays: ObsoleteAfterDays.optional(),
    syncIntervalHours: SyncIntervalHours.optional(),
    selfService: z.strictObject(SelfServiceSettings.shape).partial().optional(),
  })
  .refine((change) => Object.keys(change).length > 0, 'name at least one setting');
export const SyncQueued = z.object({ id: Id, status: z.enum(SYNC_STATUSES), alreadyOpen: z.boolean().describe('a sync was already queued or running; this is it') });
export const TenantParams = z.object({ tenantId: z.string() });
export const UnmanagedDevice = z
  .object({
    graphDeviceId: z.string(),
    serialNumber: z.string(),
    manufacturer: z.string(),
    model: z.string(),
    displayName: z.string().nullable(),
    hashFunction: z.string(),
    timeIntervalSeconds: z.number().int(),
    status: z.string().describe("Graph's status: available, assigned, activated, failedActivation"),
    assignedUserId: z.string().nullable(),
    assignedUserName: z.string().nullable(),
    lastUsedAt: Time.nullable(),
    firstSeenAt: Time,
    lastSeenAt: Time,
  })
  .meta({ id: 'UnmanagedDevice' });
export const UnmanagedDeviceQuery = PageQuery.extend({ serial: OptionalText.describe('prefix') });

// ---- Signing in and the first admin (docs/sign-in.md) -----------------------------------------------------

export const SignInOptions = z
  .object({
    microsoft: z.object({ enabled: z.boolean(), sandbox: z.boolean(), startUrl: z.string().describe('navigate the browser here to sign in with Microsoft') }),
    local: z.boolean().describe('local accounts (break-glass) may sign in with a password'),
    setupRequired: z.boolean().describe('no admin exists yet: the console printed a one-time setup link'),
  })
  .meta({ id: 'SignInOptions' });
export const SetupRequest = z.object({ token: z.string().min(16).max(200), username: z.string().trim().min(1).max(USERNAME_MAX_LENGTH).regex(USERNAME_PATTERN), password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH) });

// ---- The self-service portal (/my) -------------------------------------------------------------------------

export const PortalSession = z
  .object({
    user: z.object({ upn: z.string(), name: z.string() }),
    csrfToken: z.string(),
    selfService: z.object({ enabled: z.boolean() }),
  })
  .meta({ id: 'PortalSession' });
export const PortalToken = z
  .object({ id: Id, serialNumber: z.string(), manufacturer: z.string(), model: z.string(), state: z.enum(TOKEN_STATES), lastUsedAt: Time.nullable(), activating: z.boolean().describe('an activation is under way') })
  .meta({ id: 'PortalToken' });
const OtpCode = z.string().trim().regex(/^\d{6,8}$/, 'the code is the 6 to 8 digits the token shows');
export const PortalActivation = z.object({ serialNumber: z.string().trim().min(1).max(100), code: OtpCode });
export const PortalActivationStarted = z.object({ token: PortalToken, operationId: Id });
export const PortalCode = z.object({ code: OtpCode });
export const PortalCodeVerdict = z.object({ valid: z.boolean() });
export const PortalLostReport = z.object({ token: PortalToken, disabled: z.boolean().describe('out of service at once (marked lost; Entra deactivates it through the queue)'), helpdeskNotified: z.boolean() });

// ---- The validation API as the dashboard sees it (docs/validation-api.md) -------------------------------

export const ValidationSettings = z.object({
  windowSteps: Count.describe('steps accepted either side of a token\'s known drift'),
  maxFailures: Count.describe('consecutive failures that lock a user'),
  lockoutClearMinutes: z.number().min(0).describe('a lock clears by itself after this long; 0: only an operator unlocks'),
  rateLimitPerSecond: Count.describe('validations per second one validator key may make'),
  qrTtlSeconds: Count.describe('how long a createuser hashqr link works'),
});
export const ValidationUserToken = z.object({
  id: Id,
  serialNumber: z.string(),
  state: z.enum(TOKEN_STATES),
  hasSeed: z.boolean(),
  driftSteps: z.number().int(),
  lastUsedAt: Time.nullable(),
  usable: z.boolean().describe('whether its codes are checked now'),
  unusableBecause: z.string().nullable().describe('why not, when not'),
});
export const ValidationUser = z
  .object({
    userid: z.string().describe('the stable id createuser answered'),
    email: z.string(),
    phone: z.string().nullable(),
    hasSoftwareToken: z.boolean(),
    softwareTokenIssuedAt: Time.nullable(),
    failedValidations: Count,
    locked: z.boolean(),
    lockedAt: Time.nullable(),
    lockedUntil: Time.nullable().describe('null while locked until an operator unlocks'),
    lastValidationAt: Time.nullable(),
    lastValidationOk: z.boolean().nullable(),
    createdBy: z.string(),
    createdAt: Time,
    tokens: z.array(ValidationUserToken),
  })
  .meta({ id: 'ValidationUser' });
export const ValidationUserQuery = PageQuery.extend({
  email: OptionalText.describe('prefix, case-insensitive'),
  locked: z.enum(['true', 'false']).optional().describe('only locked (true) or unlocked (false) users'),
});
export const UnlockedValidationUser = z.object({ userid: z.string(), email: z.string(), failedValidations: Count, locked: z.literal(false) });
export const TokenValidation = z
  .object({
    id: z.number().int(),
    at: Time,
    keyName: z.string(),
    valid: z.boolean(),
    reason: z.string().nullable(),
    userid: z.string().nullable(),
    email: z.string().nullable(),
    driftSteps: z.number().int().nullable(),
    client: z.string().nullable(),
  })
  .meta({ id: 'TokenValidation' });

// ---- Webhooks (docs/webhooks.md) ------------------------------------------------------------------------

const SerialNumber = z.string().trim().min(1).max(128);
const EventTime = z.union([z.iso.datetime({ offset: true }), z.number()]).describe('when it happened: ISO 8601, or Unix seconds');

/** The events an HR system sends, as the delivery route parses them (`{type, timestamp, data}`). */
export const TokenAssignEvent = z.object({ type: z.literal('token.assign'), timestamp: EventTime, data: z.object({ upn: Upn, serialNumber: SerialNumber }) });
export const TokenUnassignEvent = z.object({ type: z.literal('token.unassign'), timestamp: EventTime, data: z.object({ serialNumber: SerialNumber }) });
export const UserJoinedEvent = z.object({ type: z.literal('user.joined'), timestamp: EventTime, data: z.object({ upn: Upn }) });
export const UserLeftEvent = z.object({ type: z.literal('user.left'), timestamp: EventTime, data: z.object({ upn: Upn }) });
export const WebhookEvent = z
  .discriminatedUnion('type', [TokenAssignEvent, TokenUnassignEvent, UserJoinedEvent, UserLeftEvent])
  .meta({
    id: 'WebhookEvent',
    description:
      'token.assign: assign the token with that serial to the user and activate it. token.unassign / user.left: the leaver\'s tokens stop signing in, by the source\'s leaver policy (disable, or unassign back to stock); never deleted. user.joined: the joiner waits on the "needs a token" list.',
  });
export const WebhookReceipt = z.object({
  deliveryId: Id,
  status: z.enum(['queued', 'held', 'duplicate']).describe('queued: carried out by the worker; held: stopped by the mass-change guard until an admin decides; duplicate: this webhook-id was received before and is not acted on again'),
});

const SignatureHeader = z.string().trim().regex(HEADER_NAME_PATTERN, 'must be an HTTP header name such as Bob-Signature');
export const WebhookSource = z
  .object({
    id: Id,
    tenantId: z.string(),
    name: z.string(),
    scheme: z.enum(WEBHOOK_SIGNATURE_SCHEMES),
    signatureHeader: z.string().nullable().describe('the header holding the body HMAC, for the hmac-* schemes'),
    deliveryUrl: z.string().describe('where the source sends its events'),
    leaverPolicy: z.enum(LEAVER_POLICIES),
    leaverThreshold: z.number().int().describe('leaver events per rolling hour beyond which the rest are held'),
    disabled: z.boolean(),
    previousSecretExpiresAt: Time.nullable().describe('after a rotation, the old secret is accepted until then'),
    heldCount: Count.describe('deliveries held by the mass-change guard, waiting for release or discard'),
    lastDeliveryAt: Time.nullable(),
    createdBy: z.string(),
    createdAt: Time,
    updatedAt: Time,
  })
  .meta({ id: 'WebhookSource' });
export const CreatedWebhookSource = WebhookSource.extend({ secret: z.string().describe('whsec_ + base64 of 32 random bytes; shown only in this answer') });
/** The secret an HR system of the body-HMAC kind made itself (BambooHR, HiBob), entered by the admin. */
const VendorSecret = z.string().min(16, 'at least 16 characters').max(512).describe('hmac-* schemes only: the sending system\'s own secret; otherwise Tokenfleet makes one');
const WebhookSourceName = z.string().trim().min(1).max(WEBHOOK_SOURCE_NAME_MAX_LENGTH).regex(API_KEY_NAME_PATTERN, 'letters, digits, spaces and . _ @ - only');
export const NewWebhookSource = z
  .object({
    name: WebhookSourceName,
    scheme: z.enum(WEBHOOK_SIGNATURE_SCHEMES).default('standard'),
    signatureHeader: SignatureHeader.optional(),
    leaverPolicy: z.enum(LEAVER_POLICIES).default('disable'),
    leaverThreshold: z.number().int().min(1).max(WEBHOOK_THRESHOLD_MAX).default(DEFAULT_LEAVER_THRESHOLD),
    secret: VendorSecret.optional(),
  })
  .refine((input) => (input.scheme === 'standard') === (input.signatureHeader === undefined), {
    message: 'the hmac-sha256 and hmac-sha512 schemes need a signatureHeader; the standard scheme takes none',
    path: ['signatureHeader'],
  })
  .refine((input) => input.scheme !== 'standard' || input.secret === undefined, {
    message: 'a Standard Webhooks source gets a whsec_ secret made by Tokenfleet; only the hmac-* schemes take the sending system\'s own',
    path: ['secret'],
  });
export const WebhookSourceChange = z.strictObject({
  name: WebhookSourceName.optional(),
  leaverPolicy: z.enum(LEAVER_POLICIES).optional(),
  leaverThreshold: z.number().int().min(1).max(WEBHOOK_THRESHOLD_MAX).optional(),
  disabled: z.boolean().optional(),
});
export const SecretRotation = z.strictObject({
  graceHours: z.number().min(0).max(WEBHOOK_ROTATION_GRACE_HOURS_MAX).default(WEBHOOK_ROTATION_GRACE_HOURS_DEFAULT).describe('how long the old secret stays valid'),
  secret: VendorSecret.optional(),
});
export const RotatedWebhookSecret = z.object({ source: WebhookSource, secret: z.string().describe('the new secret; shown only in this answer') });

export const WebhookDeliveryOperation = z.object({ id: Id, kind: z.enum(OPERATION_KINDS), status: z.enum(OPERATION_STATUSES), tokenId: Id, serialNumber: z.string() });
export const WebhookDelivery = z
  .object({
    id: Id,
    sourceId: Id,
    webhookId: z.string().nullable(),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    eventType: z.string().nullable(),
    data: z.record(z.string(), z.unknown()).nullable().describe('the event\'s data as received (a UPN, a serial)'),
    reasonCode: z.string().nullable().describe('why it was refused or rejected, stable: invalid_signature, stale_timestamp, unknown_serial, user_not_found, ...'),
    reason: z.string().nullable(),
    result: z.record(z.string(), z.unknown()).nullable().describe('what it did: the tokens it acted on and those it left alone'),
    operations: z.array(WebhookDeliveryOperation),
    redeliverable: z.boolean(),
    receivedAt: Time,
    finishedAt: Time.nullable(),
  })
  .meta({ id: 'WebhookDelivery' });
export const WebhookDeliveryQuery = PageQuery.extend({ status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional() });
export const HeldDecision = z.strictObject({ action: z.enum(['release', 'discard']) });
export const HeldDecisionResult = z.object({ count: Count });

export const WebhookJoiner = z
  .object({ id: Id, upn: z.string(), sourceId: Id.nullable(), sourceName: z.string().nullable(), deliveryId: Id.nullable(), createdAt: Time })
  .meta({ id: 'WebhookJoiner' });
export const JoinerAssignment = z.object({ tokenId: IdInput });

// ---- The types the API answers with and the dashboard reads ----------------------------------------------

export type Page<T> = { items: T[]; nextCursor: string | null };
export type ErrorBody = z.output<typeof ErrorBody>;
export type Overview = z.output<typeof Overview>;
export type QueueState = z.output<typeof QueueState>;
export type Session = z.output<typeof Session>;
export type SessionUser = Session['user'];
export type Account = z.output<typeof Account>;
export type ApiKey = z.output<typeof ApiKey>;
export type CreatedApiKey = z.output<typeof CreatedApiKey>;
export type Import = z.output<typeof Import>;
export type ImportProgress = z.output<typeof ImportProgress>;
export type ImportRowError = z.output<typeof ImportRowError>;
export type Token = z.output<typeof Token>;
export type TokenStatusName = Token['status'];
export type TokenOperation = z.output<typeof TokenOperation>;
export type TokenDetail = z.output<typeof TokenDetail>;
export type CodeVerdict = z.output<typeof CodeVerdict>;
export type ResyncResult = z.output<typeof ResyncResult>;
export type DirectoryUser = z.output<typeof DirectoryUser>;
export type Operation = z.output<typeof Operation>;
export type OperationDetail = z.output<typeof OperationDetail>;
export type FailureGroup = z.output<typeof FailureGroup>;
export type RetryResult = z.output<typeof RetryResult>;
export type AuditEvent = z.output<typeof AuditEvent>;
export type TokenFilter = z.output<typeof TokenFilter>;
export type BulkPreview = z.output<typeof BulkPreview>;
export type BulkAction = z.output<typeof BulkAction>;
export type BulkActionProgress = z.output<typeof BulkActionProgress>;
export type BulkFailure = z.output<typeof BulkFailure>;
export type Tenant = z.output<typeof Tenant>;
export type ConnectionTest = z.output<typeof ConnectionTest>;
export type TenantSettings = z.output<typeof TenantSettings>;
export type InventorySync = z.output<typeof InventorySync>;
export type SyncQueued = z.output<typeof SyncQueued>;
export type UnmanagedDevice = z.output<typeof UnmanagedDevice>;
export type SelfServiceSettings = z.output<typeof SelfServiceSettings>;
export type SignInOptions = z.output<typeof SignInOptions>;
export type PortalSession = z.output<typeof PortalSession>;
export type PortalToken = z.output<typeof PortalToken>;
export type PortalActivationStarted = z.output<typeof PortalActivationStarted>;
export type PortalLostReport = z.output<typeof PortalLostReport>;
export type UploadFields = z.output<typeof UploadFields>;
export type ValidationSettings = z.output<typeof ValidationSettings>;
export type ValidationUser = z.output<typeof ValidationUser>;
export type ValidationUserToken = z.output<typeof ValidationUserToken>;
export type TokenValidation = z.output<typeof TokenValidation>;
export type WebhookSource = z.output<typeof WebhookSource>;
export type CreatedWebhookSource = z.output<typeof CreatedWebhookSource>;
export type RotatedWebhookSecret = z.output<typeof RotatedWebhookSecret>;
export type WebhookDelivery = z.output<typeof WebhookDelivery>;
export type WebhookJoiner = z.output<typeof WebhookJoiner>;
export type WebhookEvent = z.output<typeof WebhookEvent>;
export type WebhookReceipt = z.output<typeof WebhookReceipt>;
