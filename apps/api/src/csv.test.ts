import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from './csv';

describe('csvCell', () => {
  it('prefixes what a spreadsheet would run as a formula', () => {
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('+441234')).toBe("'+441234");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('\rx')).toBe("\"'\rx\"");
  });

  it('quotes separators, quotes and line breaks, and leaves plain text alone', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
    expect(csvCell('602345670001')).toBe('602345670001');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('writes empty cells for null, ISO times for dates, JSON for objects', () => {
    expect(csvLine([null, undefined, 3, new Date('2026-01-02T03:04:05Z'), { a: 1 }])).toBe(',,3,2026-01-02T03:04:05.000Z,"{""a"":1}"\r\n');
  });
});
