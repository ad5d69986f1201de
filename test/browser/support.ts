// What the browser tests share: the dashboard built (the API serves apps/dashboard/dist), Debian's
// Chromium driven by playwright-core (never a downloaded browser), accounts of each role made through the
// API with the admin key, and a sign-in through the dashboard's own form.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import type { Role } from '@tokenfleet/contract';
import { tokens } from '@tokenfleet/db';
import { operationJobId } from '@tokenfleet/domain';
import type { FullSystem } from '../support/full-system';
import { operationsOf } from '../support/system';

export const DASHBOARD_DIR = fileURLToPath(new URL('../../apps/dashboard/', import.meta.url));

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A laptop screen: the size the dashboard is made to read well on. */
export const VIEWPORT = { width: 1366, height: 768 };

function newestChange(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestChange(join(path, name))));
}

/** Builds the dashboard unless dist/ is newer than every source file, so the API serves the current UI. */
export async function ensureDashboardBuilt(): Promise<void> {
  const index = join(DASHBOARD_DIR, 'dist', 'index.html');
  const sources = [join(DASHBOARD_DIR, 'src'), join(DASHBOARD_DIR, 'index.html'), join(DASHBOARD_DIR, 'public')];
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(...sources.map(newestChange))) return;
  await promisify(execFile)('npm', ['run', '--silent', 'build', '--workspace', '@tokenfleet/dashboard'], { cwd: join(DASHBOARD_DIR, '..', '..') });
}

/** `extraArgs`: e.g. the sandbox's key pinned with --ignore-certificate-errors-spki-list (sign-in.test.ts). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not at ${CHROMIUM_PATH}: install Debian's package (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
  });
}

export interface Account {
  username: string;
  password: string;
  role: Role;
}

/** Makes a dashboard account through the API, as an admin would (with the bootstrap admin key). */
export async function createAccount(system: FullSystem, account: Account): Promise<void> {
  const response = await system.call('/api/v1/accounts', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  if (response.status !== 201 && response.status !== 200) throw new Error(`creating account ${account.username} answered ${response.status}: ${await response.text()}`);
}

/** Uncaught errors in any page: each is a dashboard bug, and the test file asserts there are none. */
export const pageErrors: string[] = [];

/**
 * Every API request the pages made, newest last: when it was answered, its status (with the body of a
 * refusal, and the `state` a token's answer carried) or why it failed in the browser. Not asserted (tests
 * provoke refusals on purpose), but named when a step fails, so a failure says whether the page asked, what
 * it was told, and whether a request never reached the API.
 */
export const apiTraffic: string[] = [];

const isApiRequest = (url: string) => new URL(url).pathname.startsWith('/api/');

/** One line of apiTraffic for an answered request: a refusal's body, or the `state` of what was answered. */
async function describeAnswer(status: number, text: () => Promise<string>): Promise<string> {
  const body = await text().catch(() => '');
  if (status >= 400) return body.slice(0, 300);
  try {
    const state = (JSON.parse(body) as { state?: unknown }).state;
    return typeof state === 'string' ? `state ${state}` : '';
  } catch {
    return '';
  }
}

/** Opens the dashboard in a fresh browser context (its own cookies) and signs in through the form. */
export async function signIn(browser: Browser, baseUrl: string, account: Account): Promise<Page> {
  // Reduced motion turns the progress bar's transition off, so a screenshot shows what the numbers say.
  const context = await browser.newContext({ viewport: VIEWPORT, baseURL: baseUrl, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(`${account.username}: ${error.message}`));
  const requestLine = (method: string, url: string) => `${new Date().toISOString()} ${account.username}: ${method} ${new URL(url).pathname}`;
  page.on('response', (response) => {
    if (!isApiRequest(response.url())) return;
    const line = requestLine(response.request().method(), response.url());
    void describeAnswer(response.status(), () => response.text()).then((said) => apiTraffic.push(`${line} → ${response.status()} ${said}`.trimEnd()));
  });
  page.on('requestfailed', (request) => {
    if (isApiRequest(request.url())) apiTraffic.push(`${requestLine(request.method(), request.url())} failed: ${request.failure()?.errorText ?? 'unknown'}`);
  });
  await page.goto('/');
  await page.getByLabel('User name').fill(account.username);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  return page;
}

/**
 * Screenshots for the README are written only when TOKENFLEET_SCREENSHOTS names a folder (e.g.
 * docs/screenshots), so an ordinary test run leaves the working tree as it was.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const folder = process.env.TOKENFLEET_SCREENSHOTS;
  if (!folder) return;
  mkdirSync(folder, { recursive: true });
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: options.fullPage ?? false });
}

/**
 * What the system holds about one token when a browser step waiting on it fails: its state, every
 * operation with its job in the queue, what the page's Actions region and error notices say, and the
 * pages' latest API requests with their answers. A failure that only says "still active after 60 s"
 * cannot tell a refused request, a page that never asked again, or a job that never ran apart.
 */
export async function explainToken(system: FullSystem, tokenId: string, page: Page | undefined): Promise<string> {
  const [token] = await system.client.db.select().from(tokens).where(eq(tokens.id, tokenId));
  const ops = await operationsOf(system.client.db, tokenId);
  const queue = system.worker?.context.tenant.queue;
  const lines = [`token ${tokenId}: ${token?.state ?? 'missing'}`];
  for (const op of ops.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    const job = queue ? await queue.getJob(operationJobId(op.kind, op.id, op.generation)) : undefined;
    const jobState = job ? await job.getState() : 'no job';
    lines.push(
      `  ${op.kind} ${op.status} gen ${op.generation} attempts ${op.attempts} created ${op.createdAt.toISOString()} updated ${op.updatedAt.toISOString()} job ${jobState}` +
        (op.lastErrorCode ? ` error ${op.lastErrorCode}: ${op.lastErrorMessage}` : ''),
    );
  }
  const actions = page ? await page.getByRole('region', { name: 'Actions' }).textContent({ timeout: 2_000 }).catch((error: Error) => `(unreadable: ${error.message})`) : '(no page)';
  const notices = page ? await page.locator('.notice-error, [role="alert"]').allTextContents().catch(() => []) : [];
  lines.push(`Actions region: ${actions}`, `Error notices: ${notices.length ? notices.join(' | ') : 'none'}`, 'API requests of the pages, latest last:', ...apiTraffic.slice(-12).map((line) => `  ${line}`));
  return lines.join('\n');
}

/** Runs a waiting step; when it fails, the error carries `explain()`'s account of the system. */
export async function explained<T>(step: () => Promise<T>, explain: () => Promise<string>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    const account = await explain().catch((failure: Error) => `(could not explain: ${failure.message})`);
    if (error instanceof Error) error.message = `${error.message}\n${account}`;
    throw error;
  }
}
