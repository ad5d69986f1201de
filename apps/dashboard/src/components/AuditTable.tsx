// Audit events as a table, used by the audit trail screen, a token's page and a failed job's history.
import type { AuditEvent } from '@tokenfleet/contract';
import { shortId } from '../format';
import { Link } from '../router';
import { Time } from './ui';

/** The event's detail as one line of text (it is free-form JSON written by the server). */
export function describeAuditDetail(detail: unknown): string {
  if (detail === null || detail === undefined) return '';
  if (typeof detail !== 'object') return String(detail);
  return Object.entries(detail as Record<string, unknown>)
    .map(([name, value]) => `${name}: ${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}`)
    .join(' · ');
}

/**
 * Read from 1024 px up: time, actor and outcome keep their width; the action carries its target on a
 * second line; the Graph call gets a column of its own only on wide screens (`prio-low`) and otherwise
 * opens the detail (`prio-narrow`); the detail takes what is left, three lines at most, all of it on hover.
 */
export function AuditTable({ events, caption, showTarget = true }: { events: AuditEvent[]; caption: string; showTarget?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="data-table audit-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="col-time">Time</th>
            <th scope="col" className="col-actor">Actor</th>
            <th scope="col" className="col-action">{showTarget ? 'Action · target' : 'Action'}</th>
            <th scope="col" className="col-outcome">Outcome</th>
            <th scope="col" className="col-graph prio-low">Graph call</th>
            <th scope="col" className="col-detail">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const detail = describeAuditDetail(event.detail);
            const graph = graphCall(event);
            return (
              <tr key={event.id}>
                <td>
                  <Time iso={event.at} />
                </td>
                <td className="truncate" title={event.actor}>
                  {event.actor}
                </td>
                <td>
                  <span className="block mono truncate" title={event.action}>
                    {event.action}
                  </span>
                  {showTarget && <span className="block small truncate">{target(event)}</span>}
                </td>
                <td>
                  <span className={`outcome outcome-${event.outcome}`}>{event.outcome}</span>
                </td>
                <td className="small prio-low">
                  {graph ? (
                    <>
                      <span className="block truncate">{graph}</span>
                      {event.graphRequestId && (
                        <span className="block mono truncate" title={`request-id ${event.graphRequestId}`}>
                          {event.graphRequestId}
                        </span>
                      )}
                    </>
                  ) : (
                    <span className="muted">—</span>
                  )}
                </td>
                <td className="small" title={[graph && `${graph}${event.graphRequestId ? ` · request-id ${event.graphRequestId}` : ''}`, detail].filter(Boolean).join('\n')}>
                  {graph && <span className="block truncate prio-narrow">{graph}</span>}
                  <span className="clamp">{detail}</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** `HTTP 429 · 120 ms`, or null for an event that was not a Graph call. */
function graphCall(event: AuditEvent): string | null {
  if (event.graphStatus === null) return null;
  return `HTTP ${event.graphStatus}${event.durationMs !== null ? ` · ${event.durationMs} ms` : ''}`;
}

function target(event: AuditEvent) {
  if (event.tokenId) return <Link to={`/tokens/${event.tokenId}`} title={`token ${event.tokenId}`}>token {shortId(event.tokenId)}</Link>;
  if (event.importId) return <Link to={`/imports/${event.importId}`} title={`import ${event.importId}`}>import {shortId(event.importId)}</Link>;
  if (event.targetType && event.targetId) return <span title={event.targetId}>{event.targetType} {shortId(event.targetId)}</span>;
  return <span className="muted">—</span>;
}
