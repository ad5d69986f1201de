// A bulk action's progress, shown by the ProgressMeter imports use: tokens finished out of those selected,
// what failed or was skipped split out, and the action's own counters.
import type { BulkAction } from '@tokenfleet/contract';
import { BULK_ACTION_DONE, BULK_ACTION_LABELS, BULK_STATUS_LABELS, countOf, formatCount } from '../format';
import type { ProgressView } from './ImportProgress';
import { ProgressMeter } from './ProgressMeter';

export function bulkProgress(bulk: BulkAction): ProgressView {
  const { total, done, failed, skipped, cancelled } = bulk.progress;
  const unsuccessful = failed + skipped;
  const finished = Math.min(total, done + unsuccessful + cancelled);
  const settled = bulk.status !== 'running' && bulk.status !== 'cancelling';
  const parts = [failed > 0 ? `${formatCount(failed)} failed` : null, skipped > 0 ? `${formatCount(skipped)} skipped` : null, cancelled > 0 ? `${formatCount(cancelled)} cancelled` : null].filter(Boolean);
  const tail = parts.length > 0 ? `, ${parts.join(', ')}` : '';
  const summary = `${BULK_STATUS_LABELS[bulk.status]}: ${formatCount(done)} of ${countOf(total, 'token')} ${BULK_ACTION_DONE[bulk.action]}${tail}`;
  return { total, finished, succeeded: done, failed: unsuccessful, settled, summary };
}

export function BulkProgress({ bulk }: { bulk: BulkAction }) {
  const view = bulkProgress(bulk);
  const { progress } = bulk;
  return (
    <ProgressMeter
      {...view}
      label={`Progress of the bulk ${BULK_ACTION_LABELS[bulk.action].toLowerCase()}`}
      status={`Bulk ${BULK_ACTION_LABELS[bulk.action].toLowerCase()}: ${BULK_STATUS_LABELS[bulk.status]}`}
      counters={[
        ['Selected', progress.total],
        ['Done', progress.done],
        ['Failed', progress.failed],
        ['Skipped', progress.skipped],
        ['Cancelled', progress.cancelled],
        ['Pending', progress.pending],
      ]}
      alarming={['Failed', 'Skipped']}
    />
  );
}
