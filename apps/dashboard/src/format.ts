// How values read on screen: times in the viewer's zone (the exact UTC instant on hover), counts with
// thousands separators, and the API's identifiers turned into words.
import type { ImportMode, ImportStatus, OperationStatus, TokenState, TokenStatusName } from '@tokenfleet/contract';
import type { BulkActionName, BulkActionStatus } from '@tokenfleet/contract/values';

const number = new Intl.NumberFormat();
const twoDigits = (value: number) => String(value).padStart(2, '0');

/**
 * `2026-01-31 14:03:12` in the viewer's zone: one width for every row, sortable by eye, and read the
 * same way in every country (an auditor compares these with log files).
 */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const day = `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}`;
  return `${day} ${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}`;
}

export function formatCount(value: number): string {
  return number.format(value);
}

/** "1 failed job", "3 failed jobs". */
export function countOf(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(value)} ${value === 1 ? singular : plural}`;
}

/** "in 42 s", "in 3 min": how long until a moment, for rate-limit pauses. */
export function formatUntil(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((new Date(iso).getTime() - now) / 1000));
  if (seconds < 90) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 90) return `${minutes} min`;
  return `${Math.round(minutes / 60)} h`;
}

export const TOKEN_STATE_LABELS: Record<TokenState, string> = {
  imported: 'Imported',
  created: 'Created in Entra',
  assigned: 'Assigned',
  active: 'Active',
  failed: 'Failed',
  disabled: 'Disabled',
  lost: 'Lost',
  retired: 'Retired',
  deleted: 'Deleted',
};

/** The statuses as an MFA server's token list writes them. */
export const TOKEN_STATUS_LABELS: Record<TokenStatusName, string> = {
  ACTIVE: 'ACTIVE',
  DISABLED: 'DISABLED',
  OBSOLETE: 'OBSOLETE',
};

/** `2029-12-31` in the viewer's zone, for dates where the time of day says nothing (expiry, manufacture). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.getFullYear()}-${twoDigits(date.getMonth() + 1)}-${twoDigits(date.getDate())}`;
}

export const IMPORT_STATUS_LABELS: Record<ImportStatus, string> = {
  validating: 'Validating',
  running: 'Running',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  failed: 'Failed',
};

export const IMPORT_MODE_LABELS: Record<ImportMode, { label: string; description: string }> = {
  activate: { label: 'Create, assign and activate', description: 'Tokens with a user are assigned and activated, ready to sign in.' },
  assign: { label: 'Create and assign', description: 'Tokens are assigned to their users; each user activates their own.' },
  import: { label: 'Create only', description: 'Tokens go into the Entra inventory, unassigned.' },
};

export const OPERATION_STATUS_LABELS: Record<OperationStatus, string> = {
  pending: 'Pending',
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** `token.activate` → "Activate". */
export function operationKindLabel(kind: string): string {
  const verb = kind.startsWith('token.') ? kind.slice('token.'.length) : kind;
  return verb.charAt(0).toUpperCase() + verb.slice(1);
}

/** A short form of a UUID for tables; the full id stays in the title and the link. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(0, 8) : id;
}

/** A bulk action's verb, as its button and its heading say it. */
export const BULK_ACTION_LABELS: Record<BulkActionName, string> = {
  disable: 'Disable',
  enable: 'Enable',
  unassign: 'Unassign',
  delete: 'Delete from Entra',
  retire: 'Retire',
};

/** What a token is once the action is done to it: "40 of 50 tokens disabled". */
export const BULK_ACTION_DONE: Record<BulkActionName, string> = {
  disable: 'disabled',
  enable: 'enabled',
  unassign: 'unassigned',
  delete: 'deleted',
  retire: 'retired',
};

export const BULK_STATUS_LABELS: Record<BulkActionStatus, string> = {
  running: 'Running',
  cancelling: 'Cancelling',
  completed: 'Completed',
  completed_with_errors: 'Completed with errors',
  cancelled: 'Cancelled',
};
