// The screens operators live in, at the narrowest width the dashboard is made for (1024 px): the token
// and audit tables keep every cell to whole words on one line (no letter-by-letter wrapping, no column
// squeezed to nothing), each token shows its status with the finer state beside it and its user's
// display name, the token page shows what an MFA server's token detail does and takes an expiry date by
// hand, a "Test a code" verdict does not outlive the next action, the Tenants screen keeps its ids on one
// line, and after a screen change the next Tab reaches the menu.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { base32Decode, totpCode } from '@tokenfleet/domain';
import { startFullSystem, type FullSystem } from '../support/full-system';
import { sampleFile } from '../support/samples';
import { createAccount, ensureDashboardBuilt, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const operator: Account = { username: 'nora.narrow', password: `op-${randomBytes(12).toString('hex')}`, role: 'operator' };
const NARROW = { width: 1024, height: 768 };

let system: FullSystem;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [system] = await Promise.all([startFullSystem(), ensureDashboardBuilt()]);
  browser = await launchChromium();
  await createAccount(system, operator);
  const importId = await system.upload('token2-classic.csv', sampleFile('token2-classic.csv'), { mode: 'activate' });
  const summary = await system.waitForImport(importId, 90_000);
  expect(summary.tokensByState.active).toBe(6);
  page = await signIn(browser, system.api.url, operator);
  await page.setViewportSize(NARROW);
}, 150_000);

afterAll(async () => {
  await browser?.close();
  await system?.stop();
});

interface CellLayout {
  text: string;
  /** Distinct line positions of each text node of the cell: 1 when the text sits on one line. */
  linesPerText: number[];
  width: number;
}

/** How each visible cell of a table is laid out: its width and on how many lines each of its texts sits. */
function layoutOf(table: Locator): Promise<{ headers: CellLayout[]; cells: CellLayout[] }> {
  // Runs in the page; the test's own types have no DOM, so the page's objects are reached from `element`.
  return table.evaluate((element) => {
    const doc = element.ownerDocument;
    const view = doc.defaultView!;
    const SHOW_TEXT = 4;
    type PageElement = NonNullable<ReturnType<typeof element.querySelector>>;
    const measure = (cell: PageElement): CellLayout => {
      const linesPerText: number[] = [];
      const walker = doc.createTreeWalker(cell, SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!node.textContent?.trim()) continue;
        const range = doc.createRange();
        range.selectNodeContents(node);
        const tops = new Set(Array.from(range.getClientRects() as ArrayLike<{ width: number; top: number }>).filter((rect) => rect.width > 0).map((rect) => Math.round(rect.top)));
        if (tops.size > 0) linesPerText.push(tops.size);
      }
      return { text: cell.textContent ?? '', linesPerText, width: cell.getBoundingClientRect().width };
    };
    // The bulk-selection checkbox column is narrow by design and holds no text to read.
    const visible = (cell: PageElement) => !cell.classList.contains('col-check') && view.getComputedStyle(cell).display !== 'none' && cell.getBoundingClientRect().width > 0;
    return {
      headers: Array.from(element.querySelectorAll('thead th')).filter(visible).map(measure),
      cells: Array.from(element.querySelectorAll('tbody th, tbody td')).filter(visible).map(measure),
    };
  });
}

function expectReadable(layout: { headers: CellLayout[]; cells: CellLayout[] }, minColumnPx: number) {
  for (const header of layout.headers) {
    expect(header.width, `column "${header.text}"`).toBeGreaterThanOrEqual(minColumnPx);
    expect(header.linesPerText, `header "${header.text}"`).toEqual([1]);
  }
  for (const cell of layout.cells) {
    expect(cell.linesPerText.every((lines) => lines === 1), `cell "${cell.text}" wraps: ${JSON.stringify(cell.linesPerText)}`).toBe(true);
  }
}

