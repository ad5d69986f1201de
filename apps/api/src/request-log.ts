// One line per request at `info`: method, route (the matched pattern, so ids do not make every line
// unique), status, time and actor; req.log adds the request id. The headers go to `debug` only, redacted like the rest.
// Liveness and readiness probes, which orchestrators call every few seconds, are not logged.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface RequestLogOptions {
  /** Paths (without query) that are never logged. */
  quietPaths: readonly string[];
}

/** The route pattern a request matched (`/api/v1/tokens/:id`), or its path when no route matched. */
function routeOf(req: Request, res: Response): string {
  const base = typeof res.locals.routeBase === 'string' ? res.locals.routeBase : '';
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  return typeof pattern === 'string' ? `${base}${pattern}` : req.originalUrl.split('?')[0]!;
}

/** Mounted at the start of a router, so the log line can name the router's base with the route. */
export const rememberRouteBase: RequestHandler = (req, res, next) => {
  res.locals.routeBase = req.baseUrl;
  next();
};

export function requestLog(options: RequestLogOptions): RequestHandler {
  const quiet = new Set(options.quietPaths);
  return (req: Request, res: Response, next: NextFunction) => {
    const path = req.originalUrl.split('?')[0]!;
    if (quiet.has(path)) {
      next();
      return;
    }
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const principal = res.locals.principal as { actor?: string } | undefined;
      req.log.info(
        {
          method: req.method,
          route: routeOf(req, res),
          status: res.statusCode,
          ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
          ...(principal?.actor ? { actor: principal.actor } : {}),
        },
        'request',
      );
      req.log.debug({ headers: req.headers, responseHeaders: res.getHeaders() }, 'request headers');
    });
    next();
  };
}
