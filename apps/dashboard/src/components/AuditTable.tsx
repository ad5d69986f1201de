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

export function AuditTable({ events, caption, showTarget = true }: { events: AuditEvent[]; caption: string; showTarget?: boolean }) {
  return (
    <div className="table-wrap">
      <table className="data-table audit-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="col-time">Time</th>
            <th scope="col" className="col-actor">Actor</th>
            <th scope="col" className="col-action">Action</th>
            <th scope="col" className="col-outcome">Outcome</th>
            {showTarget && <th scope="col" className="col-id">Target</th>}
            <th scope="col" className="col-graph">Graph call</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => {
            const detail = describeAuditDetail(event.detail);
            return (
              <tr key={event.id}>
                <td>
                  <Time iso={event.at} />
                </td>
                <td>{event.actor}</td>
                <td className="mono">{event.action}</td>
                <td>
                  <span className={`outcome outcome-${event.outcome}`}>{event.outcome}</span>
                </td>
                {showTarget && <td className="mono">{target(event)}</td>}
                <td className="small">
                  {event.graphStatus !== null ? (
                    <>
                      HTTP {event.graphStatus}
                      {event.durationMs !== null && <> · {event.durationMs} ms</>}
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
                <td className="small" title={detail}>
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

function target(event: AuditEvent) {
  if (event.tokenId) return <Link to={`/tokens/${event.tokenId}`} title={`token ${event.tokenId}`}>token {shortId(event.tokenId)}</Link>;
  if (event.importId) return <Link to={`/imports/${event.importId}`} title={`import ${event.importId}`}>import {shortId(event.importId)}</Link>;
  if (event.targetType && event.targetId) return <span title={event.targetId}>{event.targetType} {shortId(event.targetId)}</span>;
  return <span className="muted">—</span>;
}
