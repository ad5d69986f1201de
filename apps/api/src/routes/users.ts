// The user look-up behind the dashboard's "assign to" field: the only Graph call on a request path, and
// read-only. Without a Graph client wired in, it says so instead of guessing.
import type { Router } from 'express';
import { z } from 'zod';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { parseInput } from '../validation';

const MAX_USERS = 20;

export function userRoutes(router: Router, deps: ApiDeps): void {
  router.get('/users', async (req, res) => {
    const { search } = parseInput(z.object({ search: z.string().trim().min(1, 'type the start of a name or UPN').max(128) }), req.query, 'query');
    if (!deps.graph) {
      throw new ApiError(503, 'directory_unavailable', 'User search is not available: this API process has no connection to Microsoft Graph (or the sandbox)');
    }
    const outcome = await deps.graph.searchUsers(search, MAX_USERS);
    switch (outcome.kind) {
      case 'ok':
        res.json(outcome.value.slice(0, MAX_USERS).map((user) => ({ id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName })));
        return;
      case 'rate-limited':
        res.setHeader('Retry-After', String(Math.ceil(outcome.retryAfterMs / 1000)));
        throw new ApiError(429, 'rate_limited', 'Microsoft Graph is throttling this tenant; try the search again in a moment');
      case 'transient':
        throw new ApiError(503, 'directory_unavailable', 'Microsoft Graph did not answer the user search; try again');
      case 'permanent':
        throw new ApiError(502, 'directory_error', `Microsoft Graph refused the user search (${outcome.code})`);
    }
  });
}
