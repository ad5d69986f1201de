// Request validation with zod: one call per input, failures answered as 400 with a `details` entry per
// problem (docs/api-conventions.md, "Errors"), naming the field and never echoing the value (it may be a code or a key).
import type { z } from 'zod';
import { ApiError } from './errors';

export function parseInput<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || what,
    message: issue.message,
  }));
  const first = details[0]!;
  throw new ApiError(400, 'validation_failed', `Invalid ${what}: ${first.path === what ? '' : `${first.path}: `}${first.message}`, details);
}

/** Path ids are UUIDs; anything else cannot name a row, so it is a 404 rather than a database cast error. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Escapes `%`, `_` and `\` so a prefix typed by a person matches literally in LIKE (one definition, in db). */
export { likePrefix } from '@tokenfleet/db';

/** The `:id` of a route, as one string (express types allow arrays for wildcard parameters). */
export function pathId(params: Record<string, string | string[] | undefined>): string {
  const id = params.id;
  return typeof id === 'string' ? id : '';
}
