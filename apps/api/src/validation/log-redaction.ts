// The validation routes carry a key (`api_key=`, `api=`) and a code (`token=`) in the query string, and a
// QR link is a bearer of a secret for a few minutes: none of them may reach a log line. The request
// logger's `req` serializer passes the URL through here.
const SECRET_PARAMS = new Set(['api_key', 'api', 'token', 'otp', 'pin', 'hash', 'key']);

export function redactUrl(url: string): string {
  let path = url;
  let query = '';
  const mark = url.indexOf('?');
  if (mark >= 0) {
    path = url.slice(0, mark);
    query = url.slice(mark + 1);
  }
  path = path.replace(/^\/qr\/[^/]+/, '/qr/[redacted]');
  if (!query) return path;
  const parts = query.split('&').map((part) => {
    const equals = part.indexOf('=');
    const name = decodeSafely(equals >= 0 ? part.slice(0, equals) : part).toLowerCase();
    return SECRET_PARAMS.has(name) ? `${part.slice(0, equals >= 0 ? equals : part.length)}=[redacted]` : part;
  });
  return `${path}?${parts.join('&')}`;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/**
 * pino-http's `req` serializer (wrapping the standard one): the same object with its URL, its parsed
 * query and, for a QR link, its path parameters redacted.
 */
export function redactRequest<T extends { url?: string; query?: unknown; params?: unknown }>(req: T): T {
  if (typeof req?.url !== 'string') return req;
  const query =
    req.query && typeof req.query === 'object'
      ? Object.fromEntries(Object.entries(req.query as Record<string, unknown>).map(([name, value]) => [name, SECRET_PARAMS.has(name.toLowerCase()) ? '[redacted]' : value]))
      : req.query;
  return { ...req, url: redactUrl(req.url), query, ...(req.url.startsWith('/qr/') ? { params: '[redacted]' } : {}) };
}
