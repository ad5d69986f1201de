// An activation waits for the write budget only as long as its TOTP window allows (windowBoundBudget in
// apps/worker/src/activation-gate.ts). A wait past the window takes no write, so the slot stays free for a
// call that can use it, and the job waits for its next window; a budget stopped for longer than the window
// matters (a 429's pause) is waited out as it is. Real Redis holds the budget; the job is a stand-in that
// records where it was moved.
import { afterAll, beforeEach, expect, it } from 'vitest';
import { DelayedError } from 'bullmq';
import { createRedis, WriteBudget } from '@tokenfleet/queue';
import { windowBoundBudget, RoundTrips, SEND_MARGIN_FLOOR_MS } from '../src/activation-gate';
import { callGraph } from '../src/graph-call';
import type { JobContext } from '../src/context';
import { testRedisPrefix } from '../../../test/support';

const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
afterAll(() => redis.quit());

/** 20 writes/s, a bank of 2: the 3rd write at once is 50 ms away, the 42nd about 2 s. */
let budget: WriteBudget;
/** The budget's pace (the time its next write is due, in Redis): moves by 50 ms with each write taken. */
let paceKey: string;
beforeEach(() => {
  const prefix = testRedisPrefix('window-budget');
  budget = new WriteBudget(redis, 'tenant', { limit: 20, windowMs: 1_000, burst: 2, prefix });
  paceKey = `${prefix}:budget:tenant:pace`;
});

const WINDOW_OPENS = 1_700_000_010_000; // a 30 s window opens here

/** A job context whose Graph clock reads `graphNowMs` plus the time since, with measured trips (a 1 s send margin). */
function contextAt(graphNowMs: number) {
  const roundTrips = new RoundTrips();
  for (let index = 0; index < 10; index += 1) roundTrips.record(40);
  const offset = graphNowMs - Date.now();
  const delays: number[] = [];
  const jc = {
    tenant: { tenantId: 'tenant', budget, roundTrips, graph: { now: () => Date.now() + offset, clockUncertaintyMs: () => 100 } },
    config: { budgetMaxWaitMs: 3_000 },
    jobToken: 'token',
    job: { moveToDelayed: async (at: number) => void delays.push(at - Date.now()) },
  } as unknown as JobContext;
  return { jc, delays };
}

/** Reserves `writes` writes, as other jobs of the tenant waiting for the budget would have, without their sleep. */
async function spend(writes: number): Promise<void> {
  for (let index = 0; index < writes; index += 1) await budget.acquire(60_000, async () => {});
}

/** Stands for the request leaving: what follows it (the audit row) is not this test's business. */
class Sent extends Error {}

/** 'sent' when the request left, 'delayed' when the job moved to the delayed set instead. */
async function activateOnce(jc: JobContext): Promise<'sent' | 'delayed'> {
  return callGraph(jc, { action: 'activate', write: true, ...windowBoundBudget(jc, 30) }, () => Promise.reject(new Sent())).then(
    () => Promise.reject(new Error('the stand-in request never answers')),
    (error: unknown) => (error instanceof Sent ? 'sent' : error instanceof DelayedError ? 'delayed' : Promise.reject(error)),
  );
}

it('a budget wait longer than the window has to spare takes no write, and the job waits for its next window', async () => {
  // The send margin and 100 ms of uncertainty, and 400 ms to spare.
  const left = SEND_MARGIN_FLOOR_MS + 100 + 400;
  const { jc, delays } = contextAt(WINDOW_OPENS + 30_000 - left);
  await spend(40); // the next write is about 2 s away
  const paceBefore = await redis.get(paceKey);
  expect(await activateOnce(jc)).toBe('delayed');
  // To the next window's opening plus the uncertainty (and the settle time): not the budget's 2 s.
  expect(delays).toHaveLength(1);
  expect(delays[0]).toBeGreaterThanOrEqual(left + 100 - 50);
  expect(delays[0]).toBeLessThan(left + 100 + 500);
  // Nothing was reserved: the next write is due when it was.
  expect(await redis.get(paceKey)).toBe(paceBefore);
  // A job of a window with the time to spare waits for the same write and sends.
  const { jc: other } = contextAt(WINDOW_OPENS + 5_000);
  expect(await activateOnce(other)).toBe('sent');
  expect(Number(await redis.get(paceKey))).toBe(Number(paceBefore) + 50);
});

it('a budget wait that fits the window is waited for, holding the job, and the code goes in this window', async () => {
  const { jc, delays } = contextAt(WINDOW_OPENS + 26_000); // 4 s left, 2.9 s to spare
  await spend(40);
  expect(await activateOnce(jc)).toBe('sent');
  expect(delays).toEqual([]);
});

it('a budget stopped for longer than the window needs (a 429\'s pause) is waited out as it is, however much window is left', async () => {
  const { jc, delays } = contextAt(WINDOW_OPENS + 2_000); // 28 s left
  await budget.block(5_000);
  expect(await activateOnce(jc)).toBe('delayed');
  // The pause, not the window's end 28 s away.
  expect(delays[0]).toBeGreaterThan(4_000);
  expect(delays[0]).toBeLessThanOrEqual(5_000);
});
