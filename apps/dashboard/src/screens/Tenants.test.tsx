import { act } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Overview, Role, Tenant } from '@tokenfleet/contract';
import { buttonLabels, render, type Rendered } from '../test/render';
import { Tenants } from './Tenants';

const SETTINGS: Tenant['settings'] = {
  purgeSeedsWhenActive: false,
  obsoleteAfterDays: null,
  syncIntervalHours: 6,
  selfService: { enabled: false, eligibleImportIds: null, attemptsPerHour: 5 },
} as Tenant['settings'];

const sandbox: Tenant = {
  id: 'sandbox',
  name: 'Contoso (sandbox)',
  mode: 'sandbox',
  connection: {
    source: 'environment',
    entraTenantId: '11111111-1111-4111-8111-111111111111',
    clientId: '22222222-2222-4222-8222-222222222222',
    credential: 'secret',
    authorityHost: 'https://127.0.0.1:8443',
    graphBaseUrl: 'https://127.0.0.1:8443',
    lastTest: null,
  },
  settings: SETTINGS,
  lastSync: null,
  lastSyncedAt: null,
  unmanagedDevices: 0,
};

const fabrikam: Tenant = {
  ...sandbox,
  id: 'fabrikam',
  name: 'Fabrikam',
  mode: 'live',
  connection: {
    source: 'stored',
    entraTenantId: '33333333-3333-4333-8333-333333333333',
    clientId: '44444444-4444-4444-8444-444444444444',
    credential: 'certificate',
    authorityHost: null,
    graphBaseUrl: null,
    lastTest: { ok: false, at: '2026-12-01T09:00:00.000Z', message: 'AADSTS7000215: Invalid client secret provided.', graphStatus: 401, requestId: 'req-42' },
  },
};

const overview = {
  mode: 'sandbox',
  tenants: [
    { id: 'sandbox', name: sandbox.name, mode: 'sandbox', queue: { waiting: 3, active: 1, delayed: 2, failed: 0, completed: 9, rateLimitedUntil: null } },
    { id: 'fabrikam', name: fabrikam.name, mode: 'live', queue: { waiting: 0, active: 0, delayed: 0, failed: 4, completed: 0, rateLimitedUntil: null } },
  ],
} as unknown as Overview;

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** The API as the screen sees it: answers by method and path, and every request it was sent. */
let calls: Call[];
let answer: (call: Call) => { status: number; body?: unknown } | undefined;

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  calls = [];
  answer = () => undefined;
  vi.stubGlobal('fetch', async (url: string, init: RequestInit = {}) => {
    const call: Call = { method: init.method ?? 'GET', path: new URL(url, 'http://dashboard.invalid').pathname.replace('/api/v1', ''), body: init.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(call);
    const answered = answer(call);
    if (answered) return json(answered.status, answered.body);
    if (call.method === 'GET' && call.path === '/tenants') return json(200, [sandbox, fabrikam]);
    if (call.method === 'GET' && call.path === '/overview') return json(200, overview);
    return json(404, { error: { code: 'not_found', message: `no fake for ${call.method} ${call.path}` } });
  });
});

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  rendered = undefined;
  vi.unstubAllGlobals();
});

async function show(role: Role): Promise<HTMLElement> {
  rendered = render(<Tenants />, { id: '0f9e1c5e-1111-4a4a-9b9b-00000000000a', username: `${role}.person`, role });
  await vi.waitFor(() => expect(rendered!.container.querySelectorAll('.tenant-card')).toHaveLength(2));
  await vi.waitFor(() => expect(rendered!.container.textContent).toContain('4 failed'));
  return rendered.container;
}

const cardOf = (container: HTMLElement, name: string) => [...container.querySelectorAll<HTMLElement>('.tenant-card')].find((card) => card.querySelector('h2')!.textContent!.includes(name))!;

const factsOf = (card: HTMLElement) => Object.fromEntries([...card.querySelectorAll('.fact')].map((fact) => [fact.querySelector('dt')!.textContent, fact.querySelector('dd')!.textContent]));

