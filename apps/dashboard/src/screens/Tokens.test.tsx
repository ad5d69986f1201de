import { afterEach, describe, expect, it } from 'vitest';
import type { Token } from '@tokenfleet/contract';
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
      comment: null,
      lostAt: null,
      lostNote: null,
      createdAt: '2026-01-31T10:00:00.000Z',
      updatedAt: '2026-01-31T10:00:00.000Z',
    };
    rendered = render(<TokenTable tokens={[hostile]} />);
    const row = rendered.container.querySelector('tbody tr')!;
    expect(row.querySelector('img, script, b')).toBeNull();
    expect(row.querySelector('a')!.textContent).toBe('=HYPERLINK("http://evil.example","x")');
    expect(row.textContent).toContain('<img src=x onerror="window.pwned=1"> · <script>window.pwned=1</script>');
    expect(row.textContent).toContain('<b>judy</b>@contoso.example');
  });
});
