// A connection the server drops while it is starting up (an outage, a failover) must fail the query that
// asked for it, where the caller can see it and retry, and never escape as an unhandled rejection that
// ends the worker. postgres.js's own start-up catalog query is the one place that can do that, so the
// proxy here drops any connection that sends it.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@tokenfleet/test-harness';
import { createDb, isDatabaseUnavailable } from '../src/client';

let database: TestDatabase;
let proxy: Server;
const sockets = new Set<Socket>();
let catalogQueriesSeen = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.on('data', (chunk: Buffer) => {
      if (chunk.includes('pg_catalog.pg_type')) {
        catalogQueriesSeen++;
        end();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => proxy?.close(() => resolve()));
  await database?.drop();
});

it('opens connections without the start-up catalog query, so a drop at start-up reaches the caller', async () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', record);
  const url = new URL(database.url);
  const address = proxy.address();
  url.hostname = '127.0.0.1';
  url.port = String(typeof address === 'object' && address ? address.port : 0);
  const client = createDb(url.toString(), { max: 3 });
  try {
    const answers = await Promise.all([1, 2, 3].map((n) => client.sql<{ n: number }[]>`select ${n}::int as n`));
    expect(answers.map(([row]) => row!.n)).toEqual([1, 2, 3]);
    // And a start-up that does fail is an error the caller holds: refused at a closed port.
    const closed = createDb('postgres://postgres@127.0.0.1:1/none', { max: 1 });
    const refused = await closed.sql`select 1`.then(() => null, (error: unknown) => error);
    expect(isDatabaseUnavailable(refused)).toBe(true);
    await closed.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(catalogQueriesSeen).toBe(0);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', record);
    await client.close();
  }
});
