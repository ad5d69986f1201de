import { describe, expect, it } from 'vitest';
import { readBulkResults, readDevice, readMethod, UnexpectedShapeError } from './shapes';

const flat = {
  id: 'dev-1',
  displayName: null,
  serialNumber: 'SN-1',
  manufacturer: 'Token2',
  model: 'C202',
  secretKey: null,
  timeIntervalInSeconds: 30,
  hashFunction: 'hmacsha1',
  status: 'available',
  assignedTo: null,
  lastUsedDateTime: null,
};

describe('readDevice', () => {
  it('reads the flat device, the {device} wrapper and the {value} wrapper alike', () => {
    const expected = readDevice(flat);
    expect(expected).toMatchObject({ id: 'dev-1', serialNumber: 'SN-1', status: 'available', secretKey: null });
    expect(readDevice({ '@odata.type': '#microsoft.graph.hardwareOathAuthenticationMethod', id: 'dev-1', device: { ...flat, id: undefined } })).toEqual(expected);
    expect(readDevice({ value: flat })).toEqual(expected);
  });

  it('never passes a secret on, and reads a string interval', () => {
    const device = readDevice({ ...flat, secretKey: 'JBSWY3DPEHPK3PXP', timeIntervalInSeconds: '60' });
    expect(device.secretKey).toBeNull();
    expect(device.timeIntervalInSeconds).toBe(60);
  });

  it('refuses something without an id or serial', () => {
    expect(() => readDevice({ ...flat, serialNumber: undefined })).toThrow(UnexpectedShapeError);
    expect(() => readDevice('nope')).toThrow(UnexpectedShapeError);
  });
});

describe('readMethod', () => {
  it('reads the inline device and the {value} wrapper', () => {
    const method = readMethod({ value: { id: 'dev-1', createdDateTime: '2025-01-01T00:00:00Z', device: { ...flat, status: 'assigned' } } });
    expect(method).toMatchObject({ id: 'dev-1', createdDateTime: '2025-01-01T00:00:00Z', device: { id: 'dev-1', status: 'assigned' } });
    expect(readMethod({ id: 'm', createdDateTime: null }).device).toBeNull();
  });
});

describe('readBulkResults', () => {
  const entries = [
    { contentId: '1', serialNumber: 'SN-1' },
    { contentId: '2', serialNumber: 'SN-2' },
    { contentId: '3', serialNumber: 'SN-3' },
  ];

  it('correlates by @contentId, not by position, and reads the delta error annotation', () => {
    const body = {
      value: [
        {
          '@contentId': '2',
          '@Core.DataModificationException': { info: { code: 'badRequest', message: 'secretKey is required' }, failedOperation: 'insert', responseCode: 400 },
        },
        { '@contentId': '1', id: 'dev-1', device: { ...flat, serialNumber: 'SN-1' } },
      ],
    };
    const results = readBulkResults(entries, 201, body);
    expect(results.map((r) => [r.contentId, r.serialNumber, r.ok])).toEqual([
      ['1', 'SN-1', true],
      ['2', 'SN-2', false],
      ['3', 'SN-3', false],
    ]);
    expect(results[1]).toMatchObject({ ok: false, status: 400, code: 'badRequest', message: 'secretKey is required' });
    expect(results[2]).toMatchObject({ ok: false, code: 'missingFromResponse' });
  });

  it('falls back to the serial number when Graph does not echo @contentId', () => {
    const body = { value: [{ ...flat, id: 'dev-3', serialNumber: 'SN-3' }, { ...flat, id: 'dev-1', serialNumber: 'SN-1' }] };
    const results = readBulkResults(entries, 200, body);
    expect(results[0]).toMatchObject({ ok: true, device: { id: 'dev-1' } });
    expect(results[2]).toMatchObject({ ok: true, device: { id: 'dev-3' } });
    expect(results[1]).toMatchObject({ ok: false, code: 'missingFromResponse' });
  });
});
