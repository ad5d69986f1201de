import { useId, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { api, request } from '../api/client';
import type { Import, ImportMode, Page, Tenant } from '@tokenfleet/contract';
import { IMPORT_MODES } from '@tokenfleet/contract/values';
import { ImportCard } from '../components/ImportCard';
import { EmptyState, ErrorMessage, LoadMore, Loading, PageTitle } from '../components/ui';
import { IMPORT_MODE_LABELS } from '../format';
import { usePagedList, useResource, useSubmission } from '../hooks';
import { Link } from '../router';
import { useCan } from '../session';

const IMPORTS_PER_PAGE = 20;

/** PSKC files (RFC 6030) carry their secrets encrypted; the pre-shared key comes with the upload. */
export function isPskcFile(fileName: string): boolean {
  return /\.(xml|pskc)$/i.test(fileName);
}

export function Imports() {
  const canUpload = useCan('operator');
  const list = usePagedList((cursor) => api.get<Page<Import>>('/imports', { limit: IMPORTS_PER_PAGE, cursor }), []);

  return (
    <section>
      <PageTitle title="Imports">Imports</PageTitle>
      {canUpload ? (
        <UploadForm onUploaded={() => void list.reload()} />
      ) : (
        <p className="notice notice-info">Your role can watch imports. Uploading a seed file needs the operator role.</p>
      )}

      <h2>Recent imports</h2>
      <ErrorMessage error={list.error} action={<button type="button" onClick={() => void list.reload()}>Try again</button>} />
      {list.loading && list.items.length === 0 && !list.error ? (
        <Loading what="imports" />
      ) : list.items.length === 0 && !list.error ? (
        <EmptyState title={canUpload ? 'No imports yet — drop a seed file above to start one.' : 'No imports yet.'}>
          {!canUpload && <p>An operator starts an import by uploading a seed file (CSV, JSON or PSKC).</p>}
        </EmptyState>
      ) : (
        <div className="import-list">
          {list.items.map((item) => (
            <ImportCard key={item.id} initial={item} />
          ))}
          <LoadMore shown={list.items.length} hasMore={list.hasMore} loading={list.loading} onMore={() => void list.loadMore()} noun="import" />
        </div>
      )}
    </section>
  );
}

function UploadForm({ onUploaded }: { onUploaded: (id: string) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [mode, setMode] = useState<ImportMode>('activate');
  // With several Entra tenants the operator says which one the tokens go to; with one there is no choice.
  const tenants = useResource(() => api.get<Tenant[]>('/tenants'), []);
  const [tenantId, setTenantId] = useState('');
  const tenantChoice = (tenants.data?.length ?? 0) > 1 ? tenants.data! : null;
  const [pskcKey, setPskcKey] = useState('');
  const [dragging, setDragging] = useState(false);
  const { working: busy, error, attempt, clearError } = useSubmission();
  const [accepted, setAccepted] = useState<{ id: string; fileName: string } | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const ids = useId();
  const pskc = file !== null && isPskcFile(file.name);

  function choose(files: FileList | null) {
    const chosen = files?.[0] ?? null;
    setFile(chosen);
    clearError();
    setAccepted(null);
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    choose(event.dataTransfer.files);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) return;
    const form = new FormData();
    form.set('mode', mode);
    // Before the file: the API reads the file for this tenant.
    if (tenantChoice) form.set('tenantId', tenantId || tenantChoice[0]!.id);
    if (pskc && pskcKey.trim()) form.set('pskcKey', pskcKey.trim());
    form.set('file', file, file.name);
    await attempt(async () => {
      const { id } = await request<{ id: string }>('POST', '/imports', { body: form });
      setAccepted({ id, fileName: file.name });
      setFile(null);
      // The key decrypts this one file; it is not kept around for the next.
      setPskcKey('');
      if (fileInput.current) fileInput.current.value = '';
      onUploaded(id);
    });
  }

  return (
    <form className="card upload-form" onSubmit={submit} aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Upload a seed file</h2>
      <div
        className={`drop-zone${dragging ? ' drop-zone-active' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <input
          ref={fileInput}
          id={`${ids}-file`}
          className="visually-hidden"
          type="file"
          name="file"
          accept=".csv,.txt,.json,.xml,.pskc,text/csv,application/json,application/xml,text/xml"
          onChange={(event) => choose(event.target.files)}
        />
        <label htmlFor={`${ids}-file`} className="drop-label">
          {file ? (
            <>
              <strong>{file.name}</strong> ({Math.max(1, Math.round(file.size / 1024)).toLocaleString()} KB) — drop another file or <span className="link-like">choose a different one</span>
            </>
          ) : (
            <>
              Drop a seed file here (CSV, JSON or PSKC), or <span className="link-like">choose a file</span>
            </>
          )}
        </label>
      </div>

      <div className="form-row">
        {tenantChoice && (
          <div className="field">
            <label htmlFor={`${ids}-tenant`}>Entra tenant</label>
            <select id={`${ids}-tenant`} value={tenantId || tenantChoice[0]!.id} onChange={(event) => setTenantId(event.target.value)}>
              {tenantChoice.map((tenant) => (
                <option key={tenant.id} value={tenant.id}>
                  {tenant.name}
                  {tenant.mode === 'sandbox' ? ' (SANDBOX)' : ''}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${ids}-mode`}>What to do with the tokens</label>
          <select id={`${ids}-mode`} value={mode} onChange={(event) => setMode(event.target.value as ImportMode)} aria-describedby={`${ids}-mode-help`}>
            {IMPORT_MODES.map((value) => (
              <option key={value} value={value}>
                {IMPORT_MODE_LABELS[value].label}
              </option>
            ))}
          </select>
          <p id={`${ids}-mode-help`} className="help">
            {IMPORT_MODE_LABELS[mode].description}
          </p>
        </div>
        {pskc && (
          <div className="field">
            <label htmlFor={`${ids}-pskc`}>PSKC pre-shared key (hex)</label>
            <input
              id={`${ids}-pskc`}
              type="password"
              autoComplete="off"
              spellCheck={false}
              inputMode="text"
              pattern="[0-9a-fA-F]{32}|[0-9a-fA-F]{48}|[0-9a-fA-F]{64}"
              title="32, 48 or 64 hexadecimal digits"
              value={pskcKey}
              onChange={(event) => setPskcKey(event.target.value)}
              aria-describedby={`${ids}-pskc-help`}
            />
            <p id={`${ids}-pskc-help`} className="help">
              The key your token vendor sent with the file (32, 48 or 64 hex digits). Leave empty if the file's secrets are not encrypted.
            </p>
          </div>
        )}
        <div className="form-submit">
          <button type="submit" className="primary" disabled={!file || busy}>
            {busy ? 'Uploading…' : 'Upload and start'}
          </button>
        </div>
      </div>

      <ErrorMessage error={error} />
      {accepted && (
        <p className="notice notice-success" role="status">
          {accepted.fileName} was accepted; its progress shows below. <Link to={`/imports/${accepted.id}`}>Open the import</Link>
        </p>
      )}
    </form>
  );
}
