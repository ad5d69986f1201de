// Receives an import upload as a stream: busboy splits the multipart body, the file part is handed on
// chunk by chunk (never held whole), and what can only be judged once the body has been read to its end
// (a field sent after the file, a second file, the size limit) is checked before the import commits.
// Clients put form fields where they like (`curl -F file=@x -F mode=assign` sends the mode last): a field
// the caller can still apply at commit (`lateFields`) is kept; one needed to read the file is refused.
import { pipeline, type Readable } from 'node:stream';
import Busboy from 'busboy';
import type { Request } from 'express';
import { ApiError } from '../errors';

/** The file part passed `UPLOAD_MAX_BYTES`; busboy stops handing out its bytes. */
export class UploadTooLargeError extends Error {
  override readonly name = 'UploadTooLargeError';
  constructor(readonly limitBytes: number) {
    super(`The file is larger than the upload limit of ${describeBytes(limitBytes)} (UPLOAD_MAX_BYTES); split it into smaller files`);
  }
}

/** The client stopped sending before the body was complete. */
export class UploadInterruptedError extends Error {
  override readonly name = 'UploadInterruptedError';
  constructor() {
    super('The upload was interrupted before the file was complete');
  }
}

export function describeBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KB`;
  return `${bytes} bytes`;
}

export interface UploadedFile {
  fileName: string;
  /** The file's bytes as they arrive; throws UploadTooLargeError right after the last byte within the limit. */
  chunks: AsyncGenerator<Buffer>;
  /** Discards whatever of the file is still to come, so the rest of the body can be read. */
  discardRest: () => void;
}

export interface MultipartUpload {
  /** The form fields sent before the file part. */
  fields: ReadonlyMap<string, string>;
  /** Of the fields allowed late, those sent after the file part: complete once `complete()` resolved. */
  lateFields: ReadonlyMap<string, string>;
  file: UploadedFile;
  /**
   * Resolves once the whole body is read; rejects with what went wrong with it (interrupted, too large,
   * a field after the file, a second file). Only meaningful after the file has been read or discarded.
   */
  complete: () => Promise<void>;
}

const FILE_FIELD = 'file';

/**
 * Starts reading a multipart upload and resolves when its file part begins. Rejects with a 400 ApiError
 * when the body is not multipart or ends without a `file` part.
 */
export function receiveMultipart(req: Request, limits: { fileSizeBytes: number }, lateAllowed: readonly string[] = []): Promise<MultipartUpload> {
  let busboy: Busboy.Busboy;
  try {
    busboy = Busboy({
      headers: req.headers,
      limits: { files: 1, fileSize: limits.fileSizeBytes, fields: 20, fieldSize: 16 * 1024, parts: 30 },
    });
  } catch {
    return Promise.reject(new ApiError(400, 'validation_failed', 'Send the seed file as multipart/form-data, in the field "file"'));
  }

  const fields = new Map<string, string>();
  const lateFields = new Map<string, string>();
  const lateProblems: string[] = [];
  let fileStarted = false;
  let tooLarge = false;

  const bodyRead = new Promise<Error | null>((resolve) => {
    pipeline(req, busboy, (error) => resolve(error ?? null));
  });

  return new Promise<MultipartUpload>((resolve, reject) => {
    busboy.on('field', (name, value) => {
      if (!fileStarted) fields.set(name, value);
      else if (lateAllowed.includes(name)) lateFields.set(name, value);
      else lateProblems.push(`the field "${name}" came after the file, but the file is read with it; send it before the file or as a query parameter`);
    });
    busboy.on('filesLimit', () => lateProblems.push('the upload holds more than one file; send one seed file per import'));

    busboy.on('file', (name, stream, info) => {
      if (name !== FILE_FIELD) {
        stream.resume();
        lateProblems.push(`the file was sent in the field "${name}"; send it in the field "${FILE_FIELD}"`);
        return;
      }
      fileStarted = true;
      stream.on('limit', () => {
        tooLarge = true;
      });
      resolve({
        fields,
        lateFields,
        file: { fileName: info.filename ?? 'upload', chunks: readChunks(stream, () => tooLarge, limits.fileSizeBytes), discardRest: () => stream.resume() },
        complete: async () => {
          const error = await bodyRead;
          if (tooLarge) throw new UploadTooLargeError(limits.fileSizeBytes);
          if (error) throw new UploadInterruptedError();
          const [problem] = lateProblems;
          if (problem) throw new ApiError(400, 'validation_failed', `The upload was refused: ${problem}`);
        },
      });
    });

    void bodyRead.then((error) => {
      // Settles only if no file part ever started (a settled promise ignores a second answer).
      if (error) reject(new UploadInterruptedError());
      else reject(new ApiError(400, 'validation_failed', lateProblems[0] ? `The upload was refused: ${lateProblems[0]}` : `The upload has no file; send the seed file in the field "${FILE_FIELD}"`));
    });
  });
}

async function* readChunks(stream: Readable, tooLarge: () => boolean, limitBytes: number): AsyncGenerator<Buffer> {
  // destroyOnReturn: false, because a parser that stops early must not destroy busboy's file stream: busboy
  // would then never finish the body, and the request would hang instead of being answered.
  for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    yield chunk;
    if (tooLarge()) throw new UploadTooLargeError(limitBytes);
  }
  if (tooLarge()) throw new UploadTooLargeError(limitBytes);
}
