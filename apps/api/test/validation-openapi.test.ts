// The OpenAPI document describes the validation routes at the server root exactly as the validation
// router registers them, each with the root as its server and the validator key schemes.
import { describe, expect, it } from 'vitest';
import type { Router } from 'express';
import { openApiDocument } from '../src/index';
import type { ApiDeps } from '../src/deps';
import { validationRoutes } from '../src/validation/routes';

interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

function registeredRoutes(router: Router): string[] {
  return (router.stack as RouteLayer[])
    .filter((layer) => layer.route)
    .flatMap((layer) => Object.entries(layer.route!.methods).filter(([, on]) => on).map(([method]) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`))
    .sort();
}

describe('the OpenAPI document of the validation routes', () => {
  const rootItems = Object.entries(openApiDocument.paths as Record<string, Record<string, unknown>>).filter(([, item]) => 'servers' in item);

  it('describes exactly the routes the validation API registers, at the server root', () => {
    // Building the routes does no I/O: their dependencies are used per request.
    const routes = validationRoutes({} as ApiDeps);
    const registered = [...routes.wirePaths.flatMap((path) => [`GET ${path}`, `POST ${path}`]), ...registeredRoutes(routes.router)].sort();
    const documented = rootItems.flatMap(([path, item]) => Object.keys(item).filter((key) => key !== 'servers').map((method) => `${method.toUpperCase()} ${path}`)).sort();
    expect(registered).toEqual(['GET /api.php', 'GET /createuser', 'GET /qr/{file}', 'GET /validate', 'POST /api.php', 'POST /createuser', 'POST /validate']);
    expect(documented).toEqual(registered);
    for (const [, item] of rootItems) expect(item.servers).toEqual([expect.objectContaining({ url: '/' })]);
  });

  it('marks them with their own key schemes (api_key= and api=), not the bearer key of /api/v1', () => {
    const schemes = openApiDocument.components.securitySchemes as Record<string, { type: string; in?: string; name?: string }>;
    expect(schemes.validatorApiKey).toMatchObject({ type: 'apiKey', in: 'query', name: 'api_key' });
    expect(schemes.validatorApi).toMatchObject({ type: 'apiKey', in: 'query', name: 'api' });
    for (const path of ['/validate', '/createuser', '/api.php']) {
      const item = (openApiDocument.paths as Record<string, Record<string, { security?: unknown }>>)[path]!;
      expect(item.get!.security).toEqual([{ validatorApiKey: [] }, { validatorApi: [] }]);
      expect(item.post!.security).toEqual([{ validatorApiKey: [] }, { validatorApi: [] }]);
    }
    const text = JSON.stringify(openApiDocument);
    for (const name of text.matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)) expect(openApiDocument.components.schemas).toHaveProperty(name[1]!);
  });
});
