import { afterEach, describe, expect, it } from 'vitest';
import type { TokenDetail, TokenState } from '@tokenfleet/contract';
import { buttonLabels, render, type Rendered } from '../test/render';
import { TokenActions } from './TokenActions';

function token(state: TokenState, overrides: Partial<TokenDetail> = {}): TokenDetail {
  return {
    id: '0f9e1c5e-1111-4a4a-9b9b-000000000001',
    tenantId: 'sandbox',
    serialNumber: '700001',
    manufacturer: 'Token2',
    model: 'C202',
    displayName: 'Token2 C202',
    hashFunction: 'hmacsha1',
    timeIntervalSeconds: 30,
    state,
    assignedUpn: state === 'created' ? null : 'carol@contoso.example',
    importId: null,
    lastError: null,
    lastUsedAt: null,
    comment: null,
    lostAt: null,
    lostNote: null,
    createdAt: '2026-01-31T10:00:00.000Z',
    updatedAt: '2026-01-31T10:00:00.000Z',
    graphDeviceId: 'device-1',
    assignedUserId: null,
    driftSteps: 0,
    hasSeed: true,
    operations: [],
    ...overrides,
  };
}

let rendered: Rendered | undefined;
afterEach(() => rendered?.unmount());

const show = (state: TokenState, role: 'viewer' | 'operator', overrides: Partial<TokenDetail> = {}) => {
  rendered = render(<TokenActions token={token(state, overrides)} role={role} busy={false} onChanged={() => {}} />);
  return rendered.container;
};

describe('token actions', () => {
  it('offers a viewer nothing to do', () => {
    const container = show('active', 'viewer');
    expect(container.querySelectorAll('button, input, form')).toHaveLength(0);
  });

  it('offers an operator what the life cycle allows for the state, and nothing else', () => {
    expect(buttonLabels(show('active', 'operator'))).toEqual(['Unassign', 'Disable', 'Delete from Entra', 'Reassign', 'Report lost', 'Save', 'Test', 'Resynchronise']);
    rendered!.unmount();

    const created = show('created', 'operator');
    expect(buttonLabels(created)).toEqual(['Retire', 'Delete from Entra', 'Assign', 'Report lost', 'Save', 'Test', 'Resynchronise']);
    expect(created.querySelector('input[type="search"]')).not.toBeNull();
    rendered!.unmount();

    expect(buttonLabels(show('assigned', 'operator'))).toEqual(['Activate', 'Unassign', 'Delete from Entra', 'Reassign', 'Report lost', 'Save', 'Test', 'Resynchronise']);
    rendered!.unmount();

    expect(buttonLabels(show('disabled', 'operator'))).toEqual(['Unassign', 'Enable', 'Delete from Entra', 'Reassign', 'Report lost', 'Save', 'Test', 'Resynchronise']);
  });

  it('offers a lost token only retire and delete, saying why', () => {
    const container = show('lost', 'operator', { lostNote: 'left on the train', lostAt: '2026-02-01T10:00:00.000Z' });
    expect(buttonLabels(container)).toEqual(['Unassign', 'Retire', 'Delete from Entra', 'Save', 'Test', 'Resynchronise']);
    expect(container.textContent).toContain('Reported lost: left on the train');
  });

  it('asks for a code to enable a disabled token whose seed was purged', () => {
    const container = show('disabled', 'operator', { hasSeed: false });
    expect(buttonLabels(container)).toEqual(['Unassign', 'Delete from Entra', 'Enable', 'Report lost', 'Save']);
    expect(container.textContent).toContain('enter the code it shows now');
  });

  it('says what Entra is being asked to do while an operation is under way', () => {
    const container = show('active', 'operator', {
      operations: [{ id: '0f9e1c5e-1111-4a4a-9b9b-000000000002', kind: 'token.deactivate', status: 'running', attempts: 1, lastErrorCode: null, lastErrorMessage: null, createdBy: 'user:olivia', chainId: null, createdAt: '2026-01-31T10:00:00.000Z', updatedAt: '2026-01-31T10:00:00.000Z' }],
    });
    expect(container.textContent).toContain('Disabling in Entra…');
  });

  it('does not offer code checks once the seed is purged', () => {
    const container = show('retired', 'operator', { hasSeed: false });
    expect(buttonLabels(container)).toEqual(['Unassign', 'Delete from Entra', 'Save']);
    expect(container.textContent).toContain('seed has been purged');
  });
});
