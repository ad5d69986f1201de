import { useEffect } from 'react';
import { api, apiUrl } from '../api/client';
import type { Import, ImportRowError, Page } from '@tokenfleet/contract';
import { ImportCard, loadImport } from '../components/ImportCard';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle } from '../components/ui';
import { formatCount } from '../format';
import { usePagedList, useResource } from '../hooks';
import { Link } from '../router';

const ERRORS_PER_PAGE = 100;

/** What a row error's number counts, by format: said above the table and in its column header. */
export function rowNumbering(format: Import['format'] | undefined): { header: string; explanation: string } {
  switch (format) {
    case 'json':
      return { header: 'Item', explanation: 'Items are counted from 1 in the order of the JSON array.' };
    case 'pskc':
      return { header: 'Key package', explanation: 'Key packages are counted from 1 in the order of the PSKC file.' };
    default:
      return { header: 'Row (header = 1)', explanation: 'Rows are counted as a spreadsheet shows them: the header is row 1, the first token is row 2.' };
  }
}

export function ImportDetail({ id }: { id: string }) {
  // Loaded once here; the card polls for progress itself while the import runs.
  const summary = useResource(() => loadImport(id), [id]);
  const errors = usePagedList((cursor) => api.get<Page<ImportRowError>>(`/imports/${encodeURIComponent(id)}/errors`, { limit: ERRORS_PER_PAGE, cursor }), [id]);
  const rowErrorCount = summary.data ? summary.data.rejectedRows + summary.data.duplicateRows : 0;
  const numbering = rowNumbering(summary.data?.format);

  // Arriving from "See the row errors": bring the table into view once it is there.
  useEffect(() => {
    if (window.location.hash === '#row-errors' && errors.items.length > 0) document.getElementById('row-errors')?.scrollIntoView();
  }, [errors.items.length]);

  return (
    <section>
      <p className="breadcrumb">
        <Link to="/imports">Imports</Link> /
      </p>
      <PageTitle title={summary.data ? `Import ${summary.data.fileName}` : 'Import'}>Import {summary.data?.fileName ?? ''}</PageTitle>
      <ErrorMessage error={summary.error} />
      {summary.data ? <ImportCard initial={summary.data} /> : !summary.error && <Loading what="the import" />}

      <div className="section-head">
        <h2 id="row-errors">Row errors</h2>
        {rowErrorCount > 0 && (
          <a className="button" href={apiUrl(`/imports/${encodeURIComponent(id)}/errors.csv`)} download>
            Download as CSV
          </a>
        )}
      </div>
      <ErrorMessage error={errors.error} />
      {errors.loading && errors.items.length === 0 ? (
        <Loading what="row errors" />
      ) : errors.items.length === 0 && !errors.error ? (
        <EmptyState title="No row errors: every row of the file was accepted." />
      ) : (
        <>
          <p className="muted">
            {formatCount(rowErrorCount)} rows were not imported. Fix them in the file and upload the fixed rows again; rows that were accepted are not imported twice.{' '}
            {numbering.explanation}
          </p>
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Rows of the file that were not imported, with the reason</caption>
              <thead>
                <tr>
                  <th scope="col" className="num col-row-number">{numbering.header}</th>
                  <th scope="col" className="col-field">Column in the file</th>
                  <th scope="col">Reason</th>
                  <th scope="col" className="col-serial">Serial number</th>
                </tr>
              </thead>
              <tbody>
                {errors.items.map((rowError, index) => (
                  <tr key={`${rowError.rowNumber}-${index}`}>
                    <td className="num">{rowError.rowNumber}</td>
                    <td>
                      {rowError.column ?? rowError.field ?? <span className="muted">whole row</span>}
                      {rowError.column && rowError.field && rowError.field !== rowError.column && (
                        <span className="block small muted" title="The field's name in the API and in Microsoft Graph">
                          API field {rowError.field}
                        </span>
                      )}
                    </td>
                    <td>{rowError.reason}</td>
                    <td className="mono">{rowError.serialNumber ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <LoadMore shown={errors.items.length} hasMore={errors.hasMore} loading={errors.loading} onMore={() => void errors.loadMore()} noun="row error" />
        </>
      )}
    </section>
  );
}
