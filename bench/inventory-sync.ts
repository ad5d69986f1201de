// Benchmark: one reconciliation with Entra of a tenant holding 100,000 hardware OATH devices in the
// sandbox, 96,000 of them Tokenfleet's tokens, with drift made behind its back: tokens their users
// activated, tokens unassigned or reassigned in the portal, tokens whose device is gone, and 4,000 devices
// Tokenfleet does not know. Tokens and devices are written directly (the question is what the sync costs,
// not how they got there). Prints the sync's wall time, its summary, and the process's resident memory
// before and at its peak during the sync; asserts nothing.
//
// The sandbox (holding every device in memory) and the worker share this process, so the baseline RSS
// includes the sandbox; the growth during the sync is the worker's page-at-a-time working set plus the
// sandbox serialising one page.
//
//   npx tsx bench/inventory-sync.ts [devices=100000]
import { randomBytes, randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { inventorySyncs, requestSync } from '@tokenfleet/db';
import { base32Encode, totpCode } from '@tokenfleet/domain';
import { enqueueInventorySync } from '@tokenfleet/queue';
import { startWorker } from '../apps/worker/src/start-worker';
import { startTestSystem } from '../test/support/system';
import { waitUntil } from '../test/support/wait';
import { eq } from 'drizzle-orm';

const devices = Number(process.argv[2] ?? 100_000);
const services = { databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/tokenfleet', redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' };
// Shares of the inventory: drift of each kind, and devices no token names.
const share = { selfActivated: 0.02, unassigned: 0.015, reassigned: 0.015, unmanaged: 0.04 };
const missingTokens = Math.round(devices * 0.01);

const system = await startTestSystem({
  sandbox: { totpToleranceSteps: 1, generatedUsers: 2_000, perUserTokenLimit: null, readLimit: { requests: 100_000, windowMs: 10_000 }, duplicateSerial: 'allow' },
  services,
});
const users = system.sandbox.inspect.users().filter((user) => user.userType !== 'Guest');
const sql = postgres(system.database.url, { max: 2, onnotice: () => {} });
try {
  const setupStarted = performance.now();
  type Row = { id: string; serial: string; deviceId: string; state: string; userId: string | null; upn: string | null };
  let rows: Row[] = [];
  const flush = async () => {
    if (rows.length === 0) return;
    await sql`insert into tokens ${sql(
      rows.map((row) => ({
        id: row.id, tenant_id: system.tenantId, serial_number: row.serial, manufacturer: 'Token2', model: 'C202', display_name: `Token2 C202 - ${row.serial}`,
        hash_function: 'hmacsha1', state: row.state, graph_device_id: row.deviceId, assigned_user_id: row.userId, assigned_upn: row.upn,
      })),
    )}`;
    rows = [];
  };
  const counts = { selfActivated: 0, unassigned: 0, reassigned: 0, unmanaged: 0, agreeing: 0 };
  for (let index = 0; index < devices; index += 1) {
    const serial = `S${String(index).padStart(7, '0')}`;
    const user = users[index % users.length]!;
    const fraction = (index % 1000) / 1000;
    const kind =
      fraction < share.selfActivated ? 'selfActivated'
      : fraction < share.selfActivated + share.unassigned ? 'unassigned'
      : fraction < share.selfActivated + share.unassigned + share.reassigned ? 'reassigned'
      : fraction < share.selfActivated + share.unassigned + share.reassigned + share.unmanaged ? 'unmanaged'
      : 'agreeing';
    counts[kind] += 1;
    // Entra's side: what the device is now.
    const entraUser = kind === 'unassigned' ? null : kind === 'reassigned' ? users[(index + 7) % users.length]! : user;
    const activated = kind !== 'unassigned' && index % 10 !== 0;
    const secret = randomBytes(20);
    const device = system.sandbox.portal.createDevice({
      serialNumber: serial, manufacturer: 'Token2', model: 'C202', secretKey: base32Encode(secret), timeIntervalInSeconds: 30, hashFunction: 'hmacsha1',
      displayName: `Token2 C202 - ${serial}`, ...(entraUser ? { assignTo: { id: entraUser.id } } : {}),
    });
    if (activated && entraUser) system.sandbox.portal.activate(device.id, totpCode({ secret, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, system.sandbox.now()));
    if (kind === 'unmanaged') continue;
    // Tokenfleet's side: what it believed before the drift.
    const state = kind === 'selfActivated' ? 'assigned' : index % 10 === 0 ? 'assigned' : 'active';
    rows.push({ id: randomUUID(), serial, deviceId: device.id, state, userId: user.id, upn: user.userPrincipalName });
    if (rows.length >= 5_000) await flush();
  }
  for (let index = 0; index < missingTokens; index += 1) {
    rows.push({ id: randomUUID(), serial: `M${String(index).padStart(7, '0')}`, deviceId: randomUUID(), state: 'created', userId: null, upn: null });
    if (rows.length >= 5_000) await flush();
  }
  await flush();
  await sql`analyze tokens`;
  console.log(`setup: ${devices} devices in the sandbox, ${devices - counts.unmanaged + missingTokens} tokens, in ${((performance.now() - setupStarted) / 1000).toFixed(1)} s`);

  const worker = await startWorker(system.config, { graph: system.graph, prefix: system.prefix, env: system.env, reconcileEveryMs: 3_600_000, scheduleSyncs: false });
  try {
    global.gc?.();
    const baseline = process.memoryUsage();
    let peakRss = baseline.rss;
    let peakHeap = baseline.heapUsed;
    const sampler = setInterval(() => {
      const now = process.memoryUsage();
      peakRss = Math.max(peakRss, now.rss);
      peakHeap = Math.max(peakHeap, now.heapUsed);
    }, 50);
    const started = performance.now();
    const { sync } = await requestSync(system.client.db, system.tenantId, 'bench');
    await enqueueInventorySync(worker.context.tenant.queue, system.tenantId, sync.id);
    const run = await waitUntil(
      async () => {
        const [row] = await system.client.db.select().from(inventorySyncs).where(eq(inventorySyncs.id, sync.id));
        return row && (row.status === 'succeeded' || row.status === 'failed') ? row : undefined;
      },
      { timeoutMs: 60 * 60_000, intervalMs: 200, failure: () => 'the sync never finished' },
    );
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    const lines: Array<[string, string]> = [
      ['devices in Entra (sandbox)', String(devices)],
      ['drift made: self-activated / unassigned / reassigned', `${counts.selfActivated} / ${counts.unassigned} / ${counts.reassigned}`],
      ['devices unknown to Tokenfleet', String(counts.unmanaged)],
      ['tokens whose device is gone', String(missingTokens)],
      ['sync status', `${run.status}${run.error ? ` (${run.error})` : ''}`],
      ['sync summary', JSON.stringify(run.summary)],
      ['wall time of the sync', `${seconds.toFixed(1)} s`],
      ['devices/s', (devices / seconds).toFixed(0)],
      ['RSS before the sync (sandbox included)', mb(baseline.rss)],
      ['peak RSS during the sync', `${mb(peakRss)} (+${mb(peakRss - baseline.rss)})`],
      ['peak JS heap during the sync', `${mb(peakHeap)} (+${mb(peakHeap - baseline.heapUsed)})`],
    ];
    for (const [name, value] of lines) console.log(`${name.padEnd(56)} ${value}`);
  } finally {
    await worker.close(5_000);
  }
} finally {
  await sql.end();
  await system.stop();
}
process.exit(0);
