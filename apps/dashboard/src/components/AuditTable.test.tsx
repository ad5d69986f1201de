import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '@tokenfleet/contract';
import { render, type Rendered } from '../test/render';
import { rowNumbering } from '../screens/ImportDetail';
import { AuditTable } from './AuditTable';

let rendered: Rendered | undefined;
afterEach(() => rendered?.unmount());

const event: AuditEvent = {
  id: 7,
  at: '2026-01-31T10:00:00.000Z',
  actor: 'user:a-rather-long-operator-name',
  action: 'graph.activate',
  targetType: 'token',
  targetId: '0f9e1c5e-1111-4a4a-9b9b-000000000001',
  tokenId: '0f9e1c5e-1111-4a4a-9b9b-000000000001',
  importId: null,
  operationId: null,
  outcome: 'success',
  graphStatus: 204,
  graphRequestId: 'req-1',
  durationMs: 42,
  detail: { result: 'ok' },
};

describe('audit table', () => {
  it('puts the target under the action, and keeps the whole of every cut value in a title', () => {
    rendered = render(<AuditTable events={[event]} caption="events" />);
    const cells = [...rendered.container.querySelectorAll('tbody td')];
    expect(cells[1]!.getAttribute('title')).toBe('user:a-rather-long-operator-name');
    expect(cells[1]!.className).toContain('truncate');
    const action = cells[2]!;
    expect([...action.querySelectorAll('.block')].map((line) => line.textContent)).toEqual(['graph.activate', 'token 0f9e1c5e']);
    expect(action.querySelector('a')!.getAttribute('href')).toBe('/tokens/0f9e1c5e-1111-4a4a-9b9b-000000000001');
    // The Graph call has its own column on wide screens and opens the detail on narrow ones.
    expect(rendered.container.querySelector('thead th.prio-low')!.textContent).toBe('Graph call');
    const detail = cells[cells.length - 1]!;
    expect(detail.querySelector('.prio-narrow')!.textContent).toBe('HTTP 204 · 42 ms');
    expect(detail.getAttribute('title')).toBe('HTTP 204 · 42 ms · request-id req-1\nresult: ok');
  });

  it('leaves the target out on a token\'s own page', () => {
    rendered = render(<AuditTable events={[event]} caption="events" showTarget={false} />);
    expect(rendered.container.querySelectorAll('tbody td')[2]!.textContent).toBe('graph.activate');
    expect(rendered.container.querySelectorAll('thead th')[2]!.textContent).toBe('Action');
  });
});

describe('row numbers of row errors', () => {
  it('say what they count, by format', () => {
    expect(rowNumbering('csv')).toEqual({ header: 'Row (header = 1)', explanation: expect.stringContaining('the header is row 1, the first token is row 2') });
    expect(rowNumbering('json').header).toBe('Item');
    expect(rowNumbering('pskc').header).toBe('Key package');
  });
});
