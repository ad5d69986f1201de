// A bulk action in Debian's Chromium against the real system: an operator ticks the 50 tokens of the
// table's first page, unassigns them, reads the confirmation (the count and the users affected), and
// watches the bulk action's progress finish without reloading; the sandbox then holds the 50 devices
// assigned to nobody, and the tokens not ticked are untouched.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { tokens } from '@tokenfleet/db';
import { base32Encode } from '@tokenfleet/domain';
import { sandboxMembers } from '../support/commit-tokens';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { createAccount, ensureDashboardBuilt, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const operator: Account = { username: 'bulk.operator', password: `op-${randomBytes(12).toString('hex')}`, role: 'operator' };
const TOKENS = 60;

let system: FullSystem;
let browser: Browser;
let page: Page;
let importId: string;

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem({ sandbox: { generatedUsers: TOKENS } }), ensureDashboardBuilt()]);
  browser = await launchChromium();
  await createAccount(system, operator);
  const upns = sandboxMembers(system, TOKENS);
  const lines = ['upn,serial number,secret key,timeinterval,manufacturer,model,hash function'];
  upns.forEach((upn, index) => lines.push([upn, `BULK${String(index).padStart(6, '0')}`, base32Encode(randomBytes(20)), 30, 'Token2', 'C202', 'hmacsha1'].join(',')));
  importId = await system.upload('bulk-browser.csv', `${lines.join('\n')}\n`, { mode: 'assign' });
  await system.waitForImport(importId, 120_000);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('a bulk action in the browser', () => {
  it('ticks the 50 tokens of a page, unassigns them after a confirmation naming the users, and follows the progress to the end', async () => {
    page = await signIn(browser, system.api.url, operator);
    await page.goto(`/tokens?importId=${importId}`);
    const table = page.getByRole('table', { name: 'Tokens, newest first' });
    await table.getByRole('row').nth(50).waitFor();
    await page.getByRole('checkbox', { name: 'Select every token on this page' }).check();
    const bar = page.getByRole('region', { name: 'Bulk actions' });
    await expect.poll(() => bar.getByRole('status').textContent()).toContain('50 tokens selected.');
    // The page is all ticked and more tokens match: all of them can be taken, counted by the API.
    await bar.getByRole('button', { name: 'Select all tokens matching this filter' }).click();
    await expect.poll(() => bar.getByRole('status').textContent()).toContain(`All ${TOKENS} tokens matching this filter are selected.`);
    await page.getByRole('checkbox', { name: 'Select every token on this page' }).uncheck();
    await page.getByRole('checkbox', { name: 'Select every token on this page' }).check();
    await expect.poll(() => bar.getByRole('status').textContent()).toContain('50 tokens selected.');
    await bar.getByRole('button', { name: 'Unassign' }).click();

    const dialog = page.getByRole('dialog', { name: 'Unassign 50 tokens?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('They are assigned to 50 users');
    expect(await dialog.getByRole('listitem').count()).toBe(11);
    expect(await dialog.getByRole('listitem').last().textContent()).toBe('and 40 more users');
    await screenshot(page, 'bulk-confirm');
    await dialog.getByRole('button', { name: 'Unassign 50 tokens' }).click();

    await page.getByRole('heading', { level: 1, name: 'Bulk unassign of 50 tokens' }).waitFor();
    const bar2 = page.getByRole('progressbar', { name: 'Progress of the bulk unassign' });
    await expect.poll(() => bar2.getAttribute('aria-valuetext'), { timeout: 90_000, interval: 500 }).toBe('Completed: 50 of 50 tokens unassigned');
    await screenshot(page, 'bulk-progress');
    await page.getByText('Nothing has failed or been skipped.').waitFor();

    const rows = await system.client.db.select({ id: tokens.id, state: tokens.state, serial: tokens.serialNumber }).from(tokens).where(eq(tokens.importId, importId));
    const unassigned = rows.filter((row) => row.state === 'created');
    expect(unassigned).toHaveLength(50);
    expect(rows.filter((row) => row.state === 'assigned')).toHaveLength(TOKENS - 50);
    const devices = new Map(system.sandbox.inspect.devices().map((device) => [device.serialNumber, device]));
    expect(unassigned.filter((row) => !devices.has(row.serial) || devices.get(row.serial)!.assignedTo !== null).map((row) => row.serial)).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 180_000);
});
