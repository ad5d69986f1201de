import { describe, expect, it } from 'vitest';
import { JOB_NAMES, OPERATION_KINDS, operationJobId, tenantQueueName } from './jobs';

describe('job catalogue', () => {
  it('operation kinds are exactly the token job kinds', () => {
    expect(OPERATION_KINDS).toEqual(JOB_NAMES.filter((name) => name.startsWith('token.')));
    expect(OPERATION_KINDS).toContain('token.activate');
    expect(OPERATION_KINDS).not.toContain('import.expand');
  });

  it('job ids are deterministic, never all digits and never hold a colon', () => {
    const id = operationJobId('token.activate', '0f9e1c5e-1111-4a4a-9b9b-000000000001', 3);
    expect(id).toBe('activate-0f9e1c5e-1111-4a4a-9b9b-000000000001-g3');
    expect(operationJobId('token.activate', '0f9e1c5e-1111-4a4a-9b9b-000000000001', 3)).toBe(id);
    expect(/^\d+$/.test(operationJobId('token.create', '123', 0))).toBe(false);
    expect(() => operationJobId('token.create', 'a:b', 0)).toThrow(/:/);
  });

  it('queue names refuse characters Redis keys and BullMQ would misread', () => {
    expect(tenantQueueName('contoso-1')).toBe('graph-contoso-1');
    expect(() => tenantQueueName('a:b')).toThrow();
  });
});
