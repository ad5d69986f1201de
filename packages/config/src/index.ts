// Configuration from the environment, validated once at start-up with messages that say what is wrong
// and how to fix it. Every process (API, worker, `npm start`) reads it the same way.
import { z } from 'zod';
import { PASSWORD_MIN_LENGTH, USERNAME_MAX_LENGTH, USERNAME_PATTERN } from '@tokenfleet/contract/values';
import type { ConnectionSettings } from '@tokenfleet/graph';
import { signInEnvSchema, toSignInConfig, type SignInConfig } from './sign-in';
import { toValidationConfig, validationEnvSchema, type ValidationConfig } from './validation';

/** Microsoft's public cloud: where a tenant is reached unless its configuration names another cloud. */
export const PUBLIC_CLOUD = { authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com' } as const;

const DEFAULTS = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/tokenfleet',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ENTRA_AUTHORITY_HOST: PUBLIC_CLOUD.authorityHost,
  GRAPH_BASE_URL: PUBLIC_CLOUD.graphBaseUrl,
};

const httpsUrl = (name: string) =>
  z.string().url(`${name} must be a URL`).refine((value) => value.startsWith('https://'), `${name} must use https:// (MSAL and Graph refuse plain http)`);

const positiveInt = (name: string) => z.coerce.number({ error: `${name} must be a number` }).int(`${name} must be a whole number`).positive(`${name} must be above 0`);

