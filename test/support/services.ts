// Finds the PostgreSQL and Redis the tests run against: the URLs from the environment when given,
// else the local defaults when something answers there, else throwaway containers where a Docker
// engine exists. Never a mock: every integration test talks to a real server.
import net from 'node:net';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/tokenfleet';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface Services {
  databaseUrl: string;
  redisUrl: string;
  stop: () => Promise<void>;
}

function answers(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || defaultPort) });
    socket.setTimeout(1_000);
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('timeout', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(false));
  });
}

async function dockerAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export async function resolveServices(env: NodeJS.ProcessEnv = process.env): Promise<Services> {
  const stops: Array<() => Promise<void>> = [];
  let databaseUrl = env.DATABASE_URL;
  let redisUrl = env.REDIS_URL;

  if (!databaseUrl && (await answers(DEFAULT_DATABASE_URL, 5432))) databaseUrl = DEFAULT_DATABASE_URL;
  if (!redisUrl && (await answers(DEFAULT_REDIS_URL, 6379))) redisUrl = DEFAULT_REDIS_URL;

  if ((!databaseUrl || !redisUrl) && (await dockerAvailable())) {
    const { GenericContainer, Wait } = await import('testcontainers');
    if (!databaseUrl) {
      const pg = await new GenericContainer('postgres:16-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      databaseUrl = `postgres://postgres@${pg.getHost()}:${pg.getMappedPort(5432)}/postgres`;
      stops.push(async () => { await pg.stop(); });
    }
    if (!redisUrl) {
      const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
      stops.push(async () => { await redis.stop(); });
    }
  }

  const missing = [
    !databaseUrl && 'PostgreSQL (set DATABASE_URL, or run one on 127.0.0.1:5432)',
    !redisUrl && 'Redis (set REDIS_URL, or run one on 127.0.0.1:6379)',
  ].filter(Boolean);
  if (missing.length > 0) {
    throw new Error(`The tests need real servers and found none for: ${missing.join('; ')}. No Docker engine is available for testcontainers either.`);
  }
  return {
    databaseUrl: databaseUrl!,
    redisUrl: redisUrl!,
    stop: async () => { for (const stop of stops) await stop(); },
  };
}
