// The Webhooks screen in Debian's Chromium against the whole system (API, worker, sandbox): an admin
// creates a source, copies its secret with the copy button, and sees a delivery signed with that secret
// (by the standardwebhooks reference library) arrive and be carried out; a forged one shows as refused
// with its reason; the mass-change guard's banner shows on every screen and an admin discards what it held.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { deliver, signDelivery, webhookEvent } from '@tokenfleet/test-harness/webhooks';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { ensureDashboardBuilt, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const admin: Account = { username: 'ada.admin', password: `ad-${randomBytes(12).toString('hex')}`, role: 'admin' };

let system: FullSystem;
let browser: Browser;
let page: Page;
let sourceId = '';
let secret = '';

beforeAll(async () => {
  [system] = await Promise.all([
    startFullSystem({ env: { TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME: admin.username, TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD: admin.password } }),
    ensureDashboardBuilt(),
  ]);
  browser = await launchChromium();
  page = await signIn(browser, system.api.url, admin);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('the Webhooks screen in a browser', () => {
  it('an admin creates a source, copies the secret, and sees a delivery arrive with its outcome', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
    await page.getByLabel('Name (which system sends)').fill('personio');
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('heading', { name: 'Copy the secret for "personio" now' }).waitFor();
    await page.getByRole('button', { name: 'Copy to clipboard' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    // The page's own clipboard (the test's Node process has no DOM types, hence the cast).
    secret = await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText());
    expect(secret).toMatch(/^whsec_/);
    expect(await page.getByLabel('Signing secret').inputValue()).toBe(secret);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => page.getByText(secret).count()).toBe(0);

    await page.getByRole('link', { name: 'personio' }).click();
    await page.getByRole('heading', { name: 'Deliveries from "personio"' }).waitFor();
    sourceId = page.url().split('/webhooks/')[1]!;
    const deliveryUrl = await page.getByRole('row', { name: /personio/ }).locator('td.mono').textContent();
    expect(deliveryUrl).toBe(`${system.api.url}/api/v1/webhooks/${sourceId}`);

    const joiner = system.sandbox.inspect.users().find((user) => user.userType !== 'Guest')!.userPrincipalName;
    const accepted = await deliver(system.api.url, sourceId, signDelivery(secret, webhookEvent('user.joined', { upn: joiner })));
    expect(accepted.status).toBe(202);
    const forged = await deliver(system.api.url, sourceId, signDelivery(`whsec_${randomBytes(32).toString('base64')}`, webhookEvent('user.left', { upn: joiner })));
    expect(forged.status).toBe(401);

    const rows = page.getByRole('table', { name: 'Deliveries, newest first' }).getByRole('row');
    await rows.filter({ hasText: 'user.joined' }).filter({ hasText: 'Carried out' }).waitFor({ timeout: 20_000 });
    await expect.poll(() => rows.filter({ hasText: 'user.joined' }).textContent()).toContain(`${joiner} waits for a token`);
    await rows.filter({ hasText: 'Refused' }).filter({ hasText: 'no v1 signature in webhook-signature matches' }).waitFor();
    await screenshot(page, 'webhooks', { fullPage: true });

    await page.getByRole('link', { name: 'Needs a token' }).first().click();
    await page.getByRole('row', { name: new RegExp(joiner) }).waitFor();
  }, 60_000);

  it('shows the mass-change guard\'s banner on other screens, and an admin discards what it held', async () => {
    await system.call(`/api/v1/webhook-sources/${sourceId}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ leaverThreshold: 1 }) });
    for (const upn of ['gone.one@contoso.example', 'gone.two@contoso.example']) {
      expect((await deliver(system.api.url, sourceId, signDelivery(secret, webhookEvent('user.left', { upn })))).status).toBe(202);
    }
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Overview' }).click();
    await page.reload();
    const banner = page.getByRole('alert').filter({ hasText: 'held' });
    await banner.getByText('1 leaver event from "personio" held').waitFor({ timeout: 20_000 });
    await banner.getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => banner.count(), { timeout: 10_000 }).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
