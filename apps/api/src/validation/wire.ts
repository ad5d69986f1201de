// The TOTPRadius Web API's wire conventions (docs/validation-api.md): parameters from the query string or
// a form body, alike; `format` 0 PHP-serialized (the default), 1 JSON, 2 XML, 3 plain `true` / `false`;
// every answer a flat record of strings, errors included, in the format asked for.
import type { ServerResponse } from 'node:http';
import { phpSerialize, xmlDocument } from '@tokenfleet/domain';

export type Format = 0 | 1 | 2 | 3;

export type Fields = Record<string, string>;

/** The XML document's root element; one child per field. */
export const XML_ROOT = 'result';

/** What a validation route reads of a request: its parameters, from the query string and the form body. */
export interface WireParams {
  query: URLSearchParams;
  /** The form of a POST with an `application/x-www-form-urlencoded` body; else undefined. */
  form: URLSearchParams | undefined;
}

/** One parameter, from the form body or else the query string; a repeated parameter counts once (the first). */
export function param(req: WireParams, name: string): string | undefined {
  return req.form?.get(name) ?? req.query.get(name) ?? undefined;
}

/** `format` as sent; anything but 0–3 is answered in format 0 with a 400 by the caller. */
export function formatOf(req: WireParams): Format | null {
  const value = param(req, 'format');
  if (value === undefined || value.trim() === '') return 0;
  return /^[0-3]$/.test(value.trim()) ? (Number(value.trim()) as Format) : null;
}

const CONTENT_TYPES: Record<Format, string> = {
  0: 'text/plain; charset=utf-8',
  1: 'application/json; charset=utf-8',
  2: 'application/xml; charset=utf-8',
  3: 'text/plain; charset=utf-8',
};

/**
 * Writes `fields` in `format`. Format 3 is the one field `verdict` names (`validation` or `success`),
 * `true` or `false` and nothing else.
 */
export function send(res: ServerResponse, status: number, format: Format, fields: Fields, verdict: 'validation' | 'success'): void {
  let body: string;
  switch (format) {
    case 0:
      body = phpSerialize(fields);
      break;
    case 1:
      body = JSON.stringify(fields);
      break;
    case 2:
      body = xmlDocument(XML_ROOT, fields);
      break;
    case 3:
      body = fields[verdict] === 'true' ? 'true' : 'false';
      break;
  }
  writeBody(res, status, CONTENT_TYPES[format], body);
}

/** An answer never cached (so no ETag is hashed for it), written on node's own response. */
export function writeBody(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body, 'utf8'));
  res.end(body);
}

/** A refusal of the request itself (bad key, missing parameter): `response` says what is wrong, `error` a stable code. */
export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
