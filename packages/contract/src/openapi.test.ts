import { describe, expect, it } from 'vitest';
import { endpoints, type Endpoint } from './endpoints';
import { buildOpenApiDocument } from './openapi';
import { NewAccount, Token } from './schemas';
import { PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH } from './values';

describe('the generated OpenAPI document', () => {
  const document = buildOpenApiDocument();

  it('describes every path parameter of every endpoint', () => {
    for (const endpoint of Object.values(endpoints) as Endpoint[]) {
      const names = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const described = (document.paths[endpoint.path]![endpoint.method]!.parameters as { name: string; in: string }[] | undefined) ?? [];
      expect(described.filter((parameter) => parameter.in === 'path').map((parameter) => parameter.name), `${endpoint.method} ${endpoint.path}`).toEqual(names);
    }
  });

  it('refuses a table that lists a route twice', () => {
    expect(() => buildOpenApiDocument({ a: endpoints.health, b: endpoints.health })).toThrow(/twice/);
  });

  it('carries the limits the API enforces, from the one definition', () => {
    const account = JSON.stringify(document.paths['/accounts']!.post!.requestBody);
    expect(account).toContain(`"minLength":${PASSWORD_MIN_LENGTH}`);
    expect(account).toContain(`"maxLength":${USERNAME_MAX_LENGTH}`);
    expect(NewAccount.safeParse({ username: 'a'.repeat(USERNAME_MAX_LENGTH + 1), password: 'x'.repeat(PASSWORD_MIN_LENGTH), role: 'viewer' }).success).toBe(false);
  });

  it('refers to named answers as components, and describes answers as closed objects', () => {
    const list = document.paths['/tokens']!.get!.responses as Record<string, { content: Record<string, { schema: unknown }> }>;
    expect(JSON.stringify(list['200']!.content['application/json']!.schema)).toContain('"$ref":"#/components/schemas/Token"');
    const token = document.components.schemas.Token as { additionalProperties: unknown; required: string[] };
    expect(token.additionalProperties).toBe(false);
    expect(token.required.sort()).toEqual(Object.keys(Token.shape).sort());
  });
});
