import { afterEach, describe, expect, it } from 'vitest';
import type { Token } from '@tokenfleet/contract';
import { TOKEN_DEFAULTS } from '../test/fixtures';
import { render, type Rendered } from '../test/render';
import { TokenTable } from './Tokens';

let rendered: Rendered | undefined;
afterEach(() => rendered?.unmount());

describe('token table', () => {
  it('shows a serial number or model holding markup or a spreadsheet formula as the text it is', () => {
    const hostile: Token = {
      id: '0f9e1c5e-1111-4a4a-9b9b-000000000009',
      tenantId: 'sandbox',
      serialNumber: '=HYPERLINK("http://evil.example","x")',
      manufacturer: '<img src=x onerror="window.pwned=1">',
      model: '<script>window.pwned=1</script>',
      displayName: 'x',
      hashFunction: 'hmacsha1',
      timeIntervalSeconds: 30,
      state: 'imported',
      assignedUpn: '<b>judy</b>@contoso.example',
      importId: null,
      lastError: null,
      lastUsedAt: null,
      createdAt: '2026-01-31T10:00:00.000Z',
      updatedAt: '2026-01-31T10:00:00.000Z',
      ...TOKEN_DEFAULTS,
    };
    rendered = render(<TokenTable tokens={[hostile]} />);
    const row = rendered.container.querySelector('tbody tr')!;
    expect(row.querySelector('img, script, b')).toBeNull();
    expect(row.querySelector('a')!.textContent).toBe('=HYPERLINK("http://evil.example","x")');
    expect(row.textContent).toContain('<img src=x onerror="window.pwned=1"> · <script>window.pwned=1</script>');
    expect(row.textContent).toContain('<b>judy</b>@contoso.example');
  });
});

describe('token table columns', () => {
  const token: Token = {
    id: '0f9e1c5e-1111-4a4a-9b9b-000000000010',
    tenantId: 'sandbox',
    serialNumber: '602345670001',
    manufacturer: 'Token2',
    model: 'C202',
    displayName: 'Token2 C202 - 602345670001',
    hashFunction: 'hmacsha1',
    timeIntervalSeconds: 30,
    state: 'retired',
    assignedUpn: 'ada.lovelace@contoso.example',
    importId: '6f1c2a4e-0000-4000-8000-000000000001',
    lastError: null,
    lastUsedAt: '2026-01-31T10:00:00.000Z',
    createdAt: '2026-01-31T10:00:00.000Z',
    updatedAt: '2026-01-31T10:00:00.000Z',
    ...TOKEN_DEFAULTS,
    status: 'OBSOLETE',
    statusReason: 'Out of service for good: the token is retired',
    assignedUserDisplayName: 'Ada Lovelace',
    expiresAt: '2029-12-31T23:59:59.999Z',
  };

  it('shows the status badge with the finer state beside it, and the reason on hover', () => {
    rendered = render(<TokenTable tokens={[token]} />);
    const status = rendered.container.querySelector('.status-with-state')!;
    expect(status.querySelector('.badge')!.textContent).toBe('OBSOLETE');
    expect(status.querySelector('.token-state')!.textContent).toBe('Retired');
    expect(status.getAttribute('title')).toBe('OBSOLETE: Out of service for good: the token is retired (state: Retired)');
  });

  it("shows the user's display name beside the UPN, both whole on hover, and cuts long values short with their text in a title", () => {
    rendered = render(<TokenTable tokens={[token]} />);
    const user = rendered.container.querySelector('.user-cell')!;
    expect([...user.querySelectorAll('.truncate')].map((line) => line.textContent)).toEqual(['Ada Lovelace', 'ada.lovelace@contoso.example']);
    expect(user.getAttribute('title')).toBe('Ada Lovelace <ada.lovelace@contoso.example>');
    const model = [...rendered.container.querySelectorAll('td')].find((cell) => cell.textContent === 'Token2 · C202')!;
    expect(model.className).toContain('truncate');
    expect(model.getAttribute('title')).toBe('Token2 · C202');
    // Columns that give way first on narrow screens are marked so in the header and the cells alike.
    const lowHeaders = [...rendered.container.querySelectorAll('thead th.prio-low')].map((th) => th.textContent);
    expect(lowHeaders).toEqual(['Expires', 'Last used', 'Import']);
    expect(rendered.container.querySelectorAll('tbody td.prio-low')).toHaveLength(3);
    expect(rendered.container.querySelector('time[datetime="2029-12-31T23:59:59.999Z"]')).not.toBeNull();
  });
});
