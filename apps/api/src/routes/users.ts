// The user look-up behind the dashboard's "assign to" field: the only Graph call on a request path, and
// read-only. Without a Graph client wired in, it says so instead of guessing.
import type { Router } from 'express';
import { endpoints, USER_SEARCH_MAX_RESULTS, UserSearchQuery } from '@tokenfleet/contract';
import { route, send } from '../contract-routes';
import type { ApiDeps } from '../deps';
import { ApiError } from '../errors';
import { parseInput } from '../validation';

export function userRoutes(router: Router, deps: ApiDeps): void {
  route(router, endpoints.searchUsers, async (req, res) => {
    const { search } = parseInput(UserSearchQuery, req.query, 'query');
    if (!deps.graph) {
      throw new ApiError(503, 'directory_unavailable', 'User search is not available: this API process has no connection to Microsoft Graph (or the sandbox)');
    }
    const outcome = await deps.graph.searchUsers(search, USER_SEARCH_MAX_RESULTS);
    switch (outcome.kind) {
      case 'ok':
        send(res, endpoints.searchUsers, 200, outcome.value.slice(0, USER_SEARCH_MAX_RESULTS).map((user) => ({ id: user.id, userPrincipalName: user.userPrincipalName, displayName: user.displayName })));
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
