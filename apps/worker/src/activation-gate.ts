// The TOTP gate: a code is computed at send time from the clock corrected to Graph's, and only when
// enough of its window is left for the request to arrive while it is still current. Otherwise the job
// moves to the next window boundary without spending an attempt. It runs again at send time, because a
// budget wait between the first check and the call can eat the margin.
import { DelayedError } from 'bullmq';
import { activationWaitMs } from '@tokenfleet/domain';
import type { JobContext } from './context';

export async function waitForFreshWindow(jc: JobContext, periodSeconds: number): Promise<void> {
  const wait = activationWaitMs(jc.tenant.graph.now(), periodSeconds, jc.config.activationMarginMs);
  if (wait === 0) return;
  // A duration, so the local clock's error against Graph's does not matter here.
  await jc.job.moveToDelayed(Date.now() + wait, jc.jobToken);
  throw new DelayedError();
}
