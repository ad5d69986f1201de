// Reconciliation with Entra as pure data: what state Entra's facts about a device put a token in, and
// what differs between a token and its device. The inventory sync (apps/worker/src/jobs/inventory-sync.ts)
// reads Entra a page at a time and applies what this answers; docs/reconciliation.md says why each rule is
// as it is.
import { canApply, type EntraTokenState, type TokenState } from './lifecycle';

/** What Entra says about one hardware OATH device (Graph's fields that matter here). */
export interface EntraDeviceFacts {
  /** Graph's status: available, assigned, activated, failedActivation (others are passed through). */
  status: string;
  assignedUserId: string | null;
  displayName: string | null;
}

/** What Tokenfleet holds about the token of that device. */
export interface TokenFacts {
  state: TokenState;
  assignedUserId: string | null;
  displayName: string;
}

export type EntraChangedField = 'state' | 'assignedTo' | 'displayName';

export interface EntraFieldChange {
  field: EntraChangedField;
  before: string | null;
  after: string | null;
}

export interface EntraChange {
  /** The state the token moves to, or null when only fields change (its state agrees with Entra). */
  to: EntraTokenState | null;
  changes: EntraFieldChange[];
}

function sameUser(a: string | null, b: string | null): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

/**
 * The state Entra's facts put a token in, given the state Tokenfleet held: no user → created; activated →
 * active; assigned but not activated → disabled when the same user held it active or disabled before (it
 * was deactivated, or Tokenfleet's disable took effect), else assigned (waiting for its activation). A
 * device Entra no longer lists → deleted.
 */
export function entraStateOf(device: EntraDeviceFacts | null, token: Pick<TokenFacts, 'state' | 'assignedUserId'>): EntraTokenState {
  if (!device) return 'deleted';
  if (!device.assignedUserId) return 'created';
  if (device.status === 'activated') return 'active';
  const wasInService = token.state === 'active' || token.state === 'disabled';
  return wasInService && sameUser(token.assignedUserId, device.assignedUserId) ? 'disabled' : 'assigned';
}

/** Whether a token in `state` already says what Entra's `to` says (a failed or retired token may). */
function agrees(state: TokenState, to: EntraTokenState): boolean {
  if (state === to) return true;
  // A failed token keeps its failure (and its retry) while Entra shows where provisioning stopped.
  if (state === 'failed') return to === 'created' || to === 'assigned';
  // A retired token is an unassigned device kept as a record.
  if (state === 'retired') return to === 'created';
  return false;
}

/**
 * What differs between a token and its device in Entra (null: nothing). `device` null means Entra did
 * not list it. Last use is not a change here: it moves with every sign-in and is brought in on its own.
 * Only states the life cycle lets follow Entra are compared (not imported or deleted: no device).
 */
export function compareWithEntra(token: TokenFacts, device: EntraDeviceFacts | null): EntraChange | null {
  if (!canApply(token.state, 'changedInEntra')) return null;
  const changes: EntraFieldChange[] = [];
  const to = entraStateOf(device, token);
  const stateChanges = !agrees(token.state, to);
  if (stateChanges) changes.push({ field: 'state', before: token.state, after: to });
  if (device && !sameUser(token.assignedUserId, device.assignedUserId)) {
    changes.push({ field: 'assignedTo', before: token.assignedUserId, after: device.assignedUserId });
  }
  if (device?.displayName && device.displayName !== token.displayName) {
    changes.push({ field: 'displayName', before: token.displayName, after: device.displayName });
  }
  if (changes.length === 0) return null;
  // A user changed without the state changing (active on Alice → active on Bob) is still a transition.
  const userChanges = changes.some((change) => change.field === 'assignedTo');
  return { to: stateChanges || userChanges ? to : null, changes };
}
