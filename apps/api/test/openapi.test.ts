import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Router } from 'express';
import { createApiRouter, openApiDocument } from '../src/index';
import { startTestApi, type TestApi } from './helpers';

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => {
  await t?.close();
});

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** `METHOD /path` for every route on the router, in OpenAPI's `{param}` spelling. */
function registeredRoutes(router: Router): string[] {
  const routes: string[] = [];
  for (const layer of router.stack as RouteLayer[]) {
    if (!layer.route) continue;
    const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
    for (const [method, handled] of Object.entries(layer.route.methods)) {
      if (handled && method !== '_all') routes.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return routes.sort();
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);

/** The documented /api/v1 routes; path items with servers of their own (the validation routes at the root) are not. */
function documentedRoutes(): string[] {
  return Object.entries(openApiDocument.paths)
    .filter(([, item]) => !('servers' in item))
    .flatMap(([path, item]) => Object.keys(item).filter((key) => METHODS.has(key)).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  it('describes exactly the routes the router has', () => {
    const registered = registeredRoutes(createApiRouter(t.api.deps));
    expect(registered.length).toBeGreaterThan(30);
    expect(registered).toEqual(documentedRoutes());
  });

  it('is served to callers, as OpenAPI 3.1 with resolvable schema references', async () => {
    const answer = await t.call('GET', '/api/v1/openapi.json', { key: t.keys.viewer });
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    const refs = [...answer.text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const name of refs) expect(answer.body.components.schemas).toHaveProperty(name);
  });
});
