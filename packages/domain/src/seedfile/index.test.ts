import { describe, expect, it } from 'vitest';
import { detectSeedFileFormat, parseSeedFile } from './index';
import { sampleFile } from '@tokenfleet/test-harness/samples';
import { chunked, collect } from '../../test/seedfile-support';

const head = (text: string) => Buffer.from(text, 'utf8');

describe('detectSeedFileFormat', () => {
  it('decides by content after a BOM and whitespace, whatever the name says', () => {
    expect(detectSeedFileFormat('tokens.csv', head('\uFEFF\r\n  <?xml version="1.0"?>'))).toBe('pskc');
    expect(detectSeedFileFormat('tokens.txt', head(' \n[{"serialNumber"'))).toBe('json');
    expect(detectSeedFileFormat('tokens.json', head('{"value": ['))).toBe('json');
    expect(detectSeedFileFormat('tokens.xml', head('upn,serial number'))).toBe('csv');
    expect(detectSeedFileFormat('TOKENS.JSON', head('\uFEFFserial;secret'))).toBe('csv');
  });

  it('falls back to the extension when the head is empty', () => {
    expect(detectSeedFileFormat('seeds.pskc', head(''))).toBe('pskc');
    expect(detectSeedFileFormat('seeds.XML', head('\uFEFF  '))).toBe('pskc');
    expect(detectSeedFileFormat('seeds.json', head(''))).toBe('json');
    expect(detectSeedFileFormat('seeds', head(''))).toBe('csv');
  });

  it('recognises every sample', () => {
    const names = ['token2-classic.csv', 'entra-admin-center.csv', 'messy.csv', 'token2-inventory.json', 'token2-psk.pskc.xml'];
    expect(names.map((name) => detectSeedFileFormat(name, sampleFile(name).subarray(0, 8)))).toEqual([
      'csv',
      'csv',
      'csv',
      'json',
      'pskc',
    ]);
  });
});

describe('parseSeedFile', () => {
  it('caps a PSKC upload at maxBytes before parsing it', async () => {
    const xml = sampleFile('token2-psk.pskc.xml');
    const rows = collect(parseSeedFile('pskc', chunked(xml, 512), { maxBytes: 1024 }));
    await expect(rows).rejects.toMatchObject({ code: 'too-large' });
  });
});
