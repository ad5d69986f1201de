// Disable and enable from a token's detail page, in Debian's Chromium against the real system (the API
// serving the built dashboard, the worker, Postgres, Redis and the Entra sandbox over HTTPS): the operator
// sees what Entra is being asked while the step is in flight, then the token disabled, and Entra holds it
// deactivated; enabled again, the token is active and Entra holds it activated.
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { tokens } from '@tokenfleet/db';
import { commitTokens, sandboxMembers, type CommittedToken } from '../support/commit-tokens';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { waitForOperations } from '../support/system';
import { createAccount, ensureDashboardBuilt, explained, explainToken, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const operator: Account = { username: 'otto.operator', password: `op-${randomBytes(12).toString('hex')}`, role: 'operator' };

let system: FullSystem;
let browser: Browser;
let page: Page;
let token: CommittedToken;

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem({ sandbox: { generatedUsers: 5 } }), ensureDashboardBuilt()]);
  browser = await launchChromium();
  await createAccount(system, operator);
  [token] = (await commitTokens(system, system.worker!.context.tenant.queue, [{ upn: sandboxMembers(system, 1)[0]! }])) as [CommittedToken];
  await waitForOperations(system.client.db, [token.id], 60_000);
  const [row] = await system.client.db.select({ state: tokens.state }).from(tokens).where(eq(tokens.id, token.id));
  expect(row?.state).toBe('active');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

const entraStatus = () => system.sandbox.inspect.devices().find((device) => device.serialNumber === token.serial)?.status;
const lifecycleLine = () => page.getByRole('region', { name: 'Actions' }).locator('.lifecycle-now').textContent();
/** Waits for the Actions region to say `line`; a failure says what the system holds about the token. */
const waitForLifecycleLine = (line: string, timeout: number) =>
  explained(() => expect.poll(lifecycleLine, { timeout, interval: 250 }).toBe(line), () => explainToken(system, token.id, page));

describe('an operator disables and enables a token from its detail page', () => {
  it('disables it: Entra deactivates it, and the page shows it disabled', async () => {
    page = await signIn(browser, system.api.url, operator);
    await page.goto(`/tokens/${token.id}`);
    expect(await lifecycleLine()).toBe('Now: active in Entra: signs its user in.');
    await page.getByRole('region', { name: 'Actions' }).getByRole('button', { name: 'Disable', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Disable token ${token.serial}?` });
    await expect.poll(() => dialog.textContent()).toContain('no longer signs in until it is enabled again');
    await dialog.getByRole('button', { name: 'Disable', exact: true }).click();
    await waitForLifecycleLine('Now: disabled in Entra: assigned, but does not sign in.', 60_000);
    expect(entraStatus()).toBe('assigned');
    await screenshot(page, 'token-disabled', { fullPage: true });
  }, 90_000);

  it('enables it again: Entra activates it with a code from the seed, and the page shows it active', async () => {
    await page.getByRole('region', { name: 'Actions' }).getByRole('button', { name: 'Enable', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Enable: queued' }).waitFor();
    // The activation waits for a window its code was not sent in before (up to one period).
    await waitForLifecycleLine('Now: active in Entra: signs its user in.', 90_000);
    expect(entraStatus()).toBe('activated');
    const trail = page.getByRole('table', { name: 'Audit events of this token, newest first' });
    await expect.poll(() => trail.textContent(), { timeout: 10_000 }).toContain('token.enabled');
  }, 120_000);

  it('raised no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
