// A token's validations through the validation API (/validate), newest first, on the token's detail; and
// why a token with no seed or not active cannot be checked at all.
import { api } from '../api/client';
import type { Page, TokenValidation } from '@tokenfleet/contract';
import { EmptyState, ErrorMessage, LoadMore, Loading, Time } from './ui';
import { usePagedList } from '../hooks';

const PER_PAGE = 20;

export function TokenValidations({ tokenId, state, hasSeed }: { tokenId: string; state: string; hasSeed: boolean }) {
  const list = usePagedList((cursor) => api.get<Page<TokenValidation>>(`/tokens/${encodeURIComponent(tokenId)}/validations`, { limit: PER_PAGE, cursor }), [tokenId]);
  return (
    <>
      <h2>Validations</h2>
      {!hasSeed ? (
        <p className="notice" role="note">
          This token's seed was purged, so the validation API cannot check its codes: other systems that validate at /validate refuse them. Import its seed file
          again to make it checkable.
        </p>
      ) : state !== 'active' ? (
        <p className="notice" role="note">
          Only active tokens are checked by the validation API; while this token is {state}, its codes are refused.
        </p>
      ) : null}
      <ErrorMessage error={list.error} />
      {list.loading && list.items.length === 0 ? (
        <Loading what="validations" />
      ) : list.items.length === 0 && !list.error ? (
        <EmptyState title="No system has validated a code of this token yet." />
      ) : (
        <>
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Validations of this token, newest first</caption>
              <thead>
                <tr>
                  <th scope="col" className="col-time">When</th>
                  <th scope="col">Result</th>
                  <th scope="col">User</th>
                  <th scope="col" className="num col-num">Drift</th>
                  <th scope="col">Key</th>
                  <th scope="col">Client</th>
                </tr>
              </thead>
              <tbody>
                {list.items.map((item) => (
                  <tr key={item.id}>
                    <td>
                      <Time iso={item.at} />
                    </td>
                    <td className={item.valid ? 'text-success' : 'text-failed'}>{item.valid ? 'Accepted' : `Refused: ${item.reason ?? 'unknown'}`}</td>
                    <td>{item.email ?? item.userid ?? '—'}</td>
                    <td className="num">{item.driftSteps ?? '—'}</td>
                    <td>{item.keyName}</td>
                    <td className="mono">{item.client ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore shown={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={() => void list.loadMore()} noun="validation" />
        </>
      )}
    </>
  );
}
