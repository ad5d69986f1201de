// Every route of /api/v1, once: method, path, who may call it, what it takes and what it answers. The
// API registers its routes from this table (and enforces `access`), the OpenAPI document is generated
// from it, and a test checks the router and the API's real answers against it. Adding a route is adding
// an entry here and its handler.
import { z } from 'zod';
import * as s from './schemas';
import type { Role } from './values';

export type Method = 'get' | 'post' | 'patch' | 'delete';

/** A success answer: a JSON body of this schema, a CSV file, other text of a media type, or nothing (204). */
export interface Reply {
  description: string;
  body?: z.ZodType;
  csv?: true;
  /** A text body of this media type (e.g. Prometheus's exposition format). */
  text?: string;
}

export interface Endpoint {
  method: Method;
  /** OpenAPI's spelling, `{id}` for a path parameter. */
  path: string;
  summary: string;
  description?: string;
  /** `public`: no credentials (probes, signing in); otherwise the least role that may call it. */
  access: 'public' | Role;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** A multipart/form-data body, described by its fields. */
  form?: z.ZodObject;
  responses: Record<number, Reply>;
  /** Errors this route answers besides 400, 401 and 403 (docs/api-conventions.md, "Errors"). */
  errors?: Record<number, string>;
}

const endpoint = <const E extends Endpoint>(e: E): E => e;

const IdParams = z.object({ id: s.Id });
const NOT_FOUND = { 404: 'No such resource' } as const;

/**
 * Token actions that change Entra: each writes an operation (the first of a chain for reassign, and for
 * the delete of an assigned token) and answers 202 with its id; the token's state moves once Graph has
 * confirmed (docs/token-lifecycle.md).
 */
export const TOKEN_GRAPH_ACTIONS = ['assign', 'activate', 'unassign', 'delete', 'disable', 'enable', 'reassign'] as const;
export type TokenGraphAction = (typeof TOKEN_GRAPH_ACTIONS)[number];
/** Token actions answered at once, without Graph: each answers the token as it is now. */
export const TOKEN_LIFECYCLE_ACTIONS = ['retire'] as const;
export type TokenLifecycleAction = (typeof TOKEN_LIFECYCLE_ACTIONS)[number];

const GRAPH_ACTION_SUMMARIES: Record<TokenGraphAction, string> = {
  assign: 'Assign to a user (operator)',
  activate: 'Activate (operator)',
  unassign: 'Unassign (operator)',
  delete: "Delete from Entra, unassigning it first where needed; an assigned token needs `confirm` naming its user (operator)",
  disable: 'Disable in Entra: deactivate the user\'s method, which stays assigned (operator)',
  enable: 'Enable in Entra: activate again with a code computed from the seed, or the operator\'s `verificationCode` when the seed was purged (operator)',
  reassign: 'Reassign to another user: unassign, assign and activate, as one chain of operations (operator)',
};
const LIFECYCLE_ACTION_SUMMARIES: Record<TokenLifecycleAction, string> = {
  retire: 'Retire and purge the seed (operator)',
};
const GRAPH_ACTION_BODIES: Partial<Record<TokenGraphAction, z.ZodType>> = {
  assign: s.AssignRequest,
  reassign: s.AssignRequest,
  delete: s.DeleteRequest,
  enable: s.EnableRequest,
};

const tokenGraphAction = (action: TokenGraphAction) =>
  endpoint({
    method: 'post',
    path: `/tokens/{id}/${action}`,
    summary: GRAPH_ACTION_SUMMARIES[action],
    access: 'operator',
    params: IdParams,
    ...(GRAPH_ACTION_BODIES[action] ? { body: GRAPH_ACTION_BODIES[action] } : {}),
    responses: { 202: { description: 'Operation queued', body: s.OperationQueued } },
    errors: { ...NOT_FOUND, 409: 'The life cycle forbids this now, the same action is already under way, or a confirmation or code is missing (see the error code)' },
  });

const tokenLifecycleAction = (action: TokenLifecycleAction) =>
  endpoint({
    method: 'post',
    path: `/tokens/{id}/${action}`,
    summary: LIFECYCLE_ACTION_SUMMARIES[action],
    access: 'operator',
    params: IdParams,
    responses: { 200: { description: 'The token as it is now', body: s.Token } },
    errors: { ...NOT_FOUND, 409: 'The life cycle forbids this now' },
  });

