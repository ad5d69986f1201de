import { api } from '../api/client';
import { useCan } from '../session';
import { ErrorMessage } from './ui';
import { useSubmission } from '../hooks';

/** Retries one failed operation; shown only to roles that may act. */
export function RetryButton({ operationId, label = 'Retry', onRetried }: { operationId: string; label?: string; onRetried: () => void }) {
  const canAct = useCan('operator');
  const { working, error, attempt } = useSubmission();
  if (!canAct) return null;

  async function retry() {
    await attempt(async () => {
      await api.post(`/operations/${operationId}/retry`);
      onRetried();
    });
  }

  return (
    <>
      <button type="button" onClick={() => void retry()} disabled={working}>
        {working ? 'Retrying…' : label}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}
