// Every route of /api/v1, once: method, path, who may call it, what it takes and what it answers. The
// API registers its routes from this table (and enforces `access`), the OpenAPI document is generated
// from it, and a test checks the router and the API's real answers against it. Adding a route is adding
// an entry here and its handler.
import { z } from 'zod';
import * as s from './schemas';
import type { Role } from './values';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

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
  /**
   * `public`: no credentials (probes, signing in); `self-service`: a portal session of a person of the
   * tenant (/my, no Tokenfleet role; nothing else opens these routes); otherwise the least role that may call it.
   */
  access: 'public' | 'self-service' | Role;
  /**
   * A public route authenticated by something other than a key or session: `webhookSignature`, the
   * webhook delivery route, whose caller proves itself by signing the raw body (docs/webhooks.md).
   */
  security?: 'webhookSignature';
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
    errors: { 401: 'Wrong username or password (one message for both)', 403: 'Local accounts are turned off (TOKENFLEET_LOCAL_SIGN_IN=off)', 429: 'Too many failed sign-ins' },
  }),
  currentSession: endpoint({ method: 'get', path: '/session', summary: 'The current session', access: 'public', responses: { 200: { description: 'Signed in', body: s.Session } }, errors: { 401: 'Not signed in' } }),
  signOut: endpoint({ method: 'delete', path: '/session', summary: 'Sign out (send X-CSRF-Token)', access: 'public', responses: { 204: { description: 'Signed out' } }, errors: { 403: 'Missing or wrong X-CSRF-Token' } }),
  signInOptions: endpoint({ method: 'get', path: '/session/options', summary: 'How one may sign in here: Microsoft, local accounts, or the one-time setup link', access: 'public', responses: { 200: { description: 'Sign-in options', body: s.SignInOptions } } }),
  completeSetup: endpoint({
    method: 'post',
    path: '/setup',
    summary: 'Create the first admin with the one-time setup link the console printed; signs them in',
    access: 'public',
    body: s.SetupRequest,
    responses: { 201: { description: 'The admin, signed in', body: s.Session } },
    errors: { 403: 'Local accounts are turned off (TOKENFLEET_LOCAL_SIGN_IN=off)', 409: 'An admin exists already', 410: 'The link was used, has expired, or is not known' },
  }),

  // ---- The self-service portal (/my; a portal session from Sign in with Microsoft) -----------------------
  portalSession: endpoint({ method: 'get', path: '/my/session', summary: 'The person signed in to the portal', access: 'self-service', responses: { 200: { description: 'Signed in', body: s.PortalSession } } }),
  portalSignOut: endpoint({ method: 'delete', path: '/my/session', summary: 'Sign out of the portal (send X-CSRF-Token)', access: 'self-service', responses: { 204: { description: 'Signed out' } } }),
  portalTokens: endpoint({ method: 'get', path: '/my/tokens', summary: 'The tokens assigned to the signed-in person', access: 'self-service', responses: { 200: { description: 'Their tokens', body: z.array(s.PortalToken) } } }),
  portalActivate: endpoint({
    method: 'post',
    path: '/my/tokens/activate',
    summary: 'Activate a token by its serial and the code it shows: assigns it and sends the code to Entra (through the queue)',
    access: 'self-service',
    body: s.PortalActivation,
    responses: { 202: { description: 'Assigned; activation under way', body: s.PortalActivationStarted } },
    errors: { 404: 'No token with this serial can be activated by you (unknown and taken serials answer alike)', 409: 'Self-service is off, or the token cannot be activated now', 422: 'The code is not the one the token shows now: try the next one', 429: 'Too many attempts this hour' },
  }),
  portalTestCode: endpoint({
    method: 'post',
    path: '/my/tokens/{id}/test',
    summary: 'Check a code of one of my tokens (not consumed)',
    access: 'self-service',
    params: IdParams,
    body: s.PortalCode,
    responses: { 200: { description: 'Whether the code is right', body: s.PortalCodeVerdict } },
    errors: { ...NOT_FOUND, 429: 'Too many attempts this hour' },
  }),
  portalReportLost: endpoint({
    method: 'post',
    path: '/my/tokens/{id}/lost',
    summary: 'Report one of my tokens lost: disabled at once where it is active, and the helpdesk is told',
    access: 'self-service',
    params: IdParams,
    responses: { 200: { description: 'Reported', body: s.PortalLostReport } },
    errors: NOT_FOUND,
  }),

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
  setTokenExpiry: endpoint({
    method: 'patch',
    path: '/tokens/{id}/expiry',
    summary: "Set or clear a token's expiry date (operator; audited with the old and new value)",
    access: 'operator',
    params: IdParams,
    body: s.TokenExpiryChange,
    responses: { 200: { description: 'The token as it is now', body: s.Token } },
    errors: NOT_FOUND,
  }),
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
    params: s.TenantParams,
    body: s.TenantSettingsChange,
    responses: { 200: { description: 'The tenant', body: s.Tenant } },
    errors: NOT_FOUND,
  }),

  addTenant: endpoint({
    method: 'post',
    path: '/tenants',
    summary: 'Add an Entra tenant with its app registration (admin; audited)',
    description:
      "The credential (a client secret, or a PEM with certificate and private key) is sealed with the master key and never answered again. The worker starts the tenant's queue at its next pass; test the connection first (docs/tenants.md).",
    access: 'admin',
    body: s.NewTenant,
    responses: { 201: { description: 'The tenant', body: s.Tenant } },
    errors: { 409: 'This Entra tenant is served already' },
  }),
  changeTenantConnection: endpoint({
    method: 'put',
    path: '/tenants/{tenantId}/connection',
    summary: "Replace a tenant's app registration or credential (admin; audited)",
    description: 'For a tenant added in Tokenfleet; the tenant the environment configures changes with its ENTRA_* variables. The worker uses the new credential from its next pass.',
    access: 'admin',
    params: s.TenantParams,
    body: s.TenantConnectionChange,
    responses: { 200: { description: 'The tenant', body: s.Tenant } },
    errors: { ...NOT_FOUND, 409: "The tenant's connection is the environment's" },
  }),
  testTenantConnection: endpoint({
    method: 'post',
    path: '/tenants/{tenantId}/connection-test',
    summary: "Test a tenant's connection: sign in as its app registration and read one device (admin; audited)",
    access: 'admin',
    params: s.TenantParams,
    responses: { 200: { description: 'The result, also kept as the connection’s lastTest', body: s.ConnectionTest } },
    errors: NOT_FOUND,
  }),

  // ---- Reconciliation with Entra (docs/reconciliation.md) -----------------------------------------------
  syncTenant: endpoint({
    method: 'post',
    path: '/tenants/{tenantId}/sync',
    summary: 'Reconcile the tenant with Entra now (admin); answers the sync already open if there is one',
    access: 'admin',
    params: s.TenantParams,
    responses: { 202: { description: 'Queued; follow it at /tenants/{tenantId}/syncs/{id}', body: s.SyncQueued } },
    errors: NOT_FOUND,
  }),
  getSync: endpoint({
    method: 'get',
    path: '/tenants/{tenantId}/syncs/{id}',
    summary: 'One reconciliation with Entra, with its summary',
    access: 'viewer',
    params: s.TenantParams.extend({ id: s.Id }),
    responses: { 200: { description: 'The sync', body: s.InventorySync } },
    errors: NOT_FOUND,
  }),
  listUnmanagedDevices: endpoint({
    method: 'get',
    path: '/tenants/{tenantId}/unmanaged-devices',
    summary: 'Devices in Entra that no token of Tokenfleet names, by serial',
    access: 'viewer',
    params: s.TenantParams,
    query: s.UnmanagedDeviceQuery,
    responses: { 200: { description: 'A page of devices', body: s.pageOf(s.UnmanagedDevice) } },
    errors: NOT_FOUND,
  }),
  adoptUnmanagedDevice: endpoint({
    method: 'post',
    path: '/tenants/{tenantId}/unmanaged-devices/{deviceId}/adopt',
    summary: 'Adopt an unmanaged device as a token without a seed (operator; audited)',
    description: 'The token takes the state Entra holds (created, assigned or active) and has no seed: only the actions that need no code apply to it.',
    access: 'operator',
    params: s.TenantParams.extend({ deviceId: z.string() }),
    responses: { 201: { description: 'The token', body: s.Token } },
    errors: { ...NOT_FOUND, 409: 'A token with this serial is already in the inventory', 502: 'Graph refused the look-up of the assigned user', 503: 'No Graph client, or Graph did not answer' },
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

  // ---- Webhooks: sources (admin), deliveries, the joiners waiting for a token (docs/webhooks.md) ---------
  deliverWebhook: endpoint({
    method: 'post',
    path: '/webhooks/{sourceId}',
    summary: 'Receive an event from an HR system (signed, no key or session)',
    description:
      'Authenticated by its signature over the raw body: Standard Webhooks (`webhook-id`, `webhook-timestamp` within five minutes, `webhook-signature: v1,<base64 HMAC-SHA256 of {id}.{timestamp}.{body}>`, several space-separated allowed), or for sources of an hmac-* scheme the hex or base64 HMAC of the body in the source\'s header plus a `webhook-id` (or `X-Request-Id`) for idempotency. Answers 202 once the event is stored and queued; a repeated webhook-id answers 200 `duplicate` and is never acted on twice. Refusals are recorded and change nothing.',
    access: 'public',
    security: 'webhookSignature',
    params: z.object({ sourceId: z.string() }),
    body: s.WebhookEvent,
    responses: { 200: { description: 'Received before under this webhook-id; not acted on again', body: s.WebhookReceipt }, 202: { description: 'Stored and queued (or held by the mass-change guard)', body: s.WebhookReceipt } },
    errors: {
      401: 'Missing, forged or unverifiable signature (`missing_signature`, `invalid_signature`), or a timestamp more than five minutes away (`stale_timestamp`, `future_timestamp`)',
      403: 'The source is disabled (`source_disabled`)',
      404: 'No such source (`unknown_source`)',
      422: 'A well-signed body that is not an event Tokenfleet knows (`unknown_event_type`, `invalid_event`)',
    },
  }),
  listWebhookSources: endpoint({ method: 'get', path: '/webhook-sources', summary: 'Webhook sources (admin)', access: 'admin', responses: { 200: { description: 'Sources', body: z.array(s.WebhookSource) } } }),
  createWebhookSource: endpoint({
    method: 'post',
    path: '/webhook-sources',
    summary: 'Create a webhook source (admin); its secret is shown only here',
    access: 'admin',
    body: s.NewWebhookSource,
    responses: { 201: { description: 'Created', body: s.CreatedWebhookSource } },
    errors: { 409: 'The name is taken' },
  }),
  getWebhookSource: endpoint({ method: 'get', path: '/webhook-sources/{id}', summary: 'A webhook source (admin)', access: 'admin', params: IdParams, responses: { 200: { description: 'The source', body: s.WebhookSource } }, errors: NOT_FOUND }),
  changeWebhookSource: endpoint({
    method: 'patch',
    path: '/webhook-sources/{id}',
    summary: 'Rename, change the leaver policy or guard threshold, disable or enable a source (admin; audited)',
    access: 'admin',
    params: IdParams,
    body: s.WebhookSourceChange,
    responses: { 200: { description: 'The source', body: s.WebhookSource } },
    errors: { ...NOT_FOUND, 409: 'The name is taken' },
  }),
  rotateWebhookSecret: endpoint({
    method: 'post',
    path: '/webhook-sources/{id}/rotate',
    summary: 'Make a new secret; the old one stays valid for graceHours (admin; audited)',
    access: 'admin',
    params: IdParams,
    body: s.SecretRotation,
    responses: { 200: { description: 'The new secret, shown only here', body: s.RotatedWebhookSecret } },
    errors: NOT_FOUND,
  }),
  listWebhookDeliveries: endpoint({
    method: 'get',
    path: '/webhook-sources/{id}/deliveries',
    summary: "A source's deliveries, newest first, with their outcome and the operations each caused (admin)",
    access: 'admin',
    params: IdParams,
    query: s.WebhookDeliveryQuery,
    responses: { 200: { description: 'A page of deliveries', body: s.pageOf(s.WebhookDelivery) } },
    errors: NOT_FOUND,
  }),
  decideHeldDeliveries: endpoint({
    method: 'post',
    path: '/webhook-sources/{id}/held',
    summary: 'Release (carry out) or discard every delivery the mass-change guard holds for a source (admin; audited)',
    access: 'admin',
    params: IdParams,
    body: s.HeldDecision,
    responses: { 200: { description: 'How many were released or discarded', body: s.HeldDecisionResult } },
    errors: NOT_FOUND,
  }),
  redeliverWebhook: endpoint({
    method: 'post',
    path: '/webhook-deliveries/{id}/redeliver',
    summary: 'Carry out again a delivery that was accepted and then rejected or failed (admin; audited)',
    access: 'admin',
    params: IdParams,
    responses: { 202: { description: 'Queued again', body: s.WebhookReceipt } },
    errors: { ...NOT_FOUND, 409: 'Not rejected or failed' },
  }),
  listWebhookJoiners: endpoint({
    method: 'get',
    path: '/webhook-joiners',
    summary: 'Joiners an HR system announced who still need a token, oldest first',
    access: 'viewer',
    responses: { 200: { description: 'Joiners', body: z.array(s.WebhookJoiner) } },
  }),
  assignJoiner: endpoint({
    method: 'post',
    path: '/webhook-joiners/{id}/assign',
    summary: 'Assign a stock token to a joiner and activate it (operator)',
    access: 'operator',
    params: IdParams,
    body: s.JoinerAssignment,
    responses: { 202: { description: 'Operation queued', body: s.OperationQueued } },
    errors: { ...NOT_FOUND, 409: 'The joiner has a token already, or the token is not in stock' },
  }),
  dismissJoiner: endpoint({
    method: 'post',
    path: '/webhook-joiners/{id}/dismiss',
    summary: 'Take a joiner off the list without a token (operator)',
    access: 'operator',
    params: IdParams,
    responses: { 204: { description: 'Dismissed' } },
    errors: NOT_FOUND,
  }),
} satisfies Record<string, Endpoint>;

function prefixed<const P extends string, T extends Record<string, Endpoint>>(prefix: P, table: T): { [K in keyof T & string as `${P}.${K}`]: T[K] } {
  return Object.fromEntries(Object.entries(table).map(([name, entry]) => [`${prefix}.${name}`, entry])) as { [K in keyof T & string as `${P}.${K}`]: T[K] };
}

export type EndpointName = keyof typeof endpoints;

/** The JSON body an endpoint answers with `status`, as the dashboard receives it. */
export type ResponseBody<E extends Endpoint, S extends keyof E['responses']> = E['responses'][S] extends { body: infer B extends z.ZodType } ? z.output<B> : never;
