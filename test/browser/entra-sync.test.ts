// The Entra sync screen in Debian's Chromium against the whole system (API, worker, sandbox over HTTPS): a
// device added in the portal behind Tokenfleet's back appears as unmanaged after an admin's "Sync now", and
// an operator adopts it, after a confirmation that says it will have no seed.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { base32Encode } from '@tokenfleet/domain';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { sandboxPortal } from '../support/sandbox-portal';
import { createAccount, ensureDashboardBuilt, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const admin: Account = { username: 'ada.sync', password: `ad-${randomBytes(12).toString('hex')}`, role: 'admin' };
const operator: Account = { username: 'otto.sync', password: `op-${randomBytes(12).toString('hex')}`, role: 'operator' };
const serial = `PORTAL-${randomBytes(3).toString('hex').toUpperCase()}`;

let system: FullSystem;
let browser: Browser;

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem({ sandbox: { generatedUsers: 3 }, workerOverrides: { scheduleSyncs: false } }), ensureDashboardBuilt()]);
  browser = await launchChromium();
  await createAccount(system, admin);
  await createAccount(system, operator);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('the Entra sync screen in a browser', () => {
  it('an admin syncs now and sees a device added in the portal listed as unmanaged', async () => {
    const user = system.sandbox.inspect.users()[0]!;
    const created = await sandboxPortal(system.sandbox).createDevice({
      serialNumber: serial, manufacturer: 'Feitian', model: 'c200', secretKey: base32Encode(randomBytes(20)), timeIntervalInSeconds: 30, hashFunction: 'hmacsha1', assignTo: { id: user.id },
    });
    expect(created.status).toBe(201);
    const page = await signIn(browser, system.api.url, admin);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Entra sync', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Entra sync' }).waitFor();
    await page.getByText('No sync has run yet.').waitFor();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.getByText('1 unmanaged device found').waitFor();
    const row = page.getByRole('row').filter({ hasText: serial });
    await expect.poll(() => row.textContent()).toContain(user.displayName);
    await screenshot(page, 'entra-sync');
    await page.context().close();
  }, 60_000);

  it('an operator adopts it without a seed, after a confirmation, and it leaves the list', async () => {
    const page = await signIn(browser, system.api.url, operator);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Entra sync', exact: true }).click();
    // An operator adopts; only an admin starts a sync.
    await page.getByRole('row').filter({ hasText: serial }).getByRole('button', { name: 'Adopt' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.textContent()).toContain('without one');
    expect(await page.getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Adopt without a seed' }).click();
    await page.getByRole('status').filter({ hasText: `Adopted ${serial} as assigned.` }).waitFor();
    await page.getByText('No unmanaged devices.').waitFor();
    await page.getByRole('link', { name: serial }).click();
    await page.getByRole('heading', { level: 1 }).filter({ hasText: serial }).waitFor();
    await page.context().close();
  }, 60_000);

  it('raised no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
