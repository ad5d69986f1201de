import { act } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Tenant } from '@tokenfleet/contract';
import { render, type Rendered } from '../test/render';
import { Imports } from './Imports';

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  vi.unstubAllGlobals();
});

const tenant = (id: string, name: string, mode: Tenant['mode']) => ({ id, name, mode });
const OPERATOR = { id: '0f9e1c5e-1111-4a4a-9b9b-000000000001', username: 'olga', role: 'operator' as const };

/** The API as the upload form meets it: the tenants given, no imports yet; uploads are recorded. */
function fakeApi(tenants: ReturnType<typeof tenant>[]) {
  const uploads: FormData[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const path = new URL(url, 'http://dashboard.test').pathname;
    const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    if (path.endsWith('/tenants')) return json(tenants);
    if (path.endsWith('/imports') && init.method === 'POST') {
      uploads.push(init.body as FormData);
      return json({ id: '6f1c2a4e-0000-4000-8000-000000000001' }, 202);
    }
    if (path.endsWith('/imports')) return json({ items: [], nextCursor: null });
    return json({ error: { code: 'not_found', message: 'not here' } }, 404);
  });
  return uploads;
}

async function upload(container: HTMLElement) {
  const input = container.querySelector<HTMLInputElement>('input[type=file]')!;
  const file = new File(['serial,secret\n'], 'tokens.csv', { type: 'text/csv' });
  await act(async () => {
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
  await act(async () => {
    container.querySelector<HTMLFormElement>('form.upload-form')!.requestSubmit();
  });
}

const settle = () => act(async () => { await new Promise((resolve) => setTimeout(resolve, 0)); });

describe('the upload form with several Entra tenants', () => {
  it('asks which tenant the tokens go to, and sends the one shown even when the operator did not touch it', async () => {
    const uploads = fakeApi([tenant('entra-aaaa', 'Fabrikam', 'live'), tenant('sandbox', 'SANDBOX (simulated Entra)', 'sandbox')]);
    rendered = render(<Imports />, OPERATOR);
    await settle();
    const select = rendered.container.querySelector<HTMLSelectElement>('select[id$="-tenant"]')!;
    expect([...select.options].map((option) => option.textContent)).toEqual(['Fabrikam', 'SANDBOX (simulated Entra) (SANDBOX)']);
    await upload(rendered.container);
    expect(uploads[0]!.get('tenantId')).toBe('entra-aaaa');

    await act(async () => {
      select.value = 'sandbox';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    await upload(rendered.container);
    expect(uploads[1]!.get('tenantId')).toBe('sandbox');
    // The tenant comes before the file: the API reads the file for it.
    expect([...uploads[1]!.keys()].indexOf('tenantId')).toBeLessThan([...uploads[1]!.keys()].indexOf('file'));
  });

  it('offers no choice with one tenant, and names none', async () => {
    const uploads = fakeApi([tenant('sandbox', 'SANDBOX (simulated Entra)', 'sandbox')]);
    rendered = render(<Imports />, OPERATOR);
    await settle();
    expect(rendered.container.querySelector('select[id$="-tenant"]')).toBeNull();
    await upload(rendered.container);
    expect(uploads[0]!.has('tenantId')).toBe(false);
  });
});
