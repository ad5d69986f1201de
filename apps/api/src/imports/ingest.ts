// Writes one seed file into the inventory in ONE transaction, row by row as the parser yields them:
// tokens (seed encrypted, state `imported`), one `token.create` operation per new token, the row errors,
// the counts and the audit rows. Nothing of the file is kept beyond a batch of 500 rows, so memory stays
// flat for a 100,000-row file. The caller enqueues the import's expansion job after COMMIT.
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import {
  appendAudit,
  importRowErrors,
  imports,
  operations,
  tokens,
  type Database,
  type Import,
  type ImportMode,
  type ImportStatus,
  type NewImportRowError,
  type NewOperation,
  type NewToken,
  type OperationParams,
  type SeedVault,
  type Transaction,
} from '@tokenfleet/db';
import { parseSeedFile, TOKEN_DIGITS, type SeedFileFormat, type SeedRecord } from '@tokenfleet/domain';
import { insertAsRecordset } from './bulk-insert';

/** Rows per INSERT: ~20 columns a token keeps a batch far below Postgres's 65,535 parameters. */
const BATCH_ROWS = 500;

export interface IngestInput {
  importRow: Import;
  format: SeedFileFormat;
  mode: ImportMode;
  chunks: AsyncIterable<Buffer>;
  preSharedKey?: Uint8Array;
  actor: string;
  /** Runs once the file is read, inside the transaction; throwing rolls the whole import back (the upload turned out bad). */
  beforeCommit: () => Promise<void>;
  /** The mode as it stands after the whole body was read (a client may send it after the file); default `mode`. */
  finalMode?: () => ImportMode;
}

export interface IngestCounts {
  totalRows: number;
  validRows: number;
  rejectedRows: number;
  duplicateRows: number;
}

/**
 * What a new token's create operation carries: whom to assign it to and whether to activate it, from
 * the import mode. A row that names no user is only created, whatever the mode.
 */
export function createParams(record: Pick<SeedRecord, 'upn' | 'userId'>, mode: ImportMode): OperationParams {
  const namesUser = Boolean(record.upn || record.userId);
  const steps = modeSteps(mode);
  return {
    ...(record.upn ? { upn: record.upn } : {}),
    ...(record.userId ? { userId: record.userId } : {}),
    assign: namesUser && steps.assign,
    activate: namesUser && steps.activate,
  };
}

/** What a mode asks of a token that names its user. */
function modeSteps(mode: ImportMode): { assign: boolean; activate: boolean } {
  return { assign: mode !== 'import', activate: mode === 'activate' };
}

/** The status an import has once its file is in: running while tokens wait for Graph. */
export function statusAfterValidation(counts: IngestCounts): ImportStatus {
  if (counts.validRows > 0) return 'running';
  return counts.totalRows === 0 ? 'completed' : 'completed_with_errors';
}

export async function ingestSeedFile(db: Database, vault: SeedVault, input: IngestInput): Promise<IngestCounts> {
  const { importRow } = input;
  return db.transaction(async (tx) => {
    const writer = new ImportWriter(tx, vault, importRow, input.mode, input.actor);
    const rows = parseSeedFile(input.format, input.chunks, input.preSharedKey ? { preSharedKey: input.preSharedKey } : {});
    for await (const row of rows) {
      if (row.ok) await writer.addRecord(row.record);
      else await writer.addRowError(row.error);
    }
    const counts = await writer.finish();
    // The body is read to its end here, so a field sent after the file is known.
    await input.beforeCommit();
    const mode = input.finalMode?.() ?? input.mode;
    if (mode !== input.mode) await writer.changeMode(mode);
    const status = statusAfterValidation(counts);
    await tx
      .update(imports)
      .set({ ...counts, status, mode, ...(status === 'running' ? {} : { finishedAt: new Date() }) })
      .where(eq(imports.id, importRow.id));
    await appendAudit(tx, {
      actor: input.actor,
      action: 'import.validated',
      outcome: 'success',
      tenantId: importRow.tenantId,
      targetType: 'import',
      targetId: importRow.id,
      importId: importRow.id,
      detail: { ...counts, status, format: input.format, mode, ...(mode === input.mode ? {} : { modeSentAfterFile: true }) },
    });
    return counts;
  });
}

/** The columns an imported token is written with; the rest take their defaults. */
const NEW_TOKEN_COLUMNS = {
  id: tokens.id,
  tenantId: tokens.tenantId,
  serialNumber: tokens.serialNumber,
  manufacturer: tokens.manufacturer,
  model: tokens.model,
  displayName: tokens.displayName,
  hashFunction: tokens.hashFunction,
  timeIntervalSeconds: tokens.timeIntervalSeconds,
  digits: tokens.digits,
  secretKeyId: tokens.secretKeyId,
  secretCiphertext: tokens.secretCiphertext,
  state: tokens.state,
  generation: tokens.generation,
  importId: tokens.importId,
} as const;

type NewTokenRow = { [K in keyof typeof NEW_TOKEN_COLUMNS]: NonNullable<NewToken[K]> };

/**
 * The columns of an import's `token.create` operations: the same row `insertOperations` writes for a
 * queued operation (see bulk-insert.ts for why the import does not call it).
 */
