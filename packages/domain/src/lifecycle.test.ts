import { describe, expect, it } from 'vitest';
import { TOKEN_STATES, applyTokenEvent, canApply, resumeStateFor, statesAllowing, type TokenState } from './lifecycle';

describe('token life cycle', () => {
  it('walks the provisioning path imported → created → assigned → active', () => {
    let state: TokenState = 'imported';
    for (const type of ['created', 'assigned', 'activated'] as const) {
      const result = applyTokenEvent(state, { type });
      expect(result.ok).toBe(true);
      if (result.ok) state = result.state;
    }
    expect(state).toBe('active');
  });

  it('bulk create with assignTo goes from imported straight to assigned', () => {
    expect(applyTokenEvent('imported', { type: 'assigned' })).toEqual({ ok: true, state: 'assigned' });
  });

  it('refuses to activate a token nobody holds, with a reason', () => {
    const result = applyTokenEvent('created', { type: 'activated' });
    expect(result).toEqual({ ok: false, reason: 'a token that is created cannot be activated' });
  });

  it('refuses to delete or retire an assigned or active token until it is unassigned', () => {
    for (const state of ['assigned', 'active', 'disabled'] as const) {
      expect(canApply(state, 'deleted')).toBe(false);
      expect(canApply(state, 'retired')).toBe(false);
      const back = applyTokenEvent(state, { type: 'unassigned' });
      expect(back).toEqual({ ok: true, state: 'created' });
    }
    expect(applyTokenEvent('created', { type: 'deleted' })).toEqual({ ok: true, state: 'deleted' });
  });

  it('a deleted token accepts no event at all', () => {
    for (const type of ['created', 'assigned', 'activated', 'failed', 'unassigned', 'disabled', 'enabled', 'lost', 'retired', 'deleted'] as const) {
      expect(canApply('deleted', type)).toBe(false);
    }
    expect(applyTokenEvent('deleted', { type: 'retried', resumeAt: 'imported' }).ok).toBe(false);
  });

  it('disable and enable only toggle an active token', () => {
    expect(applyTokenEvent('active', { type: 'disabled' })).toEqual({ ok: true, state: 'disabled' });
    expect(applyTokenEvent('disabled', { type: 'enabled' })).toEqual({ ok: true, state: 'active' });
    expect(canApply('assigned', 'disabled')).toBe(false);
  });

  it('a retry resumes where the facts say', () => {
    expect(resumeStateFor({ graphDeviceId: null, assignedUserId: null })).toBe('imported');
    expect(resumeStateFor({ graphDeviceId: 'd1', assignedUserId: null })).toBe('created');
    expect(resumeStateFor({ graphDeviceId: 'd1', assignedUserId: 'u1' })).toBe('assigned');
    expect(applyTokenEvent('failed', { type: 'retried', resumeAt: 'assigned' })).toEqual({ ok: true, state: 'assigned' });
    expect(applyTokenEvent('active', { type: 'retried', resumeAt: 'assigned' }).ok).toBe(false);
  });

  it('every state the table names is a known state', () => {
    for (const type of ['created', 'assigned', 'activated', 'failed', 'unassigned', 'disabled', 'enabled', 'lost', 'retired', 'deleted'] as const) {
      for (const state of statesAllowing(type)) expect(TOKEN_STATES).toContain(state);
    }
  });
});

describe('a token reported lost', () => {
  it('can be reported lost from any state in or on the way into service', () => {
    for (const state of ['imported', 'created', 'assigned', 'active', 'disabled', 'failed'] as const) {
      expect(applyTokenEvent(state, { type: 'lost' })).toEqual({ ok: true, state: 'lost' });
    }
    expect(canApply('retired', 'lost')).toBe(false);
  });

  it('never becomes active again: no enable, activation, assignment or retry', () => {
    for (const type of ['enabled', 'activated', 'assigned'] as const) {
      expect(applyTokenEvent('lost', { type })).toEqual({ ok: false, reason: 'a token reported lost never signs in again; retire or delete it' });
    }
    expect(applyTokenEvent('lost', { type: 'retried', resumeAt: 'assigned' }).ok).toBe(false);
  });

  it('stays lost while Entra deactivates and unassigns it, and may then be retired or deleted', () => {
    expect(applyTokenEvent('lost', { type: 'disabled' })).toEqual({ ok: true, state: 'lost' });
    expect(applyTokenEvent('lost', { type: 'unassigned' })).toEqual({ ok: true, state: 'lost' });
    expect(applyTokenEvent('retired', { type: 'unassigned' })).toEqual({ ok: true, state: 'retired' });
    expect(applyTokenEvent('lost', { type: 'retired' })).toEqual({ ok: true, state: 'retired' });
    expect(applyTokenEvent('lost', { type: 'deleted' })).toEqual({ ok: true, state: 'deleted' });
  });
});
