// Sign in with Microsoft and the self-service portal in Debian's Chromium, through the real flow: the
// dashboard's button, the sandbox's authorize page (a demo user clicked), the callback. An operator gets
// the role the sandbox user carries; an employee at /my activates a stock token by typing its serial and
// the code read off the seed as a person reads the display, and sees it active; a second employee cannot
// activate the first one's token. Chromium trusts the sandbox's own key only (its SPKI pinned), never
// every certificate.
import { createHash } from 'node:crypto';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { base32Decode, totpCode } from '@tokenfleet/domain';
import { createSetupToken } from '../../apps/api/src/sign-in/setup-link';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { classicSeeds, sampleFile } from '../support/samples';
import { ensureDashboardBuilt, launchChromium, pageErrors, VIEWPORT } from './support';

let system: FullSystem;
let browser: Browser;
const [first] = classicSeeds();

/** The SHA-256 of the sandbox server certificate's public key, as Chromium's SPKI pin list wants it. */
function sandboxSpki(): Promise<string> {
  const { port, caCertificatePem } = system.sandbox;
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: caCertificatePem }, () => {
      const spki = createHash('sha256').update(socket.getPeerCertificate().pubkey!).digest('base64');
      socket.end();
      resolve(spki);
    });
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem(), ensureDashboardBuilt()]);
  const importId = await system.upload('token2-classic.csv', sampleFile('token2-classic.csv'), { mode: 'import' });
  await system.waitForImport(importId, 60_000);
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${await sandboxSpki()}`]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

async function freshPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT, baseURL: system.api.url });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return page;
}

/** On the sandbox's sign-in page, picks the demo user. */
async function pickSandboxUser(page: Page, upn: string): Promise<void> {
  await page.getByRole('heading', { name: 'Pick an account' }).waitFor();
  await page.locator(`button[data-upn="${upn}"]`).click();
}

/** The code the token shows now, read early in its window (as a person waits for a fresh one). */
async function codeOnDisplay(secret: string): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < 15_000) await new Promise((resolve) => setTimeout(resolve, left + 200));
  return totpCode({ secret: base32Decode(secret)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, Date.now());
}

describe('the first minute in a browser', () => {
  it('creates the first admin from the one-time setup link, signed in at once, the token gone from the address bar', async () => {
    const token = (await createSetupToken(system.api.deps.db))!;
    const page = await freshPage();
    await page.goto(`/setup#${token}`);
    await page.getByRole('heading', { name: 'Create the first admin' }).waitFor();
    expect(page.url()).not.toContain(token);
    await page.getByLabel('User name').fill('first.admin');
    await page.getByLabel(/^Password/).fill('a long enough first password');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    expect(await page.locator('.topbar-user .role-tag').textContent()).toBe('admin');
    await page.context().close();
  });
});

describe('Sign in with Microsoft (SANDBOX) in a browser', () => {
  it('offers Microsoft first, and signs an operator in with the role the sandbox user carries', async () => {
    const page = await freshPage();
    await page.goto('/');
    const microsoft = page.getByRole('link', { name: 'Sign in with Microsoft (SANDBOX)' });
    await microsoft.waitFor();
    // The first way in on the page is Microsoft's, above the local form.
    expect(await page.locator('a.microsoft-sign-in, form').first().getAttribute('class')).toContain('microsoft-sign-in');
    await microsoft.click();
    await pickSandboxUser(page, 'bob@contoso.example');
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    await expect.poll(() => page.locator('.topbar-user').textContent()).toContain('bob@contoso.example');
    expect(await page.locator('.topbar-user .role-tag').textContent()).toBe('operator');
    await page.context().close();
  });
});

describe('the self-service portal at /my in a browser', () => {
  /** Signs the employee in at /my and types the serial and the code the token shows, as they would. */
  async function activateAs(upn: string): Promise<Page> {
    const page = await freshPage();
    await page.goto('/my');
    await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
    await pickSandboxUser(page, upn);
    await page.getByRole('heading', { name: 'Activate a token' }).waitFor();
    await page.getByLabel('Serial number').fill(first!.serial);
    await page.getByLabel('Code on the display').fill(await codeOnDisplay(first!.secret));
    await page.getByRole('button', { name: 'Activate' }).click();
    return page;
  }

  it('lets an employee activate a stock token with its serial and the code it shows, and shows it active', async () => {
    const page = await activateAs('user1@contoso.example');
    const row = page.locator(`tr[data-serial="${first!.serial}"]`);
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 60_000 }).toMatch(/active/i);
    await page.context().close();
  });

  it("does not let a second employee activate the first one's token", async () => {
    const page = await activateAs('user2@contoso.example');
    await page.getByText('No token with this serial number can be activated by you').waitFor();
    expect(await page.getByText('No token is assigned to you yet.').isVisible()).toBe(true);
    // The first one's token is still theirs, and active.
    const device = system.sandbox.inspect.devices().find((item) => item.serialNumber === first!.serial)!;
    expect(device.status).toBe('activated');
    expect(device.assignedTo?.id).toBe(system.sandbox.inspect.users().find((user) => user.userPrincipalName === 'user1@contoso.example')!.id);
    await page.context().close();
  });

  it('raised no uncaught error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
