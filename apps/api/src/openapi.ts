// The OpenAPI 3.1 description of /api/v1, written by hand beside the routes. A test walks the express
// router and this document both ways, so a route cannot be added or dropped without the other.
import { IMPORT_FORMATS, IMPORT_MODES, IMPORT_STATUSES, OPERATION_STATUSES, TOKEN_STATES, API_KEY_ROLES, AUDIT_OUTCOMES, KEY_ROLES } from '@tokenfleet/db';
import { HASH_FUNCTIONS, OPERATION_KINDS } from '@tokenfleet/domain';
import { validationApiPaths, validationRootPaths, validationSchemas, validationSecuritySchemes } from './validation/openapi';

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });
const nullable = (schema: Schema): Schema => ({ oneOf: [schema, { type: 'null' }] });
const time = str({ format: 'date-time' });
const uuid = str({ format: 'uuid' });
const enumOf = (values: readonly string[]): Schema => str({ enum: [...values] });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
const countsBy = (keys: readonly string[]): Schema => obj(Object.fromEntries(keys.map((key) => [key, int()])));
const pageOf = (item: string): Schema => obj({ items: arrayOf(ref(item)), nextCursor: nullable(str()) });

const json = (schema: Schema) => ({ 'application/json': { schema } });
const ok = (description: string, schema: Schema, status = '200') => ({ [status]: { description, content: json(schema) } });
const error = (description: string) => ({ description, content: json(ref('Error')) });
const body = (schema: Schema) => ({ required: true, content: json(schema) });

const query = (name: string, schema: Schema, description?: string) => ({ name, in: 'query', required: false, schema, ...(description ? { description } : {}) });
const idParam = { name: 'id', in: 'path', required: true, schema: uuid };
const paging = [query('limit', int({ minimum: 1, maximum: 500, default: 50 })), query('cursor', str(), 'the nextCursor of the previous page')];

const COMMON_ERRORS = { '400': error('Invalid input'), '401': error('No or unknown credentials'), '403': error('The caller lacks the role') };
const notFound = { '404': error('No such resource') };
const stateConflict = { '409': error('The life cycle forbids this now') };

function operation(summary: string, responses: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { summary, responses: { ...responses, ...COMMON_ERRORS }, ...extra };
}

const tokenAction = (summary: string, requestBody?: Schema) =>
  operation(summary, { ...ok('Operation queued', obj({ operationId: uuid }), '202'), ...notFound, ...stateConflict }, {
    parameters: [idParam],
    ...(requestBody ? { requestBody: body(requestBody) } : {}),
  });

const lifecycleAction = (summary: string) =>
  operation(summary, { ...ok('The token as it is now', ref('Token')), ...notFound, ...stateConflict }, { parameters: [idParam] });

const auditFilters = [
  query('from', time),
  query('to', time),
  query('actor', str()),
  query('action', str()),
  query('tokenId', uuid),
  query('importId', uuid),
  query('operationId', uuid),
  query('outcome', enumOf(AUDIT_OUTCOMES)),
];

const operationFilters = [
  query('status', enumOf(OPERATION_STATUSES)),
  query('kind', enumOf(OPERATION_KINDS)),
  query('code', str(), `the Graph error code; failures without one are "unknown"`),
  query('tokenId', uuid),
  query('importId', uuid),
  query('tenantId', str()),
];

const tokenItemProperties = {
  id: uuid,
  tenantId: str(),
  serialNumber: str(),
  manufacturer: str(),
  model: str(),
  displayName: str(),
  hashFunction: enumOf(HASH_FUNCTIONS),
  timeIntervalSeconds: int(),
  state: enumOf(TOKEN_STATES),
  assignedUpn: nullable(str()),
  importId: nullable(uuid),
  lastError: nullable(str()),
  lastUsedAt: nullable(time),
  createdAt: time,
  updatedAt: time,
};

const operationItemProperties = {
  id: uuid,
  tenantId: str(),
  tokenId: uuid,
  serialNumber: str(),
  importId: nullable(uuid),
  kind: enumOf(OPERATION_KINDS),
  status: enumOf(OPERATION_STATUSES),
  attempts: int(),
  generation: int(),
  lastErrorCode: nullable(str()),
  lastErrorMessage: nullable(str()),
  lastGraphStatus: nullable(int()),
  lastRequestId: nullable(str()),
  createdAt: time,
  updatedAt: time,
};

