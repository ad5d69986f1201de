// Starts the API in this process: migrations, the database pool, the tenant row, the seed vault, the
// bootstrap API key, Redis and the tenant queues, then the HTTP server. `npm run start:api` (main.ts),
// `npm start` and the end-to-end tests all come through here; `close()` undoes it in reverse.
import type { AddressInfo } from 'node:net';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createLogger, type Config } from '@tokenfleet/config';
import { createDb, ensureTenant, openSeedVault, runMigrations, type SeedVault } from '@tokenfleet/db';
import { createRedis, createTenantQueue, type TenantQueue } from '@tokenfleet/queue';
import { createRequestListener } from './app';
import { ensureBootstrapApiKey, type Role } from './auth';
import { ensureAccount } from './routes/accounts';
import type { ApiDeps, UserDirectory } from './deps';
import { signInClientFor } from './sign-in/client';
import { createSetupToken, setupLink } from './sign-in/setup-link';

/** In-flight requests get this long to finish on shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

export interface StartApiOverrides {
  /** Port to listen on instead of config.port (0 picks a free one). */
  port?: number;
  /** Interface to listen on; default all. */
  host?: string;
  logger?: Logger;
  /** Environment the seed vault reads its master key from; default process.env. */
  env?: NodeJS.ProcessEnv;
  vault?: SeedVault;
  /** BullMQ key prefix of the tenant queues instead of config.redisPrefix (the worker must use the same). */
  queuePrefix?: string;
  /** The Graph client for the user look-up; without it `GET /users` answers 503. */
  graph?: UserDirectory;
  writeBlockedForMs?: ApiDeps['writeBlockedForMs'];
  authenticators?: ApiDeps['authenticators'];
  /** The validation API's clock (tests only). */
  clock?: ApiDeps['clock'];
  /** A dashboard account to create at start-up unless one with that username exists (e.g. the sandbox's admin). */
  bootstrapAccount?: { username: string; password: string; role?: Role };
  /** Skip the migrations (when the caller has just run them). */
  skipMigrations?: boolean;
  /** The Sign in with Microsoft client; default: made from the tenant's (or the sandbox's) connection at first use. */
  signIn?: ApiDeps['signIn'];
  /**
   * Where the one-time setup link goes when no admin exists (`npm start` and `npm run start:api` print it
   * on the console, and only there); without it no link is made.
   */
  announceSetupLink?: (link: string) => void;
}

export interface RunningApi {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  port: number;
  app: Express;
  deps: ApiDeps;
  /** Stops accepting requests, lets in-flight ones finish, then closes queues, Redis and the pool. */
  close: () => Promise<void>;
}

export async function startApi(config: Config, overrides: StartApiOverrides = {}): Promise<RunningApi> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, name: 'api', mode: config.mode });
  if (config.mode === 'sandbox') {
    logger.warn('SANDBOX mode: Microsoft Graph is the built-in simulator; no real Entra tenant is touched');
  }
  if (!overrides.skipMigrations) await runMigrations(config.databaseUrl, { logger: { info: (message) => logger.info(message) } });

  const { db, sql, close: closeDb } = createDb(config.databaseUrl, { applicationName: 'tokenfleet-api' });
  const validationPool = createDb(config.databaseUrl, { applicationName: 'tokenfleet-api-validation', max: config.validation.dbPoolSize });
  const redis = createRedis(config.redisUrl, { failFast: true });
  const queues = new Map<string, TenantQueue>();
  const closeConnections = async () => {
    await Promise.allSettled([...queues.values()].map((queue) => queue.close()));
    await redis.quit().catch(() => redis.disconnect());
    await Promise.all([closeDb(), validationPool.close()]);
  };

  try {
    const tenant = await ensureTenant(db, { mode: config.mode, ...(config.entra ? { entraTenantId: config.entra.tenantId } : {}) });
    let vault = overrides.vault;
    if (!vault) {
      const opened = openSeedVault(overrides.env ?? process.env, { mode: config.mode, stateDir: config.stateDir });
      if (opened.generatedKeyFile) logger.warn({ keyFile: opened.generatedKeyFile }, 'SANDBOX: using a generated master key from the state directory');
      vault = opened.vault;
    }
    if (config.bootstrapApiKey && (await ensureBootstrapApiKey(db, config.bootstrapApiKey))) {
      logger.info('Created the bootstrap admin API key from TOKENFLEET_BOOTSTRAP_API_KEY');
    }

    const bootstrapAccount = overrides.bootstrapAccount ?? config.bootstrapAdmin;
    if (bootstrapAccount && (await ensureAccount(db, { role: 'admin', ...bootstrapAccount }))) {
      logger.info({ username: bootstrapAccount.username }, 'Created the first dashboard admin from TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME');
    }

    const context = { connection: redis, prefix: overrides.queuePrefix ?? config.redisPrefix };
    const deps: ApiDeps = {
      db,
      sql,
      validationSql: validationPool.sql,
      redis,
      redisPrefix: context.prefix,
      queues: (tenantId) => {
        let queue = queues.get(tenantId);
        if (!queue) {
          queue = createTenantQueue(context, tenantId);
          queues.set(tenantId, queue);
        }
        return queue;
      },
      vault,
      config,
      logger,
      tenant,
      ...(overrides.graph ? { graph: overrides.graph } : {}),
      ...(overrides.writeBlockedForMs ? { writeBlockedForMs: overrides.writeBlockedForMs } : {}),
      ...(overrides.authenticators ? { authenticators: overrides.authenticators } : {}),
      ...(overrides.clock ? { clock: overrides.clock } : {}),
      signIn: overrides.signIn ?? signInClientFor(config, logger.child({ part: 'sign-in' })),
    };
    const { app, listener } = createRequestListener(deps);
    const server = await listen(listener, overrides.port ?? config.port, overrides.host);
    const { port } = server.address() as AddressInfo;
    const url = `http://${overrides.host && overrides.host !== '0.0.0.0' ? overrides.host : '127.0.0.1'}:${port}`;
    logger.info({ url, mode: config.mode, tenant: tenant.id }, `Tokenfleet API listening on ${url}${config.mode === 'sandbox' ? ' (SANDBOX)' : ''}`);
    // Without local accounts the first admin comes from Entra (an app role), so no link is made.
    if (overrides.announceSetupLink && config.signIn.local) {
      const setupToken = await createSetupToken(db);
      // The link goes to the console only: never to the logger, whose lines may be shipped elsewhere.
      if (setupToken) overrides.announceSetupLink(setupLink(config.validation.publicUrl ?? url.replace('127.0.0.1', 'localhost'), setupToken));
    }

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= (async () => {
        await stopServer(server);
        await closeConnections();
        logger.info('Tokenfleet API stopped');
      })();
      return closing;
    };
    return { url, port, app, deps, close };
  } catch (error) {
    await closeConnections();
    throw error;
  }
}

function listen(listener: RequestListener, port: number, host: string | undefined): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer(listener);
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve(server);
    };
    if (host) server.listen(port, host, done);
    else server.listen(port, done);
  });
}

async function stopServer(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
