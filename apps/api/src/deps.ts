// Everything the API needs from outside, passed in so tests and `npm start` wire real parts their way.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type postgres from 'postgres';
import type { Config } from '@tokenfleet/config';
import type { Database, SeedVault, Tenant } from '@tokenfleet/db';
import type { EntraSignIn, GraphClient } from '@tokenfleet/graph';
import type { TenantQueue } from '@tokenfleet/queue';
import type { Authenticator } from './auth';

/**
 * The Graph calls the API makes on a request path, all read-only: the user search, and (for adopting an
 * unmanaged device assigned to someone) the look-up of one user by id.
 */
export type UserDirectory = Pick<GraphClient, 'searchUsers'> & Partial<Pick<GraphClient, 'getUser'>>;

export interface ApiDeps {
  db: Database;
  /** The same pool as `db`, for hand-written SQL (readiness, grouped counts). */
  sql: postgres.Sql;
  /** The validation routes' own small pool (`VALIDATION_DB_POOL_SIZE`), apart from `sql`. */
  validationSql: postgres.Sql;
  redis: Redis;
  /** The BullMQ queue of a tenant (one per Entra tenant); the caller caches and closes them. */
  queues: (tenantId: string) => TenantQueue;
  vault: SeedVault;
  config: Config;
  logger: Logger;
  /** The tenant requests act on when they name none. */
  tenant: Tenant;
  /** Absent when no Graph client is wired; `GET /users` then answers 503. */
  graph?: UserDirectory;
  /** Key prefix of the queues and write budgets in Redis (the worker uses the same). */
  redisPrefix: string;
  /**
   * How long a tenant's shared Graph write budget stays blocked by a 429, in ms (the overview's
   * `rateLimitedUntil`). Defaults to reading the tenant's WriteBudget under `redisPrefix`.
   */
  writeBlockedForMs?: (tenantId: string) => Promise<number>;
  /** The validation API's clock (epoch ms); tests move it to follow drift and lockouts over time. Default Date.now. */
  clock?: () => number;
  /**
   * The Sign in with Microsoft client (sign-in/microsoft.ts); throws, saying why, when none can be made
   * (e.g. sandbox mode with no sandbox running). Absent: Microsoft sign-in answers that it is not configured.
   */
  signIn?: () => EntraSignIn;
  /** Further authenticators tried after the API key (the dashboard session plugs in here). */
  authenticators?: Authenticator[];
}
