import { describe, expect, it } from 'vitest';
import { filtersFrom, isoToLocalInput, localInputToIso } from './FilterForm';

describe('filter values', () => {
  it('shows a UTC instant in the viewer’s zone and sends what was picked back as the same instant', () => {
    for (const iso of ['2026-01-31T23:30:00.000Z', '2026-07-01T00:00:00.000Z', '2026-03-29T01:15:00.000Z']) {
      const shown = isoToLocalInput(iso);
      expect(shown).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/);
      expect(localInputToIso(shown)).toBe(iso);
    }
  });

  it('treats an empty or unreadable time as no filter', () => {
    expect(localInputToIso('')).toBe('');
    expect(isoToLocalInput('')).toBe('');
    expect(isoToLocalInput('yesterday')).toBe('');
  });

  it('reads every filter from the address, absent ones as empty', () => {
    const fields = [{ name: 'state', label: 'State' }, { name: 'serial', label: 'Serial' }];
    expect(filtersFrom(new URLSearchParams('state=failed&limit=5'), fields)).toEqual({ state: 'failed', serial: '' });
  });
});
