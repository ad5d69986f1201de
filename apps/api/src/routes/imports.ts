// Imports: the seed-file upload (streamed, one transaction, expansion enqueued after COMMIT), the import
// list and detail with live progress, and the row errors as pages and as a spreadsheet-safe CSV.
import { randomUUID } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Request, Router } from 'express';
import { z } from 'zod';
import { endpoints, ImportListQuery, PageQuery, UploadFields, type ImportMode } from '@tokenfleet/contract';
import { appendAudit, importRowErrors, imports, type Import } from '@tokenfleet/db';
import { detectSeedFileFormat, SeedFileError } from '@tokenfleet/domain';
import { enqueueImportExpansion } from '@tokenfleet/queue';
import { principalOf } from '../auth';
import { route, send } from '../contract-routes';
import { sendCsv } from '../csv';
import type { ApiDeps } from '../deps';
import { ApiError, describeErrorForLog, notFound, partUnavailable } from '../errors';
import { partsAnswering } from './system';
import { ingestSeedFile } from '../imports/ingest';
import { receiveMultipart, UploadInterruptedError, UploadTooLargeError, type MultipartUpload } from '../imports/multipart';
import { summarizeImports } from '../imports/progress';
import { afterCreatedCursor, createdCursorKey, createdMicros, decodeCursor, eachRow, newestFirst, toPage } from '../paging';
import { resolveTenant } from '../tenants';
import { isUuid, parseInput, pathId } from '../validation';

/**
 * Enough of the file's start to tell CSV, JSON and PSKC apart (the first byte after a BOM and blanks);
 * small, so the import is on record as soon as a slow upload has started.
 */
const HEAD_BYTES = 64;

interface ImportFailure {
  error: ApiError;
  /** Unexpected: logged in full (the import row keeps only a generic reason). */
  internal?: unknown;
}

function classifyFailure(error: unknown, importId: string): ImportFailure {
  const withId = { importId };
  if (error instanceof UploadTooLargeError) return { error: new ApiError(413, 'upload_too_large', error.message, undefined, withId) };
  if (error instanceof SeedFileError) {
    if (error.code === 'too-large') return { error: new ApiError(413, 'upload_too_large', `The file was refused: ${error.reason}`, undefined, withId) };
    return { error: new ApiError(400, 'seed_file_rejected', `The file was refused: ${error.message}`, [{ message: error.reason, reason: error.code, ...(error.rowNumber === undefined ? {} : { rowNumber: error.rowNumber }) }], withId) };
  }
  if (error instanceof UploadInterruptedError) return { error: new ApiError(400, 'upload_interrupted', error.message, undefined, withId) };
  if (error instanceof ApiError) return { error: new ApiError(error.status, error.code, error.message, error.details, withId) };
  return {
    error: new ApiError(500, 'internal_error', 'The import could not be saved because of an error on our side; it was logged', undefined, withId),
    internal: error,
  };
}

/** Options the upload can still take after its file: they decide what happens to the rows, not how the file is read. */
const LATE_UPLOAD_FIELDS = ['mode'] as const;

/**
 * The upload's options from the query string and the form fields before the file, wherever the client put
 * them; the same option given twice with different values is refused rather than one silently winning.
 */
function uploadOptions(query: Request['query'], fields: ReadonlyMap<string, string>): Record<string, string> {
  const options: Record<string, string> = {};
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== 'string') throw new ApiError(400, 'validation_failed', `The query parameter "${name}" was given more than once; give it once`);
    options[name] = value;
  }
  for (const [name, value] of fields) {
    if (options[name] !== undefined && options[name] !== value) throw conflictingOption(name);
    options[name] = value;
  }
  return options;
}

