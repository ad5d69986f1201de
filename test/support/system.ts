// Builds the real system for cross-app tests: a database and Redis prefix of the test file's own, the
// Entra sandbox over HTTPS, a Graph client that trusts the sandbox's CA, and the configuration the apps
// read. Nothing here is a mock: the sandbox is the product's simulator, reached over real TLS.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { createLogger, loadConfig, writeSandboxConnection, type Config } from '@tokenfleet/config';
import { createDb, createSeedVault, ensureTenant, loadMasterKeys, operations, type DbClient, type SeedVault } from '@tokenfleet/db';
import { startSandbox, type Sandbox, type SandboxOptions } from '@tokenfleet/entra-sandbox';
import { createGraphClient, sandboxClientOptions, type GraphClient } from '@tokenfleet/graph';
import { createScratchDatabase, testRedisPrefix, testServices, type TestDatabase } from './index';
import { viaProxy, type TcpProxy } from './tcp-proxy';
import { waitUntil } from './wait';

export interface TestSystem {
  config: Config;
  env: Record<string, string>;
  prefix: string;
  database: TestDatabase;
  client: DbClient;
  vault: SeedVault;
  sandbox: Sandbox;
  graph: GraphClient;
  tenantId: string;
  stop(): Promise<void>;
}

export interface TestSystemOptions {
  sandbox?: SandboxOptions;
  env?: Record<string, string>;
  services?: { databaseUrl: string; redisUrl: string };
  /** Proxies the apps reach PostgreSQL and Redis through (fault tests cut them); the test itself goes direct. */
  proxies?: { database?: TcpProxy; redis?: TcpProxy };
}

export async function startTestSystem(options: TestSystemOptions = {}): Promise<TestSystem> {
  // Benchmarks pass the services themselves; tests get them from the harness's global setup.
  const services = options.services ?? testServices();
  const database = await createScratchDatabase(services.databaseUrl, { label: options.services ? 'bench' : 'test' });
  const prefix = testRedisPrefix('sys');
  const sandbox = await startSandbox({ totpToleranceSteps: 0, ...options.sandbox });
  const env: Record<string, string> = {
    DATABASE_URL: options.proxies?.database ? viaProxy(database.url, options.proxies.database) : database.url,
    REDIS_URL: options.proxies?.redis ? viaProxy(services.redisUrl, options.proxies.redis) : services.redisUrl,
    TOKENFLEET_STATE_DIR: mkdtempSync(join(tmpdir(), 'tf-e2e-')),
    TOKENFLEET_MASTER_KEY: randomBytes(32).toString('base64'),
    TOKENFLEET_SANDBOX: '1',
    TOKENFLEET_REDIS_PREFIX: prefix,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  };
  // Where the sandbox is, as `npm start` writes it: the apps find its CA there for tenants added in
  // Tokenfleet that point at a second sandbox (packages/config's storedTenantCaPem).
  writeSandboxConnection(env.TOKENFLEET_STATE_DIR!, { origin: sandbox.origin, tenantId: sandbox.tenantId, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, caCertificatePath: sandbox.caCertificatePath });
  const config = loadConfig(env);
  const client = createDb(database.url, { max: 4 });
  const tenant = await ensureTenant(client.db, { mode: config.mode });
  const graph = graphClientFor(sandbox);
  return {
    config,
    env,
    prefix,
    database,
    client,
    vault: createSeedVault(loadMasterKeys(env)),
    sandbox,
    graph,
    tenantId: tenant.id,
    async stop() {
      await client.close();
      await sandbox.close();
      await database.drop();
    },
  };
}

export function graphClientFor(sandbox: Sandbox): GraphClient {
  return createGraphClient(sandboxClientOptions(sandbox, { logger: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', name: 'graph' }) }));
}

/** Waits until every operation of the given tokens is finished, checking the database as it goes. */
export async function waitForOperations(db: DbClient['db'], tokenIds: string[], timeoutMs: number): Promise<void> {
  let open = 0;
  let pending = 0;
  await waitUntil(
    async () => {
      const statuses = await db.select({ status: operations.status }).from(operations).where(inArray(operations.tokenId, tokenIds));
      open = statuses.length;
      pending = statuses.filter((row) => !['succeeded', 'failed', 'cancelled'].includes(row.status)).length;
      return open > 0 && pending === 0 ? true : undefined;
    },
    { timeoutMs, intervalMs: 200, failure: () => `operations still open after ${timeoutMs} ms: ${pending} of ${open}` },
  );
}

export async function operationsOf(db: DbClient['db'], tokenId: string) {
  return db.select().from(operations).where(eq(operations.tokenId, tokenId));
}
