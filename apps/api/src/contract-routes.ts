// Routes from the contract's endpoint table: `route` registers a handler at the endpoint's method and path
// behind the role the table names, and `send` answers with a body the endpoint's schema types, so a field
// added to a response schema does not compile until the route provides it.
import type { Response, RequestHandler, Router } from 'express';
import type { Endpoint, ResponseBody } from '@tokenfleet/contract';
import { requireRole } from './auth';

/** `/tokens/{id}` → `/tokens/:id`. */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

export function route(router: Router, endpoint: Endpoint, ...handlers: RequestHandler[]): void {
  // Portal routes ('self-service') sit behind the portal's own authentication (portal/routes.ts), never an operator's.
  const guard = endpoint.access === 'public' || endpoint.access === 'self-service' ? [] : [requireRole(endpoint.access)];
  router[endpoint.method](expressPath(endpoint.path), ...guard, ...handlers);
}

export function send<E extends Endpoint, S extends keyof E['responses'] & number>(res: Response, _endpoint: E, status: S, body: ResponseBody<E, S>): void {
  res.status(status).json(body);
}