/** A token action with a body of its own that answers the token as it is now (and the operation it queued, if any). */
function tokenActionWithAnswer<const B extends z.ZodType, const R extends Record<number, Reply>>(action: string, summary: string, body: B, responses: R, conflict: string) {
  return endpoint({ method: 'post', path: `/tokens/{id}/${action}`, summary, access: 'operator', params: IdParams, body, responses, errors: { ...NOT_FOUND, 409: conflict } });
}

export const tokenGraphActions = Object.fromEntries(TOKEN_GRAPH_ACTIONS.map((action) => [action, tokenGraphAction(action)])) as Record<TokenGraphAction, ReturnType<typeof tokenGraphAction>>;
export const tokenLifecycleActions = Object.fromEntries(TOKEN_LIFECYCLE_ACTIONS.map((action) => [action, tokenLifecycleAction(action)])) as Record<
  TokenLifecycleAction,
  ReturnType<typeof tokenLifecycleAction>
>;

export const endpoints = {
  // ---- Probes and session (no credentials) --------------------------------------------------------------
  health: endpoint({ method: 'get', path: '/health', summary: 'Liveness (no authentication)', access: 'public', responses: { 200: { description: 'Alive', body: s.Health } } }),
  ready: endpoint({
    method: 'get',
    path: '/ready',
    summary: 'Readiness: Postgres and Redis answer (no authentication)',
    access: 'public',
    responses: { 200: { description: 'Ready', body: s.Readiness }, 503: { description: 'A dependency does not answer', body: s.Readiness } },
  }),
  signIn: endpoint({
    method: 'post',
    path: '/session',
    summary: 'Sign in to the dashboard; sets the tf_session cookie (HttpOnly, SameSite=Lax)',
    access: 'public',
    body: s.Credentials,
    responses: { 200: { description: 'Signed in', body: s.Session } },
    errors: { 401: 'Wrong username or password (one message for both)', 429: 'Too many failed sign-ins' },
  }),
  currentSession: endpoint({ method: 'get', path: '/session', summary: 'The current session', access: 'public', responses: { 200: { description: 'Signed in', body: s.Session } }, errors: { 401: 'Not signed in' } }),
  signOut: endpoint({ method: 'delete', path: '/session', summary: 'Sign out (send X-CSRF-Token)', access: 'public', responses: { 204: { description: 'Signed out' } }, errors: { 403: 'Missing or wrong X-CSRF-Token' } }),

  // ---- The document and the overview --------------------------------------------------------------------
  openApi: endpoint({ method: 'get', path: '/openapi.json', summary: 'This document', access: 'viewer', responses: { 200: { description: 'OpenAPI 3.1', body: z.looseObject({ openapi: z.literal('3.1.0') }) } } }),
  overview: endpoint({ method: 'get', path: '/overview', summary: 'Totals and queue state per tenant', access: 'viewer', responses: { 200: { description: 'Overview', body: s.Overview } } }),
  metrics: endpoint({
    method: 'get',
    path: '/metrics',
    summary: 'Prometheus metrics (viewer): queues, write budget, Graph calls, tokens, imports',
    description:
      'The Prometheus text format. Scrape it with an API key as the bearer credential (`authorization: { credentials: <key> }` in the scrape config). ' +
      'Gauges are read from PostgreSQL and Redis at each scrape; Graph call counters and histograms come from the worker sharing this process, ' +
      'or from `WORKER_METRICS_PORT` where the worker runs on its own. The metrics are listed in docs/metrics.md.',
    access: 'viewer',
    responses: { 200: { description: 'Metrics', text: 'text/plain' } },
  }),

  // ---- Imports ------------------------------------------------------------------------------------------
  upload: endpoint({
    method: 'post',
    path: '/imports',
    summary: 'Upload a seed file (operator). Options as form fields or query parameters.',
    description:
      'The options may come as query parameters or as form fields; `mode` also after the file (it is applied when the body is complete), while `tenantId` and `pskcKey`, which the file is read with, must come before it or in the query. ' +
      'The same option given twice with different values is refused. A file refused as a whole (wrong PSKC key, missing columns) answers 400 `seed_file_rejected` with the `importId` it was recorded under.',
    access: 'operator',
    query: s.UploadQuery,
    form: s.UploadForm,
    responses: { 202: { description: 'Accepted; poll the import', body: s.Accepted } },
    errors: { 413: 'The file is larger than UPLOAD_MAX_BYTES (the import is recorded as failed)' },
  }),
  listImports: endpoint({ method: 'get', path: '/imports', summary: 'Imports, newest first', access: 'viewer', query: s.ImportListQuery, responses: { 200: { description: 'A page of imports', body: s.pageOf(s.Import) } } }),
  getImport: endpoint({ method: 'get', path: '/imports/{id}', summary: 'An import with its progress', access: 'viewer', params: IdParams, responses: { 200: { description: 'The import', body: s.Import } }, errors: NOT_FOUND }),
  listImportErrors: endpoint({
    method: 'get',
    path: '/imports/{id}/errors',
    summary: 'Row errors of an import, in file order',
    access: 'viewer',
    params: IdParams,
    query: s.PageQuery,
    responses: { 200: { description: 'A page of row errors', body: s.pageOf(s.ImportRowError) } },
    errors: NOT_FOUND,
  }),
  importErrorsCsv: endpoint({
    method: 'get',
    path: '/imports/{id}/errors.csv',
    summary: 'Row errors as CSV (spreadsheet-safe)',
    access: 'viewer',
    params: IdParams,
    responses: { 200: { description: 'CSV', csv: true } },
    errors: NOT_FOUND,
  }),

  // ---- Tokens -------------------------------------------------------------------------------------------
  listTokens: endpoint({ method: 'get', path: '/tokens', summary: 'Tokens, newest first', access: 'viewer', query: s.TokenListQuery, responses: { 200: { description: 'A page of tokens', body: s.pageOf(s.Token) } } }),
  getToken: endpoint({ method: 'get', path: '/tokens/{id}', summary: 'A token with its operations', access: 'viewer', params: IdParams, responses: { 200: { description: 'The token', body: s.TokenDetail } }, errors: NOT_FOUND }),
  tokenAudit: endpoint({
    method: 'get',
    path: '/tokens/{id}/audit',
    summary: "A token's audit trail, newest first",
    access: 'viewer',
    params: IdParams,
    query: s.PageQuery,
    responses: { 200: { description: 'A page of audit events', body: s.pageOf(s.AuditEvent) } },
    errors: NOT_FOUND,
  }),
  ...prefixed('token', tokenGraphActions),
  ...prefixed('token', tokenLifecycleActions),
  reportLost: tokenActionWithAnswer(
    'lost',
    'Report lost: out of service at once, deactivated in Entra ahead of other queued work, never active again; retire or delete it afterwards (operator)',
    s.LostReport,
    { 202: { description: 'Marked lost; the deactivation is queued where Entra holds the token for a user', body: s.TokenActionAnswer } },
    'The life cycle forbids this now',
  ),
  editToken: tokenActionWithAnswer(
    'edit',
    'Edit the display name (in Entra) and the comment (in Tokenfleet), each audited with old and new value (operator)',
    s.TokenEdit,
    { 200: { description: 'The token as it is now, and the rename queued for Entra if one was', body: s.TokenActionAnswer } },
    'Entra cannot rename the token in its state now, or a rename is already under way',
  ),
  testCode: endpoint({
    method: 'post',
    path: '/tokens/{id}/test',
    summary: 'Check a code without consuming it (operator)',
    access: 'operator',
    params: IdParams,
    body: s.CodeCheck,
    responses: { 200: { description: 'The verdict', body: s.CodeVerdict } },
    errors: { ...NOT_FOUND, 409: 'The seed was purged' },
  }),
  resync: endpoint({
    method: 'post',
    path: '/tokens/{id}/resync',
    summary: 'Resynchronise from two consecutive codes (operator)',
    access: 'operator',
    params: IdParams,
    body: s.ResyncRequest,
    responses: { 200: { description: 'The drift now stored', body: s.ResyncResult } },
    errors: { ...NOT_FOUND, 409: 'The seed was purged' },
  }),

  // ---- Bulk actions -------------------------------------------------------------------------------------
  previewBulkAction: endpoint({
    method: 'post',
    path: '/bulk-actions/preview',
    summary: 'What a bulk action would select: the count and the users affected, for the confirmation (operator)',
    access: 'operator',
    body: s.BulkPreviewRequest,
    responses: { 200: { description: 'The selection', body: s.BulkPreview } },
  }),
  createBulkAction: endpoint({
    method: 'post',
    path: '/bulk-actions',
    summary: 'Disable, enable, unassign, delete or retire many tokens (operator); answers at once, the worker fans out',
    description: 'Each token goes through the single action of the same name; a token its life cycle refuses is skipped with the reason and never stops the others.',
    access: 'operator',
    body: s.BulkActionRequest,
    responses: { 202: { description: 'Accepted; poll the bulk action', body: s.Accepted } },
    errors: { 409: 'Nothing matches the selection' },
  }),
  listBulkActions: endpoint({ method: 'get', path: '/bulk-actions', summary: 'Bulk actions, newest first', access: 'viewer', query: s.BulkActionListQuery, responses: { 200: { description: 'A page of bulk actions', body: s.pageOf(s.BulkAction) } } }),
  getBulkAction: endpoint({ method: 'get', path: '/bulk-actions/{id}', summary: 'A bulk action with its progress', access: 'viewer', params: IdParams, responses: { 200: { description: 'The bulk action', body: s.BulkAction } }, errors: NOT_FOUND }),
  cancelBulkAction: endpoint({
    method: 'post',
    path: '/bulk-actions/{id}/cancel',
    summary: 'Cancel: stop the fan-out and the operations not yet sent to Graph (operator)',
    access: 'operator',
    params: IdParams,
    responses: { 200: { description: 'Cancelling; operations already sent finish', body: s.BulkAction } },
    errors: { ...NOT_FOUND, 409: 'Not running' },
  }),
  listBulkFailures: endpoint({
    method: 'get',
    path: '/bulk-actions/{id}/failures',
    summary: 'Tokens a bulk action skipped or whose operation failed, with the reason, in token order',
    access: 'viewer',
    params: IdParams,
    query: s.PageQuery,
    responses: { 200: { description: 'A page of failures', body: s.pageOf(s.BulkFailure) } },
    errors: NOT_FOUND,
  }),
  retryBulkAction: endpoint({
    method: 'post',
    path: '/bulk-actions/{id}/retry',
    summary: 'Retry the failures: failed operations back in line, skipped tokens asked again (operator)',
    access: 'operator',
    params: IdParams,
    responses: { 202: { description: 'Retrying', body: s.BulkAction } },
    errors: { ...NOT_FOUND, 409: 'Still running, or nothing failed' },
  }),

  // ---- Users --------------------------------------------------------------------------------------------
  searchUsers: endpoint({
    method: 'get',
    path: '/users',
    summary: 'Find users in the directory (read-only Graph look-up, at most 20)',
    access: 'viewer',
    query: s.UserSearchQuery,
    responses: { 200: { description: 'Users', body: z.array(s.DirectoryUser) } },
    errors: { 429: 'Graph is throttling', 502: 'Graph refused the search', 503: 'No Graph client, or Graph did not answer' },
  }),

  // ---- Operations ---------------------------------------------------------------------------------------
  listOperations: endpoint({ method: 'get', path: '/operations', summary: 'Operations, newest first', access: 'viewer', query: s.OperationListQuery, responses: { 200: { description: 'A page of operations', body: s.pageOf(s.Operation) } } }),
  failureGroups: endpoint({
    method: 'get',
    path: '/operations/failed/groups',
    summary: 'Failed operations grouped by error code',
    access: 'viewer',
    query: s.FailureGroupQuery,
    responses: { 200: { description: 'Groups, largest first', body: z.array(s.FailureGroup) } },
  }),
  retryOperations: endpoint({
    method: 'post',
    path: '/operations/retry',
    summary: 'Retry failed operations: the ids given, or all matching the filter (all failed when empty) (operator)',
    access: 'operator',
    body: s.RetrySelection,
    responses: { 202: { description: 'Retried', body: s.RetryResult } },
  }),
  getOperation: endpoint({ method: 'get', path: '/operations/{id}', summary: 'An operation with its history', access: 'viewer', params: IdParams, responses: { 200: { description: 'The operation', body: s.OperationDetail } }, errors: NOT_FOUND }),
  retryOperation: endpoint({
    method: 'post',
    path: '/operations/{id}/retry',
    summary: 'Retry a failed operation (operator)',
    access: 'operator',
    params: IdParams,
    responses: { 202: { description: 'Queued again', body: s.OperationQueued } },
    errors: { ...NOT_FOUND, 409: 'Not failed' },
  }),

  // ---- Audit --------------------------------------------------------------------------------------------
  listAudit: endpoint({ method: 'get', path: '/audit', summary: 'The audit trail, newest first', access: 'viewer', query: s.AuditListQuery, responses: { 200: { description: 'A page of audit events', body: s.pageOf(s.AuditEvent) } } }),
  auditCsv: endpoint({ method: 'get', path: '/audit.csv', summary: 'The audit trail as CSV (spreadsheet-safe)', access: 'viewer', query: s.AuditFilters, responses: { 200: { description: 'CSV', csv: true } } }),

  // ---- API keys and accounts (admin) --------------------------------------------------------------------
  listApiKeys: endpoint({ method: 'get', path: '/api-keys', summary: 'API keys (admin)', access: 'admin', responses: { 200: { description: 'Keys', body: z.array(s.ApiKey) } } }),
  createApiKey: endpoint({
    method: 'post',
    path: '/api-keys',
    summary: 'Create an API key (admin); the key is shown only here',
    access: 'admin',
    body: s.NewApiKey,
    responses: { 201: { description: 'Created', body: s.CreatedApiKey } },
  }),
  revokeApiKey: endpoint({ method: 'delete', path: '/api-keys/{id}', summary: 'Revoke an API key (admin)', access: 'admin', params: IdParams, responses: { 204: { description: 'Revoked' } }, errors: NOT_FOUND }),
  listAccounts: endpoint({ method: 'get', path: '/accounts', summary: 'Dashboard accounts (admin)', access: 'admin', responses: { 200: { description: 'Accounts', body: z.array(s.Account) } } }),
  createAccount: endpoint({
    method: 'post',
    path: '/accounts',
    summary: 'Create a dashboard account (admin)',
    access: 'admin',
    body: s.NewAccount,
    responses: { 201: { description: 'Created', body: s.Account } },
    errors: { 409: 'The username is taken' },
  }),
  changeAccount: endpoint({
    method: 'patch',
    path: '/accounts/{id}',
    summary: 'Change role or password, or disable (admin); ends its sessions on password change or disable',
    access: 'admin',
    params: IdParams,
    body: s.AccountChange,
    responses: { 200: { description: 'The account', body: s.Account } },
    errors: NOT_FOUND,
  }),

  // ---- Tenants ------------------------------------------------------------------------------------------
  listTenants: endpoint({ method: 'get', path: '/tenants', summary: 'Tenants and their policy settings', access: 'viewer', responses: { 200: { description: 'Tenants', body: z.array(s.Tenant) } } }),
  changeTenantSettings: endpoint({
    method: 'patch',
    path: '/tenants/{tenantId}/settings',
    summary: "Change a tenant's policy settings (admin; audited)",
    access: 'admin',
    params: z.object({ tenantId: z.string() }),
    body: s.TenantSettingsChange,
    responses: { 200: { description: 'The tenant', body: s.Tenant } },
    errors: NOT_FOUND,
  }),

  // ---- The validation API, as the dashboard sees it (its wire routes at the root: docs/validation-api.md) --
  validationSettings: endpoint({ method: 'get', path: '/validation/settings', summary: "The validation API's settings in force", access: 'viewer', responses: { 200: { description: 'Settings', body: s.ValidationSettings } } }),
  listValidationUsers: endpoint({
    method: 'get',
    path: '/validation/users',
    summary: 'Users of the validation API with their tokens, failures and lock, newest first',
    access: 'viewer',
    query: s.ValidationUserQuery,
    responses: { 200: { description: 'A page of users', body: s.pageOf(s.ValidationUser) } },
  }),
  unlockValidationUser: endpoint({
    method: 'post',
    path: '/validation/users/{id}/unlock',
    summary: 'Unlock a user and clear the failures (operator; audited)',
    access: 'operator',
    params: IdParams,
    responses: { 200: { description: 'Unlocked', body: s.UnlockedValidationUser } },
    errors: NOT_FOUND,
  }),
  tokenValidations: endpoint({
    method: 'get',
    path: '/tokens/{id}/validations',
    summary: "A token's validations through the validation API, newest first",
    access: 'viewer',
    params: IdParams,
    query: s.PageQuery,
    responses: { 200: { description: 'A page of validations', body: s.pageOf(s.TokenValidation) } },
    errors: NOT_FOUND,
  }),
} satisfies Record<string, Endpoint>;

function prefixed<const P extends string, T extends Record<string, Endpoint>>(prefix: P, table: T): { [K in keyof T & string as `${P}.${K}`]: T[K] } {
  return Object.fromEntries(Object.entries(table).map(([name, entry]) => [`${prefix}.${name}`, entry])) as { [K in keyof T & string as `${P}.${K}`]: T[K] };
}

export type EndpointName = keyof typeof endpoints;

/** The JSON body an endpoint answers with `status`, as the dashboard receives it. */
export type ResponseBody<E extends Endpoint, S extends keyof E['responses']> = E['responses'][S] extends { body: infer B extends z.ZodType } ? z.output<B> : never;