const envSchema = z.object({
  DATABASE_URL: z.string().default(DEFAULTS.DATABASE_URL).refine((v) => /^postgres(ql)?:\/\//.test(v), 'DATABASE_URL must start with postgres://'),
  REDIS_URL: z.string().default(DEFAULTS.REDIS_URL).refine((v) => /^rediss?:\/\//.test(v), 'REDIS_URL must start with redis:// or rediss://'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TOKENFLEET_STATE_DIR: z.string().default('.tokenfleet'),
  TOKENFLEET_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/, 'TOKENFLEET_REDIS_PREFIX may hold only letters, digits, _ and -').default('tf'),
  TOKENFLEET_BOOTSTRAP_API_KEY: z.string().min(24, 'TOKENFLEET_BOOTSTRAP_API_KEY must be at least 24 characters').optional(),
  // The same rules as an account made through the API (packages/contract).
  TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME: z
    .string()
    .max(USERNAME_MAX_LENGTH, `TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME may hold at most ${USERNAME_MAX_LENGTH} characters`)
    .regex(USERNAME_PATTERN, 'TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME may hold letters, digits and . _ @ - only')
    .optional(),
  TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD: z.string().min(PASSWORD_MIN_LENGTH, `TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD must be at least ${PASSWORD_MIN_LENGTH} characters`).optional(),
  TOKENFLEET_SANDBOX: z.enum(['0', '1', 'true', 'false']).optional(),
  ENTRA_TENANT_ID: z.string().uuid('ENTRA_TENANT_ID must be the tenant GUID').optional(),
  ENTRA_CLIENT_ID: z.string().uuid('ENTRA_CLIENT_ID must be the application (client) GUID').optional(),
  ENTRA_CLIENT_SECRET: z.string().min(1).optional(),
  ENTRA_CLIENT_CERTIFICATE_PATH: z.string().min(1).optional(),
  ENTRA_AUTHORITY_HOST: httpsUrl('ENTRA_AUTHORITY_HOST').default(DEFAULTS.ENTRA_AUTHORITY_HOST),
  GRAPH_BASE_URL: httpsUrl('GRAPH_BASE_URL').default(DEFAULTS.GRAPH_BASE_URL),
  GRAPH_WRITE_LIMIT: positiveInt('GRAPH_WRITE_LIMIT').default(20),
  GRAPH_WRITE_WINDOW_MS: positiveInt('GRAPH_WRITE_WINDOW_MS').default(1000),
  GRAPH_WRITE_BURST: positiveInt('GRAPH_WRITE_BURST').default(2),
  GRAPH_BULK_CHUNK_SIZE: positiveInt('GRAPH_BULK_CHUNK_SIZE').max(200).default(50),
  GRAPH_BULK_CREATE_COST: z.enum(['call', 'item'], { error: "GRAPH_BULK_CREATE_COST must be 'call' or 'item'" }).default('call'),
  GRAPH_TIMEOUT_MS: positiveInt('GRAPH_TIMEOUT_MS').default(30_000),
  ACTIVATION_MARGIN_MS: z.coerce.number().int().min(0).default(0),
  WORKER_CONCURRENCY: positiveInt('WORKER_CONCURRENCY').default(25),
  UPLOAD_MAX_BYTES: positiveInt('UPLOAD_MAX_BYTES').default(64 * 1024 * 1024),
  SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
  WORKER_METRICS_PORT: z.coerce.number({ error: 'WORKER_METRICS_PORT must be a port number' }).int().min(1).max(65535).optional(),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
}).extend(validationEnvSchema.shape).extend(signInEnvSchema.shape);

export type Env = z.infer<typeof envSchema>;

/** A configured Entra tenant: the Graph package's connection settings, without an extra CA (live tenants use NODE_EXTRA_CA_CERTS). */
export type EntraTenantConfig = Omit<ConnectionSettings, 'caCertificatePath'>;

export interface Config {
  databaseUrl: string;
  redisUrl: string;
  /** Key prefix of every queue and budget in Redis, so several installations can share one Redis. */
  redisPrefix: string;
  port: number;
  logLevel: Env['LOG_LEVEL'];
  stateDir: string;
  bootstrapApiKey?: string;
  /** The first dashboard admin, created at start-up if no account has that name. */
  bootstrapAdmin?: { username: string; password: string };
  /** Sandbox when no tenant is configured (or TOKENFLEET_SANDBOX=1): Graph is the built-in simulator. */
  mode: 'sandbox' | 'live';
  entra?: EntraTenantConfig;
  /** writeBurst: writes that may go back to back, banked while the budget is idle (the service's own burst, at most). */
  /** bulkCreateCost: what Graph charges a bulk create, one write ('call') or one per item ('item'). */
  graph: { writeLimit: number; writeWindowMs: number; writeBurst: number; bulkChunkSize: number; bulkCreateCost: 'call' | 'item'; timeoutMs: number };
  activationMarginMs: number;
  workerConcurrency: number;
  uploadMaxBytes: number;
  sandboxPort: number;
  /** Where `npm run start:worker` serves its Prometheus metrics (unset: not served; `npm start` has them on the API's /api/v1/metrics). */
  workerMetrics?: { port: number; host: string };
  /** The TOTPRadius-compatible validation API. */
  validation: ValidationConfig;
  /** Signing in: Microsoft, local accounts, session age, group roles. */
  signIn: SignInConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Tokenfleet cannot start; fix the environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings count as unset: `FOO= npm start` should not turn a default into a validation error.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message)));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const forcedSandbox = e.TOKENFLEET_SANDBOX === '1' || e.TOKENFLEET_SANDBOX === 'true';
  const tenantGiven = Boolean(e.ENTRA_TENANT_ID || e.ENTRA_CLIENT_ID || e.ENTRA_CLIENT_SECRET || e.ENTRA_CLIENT_CERTIFICATE_PATH);
  const mode: Config['mode'] = forcedSandbox || !tenantGiven ? 'sandbox' : 'live';

  let entra: EntraTenantConfig | undefined;
  if (mode === 'live') {
    if (!e.ENTRA_TENANT_ID) problems.push('ENTRA_TENANT_ID is missing (the tenant GUID), or unset every ENTRA_* variable to run against the sandbox');
    if (!e.ENTRA_CLIENT_ID) problems.push('ENTRA_CLIENT_ID is missing (the app registration\'s client GUID)');
    if (!e.ENTRA_CLIENT_SECRET && !e.ENTRA_CLIENT_CERTIFICATE_PATH) problems.push('set ENTRA_CLIENT_SECRET or ENTRA_CLIENT_CERTIFICATE_PATH (a PEM with the private key and certificate)');
    if (e.ENTRA_TENANT_ID && e.ENTRA_CLIENT_ID) {
      entra = {
        tenantId: e.ENTRA_TENANT_ID,
        clientId: e.ENTRA_CLIENT_ID,
        ...(e.ENTRA_CLIENT_SECRET ? { clientSecret: e.ENTRA_CLIENT_SECRET } : {}),
        ...(e.ENTRA_CLIENT_CERTIFICATE_PATH ? { clientCertificatePath: e.ENTRA_CLIENT_CERTIFICATE_PATH } : {}),
        authorityHost: e.ENTRA_AUTHORITY_HOST.replace(/\/+$/, ''),
        graphBaseUrl: e.GRAPH_BASE_URL.replace(/\/+$/, ''),
      };
    }
  }
  if (Boolean(e.TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME) !== Boolean(e.TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD)) {
    problems.push('set both TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME and TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD, or neither');
  }
  const signIn = toSignInConfig(e, problems);
  if (problems.length > 0) throw new ConfigError(problems);

  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.TOKENFLEET_REDIS_PREFIX,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    stateDir: e.TOKENFLEET_STATE_DIR,
    ...(e.TOKENFLEET_BOOTSTRAP_API_KEY ? { bootstrapApiKey: e.TOKENFLEET_BOOTSTRAP_API_KEY } : {}),
    ...(e.TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME && e.TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD
      ? { bootstrapAdmin: { username: e.TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME, password: e.TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD } }
      : {}),
    mode,
    ...(entra ? { entra } : {}),
    graph: { writeLimit: e.GRAPH_WRITE_LIMIT, writeWindowMs: e.GRAPH_WRITE_WINDOW_MS, writeBurst: e.GRAPH_WRITE_BURST, bulkChunkSize: e.GRAPH_BULK_CHUNK_SIZE, bulkCreateCost: e.GRAPH_BULK_CREATE_COST, timeoutMs: e.GRAPH_TIMEOUT_MS },
    activationMarginMs: e.ACTIVATION_MARGIN_MS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    sandboxPort: e.SANDBOX_PORT,
    ...(e.WORKER_METRICS_PORT ? { workerMetrics: { port: e.WORKER_METRICS_PORT, host: e.WORKER_METRICS_HOST } } : {}),
    validation: toValidationConfig(e),
    signIn,
  };
}
export * from './graph-connection';
export * from './logger';
export type { ValidationConfig } from './validation';
export * from './metrics';
export type { SignInConfig } from './sign-in';
