// The dashboard in Debian's Chromium against the real system: the API serving the built dashboard, the
// worker, Postgres, Redis and the Entra sandbox over HTTPS. An operator signs in, uploads messy.csv and
// watches it to the end, reads the six row errors, and retries the activation the sandbox refused; a
// viewer sees the same failure without a way to retry it, and the API refuses the viewer's retry.
// The steps build on each other (one import feeds the later screens), so they run in order.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { base32Encode } from '@tokenfleet/domain';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { sampleFile } from '../support/samples';
import { createAccount, ensureDashboardBuilt, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const operator: Account = { username: 'olivia.operator', password: `op-${randomBytes(12).toString('hex')}`, role: 'operator' };
const viewer: Account = { username: 'victor.viewer', password: `vw-${randomBytes(12).toString('hex')}`, role: 'viewer' };

/** Follows a link of the main navigation (other links on a screen may share its words). */
function openScreen(on: Page, name: string): Promise<void> {
  return on.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

let system: FullSystem;
let browser: Browser;
let page: Page;
/** The one activation the sandbox was told to refuse, found once the import has run. */
let failed: { operationId: string; tokenId: string; serialNumber: string };

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem(), ensureDashboardBuilt()]);
  browser = await launchChromium();
  await createAccount(system, operator);
  await createAccount(system, viewer);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

