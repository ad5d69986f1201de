import { api, apiUrl, toQueryString } from '../api/client';
import type { AuditEvent, Page } from '@tokenfleet/contract';
import { AUDIT_OUTCOMES } from '@tokenfleet/contract/values';
import { AuditTable } from '../components/AuditTable';
import { FilterForm, useAppliedFilters, type FilterField } from '../components/FilterForm';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle } from '../components/ui';
import { usePagedList } from '../hooks';
import { Link } from '../router';

const EVENTS_PER_PAGE = 100;

const AUDIT_FILTERS: readonly FilterField[] = [
  { name: 'from', label: 'From', kind: 'datetime' },
  { name: 'to', label: 'Until', kind: 'datetime' },
  { name: 'actor', label: 'Actor (account or key name)', placeholder: 'alice' },
  { name: 'action', label: 'Action', placeholder: 'graph.call' },
  { name: 'outcome', label: 'Outcome', kind: 'select', anyLabel: 'Any outcome', options: AUDIT_OUTCOMES.map((outcome) => ({ value: outcome, label: outcome })) },
  { name: 'token', label: 'Token (serial or id)', placeholder: '602345670001' },
  { name: 'importId', label: 'Import id' },
];

export function AuditTrail() {
  const applied = useAppliedFilters(AUDIT_FILTERS);
  const appliedKey = toQueryString(applied);
  const events = usePagedList((cursor) => api.get<Page<AuditEvent>>('/audit', { ...applied, limit: EVENTS_PER_PAGE, cursor }), [applied]);

  return (
    <section>
      <div className="section-head">
        <PageTitle title="Audit trail">Audit trail</PageTitle>
        {/* The same filters, every matching event, as a file a spreadsheet opens without running formulas. */}
        <a className="button" href={apiUrl('/audit.csv', applied)} download>
          Export as CSV
        </a>
      </div>
      <FilterForm path="/audit" fields={AUDIT_FILTERS} applied={applied} label="Filter the audit trail" />
      <ErrorMessage error={events.error} action={<button type="button" onClick={() => void events.reload()}>Try again</button>} />
      {events.loading && events.items.length === 0 ? (
        <Loading what="the audit trail" />
      ) : events.items.length === 0 && !events.error ? (
        appliedKey ? (
          <EmptyState title="No event matches these filters.">
            <p>
              Actor is an account or key name (<span className="mono">alice</span>) or written in full (<span className="mono">user:alice</span>); action matches exactly
              (<span className="mono">token.assigned</span>); a token is its serial number, its 8-character id as the tables show it, or its full id.{' '}
              <Link to="/audit">Clear the filters</Link>.
            </p>
          </EmptyState>
        ) : (
          <EmptyState title="Nothing has happened yet." />
        )
      ) : (
        <>
          <AuditTable events={events.items} caption="Audit events, newest first" />
          <LoadMore shown={events.items.length} hasMore={events.hasMore} loading={events.loading} onMore={() => void events.loadMore()} noun="event" />
        </>
      )}
    </section>
  );
}
