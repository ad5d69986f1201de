import { describe, expect, it } from 'vitest';
import { guardHolds, isLeaverEvent, webhookSecretKey } from './webhooks';

describe('the mass-change guard', () => {
  it('holds once the threshold is reached, and while earlier events wait for an admin', () => {
    expect(guardHolds({ counted: 49, threshold: 50, heldWaiting: 0 })).toBe(false);
    expect(guardHolds({ counted: 50, threshold: 50, heldWaiting: 0 })).toBe(true);
    expect(guardHolds({ counted: 3, threshold: 50, heldWaiting: 1 })).toBe(true);
  });

  it('counts only the events that take tokens away', () => {
    expect(['user.left', 'token.unassign', 'user.joined', 'token.assign'].map((type) => isLeaverEvent(type as never))).toEqual([true, true, false, false]);
  });
});

describe('webhook secrets', () => {
  it('are whsec_ and base64 of 24 to 64 bytes', () => {
    expect(webhookSecretKey(`whsec_${Buffer.alloc(32, 1).toString('base64')}`)).toHaveLength(32);
    expect(webhookSecretKey(`whsec_${Buffer.alloc(23, 1).toString('base64')}`)).toBeNull();
    expect(webhookSecretKey(`whsec_${Buffer.alloc(65, 1).toString('base64')}`)).toBeNull();
    expect(webhookSecretKey('whsec_not base64!')).toBeNull();
    expect(webhookSecretKey(Buffer.alloc(32, 1).toString('base64'))).toBeNull();
  });
});
