import { act } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { navigate } from '../router';
import { render, type Rendered } from '../test/render';
import { FilterForm, filtersFrom, isoToLocalInput, localInputToIso, useAppliedFilters, type FilterField } from './FilterForm';

const FIELDS: readonly FilterField[] = [{ name: 'serial', label: 'Serial starts with' }];

let rendered: Rendered | undefined;
afterEach(() => {
  rendered?.unmount();
  navigate('/');
});

function Screen({ seen }: { seen: Record<string, string>[] }) {
  const applied = useAppliedFilters(FIELDS);
  seen.push(applied);
  // A fresh object on every render, as a careless caller might pass: the form must not loop on it.
  return <FilterForm path="/tokens" fields={FIELDS} applied={{ ...applied }} label="Filter tokens" />;
}

const serialInput = () => rendered!.container.querySelector('input')!;

describe('the filter form', () => {
  it('shows the filters of a new address, and the applied filters stay one object while the address does', () => {
    navigate('/tokens?serial=6023');
    const seen: Record<string, string>[] = [];
    rendered = render(<Screen seen={seen} />);
    expect(serialInput().value).toBe('6023');

    act(() => navigate('/tokens?serial=7100'));
    expect(serialInput().value).toBe('7100');
    const forOneAddress = seen.filter((applied) => applied.serial === '7100');
    expect(forOneAddress.length).toBeGreaterThan(0);
    expect(new Set(forOneAddress).size).toBe(1);
  });
});

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
