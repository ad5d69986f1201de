import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { checkCode, isLocked, otpauthUri, phpSerialize, totpCode, totpStep, xmlDocument, type TotpKey, type ValidationCandidate } from '../../src/index';

const key = (seed: string): TotpKey => ({ secret: Buffer.from(seed), hashFunction: 'hmacsha1', periodSeconds: 30, digits: 6 });
const NOW = Date.UTC(2026, 11, 1, 12, 0, 10);

describe('phpSerialize', () => {
  it('writes an associative array of strings the way PHP does, with byte lengths', () => {
    expect(phpSerialize({ response: 'user created', success: 'true' })).toBe('a:2:{s:8:"response";s:12:"user created";s:7:"success";s:4:"true";}');
    // "é" is two bytes in UTF-8, "€" three.
    expect(phpSerialize({ name: 'é€' })).toBe('a:1:{s:4:"name";s:5:"é€";}');
  });

  it('writes the scalar types and lists with integer keys', () => {
    expect(phpSerialize([true, false, null, 7, 1.5, '"quoted"'])).toBe('a:6:{i:0;b:1;i:1;b:0;i:2;N;i:3;i:7;i:4;d:1.5;i:5;s:8:""quoted"";}');
    expect(phpSerialize({ '12': 'a', '012': 'b' })).toBe('a:2:{i:12;s:1:"a";s:3:"012";s:1:"b";}');
  });
});

describe('xmlDocument', () => {
  it('is well formed, one element per field, and survives special characters', () => {
    const text = xmlDocument('result', { response: 'a <b> & "c"', userid: 'u1', validation: 'false', empty: null });
    expect(XMLValidator.validate(text)).toBe(true);
    const parsed = new XMLParser({ parseTagValue: false }).parse(text);
    expect(parsed.result).toEqual({ response: 'a <b> & "c"', userid: 'u1', validation: 'false', empty: '' });
  });

  it('refuses a field name that would not parse', () => {
    expect(() => xmlDocument('result', { 'two words': 'x' })).toThrow(/element name/);
  });
});

describe('checkCode', () => {
  const a: ValidationCandidate = { id: 'a', key: key('12345678901234567890'), driftSteps: 0, lastAcceptedStep: null };
  const b: ValidationCandidate = { id: 'b', key: key('abcdefghijabcdefghij'), driftSteps: 0, lastAcceptedStep: null };

  it('finds the token a code belongs to, with its step and drift', () => {
    const result = checkCode([a, b], totpCode(b.key, NOW, 1), NOW, 1);
    expect(result).toEqual({ outcome: 'match', candidateId: 'b', step: totpStep(NOW, 30) + 1, driftSteps: 1, previousDriftSteps: 0 });
  });

  it('refuses a wrong code and a code outside the window', () => {
    expect(checkCode([a], totpCode(a.key, NOW) === '000000' ? '111111' : '000000', NOW, 1)).toEqual({ outcome: 'no_match' });
    expect(checkCode([a], totpCode(a.key, NOW, 2), NOW, 1)).toEqual({ outcome: 'no_match' });
    expect(checkCode([a], '12345', NOW, 1)).toEqual({ outcome: 'no_match' });
  });

  it('calls a code at or before the last accepted step a replay', () => {
    const step = totpStep(NOW, 30);
    expect(checkCode([{ ...a, lastAcceptedStep: step }], totpCode(a.key, NOW), NOW, 1)).toEqual({ outcome: 'replay', candidateId: 'a', step, lastAcceptedStep: step });
    expect(checkCode([{ ...a, lastAcceptedStep: step }], totpCode(a.key, NOW, -1), NOW, 1).outcome).toBe('replay');
    expect(checkCode([{ ...a, lastAcceptedStep: step - 1 }], totpCode(a.key, NOW), NOW, 1).outcome).toBe('match');
  });

  it('follows a token whose clock runs ahead by one step a month, for years', () => {
    // The token's clock gains a step every 30 days; each month one code is validated and its drift stored.
    let token: ValidationCandidate = { ...a };
    const month = 30 * 24 * 3600 * 1000;
    for (let m = 1; m <= 36; m += 1) {
      const now = NOW + m * month;
      const result = checkCode([token], totpCode(token.key, now, m), now, 1);
      expect(result).toMatchObject({ outcome: 'match', driftSteps: m });
      if (result.outcome !== 'match') return;
      token = { ...token, driftSteps: result.driftSteps, lastAcceptedStep: result.step };
    }
    // Without the stored drift, the same token three years on is far outside the window.
    const later = NOW + 36 * month;
    expect(checkCode([{ ...a }], totpCode(a.key, later, 36), later, 1)).toEqual({ outcome: 'no_match' });
  });
});

describe('isLocked and otpauthUri', () => {
  it('holds a lock until the clear-timeout, or forever with a timeout of 0', () => {
    expect(isLocked(null, NOW, 1000)).toBe(false);
    expect(isLocked(NOW, NOW + 999, 1000)).toBe(true);
    expect(isLocked(NOW, NOW + 1000, 1000)).toBe(false);
    expect(isLocked(NOW, NOW + 10 ** 9, 0)).toBe(true);
  });

  it('writes the Key URI Format', () => {
    expect(otpauthUri({ issuer: 'Tokenfleet', account: 'ada@example.com', secretBase32: 'JBSWY3DPEHPK3PXP' })).toBe(
      'otpauth://totp/Tokenfleet:ada%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Tokenfleet&algorithm=SHA1&digits=6&period=30',
    );
  });
});
