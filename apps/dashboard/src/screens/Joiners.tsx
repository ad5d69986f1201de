// Needs a token (operator): joiners an HR system announced with user.joined but no serial. An operator
// hands each one a token from stock (created in Entra, assigned to nobody); it is assigned and activated
// as a token.assign event would do. Someone who leaves before getting one drops off the list by itself.
import { useId, useState } from 'react';
import { api } from '../api/client';
import type { Page, Token, WebhookJoiner } from '@tokenfleet/contract';
import { EmptyState, ErrorMessage, Loading, PageTitle, Time } from '../components/ui';
import { useResource, useSubmission } from '../hooks';
import { Link } from '../router';

export function Joiners() {
  const joiners = useResource(() => api.get<WebhookJoiner[]>('/webhook-joiners'), [], { pollMs: () => 5_000 });
  const stock = useResource(() => api.get<Page<Token>>('/tokens', { state: 'created', limit: 200 }), []);
  const [message, setMessage] = useState('');

  return (
    <section>
      <PageTitle title="Needs a token">Needs a token</PageTitle>
      <p className="muted">
        People an HR system announced as joiners without naming a token. Give each one a token from stock: it is assigned to them in Entra and activated, so it
        works the moment they have it in hand.
      </p>
      <ErrorMessage error={joiners.error ?? stock.error} />
      <p role="status" aria-live="polite" className="notice-success">
        {message}
      </p>
      {!joiners.data ? (
        !joiners.error && <Loading what="joiners" />
      ) : joiners.data.length === 0 ? (
        <EmptyState title="Nobody is waiting for a token." />
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Joiners waiting for a token, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Announced by</th>
                <th scope="col" className="col-time">Since</th>
                <th scope="col">Token from stock</th>
              </tr>
            </thead>
            <tbody>
              {joiners.data.map((joiner) => (
                <tr key={joiner.id}>
                  <th scope="row">{joiner.upn}</th>
                  <td>{joiner.sourceName ?? '—'}</td>
                  <td>
                    <Time iso={joiner.createdAt} />
                  </td>
                  <td>
                    <AssignFromStock
                      joiner={joiner}
                      stock={stock.data?.items ?? []}
                      onDone={(text) => {
                        setMessage(text);
                        void joiners.reload();
                        void stock.reload();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {stock.data && stock.data.items.length === 0 && (
        <p className="muted">
          No token is in stock: <Link to="/imports">import a box</Link> in “import” mode to have tokens to hand out.
        </p>
      )}
    </section>
  );
}

function AssignFromStock({ joiner, stock, onDone }: { joiner: WebhookJoiner; stock: readonly Token[]; onDone: (message: string) => void }) {
  const ids = useId();
  const [tokenId, setTokenId] = useState('');
  const { working, error, attempt } = useSubmission();
  const chosen = stock.find((token) => token.id === tokenId);

  return (
    <div className="inline-form">
      <label htmlFor={`${ids}-token`} className="visually-hidden">
        Token for {joiner.upn}
      </label>
      <select id={`${ids}-token`} value={tokenId} onChange={(event) => setTokenId(event.target.value)}>
        <option value="">Choose a serial…</option>
        {stock.map((token) => (
          <option key={token.id} value={token.id}>
            {token.serialNumber} ({token.manufacturer} {token.model})
          </option>
        ))}
      </select>{' '}
      <button
        type="button"
        className="primary"
        disabled={!chosen || working}
        onClick={() =>
          void attempt(async () => {
            await api.post(`/webhook-joiners/${joiner.id}/assign`, { tokenId });
            onDone(`Token ${chosen!.serialNumber} is being assigned to ${joiner.upn} and activated.`);
          })
        }
      >
        Assign
      </button>{' '}
      <button
        type="button"
        disabled={working}
        onClick={() =>
          void attempt(async () => {
            await api.post(`/webhook-joiners/${joiner.id}/dismiss`);
            onDone(`${joiner.upn} is off the list.`);
          })
        }
      >
        Dismiss
      </button>
      <ErrorMessage error={error} />
    </div>
  );
}
