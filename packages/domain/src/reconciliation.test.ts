import { describe, expect, it } from 'vitest';
import { applyTokenEvent } from './lifecycle';
import { compareWithEntra, entraStateOf } from './reconciliation';

const ALICE = 'a1';
const BOB = 'b2';
const token = (state: Parameters<typeof compareWithEntra>[0]['state'], assignedUserId: string | null = ALICE) => ({ state, assignedUserId, displayName: 'Token2 C202 - 1' });
const device = (status: string, assignedUserId: string | null = ALICE, displayName: string | null = 'Token2 C202 - 1') => ({ status, assignedUserId, displayName });

describe('reconciliation with Entra', () => {
  it('agrees when Entra holds what Tokenfleet holds', () => {
    expect(compareWithEntra(token('active'), device('activated'))).toBeNull();
    expect(compareWithEntra(token('assigned'), device('assigned'))).toBeNull();
    expect(compareWithEntra(token('created', null), device('available', null))).toBeNull();
    expect(compareWithEntra(token('disabled'), device('assigned'))).toBeNull();
    // A failed activation stays failed (with its retry) while Entra shows the token assigned.
    expect(compareWithEntra(token('failed'), device('failedActivation'))).toBeNull();
    expect(compareWithEntra(token('retired', null), device('available', null))).toBeNull();
    // Graph leaves displayName null on devices nobody named: no change.
    expect(compareWithEntra(token('active'), device('activated', ALICE, null))).toBeNull();
  });

  it('takes in an activation by the user in Security info', () => {
    expect(compareWithEntra(token('assigned'), device('activated'))).toEqual({ to: 'active', changes: [{ field: 'state', before: 'assigned', after: 'active' }] });
    expect(compareWithEntra(token('failed'), device('activated'))?.to).toBe('active');
  });

  it('takes in an unassign, a deletion and a reassignment in the portal', () => {
    expect(compareWithEntra(token('active'), device('available', null))).toEqual({
      to: 'created',
      changes: [{ field: 'state', before: 'active', after: 'created' }, { field: 'assignedTo', before: ALICE, after: null }],
    });
    expect(compareWithEntra(token('active'), null)).toEqual({ to: 'deleted', changes: [{ field: 'state', before: 'active', after: 'deleted' }] });
    // Active on Alice, active on Bob: the state is the same, the user is not.
    expect(compareWithEntra(token('active'), device('activated', BOB))).toEqual({ to: 'active', changes: [{ field: 'assignedTo', before: ALICE, after: BOB }] });
    expect(compareWithEntra(token('active'), device('assigned', BOB))?.to).toBe('assigned');
  });

  it('reads a deactivation of an active token as disabled, and an activation of a disabled one as active', () => {
    expect(compareWithEntra(token('active'), device('assigned'))?.to).toBe('disabled');
    expect(compareWithEntra(token('disabled'), device('activated'))?.to).toBe('active');
  });

  it('changes a display name alone without a state change', () => {
    expect(compareWithEntra(token('active'), device('activated', ALICE, 'Front desk'))).toEqual({
      to: null,
      changes: [{ field: 'displayName', before: 'Token2 C202 - 1', after: 'Front desk' }],
    });
  });

  it('never compares a token that has no device, and the life cycle accepts every state it decides', () => {
    expect(compareWithEntra(token('imported', null), null)).toBeNull();
    expect(compareWithEntra(token('deleted', null), null)).toBeNull();
    for (const state of ['created', 'assigned', 'active', 'failed', 'disabled', 'retired'] as const) {
      for (const facts of [null, device('available', null), device('assigned', BOB), device('activated')]) {
        const to = entraStateOf(facts, token(state));
        expect(applyTokenEvent(state, { type: 'changedInEntra', to }).ok).toBe(true);
      }
    }
    expect(applyTokenEvent('deleted', { type: 'changedInEntra', to: 'active' }).ok).toBe(false);
  });
});
