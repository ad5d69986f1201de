// The Validation screen in Debian's Chromium against the real API (Postgres, Redis, the built dashboard):
// a gateway's wrong codes lock a user over the TOTPRadius routes; an operator sees the lock and unlocks;
// the user's right code is then accepted and shows on the token's detail; a token whose seed was purged
// says it cannot be checked. No worker or sandbox: nothing here reaches Graph.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { tokens } from '@tokenfleet/db';
import { base32Decode, base32Encode, totpCode } from '@tokenfleet/domain';
import { startTestApi, type TestApi } from '../../apps/api/test/helpers';
import { ensureDashboardBuilt, launchChromium, pageErrors, screenshot, signIn, type Account } from './support';

const operator: Account = { username: 'oscar.operator', password: `op-${randomBytes(12).toString('hex')}`, role: 'operator' };

let t: TestApi;
let browser: Browser;
let page: Page;
let validatorKey: string;
const seed = base32Encode(randomBytes(20));
const tokenId = randomUUID();
const purgedId = randomUUID();

async function insertToken(id: string, serial: string, upn: string, withSeed: boolean): Promise<void> {
  const sealed = t.api.deps.vault.encrypt(id, seed);
  await t.api.deps.db.insert(tokens).values({
    id,
    tenantId: t.api.deps.tenant.id,
    serialNumber: serial,
    manufacturer: 'Token2',
    model: 'C202',
    displayName: 'Token2 C202',
    hashFunction: 'hmacsha1',
    state: 'active',
    assignedUpn: upn,
    ...(withSeed ? { secretKeyId: sealed.keyId, secretCiphertext: sealed.ciphertext } : {}),
  });
}

const validate = async (userid: string, code: string) => {
  const response = await fetch(`${t.url}/validate?${new URLSearchParams({ api_key: validatorKey, userid, token: code, format: '1' })}`);
  return (await response.json()) as { validation: string; response: string };
};

beforeAll(async () => {
  [t] = await Promise.all([startTestApi({ overrides: { bootstrapAccount: { username: operator.username, password: operator.password, role: 'operator' } } }), ensureDashboardBuilt()]);
  browser = await launchChromium();
  validatorKey = (await t.call('POST', '/api/v1/api-keys', { json: { name: 'vpn-gateway', role: 'validator' } })).body.key;
  await insertToken(tokenId, 'VAL-0001', 'mallory@contoso.example', true);
  await insertToken(purgedId, 'VAL-0002', 'peggy@contoso.example', false);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the Validation screen in a browser', () => {
  it('shows a user locked by failed validations, and an operator unlocks them', async () => {
    const right = totpCode({ secret: base32Decode(seed)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, Date.now());
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < 10; i += 1) await validate('mallory@contoso.example', wrong);
    expect((await validate('mallory@contoso.example', right)).response).toBe('user locked after too many failed validations');

    page = await signIn(browser, t.url, operator);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Validation', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Validation' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: 'mallory@contoso.example' });
    await row.getByText(/^Locked until/).waitFor();
    expect(await row.textContent()).toContain('VAL-0001');
    await screenshot(page, 'validation');

    await row.getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Unlock' }).click();
    await page.getByRole('status').getByText('mallory@contoso.example is unlocked.').waitFor();
    await expect.poll(async () => (await row.textContent()) ?? '').not.toContain('Locked');
  });

  it("accepts the user's next right code and shows it on the token's detail", async () => {
    // The code of the next step: the step of the refused one may already be spent by nobody, but a new one is surely fresh.
    const next = totpCode({ secret: base32Decode(seed)!, hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 }, Date.now(), 1);
    expect((await validate('mallory@contoso.example', next)).validation).toBe('true');
    await page.goto(`/tokens/${tokenId}`);
    await page.getByRole('heading', { level: 2, name: 'Validations' }).waitFor();
    const table = page.getByRole('table', { name: 'Validations of this token, newest first' });
    await table.getByRole('cell', { name: 'Accepted' }).waitFor();
    expect(await table.getByRole('cell', { name: 'Refused: locked' }).count()).toBeGreaterThan(0);
    expect(await table.getByRole('cell', { name: 'vpn-gateway' }).count()).toBeGreaterThan(1);
  });

  it("says on a purged token's detail that its codes cannot be checked", async () => {
    await page.goto(`/tokens/${purgedId}`);
    await page.getByText("This token's seed was purged, so the validation API cannot check its codes", { exact: false }).waitFor();
    expect(await page.getByText('Purged: its codes cannot be checked').count()).toBe(1);
  });

  it('raised no error in any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
