// The shapes of the API's answers, as API.md (the contract between apps/api and this dashboard) states
// them. Written out here rather than imported from apps/api, whose types are inferred from its database
// queries and would pull the server's whole type graph (express, drizzle, Node) into the browser build.
import type { TokenState } from '../lifecycle';

export type { TokenState };

export type Role = 'viewer' | 'operator' | 'admin';
/** API keys also come as `validator`: only for the validation routes at the server root. */
export type KeyRole = Role | 'validator';

export interface SessionUser {
  id: string;
  username: string;
  role: Role;
}

export interface Session {
  user: SessionUser;
  csrfToken: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface QueueState {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  rateLimitedUntil: string | null;
}

export type SystemMode = 'sandbox' | 'live';

export interface Overview {
  mode: SystemMode;
  tenants: { id: string; name: string; mode: SystemMode; queue: QueueState }[];
  tokensByState: Record<TokenState, number>;
  importsRunning: number;
  failedOperations: number;
}

export const IMPORT_MODES = ['activate', 'assign', 'import'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export type ImportStatus = 'validating' | 'running' | 'completed' | 'completed_with_errors' | 'failed';

export interface ImportProgressCounts {
  validated: number;
  created: number;
  assigned: number;
  activated: number;
  failed: number;
  pending: number;
}

export interface ImportSummary {
  id: string;
  tenantId: string;
  fileName: string;
  format: string;
  mode: ImportMode;
  status: ImportStatus;
  totalRows: number;
  validRows: number;
  rejectedRows: number;
  duplicateRows: number;
  createdBy: string;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  progress: ImportProgressCounts;
  tokensByState: Record<TokenState, number>;
}

export interface ImportRowError {
  rowNumber: number;
  field: string | null;
  reason: string;
  serialNumber: string | null;
}

export interface TokenItem {
  id: string;
  tenantId: string;
  serialNumber: string;
  manufacturer: string;
  model: string;
  displayName: string;
  hashFunction: string;
  timeIntervalSeconds: number;
  state: TokenState;
  assignedUpn: string | null;
  importId: string | null;
  lastError: string | null;
  lastUsedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type OperationStatus = 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const UNFINISHED_OPERATION_STATUSES: readonly OperationStatus[] = ['pending', 'queued', 'running'];

export interface TokenOperation {
  id: string;
  kind: string;
  status: OperationStatus;
  attempts: number;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  updatedAt: string;
}

export interface TokenDetail extends TokenItem {
  graphDeviceId: string | null;
  assignedUserId: string | null;
  driftSteps: number;
  hasSeed: boolean;
  operations: TokenOperation[];
}

export interface DirectoryUser {
  id: string;
  userPrincipalName: string;
  displayName: string | null;
}

export interface OperationItem {
  id: string;
  tenantId: string;
  tokenId: string;
  serialNumber: string;
  importId: string | null;
  kind: string;
  status: OperationStatus;
  attempts: number;
  generation: number;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  lastGraphStatus: number | null;
  lastRequestId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface FailureGroup {
  code: string;
  message: string | null;
  count: number;
}

export type AuditOutcome = 'success' | 'failure' | 'info';
export const AUDIT_OUTCOMES: readonly AuditOutcome[] = ['success', 'failure', 'info'];

export interface AuditItem {
  id: number;
  at: string;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  tokenId: string | null;
  importId: string | null;
  operationId: string | null;
  outcome: AuditOutcome;
  graphStatus: number | null;
  graphRequestId: string | null;
  durationMs: number | null;
  detail: unknown;
}

export interface OperationDetail extends OperationItem {
  history: AuditItem[];
}

export interface Account {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export interface ApiKeyItem {
  id: string;
  name: string;
  role: KeyRole;
  keyPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface CreatedApiKey extends ApiKeyItem {
  key: string;
}

export interface TenantSettings {
  purgeSeedsWhenActive: boolean;
}

export interface TenantItem {
  id: string;
  name: string;
  mode: 'sandbox' | 'live';
  settings: TenantSettings;
}
