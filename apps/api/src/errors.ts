// The one shape every error leaves the API in: `{ error: { code, message, details? } }`
// (docs/api-conventions.md, "Errors"). Route code throws ApiError; a part that is away (PostgreSQL or
// Redis not answering) is a 503 with Retry-After that names it; everything else that reaches the error
// middleware is logged and answered as a plain 500, so no stack trace, SQL text or query parameter
// (drizzle puts them in its messages) leaks.
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailable, postgresErrorCode } from '@tokenfleet/db';
import { isRedisUnavailable } from '@tokenfleet/queue';

export interface ErrorDetail {
  path?: string;
  message: string;
  [key: string]: unknown;
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    /** Further fields of the error object, e.g. the id of the import a refused file was recorded under. */
    readonly extra?: Record<string, unknown>,
    /** Response headers that go with it (Retry-After on a 503). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: Record<string, unknown> } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: this.details } : {}),
        ...this.extra,
      },
    };
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `${what} was not found`);
export const conflict = (message: string, code = 'invalid_state'): ApiError => new ApiError(409, code, message);
export const badRequest = (message: string, details?: ErrorDetail[]): ApiError => new ApiError(400, 'validation_failed', message, details);

/** Seconds a client is asked to wait before trying again while a part is away. */
export const OUTAGE_RETRY_AFTER_SECONDS = 5;

const PART_NAMES = { postgres: 'PostgreSQL', redis: 'Redis' } as const;

/** 503 naming the part that does not answer: nothing of the request was kept, and work resumes when it is back. */
export function partUnavailable(part: keyof typeof PART_NAMES): ApiError {
  return new ApiError(
    503,
    'service_unavailable',
    `${PART_NAMES[part]} is not answering, so Tokenfleet cannot do this now; nothing of this request was kept, and queued work resumes by itself once ${PART_NAMES[part]} is back. Try again in a moment.`,
    undefined,
    { unavailable: part },
    { 'Retry-After': String(OUTAGE_RETRY_AFTER_SECONDS) },
  );
}

/** The 503 for an error that says a part is away, if it does. */
function fromOutage(error: unknown): ApiError | undefined {
  if (isDatabaseUnavailable(error)) return partUnavailable('postgres');
  if (isRedisUnavailable(error)) return partUnavailable('redis');
  return undefined;
}

/** Answers unknown routes under /api/v1 in the envelope, instead of express's HTML page. */
export const unknownRoute: RequestHandler = (req) => {
  throw new ApiError(404, 'not_found', `There is no ${req.method} ${req.baseUrl}${req.path} in this API; see /api/v1/openapi.json`);
};

/** The errors body-parser raises carry a `type`; these are the ones a client caused. */
function fromBodyParser(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  switch ((error as { type: unknown }).type) {
    case 'entity.too.large':
      return new ApiError(413, 'payload_too_large', 'The request body is larger than this API accepts');
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'The request body is not valid JSON');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_encoding', 'Send the body as UTF-8 JSON');
    default:
      return undefined;
  }
}

/**
 * What may be logged about an unexpected error: its name, a message without drizzle's "Failed query:
 * <sql> params: <values>" (parameters may hold ciphertext or key hashes), the SQLSTATE, and the stack.
 */
export function describeErrorForLog(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const pgCode = postgresErrorCode(error);
  const message = error.message.startsWith('Failed query')
    ? `database query failed: ${error.cause instanceof Error ? error.cause.message : 'see SQLSTATE'}`
    : error.message;
  // Only the frames: the stack's first lines repeat the message, which is where drizzle put the SQL.
  const frames = error.stack?.split('\n').filter((line) => /^\s+at /.test(line)).slice(0, 8).join('\n');
  return { type: error.name, message, ...(pgCode ? { pgCode } : {}), ...(frames ? { stack: frames } : {}) };
}

function requestIdOf(req: Request): string | undefined {
  const id = (req as Request & { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for an error body (e.g. a CSV download broke mid-stream): end the response.
      next(error);
      return;
    }
    const known = error instanceof ApiError ? error : (fromBodyParser(error) ?? fromOutage(error));
    if (known) {
      if (known.status === 503) (req.log ?? logger).warn({ error: describeErrorForLog(error) }, 'a part is unavailable');
      res.status(known.status).set(known.headers).json(known.toBody());
      return;
    }
    const requestId = requestIdOf(req);
    (req.log ?? logger).error({ error: describeErrorForLog(error) }, 'request failed');
    res.status(500).json({
      error: {
        code: 'internal_error',
        message: `Something went wrong on our side; it was logged${requestId ? ` under request id ${requestId}` : ''}`,
      },
    });
  };
}
