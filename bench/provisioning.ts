// Benchmark: N tokens (a mix of 30 s / 60 s, SHA-1 / SHA-256, each for its own user) imported through the
// API and provisioned by the worker against the sandbox, with strict TOTP (tolerance 0). Prints the one
// ratio the pace is judged by (Graph writes per second spent ÷ the service's write budget), writes per
// token, 429s, how much of its TOTP window each accepted code had left, and the process's peak RSS. A
// benchmark prints figures; nothing here is asserted.
//
//   npx tsx bench/provisioning.ts [tokens=1000] [latency=40] [service=20/1000+40] [offset=0] [VAR=value …]
//
//   latency   ms the sandbox takes to answer each request
//   service   the sandbox's write budget: "20/1000+40" a rate with a burst (token bucket), "3000/150000" a
//             sliding window, as SANDBOX_WRITE_LIMIT reads it
//   offset    ms the sandbox's (Graph's) clock is off from the local one
//   bulk=item Graph (the sandbox) charges a bulk create one write per item, and Tokenfleet is told so
//   VAR=value Tokenfleet's own settings for the run, e.g. GRAPH_WRITE_BURST=2; by default a service with a
//             burst is described to Tokenfleet as it is (GRAPH_WRITE_LIMIT, _WINDOW_MS and _BURST from it)
import { standaloneOptionsFromEnv } from '@tokenfleet/entra-sandbox';
import { startFullSystem } from '../test/support/full-system';
import { BULK_SANDBOX, bulkSeedFile } from '../test/e2e/bulk-scenario';

const args = new Map(process.argv.slice(2).map((arg, index) => (arg.includes('=') ? (arg.split(/=(.*)/s, 2) as [string, string]) : [['tokens', 'latency', 'service', 'offset'][index]!, arg])));
const tokens = Number(args.get('tokens') ?? 1_000);
const latency = Number(args.get('latency') ?? 40);
const service = args.get('service') ?? '20/1000+40';
const offset = Number(args.get('offset') ?? 0);
const bulkCreateCost = args.get('bulk') === 'item' ? 'item' : 'call';
const given = Object.fromEntries([...args].filter(([name]) => /^[A-Z_]+$/.test(name)));

const { options: parsed, problems } = await standaloneOptionsFromEnv({ SANDBOX_WRITE_LIMIT: service, SANDBOX_STATE_DIR: '/tmp/tf-bench-sandbox' }, process.cwd());
if (problems.length > 0) throw new Error(problems.join('; '));
const writeLimit = parsed.writeLimit!;
const budgetPerSecond = writeLimit.requests / (writeLimit.windowMs / 1000);
// Tokenfleet is configured with the service's own budget model, as an operator would describe Graph's
// (a rate with a burst); settings given on the command line win.
const env = {
  ...(writeLimit.burst === undefined ? {} : { GRAPH_WRITE_LIMIT: String(writeLimit.requests), GRAPH_WRITE_WINDOW_MS: String(writeLimit.windowMs), GRAPH_WRITE_BURST: String(writeLimit.burst) }),
  ...(bulkCreateCost === 'item' ? { GRAPH_BULK_CREATE_COST: 'item' } : {}),
  ...given,
};
const services = { databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet', redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };

const system = await startFullSystem({
  sandbox: { ...BULK_SANDBOX, writeLimit, generatedUsers: tokens, latencyMs: { min: latency, max: latency }, clockOffsetMs: offset, bulkCreateCost },
  services,
  env,
});
try {
  const { csv } = bulkSeedFile(system, tokens);
  const before = system.sandbox.inspect.counters();
  const callsBefore = system.sandbox.inspect.calls().length;
  const started = performance.now();
  const uploadStartedAt = Date.now();
  const id = await system.upload('bench.csv', csv);
  const summary = await system.waitForImport(id, 60 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  const after = system.sandbox.inspect.counters();
  const writes = after.writes - before.writes;
  const calls = system.sandbox.inspect.calls().slice(callsBefore);

  // What each accepted code had left of its window when it arrived (sandbox clock, the device's period).
  const periodOf = new Map(system.sandbox.inspect.devices().map((device) => [device.id, device.timeIntervalInSeconds * 1000]));
  const left = calls
    .filter((call) => call.route.endsWith('/activate') && call.status < 300)
    .map((call) => {
      const period = periodOf.get(call.path.split('/').at(-2)!) ?? 30_000;
      return period - (Date.parse(call.at) % period);
    })
    .sort((a, b) => a - b);
  const activationWrites = calls.filter((call) => call.route.endsWith('/activate') && call.status !== 429).length;

  const rows: Array<[string, string]> = [
    ['tokens; latency; service budget; clock offset', `${tokens}; ${latency} ms; ${service} (${budgetPerSecond}/s)${bulkCreateCost === 'item' ? ', bulk creates charged per item' : ''}; ${offset} ms`],
    ['Tokenfleet settings', JSON.stringify(env)],
    ['import status', `${summary.status} (${JSON.stringify(summary.tokensByState)})`],
    ['wall time, upload to last activation', `${seconds.toFixed(1)} s`],
    ['tokens/s', (tokens / seconds).toFixed(2)],
    ['Graph writes (activations among them)', `${writes} (${activationWrites})`],
    ['Graph writes per token', (writes / tokens).toFixed(3)],
    ['**writes/s spent ÷ the budget**', `${((writes / seconds / budgetPerSecond) * 100).toFixed(1)} %`],
    ['429s received (share of calls)', `${after.throttled - before.throttled} (${(((after.throttled - before.throttled) / Math.max(1, calls.length)) * 100).toFixed(2)} %)`],
    ['activations refused by the sandbox', String(after.activationsRefused - before.activationsRefused)],
    ['window left at acceptance: min / p50', left.length ? `${left[0]} ms / ${left[Math.floor(left.length / 2)]} ms` : '–'],
    ['peak RSS of this process (API, worker, sandbox)', `${Math.round(process.resourceUsage().maxRSS / 1024)} MB`],
  ];
  for (const [name, value] of rows) console.log(`${name.padEnd(52)} ${value}`);
  if (args.get('timeline')) {
    // Calls Graph admitted per second since the upload (the sandbox stamps them with its own clock), by
    // kind, to see where the budget stood idle and what the worker was doing meanwhile.
    const admitted = calls.filter((call) => call.status !== 429);
    const kindOf = (call: (typeof calls)[number]) => (call.method === 'GET' ? 'reads' : call.route.endsWith('/activate') ? 'activations' : 'other writes');
    const series = new Map<string, Map<number, number>>([['all writes', new Map()], ['activations', new Map()], ['other writes', new Map()], ['reads', new Map()]]);
    let last = 0;
    for (const call of admitted) {
      const second = Math.floor((Date.parse(call.at) - offset - uploadStartedAt) / 1000);
      last = Math.max(last, second);
      const kind = kindOf(call);
      for (const name of kind === 'reads' ? [kind] : ['all writes', kind]) series.get(name)!.set(second, (series.get(name)!.get(second) ?? 0) + 1);
    }
    const firstWrite = Math.min(...admitted.filter((call) => call.method !== 'GET').map((call) => Date.parse(call.at) - offset - uploadStartedAt));
    console.log(`first write ${(firstWrite / 1000).toFixed(1)} s after the upload began; admitted calls in each second from the upload:`);
    for (const [name, perSecond] of series) console.log(`${name.padEnd(13)} ${Array.from({ length: last + 1 }, (_, second) => perSecond.get(second) ?? 0).join(' ')}`);
  }
} finally {
  await system.stop();
}
process.exit(0);
