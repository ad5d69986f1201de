// Setting a token's expiry date by hand (for tokens whose seed file carried none, or to correct one):
// a PATCH of /tokens/{id}/expiry, audited by the API with the old and the new date.
import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { Token } from '@tokenfleet/contract';
import { formatDate } from '../format';
import { useSubmission } from '../hooks';
import { ErrorMessage } from './ui';

export function ExpiryForm({ token, onSaved }: { token: Pick<Token, 'id' | 'expiresAt'>; onSaved: (message: string) => void }) {
  const id = useId();
  const current = token.expiresAt ? formatDate(token.expiresAt) : '';
  const [open, setOpen] = useState(false);
  const [value, setValue] = useState(current);
  const { working, error, attempt } = useSubmission();

  async function save(next: string | null) {
    await attempt(async () => {
      await api.patch(`/tokens/${token.id}/expiry`, { expiresAt: next });
      setOpen(false);
      onSaved(next ? `Expiry set to ${next} (the end of that day, UTC).` : 'Expiry removed.');
    });
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void save(value || null);
  }

  if (!open) {
    return (
      <button type="button" className="link-button" onClick={() => { setValue(current); setOpen(true); }}>
        {token.expiresAt ? 'Change the expiry date' : 'Set an expiry date'}
      </button>
    );
  }
  return (
    <form className="expiry-form" onSubmit={submit}>
      <label htmlFor={`${id}-date`}>Expires on</label>
      <input id={`${id}-date`} type="date" value={value} onChange={(event) => setValue(event.target.value)} />
      {/* Named for what it saves: the token page has another form's Save. */}
      <button type="submit" className="primary" disabled={working || value === current}>
        Save expiry
      </button>
      {token.expiresAt && (
        <button type="button" disabled={working} onClick={() => void save(null)}>
          Remove
        </button>
      )}
      <button type="button" disabled={working} onClick={() => setOpen(false)}>
        Cancel
      </button>
      <ErrorMessage error={error} />
    </form>
  );
}
