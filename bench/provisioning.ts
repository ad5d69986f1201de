// Benchmark: N tokens (a mix of 30 s / 60 s, SHA-1 / SHA-256, each for its own user) imported through the
// API and provisioned by the worker against the sandbox throttling at Graph's published 20 writes/s, with
// strict TOTP. Prints wall time, tokens/s, how much of the write budget that uses, Graph writes per token
// and the 429s received. A benchmark prints figures; nothing here is asserted.
//
//   npx tsx bench/provisioning.ts [tokens=2000]
import { startFullSystem } from '../test/support/full-system';
import { BULK_SANDBOX, bulkSeedFile } from '../test/e2e/bulk-scenario';

const tokens = Number(process.argv[2] ?? 2_000);
const graphWritesPerSecond = 20;
const services = { databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet', redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };

const system = await startFullSystem({ sandbox: { ...BULK_SANDBOX, generatedUsers: tokens }, services });
try {
  const { csv } = bulkSeedFile(system, tokens);
  const before = system.sandbox.inspect.counters();
  const started = performance.now();
  const id = await system.upload('bench.csv', csv);
  const accepted = performance.now();
  const summary = await system.waitForImport(id, 60 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  const after = system.sandbox.inspect.counters();
  const writes = after.writes - before.writes;
  const writesPerToken = writes / tokens;
  const tokensPerSecond = tokens / seconds;
  // The most tokens/s the budget allows at this many writes per token.
  const ceiling = graphWritesPerSecond / writesPerToken;
  const rows: Array<[string, string]> = [
    ['tokens', String(tokens)],
    ['import status', `${summary.status} (${JSON.stringify(summary.tokensByState)})`],
    ['upload answered (202) after', `${((accepted - started) / 1000).toFixed(2)} s`],
    ['wall time, upload to last activation', `${seconds.toFixed(1)} s`],
    ['tokens/s', tokensPerSecond.toFixed(2)],
    ['Graph writes', String(writes)],
    ['Graph writes per token', writesPerToken.toFixed(3)],
    ['tokens/s as a fraction of what 20 writes/s allows', `${((tokensPerSecond / ceiling) * 100).toFixed(1)} %`],
    ['429s received', String(after.throttled - before.throttled)],
    ['activations refused by the sandbox', String(after.activationsRefused - before.activationsRefused)],
  ];
  for (const [name, value] of rows) console.log(`${name.padEnd(52)} ${value}`);
} finally {
  await system.stop();
}
process.exit(0);
