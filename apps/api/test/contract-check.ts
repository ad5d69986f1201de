// Checks the API's real answers against its OpenAPI document: every answer to a documented route must
// have a status the document lists for it, and a body valid against that status's schema (JSON Schema
// 2020-12, as the document declares). The test API (helpers.ts) runs every answer through this, so every
// API test also tests the document; the contract test then asserts that every route was answered.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument } from '../src/index';

type JsonSchema = Record<string, unknown>;
interface ResponseObject {
  content?: Record<string, { schema: JsonSchema }>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
}

const BASE = '/api/v1';

const routes = Object.entries(openApiDocument.paths as unknown as Record<string, Record<string, OperationObject>>)
  // Path items with servers of their own are the validation API's wire routes at the server root, not /api/v1.
  .filter(([, item]) => !('servers' in item))
  .map(([template, item]) => ({
    template,
    item,
    pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '[^/]+')}$`),
    parameters: (template.match(/\{/g) ?? []).length,
  }))
  // A literal segment wins over a parameter, as in the router (`/operations/failed/groups`).
  .sort((a, b) => a.parameters - b.parameters);

const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: JsonSchema): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    // The components travel along, so `#/components/schemas/…` resolves inside this one schema.
    validate = ajv.compile({ ...schema, components: openApiDocument.components });
    validators.set(key, validate);
  }
  return validate;
}

/** `METHOD /template` → statuses answered, for the routes this process called. */
export const answeredRoutes = new Map<string, Set<number>>();

export function documentedOperations(): string[] {
  return routes.flatMap(({ template, item }) => Object.keys(item).map((method) => `${method.toUpperCase()} ${template}`)).sort();
}

/** Throws when the answer contradicts the document; answers to paths outside /api/v1 are not checked. */
export function checkAnswer(method: string, url: string, answer: { status: number; headers: Headers; text: string; body: unknown }): void {
  const path = new URL(url, 'http://localhost').pathname;
  if (!path.startsWith(`${BASE}/`)) return;
  const relative = path.slice(BASE.length);
  const route = routes.find((candidate) => candidate.pattern.test(relative) && candidate.item[method.toLowerCase()]);
  // An unknown route answers 404 in the error envelope; nothing else to compare.
  if (!route) return;
  const operation = route.item[method.toLowerCase()]!;
  const name = `${method.toUpperCase()} ${route.template}`;
  const documented = operation.responses[String(answer.status)];
  if (!documented) {
    throw new Error(`${name} answered ${answer.status}, which the OpenAPI document does not list (it lists ${Object.keys(operation.responses).join(', ')}): ${answer.text.slice(0, 300)}`);
  }
  const statuses = answeredRoutes.get(name) ?? new Set<number>();
  statuses.add(answer.status);
  answeredRoutes.set(name, statuses);

  const contentType = answer.headers.get('content-type') ?? '';
  const media = Object.entries(documented.content ?? {});
  if (media.length === 0) {
    if (answer.text !== '') throw new Error(`${name} answered ${answer.status} with a body; the document says it has none`);
    return;
  }
  const [mediaType, { schema }] = media[0]!;
  if (!contentType.startsWith(mediaType)) throw new Error(`${name} answered ${answer.status} as ${contentType}; the document says ${mediaType}`);
  if (mediaType !== 'application/json') return;
  const validate = validatorFor(`${name} ${answer.status}`, schema);
  if (!validate(answer.body)) {
    const problems = (validate.errors ?? []).slice(0, 5).map((error) => `${error.instancePath || '(body)'} ${error.message ?? ''} ${JSON.stringify(error.params)}`);
    throw new Error(`${name} answered ${answer.status} with a body the OpenAPI document does not allow:\n  ${problems.join('\n  ')}`);
  }
}
