// The Tenants screen in Debian's Chromium against the whole system: an admin adds a second Entra tenant
// (a second sandbox on the same CA, as a second `npm run sandbox` on the same state directory is) with a
// client secret that is wrong, tests its connection and reads Entra's refusal in place; replaces the
// credential with the right one and the test passes. The secret never shows in the page. An operator sees
// the tenants without any of the admin's controls.
import { randomBytes, randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startSandbox, type Sandbox } from '@tokenfleet/entra-sandbox';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { createAccount, ensureDashboardBuilt, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const admin: Account = { username: 'ada.tenants', password: `ad-${randomBytes(12).toString('hex')}`, role: 'admin' };
const operator: Account = { username: 'otto.tenants', password: `op-${randomBytes(12).toString('hex')}`, role: 'operator' };
const rightSecret = `fabrikam-${randomUUID()}`;
const wrongSecret = `wrong-${randomUUID()}`;

let system: FullSystem;
let fabrikam: Sandbox;
let browser: Browser;

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem({ workerOverrides: { scheduleSyncs: false } }), ensureDashboardBuilt()]);
  fabrikam = await startSandbox({ stateDir: dirname(system.sandbox.caCertificatePath), tenantId: randomUUID(), clientId: randomUUID(), clientSecret: rightSecret });
  browser = await launchChromium();
  await createAccount(system, admin);
  await createAccount(system, operator);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
  await fabrikam?.close();
});

describe('the Tenants screen in a browser', () => {
  it('an admin adds a tenant whose secret is wrong, and the connection test fails with what Entra said; the right secret makes it pass', async () => {
    const page = await signIn(browser, system.api.url, admin);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Tenants' }).waitFor();
    await page.getByRole('region', { name: /SANDBOX/ }).waitFor();

    const form = page.getByRole('form', { name: 'Add a tenant' });
    await form.getByLabel('Name').fill('Fabrikam');
    await form.getByLabel('Entra tenant id').fill(fabrikam.tenantId);
    await form.getByLabel('Client id').fill(fabrikam.clientId);
    await form.getByLabel('Secret value').fill(wrongSecret);
    await form.getByText('Other cloud').click();
    await form.getByLabel('Authority host').fill(fabrikam.origin);
    await form.getByLabel('Graph URL').fill(fabrikam.origin);
    await form.getByRole('button', { name: 'Add tenant' }).click();

    const card = page.getByRole('region', { name: /Fabrikam/ });
    await card.getByText('Test its connection now').waitFor();
    expect(await form.getByLabel('Secret value').inputValue()).toBe('');
    expect(await card.locator('.fact', { hasText: 'Connection from' }).locator('dd').textContent()).toBe('Added here');
    expect(await card.locator('.fact', { hasText: 'Credential' }).locator('dd').textContent()).toBe('Client secret');

    await card.getByRole('button', { name: 'Test connection' }).click();
    const result = card.getByRole('status').filter({ hasText: 'Connection failed' });
    await result.waitFor({ timeout: 20_000 });
    expect(await result.textContent()).toMatch(/AADSTS7000215|Invalid client secret/);
    // The failure is also kept as the tenant's last test, for everyone who opens the screen.
    await expect.poll(() => card.locator('.fact', { hasText: 'Last connection test' }).textContent()).toContain('Failed');
    await screenshot(page, 'tenants', { fullPage: true });

    await card.getByRole('button', { name: 'Replace credential' }).click();
    const replace = card.getByRole('form', { name: /Replace the credential/ });
    await replace.getByLabel('Secret value').fill(rightSecret);
    await replace.getByRole('button', { name: 'Save credential' }).click();
    await card.getByRole('status').filter({ hasText: 'Credential replaced' }).waitFor();
    await card.getByRole('button', { name: 'Test connection' }).click();
    await card.getByRole('status').filter({ hasText: 'Connection works' }).waitFor({ timeout: 20_000 });

    const html = await page.content();
    expect(html).not.toContain(wrongSecret);
    expect(html).not.toContain(rightSecret);
    await page.context().close();
  }, 90_000);

  it('an operator sees every tenant and its last test, without the controls', async () => {
    const page = await signIn(browser, system.api.url, operator);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants', exact: true }).click();
    const card = page.getByRole('region', { name: /Fabrikam/ });
    await expect.poll(() => card.locator('.fact', { hasText: 'Last connection test' }).textContent()).toContain('OK');
    expect(await page.getByRole('region', { name: /SANDBOX/ }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /Test connection|Replace credential|Add tenant/ }).count()).toBe(0);
    expect(await page.getByRole('form').count()).toBe(0);
    await page.context().close();
  }, 60_000);

  it('raised no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
