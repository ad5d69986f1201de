// The token life cycle as pure data: the states a token passes through and which events move it from
// where to where. Every state change in the system goes through `applyTokenEvent`, so a transition the
// table does not allow is refused in one place, with a reason a person can read.

export const TOKEN_STATES = ['imported', 'created', 'assigned', 'active', 'failed', 'disabled', 'lost', 'retired', 'deleted'] as const;
export type TokenState = (typeof TOKEN_STATES)[number];

export type TokenEvent =
  /** The device exists in Entra's inventory, not assigned to anyone. */
  | { type: 'created' }
  /** The device is assigned to a user (by create with `assignTo`, or by a separate assign call). */
  | { type: 'assigned' }
  /** Entra accepted a verification code: the user can sign in with it. */
  | { type: 'activated' }
  /** A provisioning step failed for good; the operation row holds the reason. */
  | { type: 'failed' }
  /** An operator retried a failed token; it resumes at the step its facts say (see `resumeStateFor`). */
  | { type: 'retried'; resumeAt: 'imported' | 'created' | 'assigned' }
  /** Taken back from its user; the device stays in the inventory. */
  | { type: 'unassigned' }
  /** Refused for sign-in and validation while it stays assigned. */
  | { type: 'disabled' }
  | { type: 'enabled' }
  /**
   * Reported lost or stolen: out of service at once, and never active again (no enable, activation, retry
   * or bulk action brings it back); it may still be retired or deleted.
   */
  | { type: 'lost' }
  /** Out of service for good (lost, broken, returned): kept as a record, seed purged. */
  | { type: 'retired' }
  /** Removed from Entra's inventory. */
  | { type: 'deleted' };

export type TokenEventType = TokenEvent['type'];

const ALLOWED: Record<TokenEventType, { from: readonly TokenState[]; to: TokenState | null }> = {
  created: { from: ['imported'], to: 'created' },
  assigned: { from: ['imported', 'created'], to: 'assigned' },
  activated: { from: ['assigned'], to: 'active' },
  failed: { from: ['imported', 'created', 'assigned'], to: 'failed' },
  retried: { from: ['failed'], to: null },
  unassigned: { from: ['assigned', 'active', 'disabled', 'failed', 'lost', 'retired'], to: 'created' },
  disabled: { from: ['active', 'lost', 'retired'], to: 'disabled' },
  enabled: { from: ['disabled'], to: 'active' },
  lost: { from: ['imported', 'created', 'assigned', 'active', 'disabled', 'failed'], to: 'lost' },
  retired: { from: ['imported', 'created', 'failed', 'lost'], to: 'retired' },
  deleted: { from: ['imported', 'created', 'failed', 'lost', 'retired'], to: 'deleted' },
};

/**
 * Out-of-service states that Entra-side steps do not change: a lost or retired token that Entra
 * deactivates or unassigns stays lost or retired, so it can never drift back towards active.
 */
const KEEPS_STATE: Partial<Record<TokenEventType, readonly TokenState[]>> = {
  unassigned: ['lost', 'retired'],
  disabled: ['lost', 'retired'],
};

/** Events that would bring a token back towards signing in: a lost token is refused them with its own reason. */
const BACK_INTO_SERVICE: ReadonlySet<TokenEventType> = new Set(['assigned', 'activated', 'enabled', 'retried']);

export type TransitionResult = { ok: true; state: TokenState } | { ok: false; reason: string };

export function applyTokenEvent(state: TokenState, event: TokenEvent): TransitionResult {
  const rule = ALLOWED[event.type];
  if (!rule.from.includes(state)) {
    if (state === 'lost' && BACK_INTO_SERVICE.has(event.type)) return { ok: false, reason: 'a token reported lost never signs in again; retire or delete it' };
    return { ok: false, reason: `a token that is ${state} cannot be ${describe(event.type)}` };
  }
  if (KEEPS_STATE[event.type]?.includes(state)) return { ok: true, state };
  return { ok: true, state: event.type === 'retried' ? event.resumeAt : rule.to! };
}

export function canApply(state: TokenState, type: TokenEventType): boolean {
  return ALLOWED[type].from.includes(state);
}

/** The states an event may start from (for SQL guards: `WHERE state = ANY(...)`). */
export function statesAllowing(type: TokenEventType): readonly TokenState[] {
  return ALLOWED[type].from;
}

/**
 * Where a failed token picks up again, from what Entra is known to hold for it: no device yet → create it;
 * a device but no user → it waits to be assigned; a device assigned to a user → activate it.
 */
export function resumeStateFor(facts: { graphDeviceId: string | null; assignedUserId: string | null }): 'imported' | 'created' | 'assigned' {
  if (!facts.graphDeviceId) return 'imported';
  return facts.assignedUserId ? 'assigned' : 'created';
}

function describe(type: TokenEventType): string {
  switch (type) {
    case 'created': return 'created in Entra';
    case 'assigned': return 'assigned';
    case 'activated': return 'activated';
    case 'failed': return 'marked failed';
    case 'retried': return 'retried';
    case 'unassigned': return 'unassigned';
    case 'disabled': return 'disabled';
    case 'enabled': return 'enabled';
    case 'lost': return 'reported lost';
    case 'retired': return 'retired (unassign it first)';
    case 'deleted': return 'deleted (unassign it first)';
  }
}

/**
 * What an operator (or a webhook, or a bulk action) may ask of one token. Each is carried out by
 * `requestTokenAction` in packages/db/src/token-actions.ts, which checks it against the table above.
 */
export const TOKEN_ACTIONS = ['assign', 'activate', 'unassign', 'delete', 'retire', 'disable', 'enable', 'lost', 'reassign', 'edit'] as const;
export type TokenAction = (typeof TOKEN_ACTIONS)[number];