/** The mode once the whole body is read: a mode sent after the file counts, unless it contradicts one sent earlier. */
function modeAfterBody(query: Request['query'], upload: MultipartUpload, early: ImportMode): ImportMode {
  const late = upload.lateFields.get('mode');
  if (late === undefined) return early;
  const given = query.mode ?? upload.fields.get('mode');
  if (given !== undefined && given !== late) throw conflictingOption('mode');
  return parseInput(UploadFields.pick({ mode: true }), { mode: late }, 'upload fields').mode;
}

function conflictingOption(name: string): ApiError {
  return new ApiError(400, 'validation_failed', `"${name}" was given twice with different values (query string and form fields); give it once`);
}

async function* prepend(head: Buffer[], rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  yield* rest;
}

export function importRoutes(router: Router, deps: ApiDeps): void {
  const { db } = deps;

  route(router, endpoints.upload, async (req, res) => {
    const actor = principalOf(res).actor;
    const upload = await receiveMultipart(req, { fileSizeBytes: deps.config.uploadMaxBytes }, LATE_UPLOAD_FIELDS);
    const { file } = upload;

    let options: z.output<typeof UploadFields>;
    let tenant: Awaited<ReturnType<typeof resolveTenant>>;
    try {
      // Refused whole while a part is away, rather than half stored or stored and never queued.
      const parts = await partsAnswering(deps);
      if (!parts.postgres) throw partUnavailable('postgres');
      if (!parts.redis) throw partUnavailable('redis');
      options = parseInput(UploadFields, uploadOptions(req.query, upload.fields), 'upload fields');
      tenant = await resolveTenant(deps, options.tenantId);
    } catch (error) {
      // A request we refuse before reading the file: drain the body so the client gets our answer.
      file.discardRest();
      await upload.complete().catch(() => {});
      throw error;
    }

    const head: Buffer[] = [];
    let headError: unknown;
    try {
      for (let bytes = 0; bytes < HEAD_BYTES; ) {
        const next = await file.chunks.next();
        if (next.done) break;
        head.push(next.value);
        bytes += next.value.length;
      }
    } catch (error) {
      headError = error;
    }
    const format = detectSeedFileFormat(file.fileName, Buffer.concat(head));

    // The import row is written first and on its own, so a refused or crashed upload still leaves a record.
    const [importRow] = await db
      .insert(imports)
      .values({ id: randomUUID(), tenantId: tenant.id, fileName: file.fileName, format, mode: options.mode, status: 'validating', createdBy: actor })
      .returning();
    await appendAudit(db, {
      actor,
      action: 'import.started',
      outcome: 'info',
      tenantId: tenant.id,
      targetType: 'import',
      targetId: importRow!.id,
      importId: importRow!.id,
      detail: { fileName: file.fileName, format, mode: options.mode },
    });

    let validRows: number;
    try {
      if (headError) throw headError;
      const counts = await ingestSeedFile(db, deps.vault, {
        importRow: importRow!,
        format,
        mode: options.mode,
        chunks: prepend(head, file.chunks),
        ...(options.pskcKey ? { preSharedKey: Buffer.from(options.pskcKey, 'hex') } : {}),
        actor,
        beforeCommit: upload.complete,
        finalMode: () => modeAfterBody(req.query, upload, options.mode),
      });
      validRows = counts.validRows;
    } catch (error) {
      file.discardRest();
      // What went wrong with the body (too large, interrupted) explains a parser error that followed from it.
      const bodyProblem = await upload.complete().then(() => undefined, (problem: unknown) => problem);
      const failure = classifyFailure(bodyProblem ?? error, importRow!.id);
      if (failure.internal !== undefined) req.log.error({ error: describeErrorForLog(failure.internal), importId: importRow!.id }, 'import failed');
      await markImportFailed(deps, importRow!, failure.error.message, actor);
      throw failure.error;
    }

    if (validRows > 0) {
      try {
        await enqueueImportExpansion(deps.queues(tenant.id), tenant.id, importRow!.id);
      } catch (error) {
        // Committed is committed: the operations are queued rows, and the worker's reconciler enqueues them.
        req.log.error({ error: describeErrorForLog(error), importId: importRow!.id }, 'could not enqueue the import expansion; the reconciler will');
      }
    }
    send(res, endpoints.upload, 202, { id: importRow!.id });
  });

  route(router, endpoints.listImports, async (req, res) => {
    const query = parseInput(ImportListQuery, req.query, 'query');
    const rows = await db
      .select({ row: imports, cursorMicros: createdMicros(imports.createdAt) })
      .from(imports)
      .where(
        and(
          query.status ? eq(imports.status, query.status) : undefined,
          query.tenantId ? eq(imports.tenantId, query.tenantId) : undefined,
          afterCreatedCursor(query.cursor, imports.createdAt, imports.id),
        ),
      )
      .orderBy(...newestFirst(imports.createdAt, imports.id))
      .limit(query.limit + 1);
    const page = toPage(rows, query.limit, (row) => row, (row) => createdCursorKey({ cursorMicros: row.cursorMicros, id: row.row.id }));
    send(res, endpoints.listImports, 200, { items: await summarizeImports(db, page.items.map((item) => item.row)), nextCursor: page.nextCursor });
  });

  async function findImport(id: string): Promise<Import> {
    const [row] = isUuid(id) ? await db.select().from(imports).where(eq(imports.id, id)) : [];
    if (!row) throw notFound(`Import ${id}`);
    return row;
  }

  route(router, endpoints.getImport, async (req, res) => {
    const [summary] = await summarizeImports(db, [await findImport(pathId(req.params))]);
    send(res, endpoints.getImport, 200, summary!);
  });

  const errorCursor = z.tuple([z.number().int(), z.number().int()]);

  async function errorPage(importId: string, limit: number, after: [number, number] | undefined) {
    return db
      .select({ id: importRowErrors.id, rowNumber: importRowErrors.rowNumber, field: importRowErrors.field, reason: importRowErrors.reason, serialNumber: importRowErrors.serialNumber })
      .from(importRowErrors)
      .where(and(eq(importRowErrors.importId, importId), after ? sql`(${importRowErrors.rowNumber}, ${importRowErrors.id}) > (${after[0]}, ${after[1]})` : undefined))
      .orderBy(asc(importRowErrors.rowNumber), asc(importRowErrors.id))
      .limit(limit);
  }

  route(router, endpoints.listImportErrors, async (req, res) => {
    const importRow = await findImport(pathId(req.params));
    const query = parseInput(PageQuery, req.query, 'query');
    const rows = await errorPage(importRow.id, query.limit + 1, query.cursor ? decodeCursor(query.cursor, errorCursor) : undefined);
    send(res, endpoints.listImportErrors, 200, toPage(rows, query.limit, ({ id: _id, ...item }) => item, (row) => [row.rowNumber, row.id]));
  });

  route(router, endpoints.importErrorsCsv, async (req, res) => {
    const importRow = await findImport(pathId(req.params));
    async function* rows() {
      const all = eachRow((after: [number, number] | undefined, limit) => errorPage(importRow.id, limit, after), (row): [number, number] => [row.rowNumber, row.id]);
      for await (const row of all) yield [row.rowNumber, row.field, row.reason, row.serialNumber];
    }
    await sendCsv(res, `import-${importRow.id}-errors.csv`, ['rowNumber', 'field', 'reason', 'serialNumber'], rows());
  });
}

async function markImportFailed(deps: ApiDeps, importRow: Import, reason: string, actor: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    await tx.update(imports).set({ status: 'failed', error: reason, finishedAt: new Date() }).where(eq(imports.id, importRow.id));
    await appendAudit(tx, {
      actor,
      action: 'import.failed',
      outcome: 'failure',
      tenantId: importRow.tenantId,
      targetType: 'import',
      targetId: importRow.id,
      importId: importRow.id,
      detail: { reason },
    });
  });
}