describe('the operator dashboard in a browser', () => {
  it('signs an operator in, and says that it runs against the sandbox', async () => {
    page = await signIn(browser, system.api.url, operator);
    await expect.poll(() => page.getByRole('note').textContent()).toContain('SANDBOX');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Imports', 'Tokens', 'Bulk actions', 'Failed jobs', 'Audit trail', 'Validation', 'Entra sync', 'Tenants', 'Needs a token']);
  });

  it('uploads messy.csv and follows its progress to the end without reloading, then shows the six row errors', async () => {
    // One activation of this import will be refused as a wrong code: the failed job the later steps retry.
    system.sandbox.configure({ refuseActivations: 1 });
    await openScreen(page, 'Imports');
    await page.getByText('No imports yet — drop a seed file above to start one.').waitFor();
    // Marks this page; a reload would drop the mark, so finding it at the end shows the bar moved by itself.
    await page.evaluate(() => {
      (globalThis as Record<string, unknown>).stillTheSamePage = true;
    });

    await page.getByLabel(/Drop a seed file here/).setInputFiles({ name: 'messy.csv', mimeType: 'text/csv', buffer: sampleFile('messy.csv') });
    await page.getByLabel('What to do with the tokens').selectOption({ label: 'Create, assign and activate' });
    await page.getByRole('button', { name: 'Upload and start' }).click();
    await page.getByRole('status').filter({ hasText: 'messy.csv was accepted' }).waitFor();

    const bar = page.getByRole('progressbar', { name: 'Progress of messy.csv' });
    await expect.poll(() => bar.getAttribute('aria-valuetext'), { timeout: 90_000, interval: 250 }).toBe('Completed: 5 tokens active, 1 failed, 6 rows rejected');
    expect(await bar.getAttribute('aria-valuenow')).toBe('6');
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).stillTheSamePage)).toBe(true);
    await screenshot(page, 'imports');

    await page.getByRole('link', { name: 'See the 6 row errors' }).click();
    const table = page.getByRole('table', { name: 'Rows of the file that were not imported, with the reason' });
    const rows = table.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(6);
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    // Rows as the file numbers them (the header is row 1): frank, grace, heidi, ivan, niaj, olivia.
    expect(cells.map((row) => row[0])).toEqual(['6', '7', '8', '9', '12', '13']);
    // Named as the file's own header does, with the API's field name beside it.
    expect(cells.map((row) => row[1])).toEqual([
      'Secret KeyAPI field secretKey',
      'Serial NumberAPI field serialNumber',
      'Secret KeyAPI field secretKey',
      'Time IntervalAPI field timeIntervalInSeconds',
      'Hash FunctionAPI field hashFunction',
      'Secret KeyAPI field secretKey',
    ]);
    await page.getByText('the header is row 1, the first token is row 2').waitFor();
    expect(await table.getByRole('columnheader').first().textContent()).toBe('Row (header = 1)');
    for (const row of cells) expect(row[2]!.length).toBeGreaterThan(5);
    expect(await page.getByRole('link', { name: 'Download as CSV' }).getAttribute('href')).toMatch(/^\/api\/v1\/imports\/[0-9a-f-]{36}\/errors\.csv$/);
    await screenshot(page, 'import-row-errors', { fullPage: true });
  }, 120_000);

  it('shows a serial number holding a spreadsheet formula as plain text', async () => {
    await page.goto('/tokens?serial=%3DHYPERLINK');
    const serialCell = page.getByRole('rowheader');
    await expect.poll(() => serialCell.allTextContents()).toEqual(['=HYPERLINK("http://evil.example","x")']);
    // Only the dashboard's own link to the token page: nothing in the cell points to the formula's target.
    expect(await serialCell.getByRole('link').getAttribute('href')).toMatch(/^\/tokens\/[0-9a-f-]{36}$/);
    expect(await page.locator('a[href*="evil.example"]').count()).toBe(0);

    await page.goto('/tokens');
    await expect.poll(() => page.getByRole('rowheader').count()).toBe(6);
    await screenshot(page, 'tokens');
  });

  it('groups the refused activation under its Graph error code, with its attempts', async () => {
    const failedOperations = (await (await system.call('/api/v1/operations?status=failed')).json()) as { items: Array<{ id: string; tokenId: string; serialNumber: string; kind: string; lastErrorCode: string }> };
    expect(failedOperations.items.map((operation) => `${operation.kind} ${operation.lastErrorCode}`)).toEqual(['token.activate badRequest']);
    const [operation] = failedOperations.items;
    failed = { operationId: operation!.id, tokenId: operation!.tokenId, serialNumber: operation!.serialNumber };

    await openScreen(page, 'Failed jobs');
    const group = page.getByRole('article').filter({ has: page.getByRole('heading', { name: /badRequest/ }) });
    await group.waitFor();
    expect(await group.getByRole('heading').textContent()).toBe('badRequest 1');
    await group.getByRole('button', { name: 'Show jobs' }).click();
    const job = group.getByRole('row').filter({ hasText: failed.serialNumber });
    await job.getByRole('button', { name: 'Attempts' }).click();
    const attempts = group.getByRole('table', { name: 'Attempts of this job, oldest first' });
    await expect.poll(() => attempts.getByRole('row').filter({ hasText: 'graph.activate' }).textContent()).toContain('HTTP 400');
    await screenshot(page, 'failed-jobs');
  });

  it('hides retrying from a viewer, and the API refuses the viewer a retry with 403', async () => {
    const viewerPage = await signIn(browser, system.api.url, viewer);
    expect(await viewerPage.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Imports', 'Tokens', 'Bulk actions', 'Failed jobs', 'Audit trail', 'Validation', 'Entra sync', 'Tenants']);

    await openScreen(viewerPage, 'Imports');
    await viewerPage.getByText('Your role can watch imports. Uploading a seed file needs the operator role.').waitFor();
    expect(await viewerPage.getByRole('button', { name: 'Upload and start' }).count()).toBe(0);

    await openScreen(viewerPage, 'Failed jobs');
    const group = viewerPage.getByRole('article').filter({ has: viewerPage.getByRole('heading', { name: /badRequest/ }) });
    await group.getByRole('button', { name: 'Show jobs' }).click();
    await group.getByRole('row').filter({ hasText: failed.serialNumber }).waitFor();
    expect(await viewerPage.getByRole('button', { name: /Retry/ }).count()).toBe(0);
    expect(await viewerPage.getByRole('checkbox').count()).toBe(0);

    // The same request the operator's button sends, from the viewer's signed-in page, CSRF token and all.
    const status = await viewerPage.evaluate(async (operationId) => {
      const session = (await (await fetch('/api/v1/session', { credentials: 'same-origin' })).json()) as { csrfToken: string };
      const response = await fetch(`/api/v1/operations/${operationId}/retry`, { method: 'POST', credentials: 'same-origin', headers: { 'X-CSRF-Token': session.csrfToken } });
      return response.status;
    }, failed.operationId);
    expect(status).toBe(403);
    await viewerPage.context().close();
  });

  it('retries the failed job from the Failed jobs screen; the token becomes active and the audit trail shows it', async () => {
    const group = page.getByRole('article').filter({ has: page.getByRole('heading', { name: /badRequest/ }) });
    await group.getByRole('row').filter({ hasText: failed.serialNumber }).getByRole('button', { name: 'Retry', exact: true }).click();
    await page.getByRole('status').filter({ hasText: '1 job was retried' }).waitFor();
    await page.getByText('No failed jobs.').waitFor({ timeout: 15_000 });

    // The token page follows the running job by itself until the token is active.
    await page.goto(`/tokens/${failed.tokenId}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent(), { timeout: 60_000, interval: 250 }).toBe(`Token ${failed.serialNumber} ACTIVE Active`);
    await screenshot(page, 'token-detail', { fullPage: true });

    await page.goto(`/audit?token=${failed.tokenId}`);
    const events = page.getByRole('table', { name: 'Audit events, newest first' }).locator('tbody tr');
    await expect.poll(() => events.filter({ hasText: 'token.activated' }).count()).toBe(1);
    // The action cell carries its target on a second line: the action is its first.
    const actions = await events.evaluateAll((trs) => trs.map((tr) => [tr.children[1]?.textContent, tr.children[2]?.firstElementChild?.textContent, tr.children[3]?.textContent].join(' ')));
    const retried = actions.indexOf(`user:${operator.username} operation.retried info`);
    const activated = actions.indexOf('worker token.activated success');
    expect(retried).toBeGreaterThan(-1);
    // Newest first: the activation came after the retry.
    expect(activated).toBeGreaterThan(-1);
    expect(activated).toBeLessThan(retried);
    await screenshot(page, 'audit');
  }, 90_000);

  it('opens on an overview of tokens by state, imports and queues', async () => {
    await openScreen(page, 'Overview');
    const expected = (await (await system.call('/api/v1/overview')).json()) as { tokensByState: Record<string, number>; failedOperations: number };
    const card = (name: RegExp) => page.getByRole('link', { name }).locator('.stat-value');
    await expect.poll(() => card(/Active$/).textContent()).toBe(String(expected.tokensByState.active));
    expect(expected.tokensByState.active).toBe(6);
    expect(await card(/Failed$/).textContent()).toBe(String(expected.tokensByState.failed));
    expect(await card(/failed operations$/).textContent()).toBe(String(expected.failedOperations));
    await screenshot(page, 'overview');
  });

  it.runIf(process.env.TOKENFLEET_SCREENSHOTS)('pictures an import while it runs (for the README)', async () => {
    const taken = new Set(['carol', 'dave', 'erin', 'judy', 'mallory', 'peggy'].map((name) => `${name}@contoso.example`));
    const members = system.sandbox.inspect.users().filter((user) => user.userType !== 'Guest' && !taken.has(user.userPrincipalName)).slice(0, 40);
    const rows = members.map((user, index) => `${user.userPrincipalName},${9_100_000 + index},${base32Encode(randomBytes(20))},30,Token2,C202`);
    await openScreen(page, 'Imports');
    await page.getByLabel(/Drop a seed file here/).setInputFiles({ name: 'rollout-floor-3.csv', mimeType: 'text/csv', buffer: Buffer.from(['upn,serial number,secret key,timeinterval,manufacturer,model', ...rows].join('\n')) });
    await page.getByRole('button', { name: 'Upload and start' }).click();
    const bar = page.getByRole('progressbar', { name: 'Progress of rollout-floor-3.csv' });
    // Picture it part of the way through: some tokens done, some to go.
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 60_000, interval: 100 }).toBeGreaterThanOrEqual(6);
    await screenshot(page, 'imports-running');
    await expect.poll(() => bar.getAttribute('aria-valuetext'), { timeout: 90_000 }).toMatch(/^Completed/);
    // The overview again, with more than one import behind it.
    await openScreen(page, 'Overview');
    await expect.poll(() => page.getByRole('link', { name: /Active$/ }).locator('.stat-value').textContent()).not.toBe('6');
    await screenshot(page, 'overview');
  }, 120_000);

  it('an admin turns seed purging on for the tenant, after a confirmation', async () => {
    const admin: Account = { username: 'ada.admin', password: `ad-${randomBytes(12).toString('hex')}`, role: 'admin' };
    await createAccount(system, admin);
    const adminPage = await signIn(browser, system.api.url, admin);
    await openScreen(adminPage, 'Tenant settings');
    await adminPage.getByLabel(/Purge a token's seed once Entra reports it active/).click();
    await adminPage.getByRole('dialog').getByRole('button', { name: 'Purge seeds once active' }).click();
    await adminPage.getByRole('status').filter({ hasText: 'seeds are purged once a token is active' }).waitFor();
    const tenants = (await (await system.call('/api/v1/tenants')).json()) as Array<{ settings: { purgeSeedsWhenActive: boolean } }>;
    expect(tenants[0]!.settings.purgeSeedsWhenActive).toBe(true);
    await adminPage.context().close();
  }, 60_000);

  it('raised no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