describe('the screens at 1024 px', () => {
  it('the token table keeps each value on one line, with the status badge, the state beside it and the user by name', async () => {
    await page.goto('/tokens');
    const table = page.getByRole('table', { name: 'Tokens, newest first' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 20_000 }).toBe(6);
    const layout = await layoutOf(table);
    expect(layout.headers.map((header) => header.text)).toEqual(['Serial number', 'Status', 'User', 'Model']);
    expectReadable(layout, 80);
    const userColumn = layout.headers.find((header) => header.text === 'User')!;
    expect(userColumn.width).toBeGreaterThan(180);
    // The table fits: no sideways scroll at 1024 px.
    expect(await page.locator('.table-wrap').first().evaluate((wrap) => wrap.scrollWidth <= wrap.clientWidth + 1)).toBe(true);

    const first = table.locator('tbody tr', { has: page.getByRole('rowheader', { name: '602345670001' }) });
    await expect.poll(() => first.locator('.token-status').textContent()).toBe('ACTIVE');
    expect(await first.locator('.token-state').textContent()).toBe('Active');
    expect(await first.locator('.user-cell').getAttribute('title')).toBe('Uma Underwood <user1@contoso.example>');
    await screenshot(page, 'tokens-1024');
  });

  it('filters the token table by status', async () => {
    await page.goto('/tokens');
    await page.getByLabel('Status').selectOption('OBSOLETE');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No token matches these filters.').waitFor();
    await page.getByLabel('Status').selectOption('ACTIVE');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.getByRole('table', { name: 'Tokens, newest first' }).locator('tbody tr').count()).toBe(6);
  });

  it('the audit table gives every column room, the detail included', async () => {
    await page.goto('/audit');
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    await expect.poll(() => table.locator('tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(10);
    const layout = await layoutOf(table);
    expect(layout.headers.map((header) => header.text)).toEqual(['Time', 'Actor', 'Action · target', 'Outcome', 'Detail']);
    expect(layout.headers.find((header) => header.text === 'Detail')!.width).toBeGreaterThan(150);
    for (const header of layout.headers) {
      expect(header.width, `column "${header.text}"`).toBeGreaterThanOrEqual(80);
      expect(header.linesPerText, `header "${header.text}"`).toEqual([1]);
    }
    // Every cell but the detail (clamped to three lines of whole words) keeps each text on one line.
    const columns = layout.headers.length;
    const notDetail = layout.cells.filter((_cell, index) => index % columns !== columns - 1);
    for (const cell of notDetail) expect(cell.linesPerText.every((lines) => lines === 1), `cell "${cell.text}"`).toBe(true);
    await screenshot(page, 'audit-1024');
  });

  it('finds audit events by the account name and the serial an operator knows', async () => {
    await page.goto('/audit');
    await page.getByLabel('Token (serial or id)').fill('602345670001');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const table = page.getByRole('table', { name: 'Audit events, newest first' });
    // The unfiltered events are on screen until the filtered answer replaces them: wait for rows of one target.
    await expect
      .poll(async () => {
        const targets = await table.locator('tbody tr td:nth-child(3) .small').allTextContents();
        return { severalRows: targets.length > 1, targets: new Set(targets).size };
      })
      .toEqual({ severalRows: true, targets: 1 });
  });

  it("a token's page shows what an MFA server's token detail does, takes an expiry by hand, and a test verdict clears after the next action", async () => {
    await page.goto('/tokens?serial=602345670001');
    await page.getByRole('rowheader').getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: /602345670001/ }).waitFor();
    const facts = page.locator('.facts dt');
    const labels = await facts.allTextContents();
    for (const label of ['Status', 'Description', 'Device serial', 'Last used', 'Updated', 'Expires', 'Last tested', 'Last resynced']) expect(labels).toContain(label);
    const fact = (label: string) => page.locator('.fact', { has: page.locator('dt', { hasText: new RegExp(`^${label}$`) }) }).locator('dd');
    expect(await fact('Status').locator('.token-status').textContent()).toBe('ACTIVE');
    expect(await fact('User').textContent()).toContain('Uma Underwood');
    expect(await fact('Last tested').textContent()).toBe('—');

    const secret = sampleFile('token2-classic.csv').toString('utf8').split('\n')[1]!.split(',')[2]!;
    await page.getByLabel('Code', { exact: true }).fill(totpCode({ secret: base32Decode(secret)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, Date.now()));
    await page.getByRole('button', { name: 'Test', exact: true }).click();
    await page.getByText('Valid: the code matches').waitFor();
    await expect.poll(() => fact('Last tested').textContent()).not.toBe('—');

    await page.getByRole('button', { name: 'Set an expiry date' }).click();
    await page.getByLabel('Expires on').fill('2030-06-30');
    await page.getByRole('button', { name: 'Save expiry' }).click();
    await page.getByText('Expiry set to 2030-06-30').waitFor();
    await expect.poll(() => fact('Expires').locator('time').textContent()).toBe('2030-06-30');
    expect(await page.getByText('Valid: the code matches').count()).toBe(0);
    await screenshot(page, 'token-detail-1024', { fullPage: true });
  });

  it("the Tenants screen keeps each tenant's ids on one line inside its card, and the page does not scroll sideways", async () => {
    await page.goto('/tenants');
    await page.getByRole('heading', { level: 1, name: 'Tenants' }).waitFor();
    const card = page.locator('.tenant-card').first();
    await expect.poll(() => card.locator('.fact', { hasText: 'Queue' }).textContent()).toContain('waiting');
    const guids = await card.locator('.guid').evaluateAll((spans) =>
      spans.map((span) => {
        const lines = new Set(Array.from(span.getClientRects() as ArrayLike<{ top: number }>).map((rect) => Math.round(rect.top)));
        const cardBox = span.closest('.tenant-card')!.getBoundingClientRect();
        return { text: span.textContent, lines: lines.size, inside: span.getBoundingClientRect().right <= cardBox.right };
      }),
    );
    expect(guids).toHaveLength(2);
    for (const guid of guids) expect(guid, guid.text ?? '').toMatchObject({ lines: 1, inside: true });
    // The test's own types have no DOM: the page's root is reached through the card.
    expect(await card.evaluate((element) => element.ownerDocument.documentElement.scrollWidth <= element.ownerDocument.documentElement.clientWidth)).toBe(true);
    await screenshot(page, 'tenants-1024', { fullPage: true });
  });

  it('after a screen change, focus is at the top: the next Tabs reach the skip link and then the menu', async () => {
    await page.goto('/tokens');
    await page.getByRole('rowheader').first().getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: /Token / }).waitFor();
    const focused = page.locator(':focus');
    await expect.poll(() => focused.getAttribute('class')).toContain('route-announcer');
    await page.keyboard.press('Tab');
    expect((await focused.textContent())?.trim()).toBe('Skip to content');
    let inMenu = false;
    for (let presses = 0; presses < 3 && !inMenu; presses += 1) {
      await page.keyboard.press('Tab');
      inMenu = (await page.locator('nav[aria-label="Main"] :focus').count()) === 1;
    }
    expect(inMenu).toBe(true);
  });

  it('raised no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
