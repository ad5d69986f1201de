// @tokenfleet/db: the schema, the connection, the migration runner, the seed vault and the audit writer.
// No HTTP and no queues here; the API and the worker build on these.
export * from './schema';
export { createDb, sqlOf, isDatabaseUnavailable, postgresErrorCode, PG_UNIQUE_VIOLATION, PG_CHECK_VIOLATION, PG_FOREIGN_KEY_VIOLATION } from './client';
export type { Database, Transaction, DbOrTx, DbClient, CreateDbOptions } from './client';
export { runMigrations, MIGRATIONS_FOLDER } from './migrate';
export type { MigrationLogger, MigrationResult } from './migrate';
export {
  createSeedVault,
  loadMasterKeys,
  deriveKeyId,
  toMasterKey,
  SeedDecryptionError,
  MasterKeyConfigError,
} from './seed-vault';
export type { MasterKey, MasterKeys, EncryptedSeed, SeedVault, SeedDecryptionReason } from './seed-vault';
export { appendAudit, appendAuditMany, type AuditEventRef } from './audit';
export type { AuditEventInput } from './audit';
export { transitionToken, updateTokenFields, TokenStateConflict } from './token-store';
export { obsoleteAfterDaysOfToken, tokenStatusSql } from './token-status-sql';
export type { TokenChanges, TransitionContext } from './token-store';
export { operatorCodeBinding, requestTokenAction, TokenNotFound } from './token-actions';
export type { TokenActionParams, TokenActionRequest, TokenActionResult } from './token-actions';
export { insertOperations, requestOperation, retryOperations } from './operation-store';
export { finishStep } from './finish-step';
export type { FinishStepInput, FinishedStep, InsertedStep } from './finish-step';
export type { NewOperationInput } from './operation-store';
export { ensureTenant, openSeedVault, tenantIdFor, SANDBOX_TENANT_ID } from './runtime';
export { loadImportStats, settleImport, settleFinishedImports } from './import-progress';
export type { ImportStats } from './import-progress';
export {
  acceptValidation,
  ensureValidationUser,
  findValidationUser,
  issueSoftwareToken,
  loadValidationSubject,
  newValidationUserId,
  recordUnknownUserValidation,
  recordValidationFailure,
  softwareSeedId,
  tokensOfEmail,
  unlockValidationUser,
} from './validation-store';
export type { ApiKeyLookup, ValidationSubject, AcceptResult, FailureResult, LockPolicy, SoftwareSeed, ValidationAudit, ValidationTokenRow, ValidationUserRow } from './validation-store';
export {
  applyEntraTransitions,
  finishSync,
  latestSyncs,
  recordUnmanaged,
  removeVanishedUnmanaged,
  requestSync,
  settleMissingTokens,
  stampPageTokens,
  startSync,
  syncHeartbeat,
  writeLastUsed,
  SYNC_STALE_AFTER_MS,
} from './inventory-sync-store';
export type { EntraDevice, EntraTransition, PageToken, SyncSummary, TransitionOutcome } from './inventory-sync-store';
export { decideHeld, heldCounts, receiveDelivery, recordRefusal, redeliver, webhookActor, webhookSecretBinding, assignAndActivate } from './webhook-store';
export type { ReceivedEvent, Receipt, Refusal } from './webhook-store';
export { loadOperationProgress, PACE_WINDOW_MS, unfinishedOperations } from './import-progress';
export type { OperationProgress } from './import-progress';
export { expiringWithin, likePrefix, tokenFilterConditions } from './token-filters';
export {
  BULK_CHUNK,
  BulkActionConflict,
  bulkFailureCursor,
  bulkFailurePage,
  cancelBulkAction,
  createBulkAction,
  loadBulkStats,
  previewSelection,
  retryBulkAction,
  selectionConditions,
  settleBulkAction,
  settleFinishedBulkActions,
  unwalkedBulkActions,
  walkBulkChunk,
} from './bulk-actions';
export type { BulkFailure, BulkProgress, BulkStats, SelectionPreview, WalkStep } from './bulk-actions';
export { addTenant, changeTenantConnection, credentialSettingsOfTenant, openTenantCredential, recordConnectionTest, tenantCredentialId, TenantExists } from './tenant-store';
export type { TenantConnectionInput } from './tenant-store';
