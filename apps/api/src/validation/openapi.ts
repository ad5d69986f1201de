// The validation API's wire routes in the OpenAPI document: the TOTPRadius-compatible routes at the server
// root (each path item names its own server, `/`, and its own key schemes: `api_key=` or `api=`). Their
// answers are the appliance's, in four formats, so they are described here rather than by the contract's
// JSON schemas; the /api/v1 routes the dashboard uses are in the contract (packages/contract). See
// docs/validation-api.md.
type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const obj = (properties: Record<string, Schema>, required: string[] = Object.keys(properties)): Schema => ({ type: 'object', properties, required });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const time = str({ format: 'date-time' });
const int = (extra: Schema = {}): Schema => ({ type: 'integer', ...extra });

export const VALIDATOR_SECURITY = [{ validatorApiKey: [] }, { validatorApi: [] }];

export const validationSecuritySchemes = {
  validatorApiKey: {
    type: 'apiKey',
    in: 'query',
    name: 'api_key',
    description: 'A key of the validator role (`POST /api/v1/api-keys {"name", "role": "validator"}`), as the TOTPRadius appliance names it; in a form POST it is a form field of the same name. Management keys are refused here.',
  },
  validatorApi: { type: 'apiKey', in: 'query', name: 'api', description: 'The same key under the name Token2\'s Cloud API and its plugins use (`api=`).' },
};

const fields = (properties: Record<string, Schema>): Schema => obj(properties, Object.keys(properties));

export const validationSchemas: Record<string, Schema> = {
  ValidateAnswer: fields({
    response: str({ description: 'a readable reason: token validated, invalid token, token already used, user locked after too many failed validations, user not found, user has no usable token' }),
    userid: str(),
    validation: str({ enum: ['true', 'false'] }),
  }),
  CreateUserAnswer: fields({
    response: str({ description: 'user created, or user exists; new secret issued' }),
    userid: str({ description: 'stable for the email' }),
    success: str({ enum: ['true'] }),
    hash: str({ description: 'the new Base32 TOTP secret (SHA-1, 6 digits, 30 s) for a mobile app' }),
    hashqr: str({ format: 'uri', description: 'a QR image (PNG) of the otpauth:// URI, served by Tokenfleet for VALIDATION_QR_TTL_SECONDS to whoever holds the link; never carries the secret' }),
  }),
  WireError: obj(
    {
      response: str({ description: 'what is wrong' }),
      error: str({ description: 'stable code: missing_api_key, invalid_api_key, not_a_validator_key, rate_limited, missing_userid, missing_token, invalid_userid, missing_email, invalid_email, invalid_phone, unsupported_type, invalid_format, unknown_action, invalid_body, internal_error' }),
      validation: str({ enum: ['false'], description: 'on /validate' }),
      userid: str({ description: 'on /validate' }),
      success: str({ enum: ['false'], description: 'on /createuser and /api.php' }),
    },
    ['response', 'error'],
  ),
};

const formatParam = {
  name: 'format',
  in: 'query',
  required: false,
  schema: { type: 'integer', enum: [0, 1, 2, 3], default: 0 },
  description: '0 PHP serialize() of the fields (the default), 1 JSON, 2 XML (`<result>` with one element per field), 3 plain `true` or `false` and nothing else',
};
const q = (name: string, description: string, required = false, schema: Schema = str()) => ({ name, in: 'query', required, schema, description });

/** The answer in each format: the same fields, serialized four ways. */
const wireContent = (schema: Schema) => ({
  'application/json': { schema },
  'application/xml': { schema },
  'text/plain': { schema: str({ description: 'format 0: PHP serialize() of the fields; format 3: true or false' }) },
});

const wireErrors = {
  '400': { description: 'A parameter is missing or wrong', content: wireContent(ref('WireError')) },
  '401': { description: 'No key, an unknown key or a revoked key', content: wireContent(ref('WireError')) },
  '403': { description: 'A key that is not of the validator role', content: wireContent(ref('WireError')) },
  '413': { description: 'A form body larger than 16 kB', content: wireContent(ref('WireError')) },
  '429': { description: 'More requests with this key than VALIDATION_RATE_LIMIT per second; see Retry-After', content: wireContent(ref('WireError')) },
};

function wireOperation(summary: string, parameters: unknown[], answer: Schema, description: string) {
  const formBody = {
    required: false,
    content: {
      'application/x-www-form-urlencoded': {
        schema: { type: 'object', description: 'the same parameters as the query string, including api_key / api and format' },
      },
    },
  };
  const base = { summary, description, security: VALIDATOR_SECURITY, responses: { '200': { description: 'Answered', content: wireContent(answer) }, ...wireErrors } };
  return {
    get: { ...base, parameters: [...parameters, formatParam] },
    post: { ...base, summary: `${summary} (form POST)`, parameters: [formatParam], requestBody: formBody },
  };
}

const root = [{ url: '/', description: 'the server root, beside the dashboard' }];

export const validationRootPaths = {
  '/validate': {
    servers: root,
    ...wireOperation(
      'Validate a code (TOTPRadius)',
      [q('userid', 'the id createuser answered, or the email itself', true), q('token', 'the code', true), q('send', 'ignored')],
      ref('ValidateAnswer'),
      'Checks the code against every usable token of the user (active hardware tokens assigned to the email, case-insensitive, whose seed is kept, and the software token createuser issued) within VALIDATION_WINDOW_STEPS of each token\'s known drift. A code at or before the last accepted step is refused (replay); VALIDATION_MAX_FAILURES consecutive failures lock the user. A wrong code, an unknown or locked user answer HTTP 200 with validation false.',
    ),
  },
  '/createuser': {
    servers: root,
    ...wireOperation(
      'Create a user with a software token (TOTPRadius)',
      [q('email', 'the user', true), q('phone', 'E.164, e.g. +41790000000'), q('type', 'only 0 (a mobile app)', false, str({ enum: ['0'] })), q('pin', 'ignored')],
      ref('CreateUserAnswer'),
      'Again for the same email (any case): the same userid and a new secret, which replaces the previous one.',
    ),
  },
  '/api.php': {
    servers: root,
    ...wireOperation(
      'List the users (TOTPRadius, action=listusers; JSON whatever the format)',
      [q('action', 'listusers', true, str({ enum: ['listusers'] }))],
      { type: 'array', items: obj({ userid: str(), username: str({ description: 'the email' }), registered: time, timestamp: int({ description: 'Unix seconds' }) }) },
      'Answers JSON only.',
    ),
  },
  '/qr/{file}': {
    servers: root,
    get: {
      summary: 'The QR image of a createuser hashqr link',
      description: 'The link itself is the credential: it works for VALIDATION_QR_TTL_SECONDS and only until a newer secret is issued for the user.',
      security: [],
      parameters: [{ name: 'file', in: 'path', required: true, schema: str({ pattern: '^[\\w-]+\\.png$' }) }],
      responses: { '200': { description: 'PNG', content: { 'image/png': { schema: str({ format: 'binary' }) } } }, '404': { description: 'Expired, replaced or unknown' } },
    },
  },
};

/** The generated /api/v1 document with the root routes, their schemas and their key schemes added. */
export function withValidationRoutes<D extends { paths: object; components: { securitySchemes: object; schemas: object } }>(document: D): D {
  return {
    ...document,
    paths: { ...document.paths, ...validationRootPaths },
    components: {
      ...document.components,
      securitySchemes: { ...document.components.securitySchemes, ...validationSecuritySchemes },
      schemas: { ...document.components.schemas, ...validationSchemas },
    },
  };
}
