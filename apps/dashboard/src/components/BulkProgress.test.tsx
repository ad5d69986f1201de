import { afterEach, describe, expect, it } from 'vitest';
import type { BulkAction, BulkPreview } from '@tokenfleet/contract';
import { render, type Rendered } from '../test/render';
import { confirmationFor } from './BulkActionBar';
import { bulkProgress, BulkProgress } from './BulkProgress';

function bulk(overrides: Partial<Omit<BulkAction, 'progress'>> & { progress?: Partial<BulkAction['progress']> }): BulkAction {
  const { progress, ...rest } = overrides;
  return {
    id: '6f1c2a4e-0000-4000-8000-000000000002',
    tenantId: 'sandbox',
    action: 'unassign',
    status: 'running',
    selection: { tokenIds: 50, filter: null },
    round: 0,
    createdBy: 'user:olivia',
    createdAt: '2026-01-31T10:00:00.000Z',
    cancelledBy: null,
    cancelledAt: null,
    finishedAt: null,
    operationsByStatus: { pending: 0, queued: 20, running: 0, succeeded: 28, failed: 0, cancelled: 0 },
    ...rest,
    progress: { total: 50, done: 28, failed: 0, skipped: 2, cancelled: 0, pending: 20, walked: 50, ...progress },
  };
}

let rendered: Rendered | undefined;
afterEach(() => rendered?.unmount());

describe('bulk progress', () => {
  it('counts done, failed and skipped tokens as finished and says so in words', () => {
    const view = bulkProgress(bulk({}));
    expect(view).toMatchObject({ total: 50, finished: 30, succeeded: 28, failed: 2, settled: false });
    expect(view.summary).toBe('Running: 28 of 50 tokens unassigned, 2 skipped');
    const cancelled = bulkProgress(bulk({ status: 'cancelled', action: 'disable', progress: { done: 10, skipped: 0, cancelled: 40, pending: 0 } }));
    expect(cancelled).toMatchObject({ finished: 50, settled: true });
    expect(cancelled.summary).toBe('Cancelled: 10 of 50 tokens disabled, 40 cancelled');
  });

  it('shows the bar and the counters, skipped ones marked as needing a look', () => {
    rendered = render(<BulkProgress bulk={bulk({})} />);
    const bar = rendered.container.querySelector('[role="progressbar"]')!;
    expect(bar.getAttribute('aria-label')).toBe('Progress of the bulk unassign');
    expect(bar.getAttribute('aria-valuenow')).toBe('30');
    const counters = [...rendered.container.querySelectorAll('.counter')].map((counter) => `${counter.querySelector('dt')!.textContent}=${counter.querySelector('dd')!.textContent}${counter.classList.contains('counter-failed') ? '!' : ''}`);
    expect(counters).toEqual(['Selected=50', 'Done=28', 'Failed=0', 'Skipped=2!', 'Cancelled=0', 'Pending=20']);
  });

  it('confirms with the count, the users affected and how many more there are', () => {
    const preview: BulkPreview = { action: 'delete', total: 1200, users: 1150, unassigned: 50, sampleUpns: ['a@contoso.example', 'b@contoso.example'], byState: { active: 1150, created: 50 } };
    const request = confirmationFor('delete', preview);
    expect(request).toMatchObject({ title: 'Delete from Entra 1,200 tokens?', confirmLabel: 'Delete from Entra 1,200 tokens', danger: true });
    rendered = render(<div>{request.body}</div>);
    const text = rendered.container.textContent!;
    expect(text).toContain('They are assigned to 1,150 users; 50 tokens to nobody:');
    expect([...rendered.container.querySelectorAll('li')].map((item) => item.textContent)).toEqual(['a@contoso.example', 'b@contoso.example', 'and 1,148 more users']);
    expect(text).toContain('Now 1,150 active, 50 created in Entra.');
  });
});