const schemas: Record<string, Schema> = {
  Error: obj(
    {
      error: obj(
        {
          code: str({ description: 'snake_case, stable' }),
          message: str({ description: 'what a person should know' }),
          details: arrayOf({ type: 'object', properties: { path: str(), message: str() }, required: ['message'] }),
          importId: uuid,
        },
        ['code', 'message'],
      ),
    },
    ['error'],
  ),
  Import: obj({
    id: uuid,
    tenantId: str(),
    fileName: str(),
    format: enumOf(IMPORT_FORMATS),
    mode: enumOf(IMPORT_MODES),
    status: enumOf(IMPORT_STATUSES),
    totalRows: int({ description: 'rows the file yielded: validRows + rejectedRows + duplicateRows' }),
    validRows: int({ description: 'rows imported as new tokens' }),
    rejectedRows: int({ description: 'rows refused by validation' }),
    duplicateRows: int({ description: 'rows whose serial was already in the inventory' }),
    createdBy: str(),
    createdAt: time,
    finishedAt: nullable(time),
    error: nullable(str({ description: 'why the whole file was refused' })),
    progress: countsBy(['validated', 'created', 'assigned', 'activated', 'failed', 'pending']),
    tokensByState: countsBy(TOKEN_STATES),
  }),
  ImportRowError: obj({ rowNumber: int(), field: nullable(str()), reason: str(), serialNumber: nullable(str()) }),
  Token: obj(tokenItemProperties),
  TokenDetail: obj({
    ...tokenItemProperties,
    graphDeviceId: nullable(str()),
    assignedUserId: nullable(str()),
    driftSteps: int(),
    hasSeed: { type: 'boolean' },
    operations: arrayOf(
      obj({ id: uuid, kind: enumOf(OPERATION_KINDS), status: enumOf(OPERATION_STATUSES), attempts: int(), lastErrorCode: nullable(str()), lastErrorMessage: nullable(str()), updatedAt: time }),
    ),
  }),
  Operation: obj(operationItemProperties),
  OperationDetail: obj({ ...operationItemProperties, history: arrayOf(ref('AuditEvent')) }),
  AuditEvent: obj({
    id: int(),
    at: time,
    actor: str(),
    action: str(),
    targetType: nullable(str()),
    targetId: nullable(str()),
    tokenId: nullable(uuid),
    importId: nullable(uuid),
    operationId: nullable(uuid),
    outcome: enumOf(AUDIT_OUTCOMES),
    graphStatus: nullable(int()),
    graphRequestId: nullable(str()),
    durationMs: nullable(int()),
    detail: nullable({ type: 'object' }),
  }),
  QueueState: obj({ waiting: int(), active: int(), delayed: int(), failed: int(), completed: int(), rateLimitedUntil: nullable(time) }),
  ApiKey: obj({ id: uuid, name: str(), role: enumOf(KEY_ROLES), keyPrefix: str(), createdAt: time, lastUsedAt: nullable(time), revokedAt: nullable(time) }),
  User: obj({ id: str(), userPrincipalName: str(), displayName: nullable(str()) }),
  Session: obj({ user: obj({ id: uuid, username: str(), role: enumOf(API_KEY_ROLES) }), csrfToken: str({ description: 'send as X-CSRF-Token on every POST, PUT, PATCH and DELETE' }) }),
  Account: obj({ id: uuid, username: str(), role: enumOf(API_KEY_ROLES), disabled: { type: 'boolean' }, lastLoginAt: nullable(time), createdAt: time, updatedAt: time }),
};

const tenantSchema = obj({ id: str(), name: str(), mode: enumOf(['sandbox', 'live']), settings: obj({ purgeSeedsWhenActive: { type: 'boolean' } }) });