/** Types into a field as a person would, so React's onChange runs. */
async function type(field: HTMLInputElement | HTMLTextAreaElement, value: string) {
  const prototype = field instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
  await act(async () => {
    Object.getOwnPropertyDescriptor(prototype, 'value')!.set!.call(field, value);
    field.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const labelled = <T extends HTMLElement>(scope: ParentNode, text: string): T => {
  const label = [...scope.querySelectorAll('label[for]')].find((candidate) => candidate.textContent?.trim() === text) as HTMLLabelElement | undefined;
  if (!label) throw new Error(`no field labelled ${text}`);
  return scope.querySelector<T>(`#${CSS.escape(label.htmlFor)}`)!;
};

const addForm = (container: HTMLElement) => container.querySelector<HTMLFormElement>('form.new-tenant-form')!;

async function submit(form: HTMLFormElement) {
  await act(async () => {
    form.requestSubmit();
  });
}

describe('the Tenants screen', () => {
  it('shows every tenant with where its connection comes from, its credential kind, the last test and its queue', async () => {
    const container = await show('viewer');
    const sandboxCard = cardOf(container, 'Contoso (sandbox)');
    expect(sandboxCard.querySelector('h2 .badge-sandbox')!.textContent).toBe('SANDBOX');
    expect(factsOf(sandboxCard)).toMatchObject({
      'Connection from': 'Environment (the built-in sandbox)',
      'Entra tenant id': '11111111-1111-4111-8111-111111111111',
      'Client id': '22222222-2222-4222-8222-222222222222',
      Credential: 'Client secret',
      'Last connection test': 'Never tested',
      Queue: '3 waiting · 1 active · 2 delayed · 0 failed',
    });
    const stored = cardOf(container, 'Fabrikam');
    expect(stored.querySelector('.badge-sandbox')).toBeNull();
    const facts = factsOf(stored);
    expect(facts['Connection from']).toBe('Added here');
    expect(facts.Credential).toBe('Certificate');
    expect(facts['Last connection test']).toContain('Failed');
    expect(facts['Last connection test']).toContain('AADSTS7000215: Invalid client secret provided.');
    expect(facts['Last connection test']).toContain('request-id req-42');
    expect(stored.querySelector('time[datetime="2026-12-01T09:00:00.000Z"]')).not.toBeNull();
    // Microsoft's global cloud is not worth a line; another authority is.
    expect(facts.Cloud).toBeUndefined();
    expect(factsOf(sandboxCard).Cloud).toContain('https://127.0.0.1:8443');
  });

  it.each(['viewer', 'operator'] as const)('offers a %s no control: no test, no replace, no form', async (role) => {
    const container = await show(role);
    expect(buttonLabels(container)).toEqual([]);
    expect(container.querySelectorAll('form, input, textarea')).toHaveLength(0);
    expect(container.textContent).not.toContain('Add a tenant');
  });

  it('offers an admin a connection test on every tenant, a credential replacement only where it is stored, and the form to add one', async () => {
    const container = await show('admin');
    expect(buttonLabels(cardOf(container, 'Contoso (sandbox)'))).toEqual(['Test connection']);
    expect(cardOf(container, 'Contoso (sandbox)').textContent).toContain('comes from the environment');
    expect(buttonLabels(cardOf(container, 'Fabrikam'))).toEqual(['Test connection', 'Replace credential']);
    expect(addForm(container).querySelector('h2')!.textContent).toBe('Add a tenant');
  });

  it('checks the form before sending: ids as GUIDs, a name, a credential, a PEM with its key, https addresses', async () => {
    const container = await show('admin');
    const form = addForm(container);
    await type(labelled(form, 'Entra tenant id'), 'contoso.onmicrosoft.com');
    await type(labelled(form, 'Client id'), '44444444-4444-4444-8444-44444444444');
    await submit(form);
    const errorOf = (label: string) => {
      const field = labelled(form, label);
      expect(field.getAttribute('aria-invalid'), label).toBe('true');
      return form.querySelector(`#${CSS.escape(field.getAttribute('aria-describedby')!.split(' ').pop()!)}`)!.textContent;
    };
    expect(errorOf('Name')).toContain('A name');
    expect(errorOf('Entra tenant id')).toContain('GUID');
    expect(errorOf('Client id')).toContain('GUID');
    expect(errorOf('Secret value')).toContain('client secret');

    // The certificate choice asks for a PEM holding both halves; the other cloud for https.
    const certificate = [...form.querySelectorAll<HTMLInputElement>('input[type="radio"]')][1]!;
    await act(async () => certificate.click());
    await type(labelled(form, 'Certificate and private key (PEM)'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await type(labelled(form, 'Authority host'), 'http://login.example');
    await submit(form);
    expect(errorOf('Certificate and private key (PEM)')).toContain('private key');
    expect(errorOf('Authority host')).toContain('https://');
    expect(calls.filter((call) => call.method !== 'GET')).toEqual([]);
  });

  it("places the API's 400 details on their fields, and forgets the secret once sent", async () => {
    answer = (call) =>
      call.method === 'POST' && call.path === '/tenants'
        ? { status: 400, body: { error: { code: 'validation_failed', message: 'Invalid body: name: Too big', details: [{ path: 'name', message: 'Too big: expected string to have <=120 characters' }, { path: 'clientSecret', message: 'give exactly one of clientSecret and clientCertificatePem' }] } } }
        : undefined;
    const container = await show('admin');
    const form = addForm(container);
    await type(labelled(form, 'Name'), 'Northwind');
    await type(labelled(form, 'Entra tenant id'), '55555555-5555-4555-8555-555555555555');
    await type(labelled(form, 'Client id'), '66666666-6666-4666-8666-666666666666');
    await type(labelled(form, 'Secret value'), 'not-the-right-secret');
    await submit(form);
    await vi.waitFor(() => expect(form.querySelector('[role="alert"]')).not.toBeNull());
    expect(calls.find((call) => call.method === 'POST')!.body).toEqual({
      name: 'Northwind',
      entraTenantId: '55555555-5555-4555-8555-555555555555',
      clientId: '66666666-6666-4666-8666-666666666666',
      clientSecret: 'not-the-right-secret',
    });
    expect(labelled(form, 'Name').getAttribute('aria-invalid')).toBe('true');
    expect(form.textContent).toContain('Too big: expected string to have <=120 characters');
    expect(form.textContent).toContain('give exactly one of clientSecret and clientCertificatePem');
    // The rest of what was typed stays to correct; the secret does not.
    expect(labelled<HTMLInputElement>(form, 'Name').value).toBe('Northwind');
    expect(labelled<HTMLInputElement>(form, 'Secret value').value).toBe('');
    expect(container.innerHTML).not.toContain('not-the-right-secret');
  });

  it('adds a tenant, clears the form, and tells the admin to test its connection', async () => {
    const northwind: Tenant = { ...fabrikam, id: 'northwind', name: 'Northwind', connection: { ...fabrikam.connection, credential: 'secret', lastTest: null } };
    let added = false;
    answer = (call) => {
      if (call.method === 'POST' && call.path === '/tenants') {
        added = true;
        return { status: 201, body: northwind };
      }
      if (call.method === 'GET' && call.path === '/tenants' && added) return { status: 200, body: [sandbox, fabrikam, northwind] };
      return undefined;
    };
    const container = await show('admin');
    const form = addForm(container);
    await type(labelled(form, 'Name'), 'Northwind');
    await type(labelled(form, 'Entra tenant id'), '55555555-5555-4555-8555-555555555555');
    await type(labelled(form, 'Client id'), '66666666-6666-4666-8666-666666666666');
    await type(labelled(form, 'Secret value'), 's3cr3t-value');
    await submit(form);
    await vi.waitFor(() => expect(container.querySelectorAll('.tenant-card')).toHaveLength(3));
    const card = cardOf(container, 'Northwind');
    expect(card.textContent).toContain('Test its connection now');
    expect(form.querySelector('[role="status"]')!.textContent).toContain('Northwind was added');
    for (const label of ['Name', 'Entra tenant id', 'Client id', 'Secret value']) expect(labelled<HTMLInputElement>(form, label).value, label).toBe('');
    expect(container.innerHTML).not.toContain('s3cr3t-value');
  });

  it('shows a connection test’s answer in place, with what Entra said', async () => {
    answer = (call) =>
      call.method === 'POST' && call.path === '/tenants/fabrikam/connection-test'
        ? { status: 200, body: { ok: false, at: '2026-12-02T10:00:00.000Z', message: "AADSTS90002: Tenant '33333333-3333-4333-8333-333333333333' not found.", graphStatus: 400 } }
        : undefined;
    const container = await show('admin');
    const card = cardOf(container, 'Fabrikam');
    const button = [...card.querySelectorAll('button')].find((candidate) => candidate.textContent === 'Test connection')!;
    await act(async () => button.click());
    const status = card.querySelector('[role="status"]')!;
    await vi.waitFor(() => expect(status.textContent).toContain("Connection failed: AADSTS90002: Tenant '33333333-3333-4333-8333-333333333333' not found."));
    expect(status.textContent).toContain('HTTP 400');
  });

  it('replaces a stored credential with exactly one credential in the body, then closes and clears the form', async () => {
    answer = (call) => (call.method === 'PUT' && call.path === '/tenants/fabrikam/connection' ? { status: 200, body: fabrikam } : undefined);
    const container = await show('admin');
    const card = cardOf(container, 'Fabrikam');
    await act(async () => [...card.querySelectorAll('button')].find((candidate) => candidate.textContent === 'Replace credential')!.click());
    const form = card.querySelector('form')!;
    // The certificate it has now is the one offered to replace; the PEM itself is never shown.
    expect(labelled<HTMLTextAreaElement>(form, 'Certificate and private key (PEM)').value).toBe('');
    expect(labelled<HTMLInputElement>(form, 'Client id').value).toBe('44444444-4444-4444-8444-444444444444');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
    await type(labelled(form, 'Certificate and private key (PEM)'), pem);
    await submit(form);
    await vi.waitFor(() => expect(card.querySelector('form')).toBeNull());
    expect(calls.find((call) => call.method === 'PUT')!.body).toEqual({ clientId: '44444444-4444-4444-8444-444444444444', clientCertificatePem: pem });
    expect(card.querySelector('[role="status"]')!.textContent).toContain('Credential replaced');
    expect(container.innerHTML).not.toContain('MIIE');
  });
});
