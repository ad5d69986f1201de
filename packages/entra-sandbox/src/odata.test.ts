import { describe, expect, it } from 'vitest';
import { FilterSyntaxError, filterProblem, matchesFilter, parseFilter } from './odata';

describe('parseFilter', () => {
  it("reads eq, startswith, and/or precedence and '' escapes", () => {
    expect(parseFilter("serialNumber eq 'O''Neil 1' and timeIntervalInSeconds eq 60 or startswith(displayName,'a')")).toEqual({
      kind: 'or',
      left: {
        kind: 'and',
        left: { kind: 'eq', field: 'serialNumber', value: "O'Neil 1" },
        right: { kind: 'eq', field: 'timeIntervalInSeconds', value: 60 },
      },
      right: { kind: 'startswith', field: 'displayName', value: 'a' },
    });
  });

  it('refuses what it cannot read', () => {
    for (const text of ["serialNumber eq 'open", "serialNumber gt 'a'", 'serialNumber eq', "startswith(displayName 'a')", "(status eq 'a'", '']) {
      expect(() => parseFilter(text), text).toThrow(FilterSyntaxError);
    }
  });
});

describe('filterProblem and matchesFilter', () => {
  const rules = { fields: { serialNumber: 'string' as const, timeIntervalInSeconds: 'number' as const }, startswith: false, or: false };

  it('rejects fields, operators and literal types a collection does not allow', () => {
    expect(filterProblem(parseFilter("serialNumber eq 'a'"), rules)).toBeNull();
    expect(filterProblem(parseFilter("model eq 'a'"), rules)).toMatch(/model/);
    expect(filterProblem(parseFilter("serialNumber eq 'a' or serialNumber eq 'b'"), rules)).toMatch(/or/);
    expect(filterProblem(parseFilter("startswith(serialNumber,'a')"), rules)).toMatch(/startswith/);
    expect(filterProblem(parseFilter("timeIntervalInSeconds eq '30'"), rules)).toMatch(/number/);
  });

  it('compares strings without regard to case and numbers exactly', () => {
    const item: Record<string, string | number> = { serialNumber: 'TF-001', timeIntervalInSeconds: 30 };
    const read = (field: string) => item[field];
    expect(matchesFilter(parseFilter("serialNumber eq 'tf-001' and timeIntervalInSeconds eq 30"), read)).toBe(true);
    expect(matchesFilter(parseFilter("serialNumber eq 'tf-001' and timeIntervalInSeconds eq 60"), read)).toBe(false);
    expect(matchesFilter(parseFilter("startswith(serialNumber,'TF-')"), read)).toBe(true);
  });

  it("reads `in (...)` as one of the values, up to the collection's limit", () => {
    const withIn = { ...rules, inValues: 3 };
    const read = (field: string) => ({ serialNumber: 'TF-002' })[field];
    expect(filterProblem(parseFilter("serialNumber in ('a','b')"), rules)).toMatch(/'in' is not supported/);
    expect(filterProblem(parseFilter("serialNumber in ('a','tf-002','c')"), withIn)).toBeNull();
    expect(filterProblem(parseFilter("serialNumber in ('a','b','c','d')"), withIn)).toMatch(/Max allowed: 3/);
    expect(filterProblem(parseFilter("serialNumber in ('a',2)"), withIn)).toMatch(/string/);
    expect(matchesFilter(parseFilter("serialNumber in ('a','tf-002','c')"), read)).toBe(true);
    expect(matchesFilter(parseFilter("serialNumber in ('a','c')"), read)).toBe(false);
    expect(() => parseFilter("serialNumber in ('a',)")).toThrow(FilterSyntaxError);
    expect(() => parseFilter("serialNumber in 'a'")).toThrow(FilterSyntaxError);
  });
});
