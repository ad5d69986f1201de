// The form body of a POST to a validation route, read from node's own request: the validation routes
// answer ahead of express (routes.ts says why), so they read their parameters themselves. At most 16 kB
// and 50 parameters, UTF-8, no content encoding (docs/validation-api.md lists the refusals).
import type { IncomingMessage } from 'node:http';
import { WireError } from './wire';

const FORM_LIMIT_BYTES = 16 * 1024;
const FORM_PARAMETER_LIMIT = 50;

const FORM_TYPE = 'application/x-www-form-urlencoded';

const undecodable = () => new WireError(400, 'invalid_body', 'the form body cannot be read');

/**
 * The form of a POST with an `application/x-www-form-urlencoded` body; undefined for any other request
 * (whose body, if any, is drained unread). Rejects with a WireError: 413 for a body over the limit (it
 * asks for the connection to be closed after the answer, so the rest is never read), 400 for one that
 * cannot be decoded.
 */
export function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  if (req.method !== 'POST') return Promise.resolve(undefined);
  const [mediaType = '', ...parameters] = (req.headers['content-type'] ?? '').split(';');
  if (mediaType.trim().toLowerCase() !== FORM_TYPE) {
    req.resume();
    return Promise.resolve(undefined);
  }
  if (Number(req.headers['content-length'] ?? 0) > FORM_LIMIT_BYTES) return Promise.reject(tooLarge());
  const charset = parameters.map((part) => part.trim().toLowerCase()).find((part) => part.startsWith('charset='));
  const decodable = (!charset || charset === 'charset=utf-8' || charset === 'charset="utf-8"') && (req.headers['content-encoding'] ?? 'identity').toLowerCase() === 'identity';

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= FORM_LIMIT_BYTES) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd).pause();
      reject(tooLarge());
    };
    const onEnd = () => {
      if (!decodable) return reject(undecodable());
      const form = new URLSearchParams(Buffer.concat(chunks, size).toString('utf8'));
      if (form.size > FORM_PARAMETER_LIMIT) return reject(undecodable());
      resolve(form);
    };
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

const tooLarge = () => new WireError(413, 'invalid_body', 'the form body cannot be read', { Connection: 'close' });
