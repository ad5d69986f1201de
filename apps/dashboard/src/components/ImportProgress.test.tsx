import { afterEach, describe, expect, it } from 'vitest';
import type { Import } from '@tokenfleet/contract';
import { render, type Rendered } from '../test/render';
import { importProgress, ImportProgress, importStatusLabel } from './ImportProgress';

function summary(overrides: Partial<Omit<Import, 'progress'>> & { progress?: Partial<Import['progress']> }): Import {
  const { progress, ...rest } = overrides;
  return {
    id: '6f1c2a4e-0000-4000-8000-000000000001',
    tenantId: 'sandbox',
    fileName: 'messy.csv',
    format: 'csv',
    mode: 'activate',
    status: 'running',
    totalRows: 12,
    validRows: 6,
    rejectedRows: 6,
    duplicateRows: 0,
    createdBy: 'user:alice',
    createdAt: '2026-01-31T10:00:00.000Z',
    finishedAt: null,
    error: null,
    tokensByState: { imported: 0, created: 0, assigned: 0, active: 0, failed: 0, disabled: 0, lost: 0, retired: 0, deleted: 0 },
    pace: null,
    ...rest,
    progress: { validated: 6, created: 0, assigned: 0, activated: 0, failed: 0, pending: 6, ...progress },
  };
}

let rendered: Rendered | undefined;
afterEach(() => rendered?.unmount());

describe('import progress', () => {
  it('counts a token as finished once nothing is pending for it, and splits failures out', () => {
    const view = importProgress(summary({ progress: { activated: 3, failed: 1, pending: 2 } }));
    expect(view).toMatchObject({ total: 6, finished: 4, succeeded: 3, failed: 1, settled: false });
    expect(view.summary).toBe('Running: 4 of 6 tokens finished, 1 failed');
  });

  it('says how fast a running import goes and how long the rest should take, once a token has finished', () => {
    const now = Date.parse('2026-01-31T10:05:00.000Z');
    const inMinutes = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
    const running = (pace: Import['pace']) => importProgress(summary({ pace, progress: { activated: 3, pending: 3 } }), 0, now).summary;
    expect(running({ tokensPerMinute: 1234.4, estimatedFinishAt: inMinutes(12) })).toBe('Running: 3 of 6 tokens finished · 1,234 tokens/min, about 12 min left');
    expect(running({ tokensPerMinute: 60, estimatedFinishAt: inMinutes(0.5) })).toBe('Running: 3 of 6 tokens finished · 60 tokens/min, less than a minute left');
    expect(running({ tokensPerMinute: 5, estimatedFinishAt: inMinutes(125) })).toBe('Running: 3 of 6 tokens finished · 5 tokens/min, about 2 h 5 min left');
    expect(running({ tokensPerMinute: 0, estimatedFinishAt: null })).toBe('Running: 3 of 6 tokens finished');
    expect(running(null)).toBe('Running: 3 of 6 tokens finished');
  });

  it('counts failed jobs that left their token unfailed (an unknown user) as failures too', () => {
    const finishedWithFailedAssignments = summary({ status: 'completed_with_errors', progress: { created: 6, pending: 0 } });
    expect(importProgress(finishedWithFailedAssignments)).toMatchObject({ succeeded: 6, failed: 0 });
    expect(importProgress(finishedWithFailedAssignments, 4)).toMatchObject({ succeeded: 2, failed: 4, summary: 'Completed: 4 failed, 6 rows rejected' });
  });

  it('is settled only once the import left validating and running', () => {
    expect(importProgress(summary({ status: 'validating', validRows: 0, progress: { validated: 0, pending: 0 } }))).toMatchObject({ settled: false, summary: 'Validating the file…' });
    expect(importProgress(summary({ status: 'completed_with_errors', progress: { activated: 6, pending: 0 } }))).toMatchObject({
      settled: true,
      finished: 6,
    });
    expect(importProgress(summary({ status: 'failed', validRows: 0, error: 'The file was refused: not a seed file' }))).toMatchObject({
      settled: true,
      summary: 'Failed: The file was refused: not a seed file',
    });
  });

  it("says what a finished import did in an operator's words", () => {
    const states = (active: number, created = 0) => ({ imported: 0, created, assigned: 0, active, failed: 0, disabled: 0, lost: 0, retired: 0, deleted: 0 });
    const done = summary({ status: 'completed_with_errors', validRows: 48, rejectedRows: 2, totalRows: 50, tokensByState: states(48), progress: { pending: 0, activated: 48 } });
    expect(importProgress(done).summary).toBe('Completed: 48 tokens active, 2 rows rejected');
    const mixed = summary({ status: 'completed', validRows: 3, rejectedRows: 0, totalRows: 3, tokensByState: states(2, 1), progress: { pending: 0 } });
    expect(importProgress(mixed).summary).toBe('Completed: 2 tokens active, 1 token in Entra, unassigned');
    const nothing = summary({ status: 'completed_with_errors', validRows: 0, rejectedRows: 4, duplicateRows: 1, totalRows: 5, progress: { validated: 0, pending: 0 } });
    expect(importProgress(nothing).summary).toBe('Nothing imported: no row of the file was valid (4 rows rejected, 1 row already in the inventory)');
    expect(importStatusLabel(nothing)).toBe('Nothing imported');
    expect(importStatusLabel(done)).toBe('Completed with errors');
  });

  it('tells assistive technology how far the import is, on a bar whose segments add up to what finished', () => {
    rendered = render(<ImportProgress summary={summary({ progress: { activated: 3, failed: 1, pending: 2 } })} />);
    const bar = rendered.container.querySelector('[role="progressbar"]')!;
    expect(bar.getAttribute('aria-valuenow')).toBe('4');
    expect(bar.getAttribute('aria-valuemax')).toBe('6');
    expect(bar.getAttribute('aria-valuetext')).toBe('Running: 4 of 6 tokens finished, 1 failed');
    const [succeeded, failed] = [...bar.querySelectorAll('span')].map((segment) => segment.style.width);
    expect(succeeded).toBe('50%');
    expect(failed).toMatch(/^16\.66/);
  });
});
