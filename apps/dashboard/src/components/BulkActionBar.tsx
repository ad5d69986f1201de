// The token table's bulk actions: what is selected (the ticked tokens, or all N matching the table's
// filter), the actions, and a confirmation that states the count and the users affected, as the API's
// preview counts them. Confirmed, the action runs as jobs and the operator follows it on its own page.
import type { BulkPreview } from '@tokenfleet/contract';
import { BULK_ACTIONS, BULK_SELECTION_MAX_IDS, type BulkActionName } from '@tokenfleet/contract/values';
import { api } from '../api/client';
import { BULK_ACTION_LABELS, BULK_ACTION_DONE, countOf, formatCount, TOKEN_STATE_LABELS } from '../format';
import { useSubmission } from '../hooks';
import { navigate } from '../router';
import { useConfirm, type ConfirmRequest } from './ConfirmDialog';
import { ErrorMessage } from './ui';

/** The ticked tokens, or every token matching the table's filter (its address's fields; `count` as the preview last counted them). */
export type TokenSelection = { kind: 'ids'; ids: string[] } | { kind: 'filter'; filter: Record<string, string>; count: number };

const selectionBody = (selection: TokenSelection) => (selection.kind === 'ids' ? { tokenIds: selection.ids } : { filter: selection.filter });

export function previewSelection(selection: TokenSelection, action?: BulkActionName): Promise<BulkPreview> {
  return api.post<BulkPreview>('/bulk-actions/preview', { ...(action ? { action } : {}), ...selectionBody(selection) });
}

const DANGER: ReadonlySet<BulkActionName> = new Set(['delete', 'retire']);

const CONSEQUENCE: Record<BulkActionName, string> = {
  disable: 'They stay assigned but no longer sign their users in, in Entra as well.',
  enable: 'They are activated again in Entra with a code from their seed and sign their users in. Lost and retired tokens are never enabled, and a token whose seed was purged needs a code from the token itself: enable those one at a time.',
  unassign: 'Their users can no longer sign in with them. The tokens stay in the inventory and can be assigned again.',
  delete: 'The devices are removed from the tenant\'s hardware OATH inventory. This cannot be undone.',
  retire: 'They go out of service for good and their seeds are erased. This cannot be undone.',
};

export function confirmationFor(action: BulkActionName, preview: BulkPreview): ConfirmRequest {
  const more = preview.users - preview.sampleUpns.length;
  const states = Object.entries(preview.byState).map(([state, count]) => `${formatCount(count)} ${lowerFirst((TOKEN_STATE_LABELS as Record<string, string>)[state] ?? state)}`);
  return {
    title: `${BULK_ACTION_LABELS[action]} ${countOf(preview.total, 'token')}?`,
    body: (
      <>
        <p>
          {preview.users === 0 ? 'None of them is assigned to a user.' : `They are assigned to ${countOf(preview.users, 'user')}${preview.unassigned > 0 ? `; ${countOf(preview.unassigned, 'token')} to nobody` : ''}:`}
        </p>
        {preview.sampleUpns.length > 0 && (
          <ul className="bulk-users">
            {preview.sampleUpns.map((upn) => (
              <li key={upn}>{upn}</li>
            ))}
            {more > 0 && <li className="muted">and {countOf(more, 'more user')}</li>}
          </ul>
        )}
        <p>{CONSEQUENCE[action]}</p>
        <p className="muted small">
          Now {states.join(', ')}. A token whose state does not allow it is skipped and listed with the reason; the others go on.
        </p>
      </>
    ),
    confirmLabel: `${BULK_ACTION_LABELS[action]} ${countOf(preview.total, 'token')}`,
    danger: DANGER.has(action),
  };
}

export function BulkActionBar({
  selection,
  canSelectAll,
  onSelectAll,
  onClear,
}: {
  selection: TokenSelection;
  /** The whole page is ticked and more tokens match: offer all of them. */
  canSelectAll: boolean;
  onSelectAll: () => void;
  onClear: () => void;
}) {
  const [confirmElement, confirm] = useConfirm();
  const { working, error, attempt } = useSubmission();
  const count = selection.kind === 'ids' ? selection.ids.length : selection.count;
  const tooMany = selection.kind === 'ids' && selection.ids.length > BULK_SELECTION_MAX_IDS;

  async function run(action: BulkActionName) {
    await attempt(async () => {
      const preview = await previewSelection(selection, action);
      if (preview.total === 0) throw new Error('None of the selected tokens is there any more; reload the list.');
      if (!(await confirm(confirmationFor(action, preview)))) return;
      const { id } = await api.post<{ id: string }>('/bulk-actions', { action, ...selectionBody(selection), confirm: true });
      navigate(`/bulk-actions/${id}`);
    });
  }

  return (
    <div className="bulk-bar" role="region" aria-label="Bulk actions">
      <p className="bulk-selected" role="status">
        {selection.kind === 'filter' ? `All ${countOf(count, 'token')} matching this filter are selected.` : `${countOf(count, 'token')} selected.`}{' '}
        {canSelectAll && selection.kind === 'ids' && (
          <button type="button" className="link-button" onClick={onSelectAll}>
            Select all tokens matching this filter
          </button>
        )}{' '}
        <button type="button" className="link-button" onClick={onClear}>
          Clear the selection
        </button>
      </p>
      {tooMany && <p className="small text-failed">At most {formatCount(BULK_SELECTION_MAX_IDS)} ticked tokens at once; choose all tokens matching a filter instead.</p>}
      <div className="button-row">
        {BULK_ACTIONS.map((action) => (
          <button key={action} type="button" className={DANGER.has(action) ? 'danger' : undefined} disabled={working || tooMany} onClick={() => void run(action)} title={`${BULK_ACTION_LABELS[action]}: the selected tokens become ${BULK_ACTION_DONE[action]}`}>
            {BULK_ACTION_LABELS[action]}
          </button>
        ))}
      </div>
      <ErrorMessage error={error} />
      {confirmElement}
    </div>
  );
}

/** "Created in Entra" → "created in Entra", inside a sentence. */
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