const NEW_OPERATION_COLUMNS = {
  id: operations.id,
  tenantId: operations.tenantId,
  tokenId: operations.tokenId,
  importId: operations.importId,
  kind: operations.kind,
  status: operations.status,
  generation: operations.generation,
  params: operations.params,
  createdBy: operations.createdBy,
  queuedAt: operations.queuedAt,
} as const;

type NewOperationRow = { [K in keyof typeof NEW_OPERATION_COLUMNS]: NonNullable<NewOperation[K]> };

const ROW_ERROR_COLUMNS = {
  importId: importRowErrors.importId,
  rowNumber: importRowErrors.rowNumber,
  field: importRowErrors.field,
  reason: importRowErrors.reason,
  serialNumber: importRowErrors.serialNumber,
} as const;

class ImportWriter {
  private records: SeedRecord[] = [];
  private errors: NewImportRowError[] = [];
  private readonly counts: IngestCounts = { totalRows: 0, validRows: 0, rejectedRows: 0, duplicateRows: 0 };

  constructor(
    private readonly tx: Transaction,
    private readonly vault: SeedVault,
    private readonly importRow: Import,
    private readonly mode: ImportMode,
    private readonly actor: string,
  ) {}

  async addRecord(record: SeedRecord): Promise<void> {
    this.counts.totalRows += 1;
    this.records.push(record);
    if (this.records.length >= BATCH_ROWS) await this.flushRecords();
  }

  async addRowError(error: { rowNumber: number; field: string; reason: string; serialNumber?: string }): Promise<void> {
    this.counts.totalRows += 1;
    this.counts.rejectedRows += 1;
    await this.queueError(error);
  }

  /** The mode came after the file: the create operations written so far take it (all of them, in this transaction). */
  async changeMode(mode: ImportMode): Promise<void> {
    const { assign, activate } = modeSteps(mode);
    const namesUser = sql`(${operations.params} ? 'upn' or ${operations.params} ? 'userId')`;
    await this.tx
      .update(operations)
      .set({ params: sql`${operations.params} || jsonb_build_object('assign', ${assign}::boolean and ${namesUser}, 'activate', ${activate}::boolean and ${namesUser})` })
      .where(and(eq(operations.importId, this.importRow.id), eq(operations.kind, 'token.create')));
  }

  async finish(): Promise<IngestCounts> {
    await this.flushRecords();
    await this.flushErrors();
    return { ...this.counts };
  }

  private async queueError(error: { rowNumber: number; field: string | null; reason: string; serialNumber?: string | null }): Promise<void> {
    this.errors.push({ importId: this.importRow.id, rowNumber: error.rowNumber, field: error.field, reason: error.reason, serialNumber: error.serialNumber ?? null });
    if (this.errors.length >= BATCH_ROWS) await this.flushErrors();
  }

  private async flushErrors(): Promise<void> {
    if (this.errors.length === 0) return;
    const batch = this.errors;
    this.errors = [];
    await insertAsRecordset(this.tx, importRowErrors, ROW_ERROR_COLUMNS, batch, { returning: { id: importRowErrors.id } });
  }

  /** Inserts a batch of tokens; a serial already in the tenant's inventory becomes that row's error. */
  private async flushRecords(): Promise<void> {
    if (this.records.length === 0) return;
    const batch = this.records;
    this.records = [];
    const { tenantId, id: importId } = this.importRow;
    const rows = batch.map((record): NewTokenRow => {
      const id = randomUUID();
      const seed = this.vault.encrypt(id, record.secretBase32);
      return {
        id,
        tenantId,
        serialNumber: record.serialNumber,
        manufacturer: record.manufacturer,
        model: record.model,
        displayName: record.displayName,
        hashFunction: record.hashFunction,
        timeIntervalSeconds: record.timeIntervalSeconds,
        digits: TOKEN_DIGITS,
        secretKeyId: seed.keyId,
        secretCiphertext: seed.ciphertext,
        state: 'imported',
        generation: 0,
        importId,
      };
    });
    const inserted = await insertAsRecordset(this.tx, tokens, NEW_TOKEN_COLUMNS, rows, {
      onConflictDoNothing: [tokens.tenantId, tokens.serialNumber],
      returning: { id: tokens.id, serialNumber: tokens.serialNumber },
    });
    const idBySerial = new Map(inserted.map((token) => [token.serialNumber, token.id]));

    const queuedAt = new Date();
    const creates: NewOperationRow[] = [];
    for (const record of batch) {
      const tokenId = idBySerial.get(record.serialNumber);
      if (tokenId === undefined) {
        this.counts.duplicateRows += 1;
        await this.queueError({ rowNumber: record.rowNumber, field: 'serialNumber', reason: `serial ${record.serialNumber} is already in the inventory`, serialNumber: record.serialNumber });
        continue;
      }
      this.counts.validRows += 1;
      creates.push({ id: randomUUID(), tenantId, tokenId, importId, kind: 'token.create', status: 'queued', generation: 0, params: createParams(record, this.mode), createdBy: this.actor, queuedAt });
    }
    await insertAsRecordset(this.tx, operations, NEW_OPERATION_COLUMNS, creates, {
      onConflictDoNothing: [operations.tokenId, operations.kind, operations.generation],
      returning: { id: operations.id },
    });
  }
}
