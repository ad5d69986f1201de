// The token fields the screens' tests rarely care about (status, expiry, last tested…), spread into a
// test's own token so each test names only what it is about.
import type { Token } from '@tokenfleet/contract';

export const TOKEN_DEFAULTS = {
  activatedAt: null,
  expiresAt: null,
  manufacturedAt: null,
  lastTestedAt: null,
  lastResyncedAt: null,
  comment: null,
  lostAt: null,
  lostNote: null,
  status: 'DISABLED',
  statusReason: 'Not in service: the token is imported, not activated',
  assignedUserDisplayName: null,
} satisfies Partial<Token>;
