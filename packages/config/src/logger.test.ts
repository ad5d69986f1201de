import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  return { lines, stream };
}

describe('createLogger', () => {
  it('redacts secrets wherever a known field name carries them, and labels sandbox lines', () => {
    const { lines, stream } = capture();
    const logger = createLogger({ level: 'info', name: 'test', mode: 'sandbox' }, stream);
    logger.info({ token: { secretKey: 'JBSWY3DPEHPK3PXP', serial: '42' }, req: { headers: { authorization: 'Bearer abc.def' } }, body: { code: '123456' } }, 'hello');
    const text = lines.join('');
    expect(text).not.toContain('JBSWY3DPEHPK3PXP');
    expect(text).not.toContain('abc.def');
    expect(text).not.toContain('123456');
    expect(text).toContain('"serial":"42"');
    expect(JSON.parse(text).mode).toBe('SANDBOX');
  });
});
