// The OpenAPI 3.1 document of /api/v1, generated from the endpoint table and its zod schemas with zod's
// own JSON Schema conversion. Requests are described as callers write them (`io: 'input'`: defaults
// optional, strings before trimming), answers as the API sends them (`io: 'output'`). Schemas named
// with `.meta({ id })` become components and are referenced, once each.
import { z } from 'zod';
import { endpoints, type Endpoint } from './endpoints';
import { ErrorBody } from './schemas';

type JsonSchema = Record<string, unknown>;

const COMPONENTS = '#/components/schemas/';

/** Converts one schema; the named schemas it contains are moved into `components`. */
function convert(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const generated = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  const text = JSON.stringify(generated).replaceAll('"#/$defs/', `"${COMPONENTS}`);
  const { $schema: _dialect, $defs, ...rest } = JSON.parse(text) as JsonSchema & { $defs?: Record<string, JsonSchema> };
  for (const [name, definition] of Object.entries($defs ?? {})) {
    const known = components[name];
    if (known && JSON.stringify(known) !== JSON.stringify(definition)) {
      throw new Error(`two different schemas are named ${name} (a request and an answer may not share a named schema)`);
    }
    components[name] = definition;
  }
  return rest;
}

function parameters(endpoint: Endpoint, components: Record<string, JsonSchema>): JsonSchema[] {
  const list: JsonSchema[] = [];
  for (const [where, schema] of [
    ['path', endpoint.params],
    ['query', endpoint.query],
  ] as const) {
    if (!schema) continue;
    const object = convert(schema, 'input', components) as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...propertySchema } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        schema: propertySchema,
        ...(typeof description === 'string' ? { description } : {}),
      });
    }
  }
  return list;
}

function errorResponses(endpoint: Endpoint): Record<string, JsonSchema> {
  const errors: Record<number, string> = { 400: 'Invalid input' };
  if (endpoint.access !== 'public') Object.assign(errors, { 401: 'No or unknown credentials', 403: 'The caller lacks the role' });
  if (endpoint.body) Object.assign(errors, { 413: 'The JSON body is larger than this API accepts', 415: 'The body is not UTF-8 JSON' });
  const all = {
    ...errors,
    // Every route but the probes reads PostgreSQL or Redis (docs/reliability.md, "While a part is away").
    ...(endpoint.responses[503] ? {} : { 503: 'PostgreSQL or Redis is not answering (`service_unavailable`, with `unavailable` and Retry-After)' }),
    ...endpoint.errors,
    500: 'Something went wrong on our side; logged under the request id the answer names',
  };
  return Object.fromEntries(Object.entries(all).map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: `${COMPONENTS}Error` } } } }]));
}

function operation(endpoint: Endpoint, components: Record<string, JsonSchema>): JsonSchema {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, reply] of Object.entries(endpoint.responses)) {
    if (reply.csv) responses[status] = { description: reply.description, content: { 'text/csv': { schema: { type: 'string' } } } };
    else if (reply.text) responses[status] = { description: reply.description, content: { [reply.text]: { schema: { type: 'string' } } } };
    else if (reply.body) responses[status] = { description: reply.description, content: { 'application/json': { schema: convert(reply.body, 'output', components) } } };
    else responses[status] = { description: reply.description };
  }
  const requestBody = endpoint.body
    ? { required: true, content: { 'application/json': { schema: convert(endpoint.body, 'input', components) } } }
    : endpoint.form
      ? { required: true, content: { 'multipart/form-data': { schema: convert(endpoint.form, 'input', components) } } }
      : undefined;
  const params = parameters(endpoint, components);
  return {
    summary: endpoint.summary,
    ...(endpoint.description ? { description: endpoint.description } : {}),
    'x-tokenfleet-access': endpoint.access,
    ...(endpoint.access === 'public' ? { security: [] } : {}),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses: { ...responses, ...errorResponses(endpoint) },
  };
}

export function buildOpenApiDocument(table: Record<string, Endpoint> = endpoints) {
  const components: Record<string, JsonSchema> = {};
  convert(ErrorBody, 'output', components);
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const endpoint of Object.values(table)) {
    paths[endpoint.path] ??= {};
    if (paths[endpoint.path]![endpoint.method]) throw new Error(`${endpoint.method.toUpperCase()} ${endpoint.path} is in the endpoint table twice`);
    paths[endpoint.path]![endpoint.method] = operation(endpoint, components);
  }
  return {
    openapi: '3.1.0' as const,
    info: {
      title: 'Tokenfleet API',
      version: '1',
      description: 'Provision and run hardware OATH tokens in Microsoft Entra ID. Seeds never appear in any response. Conventions (errors, paging, idempotency): docs/api-conventions.md.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ apiKey: [] }, { session: [] }],
    components: {
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: `Authorization: Bearer <key>`' },
        session: { type: 'apiKey', in: 'cookie', name: 'tf_session', description: 'The dashboard session; state-changing requests also need X-CSRF-Token' },
      },
      schemas: components,
    },
    paths,
  };
}

export type OpenApiDocument = ReturnType<typeof buildOpenApiDocument>;
