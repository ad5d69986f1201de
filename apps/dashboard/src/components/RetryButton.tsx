import { useState } from 'react';
import { api } from '../api/client';
import { useCan } from '../session';
import { ErrorMessage } from './ui';

/** Retries one failed operation; shown only to roles that may act. */
export function RetryButton({ operationId, label = 'Retry', onRetried }: { operationId: string; label?: string; onRetried: () => void }) {
  const canAct = useCan('operator');
  const [working, setWorking] = useState(false);
  const [error, setError] = useState<unknown>();
  if (!canAct) return null;

  async function retry() {
    setWorking(true);
    setError(undefined);
    try {
      await api.post(`/operations/${operationId}/retry`);
      onRetried();
    } catch (caught) {
      setError(caught);
    } finally {
      setWorking(false);
    }
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
