import { describe, expect, it } from 'vitest';
import { odataEquals, odataString, queryString, renderPath } from './odata';

describe('odataString', () => {
  it('doubles single quotes inside the literal', () => {
    expect(odataString("o'brien")).toBe("'o''brien'");
    expect(odataString("''")).toBe("''''''");
    expect(odataString('plain')).toBe("'plain'");
  });
});

describe('odataEquals', () => {
  it('quotes strings and leaves numbers bare', () => {
    expect(odataEquals('serialNumber', "SN'1")).toBe("serialNumber eq 'SN''1'");
    expect(odataEquals('timeIntervalInSeconds', 30)).toBe('timeIntervalInSeconds eq 30');
  });
});

describe('renderPath', () => {
  it('percent-encodes each parameter into its own segment', () => {
    expect(renderPath('/users/{user}/authentication/hardwareOathMethods/{id}/activate', { user: 'ann.o+x@contoso.com', id: 'a/b?c#d' })).toBe(
      '/users/ann.o%2Bx%40contoso.com/authentication/hardwareOathMethods/a%2Fb%3Fc%23d/activate',
    );
  });

  it('refuses a missing or empty parameter rather than calling the wrong URL', () => {
    expect(() => renderPath('/users/{user}', {})).toThrow(/\{user\}/);
    expect(() => renderPath('/users/{user}', { user: '' })).toThrow(/empty/);
  });
});

describe('queryString', () => {
  it('encodes values, keeps $ names, drops undefined', () => {
    expect(queryString({ $filter: "serialNumber eq 'A&B #1'", $top: 5, $select: undefined })).toBe(
      "?$filter=serialNumber%20eq%20'A%26B%20%231'&$top=5",
    );
    expect(queryString({})).toBe('');
  });
});
