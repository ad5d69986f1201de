// A secret shown once, right after it was made (a webhook source's signing secret): a read-only field to
// select, a copy button, and the admin's confirmation that it is stored. The API keeps it encrypted and
// never shows it again.
import { useId, useState, type ReactNode } from 'react';

export function SecretNotice({ title, label, value, children, onDone }: { title: string; label: string; value: string; children: ReactNode; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const ids = useId();

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }

  return (
    <div className="card key-notice" role="region" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>{title}</h2>
      {children}
      <label htmlFor={`${ids}-value`}>{label}</label>
      <input id={`${ids}-value`} className="mono key-value" readOnly value={value} onFocus={(event) => event.target.select()} />
      <div className="button-row">
        <button type="button" onClick={() => void copy()}>
          {copied ? 'Copied' : 'Copy to clipboard'}
        </button>
        <button type="button" className="primary" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </div>
  );
}
