// How far a long run has got (an import, a bulk action): a bar of fixed size whose segments (succeeded,
// failed, still to do) change width as the worker runs, one line of words, and counters in tabular
// figures, so nothing around them moves while numbers grow.
import { formatCount } from '../format';

export interface ProgressMeterProps {
  /** What the bar measures, for its accessible name ("Progress of tokens.csv"). */
  label: string;
  total: number;
  finished: number;
  succeeded: number;
  failed: number;
  /** Whether it will not move any more: then the outcome is announced, not the status. */
  settled: boolean;
  /** No count yet (a file still being validated): the bar moves without saying how far. */
  indeterminate?: boolean;
  /** One line a person reads, e.g. "Running: 4 of 6 tokens finished, 1 failed". */
  summary: string;
  /** What is announced while it runs (a status change, not every count). */
  status: string;
  /** Counters beside the bar; those named in `alarming` turn red when not zero. */
  counters: [string, number][];
  alarming?: readonly string[];
}

const percent = (part: number, total: number) => (total === 0 ? 0 : (part / total) * 100);

export function ProgressMeter({ label, total, finished, succeeded, failed, settled, indeterminate, summary, status, counters, alarming = ['Failed'] }: ProgressMeterProps) {
  return (
    <div className="import-progress">
      <div
        className={`progress-bar${indeterminate ? ' progress-indeterminate' : ''}`}
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={Math.max(total, 1)}
        aria-valuenow={finished}
        aria-valuetext={summary}
      >
        <span className="progress-succeeded" style={{ width: `${percent(succeeded, total)}%` }} />
        <span className="progress-failed" style={{ width: `${percent(failed, total)}%` }} />
      </div>
      <p className="progress-summary">{summary}</p>
      {/* Announces the status as it changes and the outcome at the end, not every count on the way
          (the progress bar answers "how far" whenever it is asked). */}
      <p className="visually-hidden" aria-live="polite" aria-atomic="true">
        {settled ? summary : status}
      </p>
      <dl className="counters">
        {counters.map(([name, value]) => (
          <div key={name} className={alarming.includes(name) && value > 0 ? 'counter counter-failed' : 'counter'}>
            <dt>{name}</dt>
            <dd>{formatCount(value)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