const paths = {
  '/session': {
    post: {
      summary: 'Sign in to the dashboard; sets the tf_session cookie (HttpOnly, SameSite=Lax)',
      security: [],
      requestBody: body(obj({ username: str(), password: str() })),
      responses: { ...ok('Signed in', ref('Session')), '400': error('Invalid input'), '401': error('Wrong username or password (one message for both)'), '429': error('Too many failed sign-ins') },
    },
    get: { summary: 'The current session', security: [], responses: { ...ok('Signed in', ref('Session')), '401': error('Not signed in') } },
    delete: { summary: 'Sign out (send X-CSRF-Token)', security: [], responses: { '204': { description: 'Signed out' }, '403': error('Missing or wrong X-CSRF-Token') } },
  },
  '/health': { get: { summary: 'Liveness (no authentication)', security: [], responses: ok('Alive', obj({ status: str({ const: 'ok' }) })) } },
  '/ready': {
    get: {
      summary: 'Readiness: Postgres and Redis answer (no authentication)',
      security: [],
      responses: { ...ok('Ready', obj({ postgres: { type: 'boolean' }, redis: { type: 'boolean' } })), '503': { description: 'A dependency does not answer', content: json(obj({ postgres: { type: 'boolean' }, redis: { type: 'boolean' } })) } },
    },
  },
  '/openapi.json': { get: operation('This document', { '200': { description: 'OpenAPI 3.1', content: json({ type: 'object' }) } }) },
  '/overview': {
    get: operation(
      'Totals and queue state per tenant',
      ok(
        'Overview',
        obj({
          mode: enumOf(['sandbox', 'live']),
          tenants: arrayOf(obj({ id: str(), name: str(), mode: enumOf(['sandbox', 'live']), queue: ref('QueueState') })),
          tokensByState: countsBy(TOKEN_STATES),
          importsRunning: int(),
          failedOperations: int(),
        }),
      ),
    ),
  },
  '/imports': {
    post: operation(
      'Upload a seed file (operator). Send the form fields before the file.',
      { ...ok('Accepted; poll the import', obj({ id: uuid }), '202'), '413': error('The file is larger than UPLOAD_MAX_BYTES (the import is recorded as failed)') },
      {
        requestBody: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: obj(
                {
                  mode: { ...enumOf(IMPORT_MODES), default: 'activate', description: 'import: inventory only; assign: also assign rows naming a user; activate: also activate them' },
                  tenantId: str(),
                  pskcKey: str({ description: 'PSKC pre-shared key, hex' }),
                  file: str({ format: 'binary', description: 'CSV, JSON or PSKC; the format is detected from the content' }),
                },
                ['file'],
              ),
            },
          },
        },
        description: 'A file refused as a whole (wrong PSKC key, missing columns) answers 400 `seed_file_rejected` with the `importId` it was recorded under.',
      },
    ),
    get: operation('Imports, newest first', ok('A page of imports', pageOf('Import')), {
      parameters: [...paging, query('status', enumOf(IMPORT_STATUSES)), query('tenantId', str())],
    }),
  },
  '/imports/{id}': { get: operation('An import with its progress', { ...ok('The import', ref('Import')), ...notFound }, { parameters: [idParam] }) },
  '/imports/{id}/errors': {
    get: operation('Row errors of an import, in file order', { ...ok('A page of row errors', pageOf('ImportRowError')), ...notFound }, { parameters: [idParam, ...paging] }),
  },
  '/imports/{id}/errors.csv': {
    get: operation('Row errors as CSV (spreadsheet-safe)', { '200': { description: 'CSV', content: { 'text/csv': { schema: str() } } }, ...notFound }, { parameters: [idParam] }),
  },
  '/tokens': {
    get: operation('Tokens, newest first', ok('A page of tokens', pageOf('Token')), {
      parameters: [
        ...paging,
        query('state', enumOf(TOKEN_STATES)),
        query('upn', str(), 'prefix, case-insensitive'),
        query('serial', str(), 'prefix'),
        query('importId', uuid),
        query('manufacturer', str()),
        query('tenantId', str()),
      ],
    }),
  },
  '/tokens/{id}': { get: operation('A token with its operations', { ...ok('The token', ref('TokenDetail')), ...notFound }, { parameters: [idParam] }) },
  '/tokens/{id}/audit': { get: operation("A token's audit trail, newest first", { ...ok('A page of audit events', pageOf('AuditEvent')), ...notFound }, { parameters: [idParam, ...paging] }) },
  '/tokens/{id}/assign': { post: tokenAction('Assign to a user (operator)', obj({ upn: str() })) },
  '/tokens/{id}/activate': { post: tokenAction('Activate (operator)') },
  '/tokens/{id}/unassign': { post: tokenAction('Unassign (operator)') },
  '/tokens/{id}/delete': { post: tokenAction('Delete from Entra (operator)') },
  '/tokens/{id}/disable': { post: lifecycleAction('Disable (operator)') },
  '/tokens/{id}/enable': { post: lifecycleAction('Enable (operator)') },
  '/tokens/{id}/retire': { post: lifecycleAction('Retire and purge the seed (operator)') },
  '/tokens/{id}/test': {
    post: operation('Check a code without consuming it (operator)', { ...ok('The verdict', obj({ valid: { type: 'boolean' }, drift: nullable(int()) })), ...notFound, '409': error('The seed was purged') }, {
      parameters: [idParam],
      requestBody: body(obj({ code: str({ pattern: '^\\d{6,8}$' }) })),
    }),
  },
  '/tokens/{id}/resync': {
    post: operation('Resynchronise from two consecutive codes (operator)', { ...ok('The drift now stored', obj({ driftSteps: int() })), ...notFound, '409': error('The seed was purged') }, {
      parameters: [idParam],
      requestBody: body(obj({ code1: str({ pattern: '^\\d{6,8}$' }), code2: str({ pattern: '^\\d{6,8}$' }) })),
    }),
  },
  '/users': {
    get: operation('Find users in the directory (read-only Graph look-up, at most 20)', { ...ok('Users', arrayOf(ref('User'))), '429': error('Graph is throttling'), '503': error('No Graph client') }, {
      parameters: [{ ...query('search', str(), 'start of a UPN or display name'), required: true }],
    }),
  },
  '/operations': { get: operation('Operations, newest first', ok('A page of operations', pageOf('Operation')), { parameters: [...paging, ...operationFilters] }) },
  '/operations/failed/groups': {
    get: operation('Failed operations grouped by error code', ok('Groups, largest first', arrayOf(obj({ code: str(), message: nullable(str()), count: int() }))), {
      parameters: [query('importId', uuid), query('kind', enumOf(OPERATION_KINDS)), query('tenantId', str())],
    }),
  },
  '/operations/retry': {
    post: operation('Retry failed operations: the ids given, or all matching the filter (all failed when empty) (operator)', ok('Retried', obj({ retried: int() }), '202'), {
      requestBody: body(obj({ ids: arrayOf(uuid), code: str(), kind: enumOf(OPERATION_KINDS), importId: uuid }, [])),
    }),
  },
  '/operations/{id}': { get: operation('An operation with its history', { ...ok('The operation', ref('OperationDetail')), ...notFound }, { parameters: [idParam] }) },
  '/operations/{id}/retry': {
    post: operation('Retry a failed operation (operator)', { ...ok('Queued again', obj({ operationId: uuid }), '202'), ...notFound, '409': error('Not failed') }, { parameters: [idParam] }),
  },
  '/audit': { get: operation('The audit trail, newest first', ok('A page of audit events', pageOf('AuditEvent')), { parameters: [...paging, ...auditFilters] }) },
  '/audit.csv': { get: operation('The audit trail as CSV (spreadsheet-safe)', { '200': { description: 'CSV', content: { 'text/csv': { schema: str() } } } }, { parameters: auditFilters }) },
  '/api-keys': {
    get: operation('API keys (admin)', ok('Keys', arrayOf(ref('ApiKey')))),
    post: operation('Create an API key (admin); the key is shown only here', ok('Created', { allOf: [ref('ApiKey'), obj({ key: str() })] }, '201'), {
      requestBody: body(obj({ name: str(), role: { ...enumOf(KEY_ROLES), description: 'validator: only for the validation routes at the server root' } })),
    }),
  },
  '/accounts': {
    get: operation('Dashboard accounts (admin)', ok('Accounts', arrayOf(ref('Account')))),
    post: operation('Create a dashboard account (admin)', { ...ok('Created', ref('Account'), '201'), '409': error('The username is taken') }, {
      requestBody: body(obj({ username: str(), password: str({ minLength: 12 }), role: enumOf(API_KEY_ROLES) })),
    }),
  },
  '/accounts/{id}': {
    patch: operation('Change role or password, or disable (admin); ends its sessions on password change or disable', { ...ok('The account', ref('Account')), ...notFound }, {
      parameters: [idParam],
      requestBody: body(obj({ role: enumOf(API_KEY_ROLES), password: str({ minLength: 12 }), disabled: { type: 'boolean' } }, [])),
    }),
  },
  '/api-keys/{id}': { delete: operation('Revoke an API key (admin)', { '204': { description: 'Revoked' }, ...notFound }, { parameters: [idParam] }) },
  '/tenants': { get: operation('Tenants and their policy settings', ok('Tenants', arrayOf(tenantSchema))) },
  '/tenants/{tenantId}/settings': {
    patch: operation('Change a tenant\'s policy settings (admin; audited)', { ...ok('The tenant', tenantSchema), ...notFound }, {
      parameters: [{ name: 'tenantId', in: 'path', required: true, schema: str() }],
      requestBody: body(obj({ purgeSeedsWhenActive: { type: 'boolean' } })),
    }),
  },
  ...validationApiPaths(operation),
  // The TOTPRadius-compatible routes: each path item names its own server (the root) and key schemes.
  ...validationRootPaths,
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Tokenfleet API',
    version: '1',
    description: 'Provision and run hardware OATH tokens in Microsoft Entra ID. Seeds never appear in any response.',
  },
  servers: [{ url: '/api/v1' }],
  security: [{ apiKey: [] }, { session: [] }],
  components: {
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' },
      session: { type: 'apiKey', in: 'cookie', name: 'tf_session', description: 'The dashboard session; state-changing requests also need X-CSRF-Token' },
      ...validationSecuritySchemes,
    },
    schemas: { ...schemas, ...validationSchemas },
  },
  paths,
} as const;
