// Tenant settings (admin): the policies each Entra tenant runs under: whether a token's seed is kept
// once Entra holds the token active, after how many days without use an active token counts as
// OBSOLETE, how often the tenant is reconciled with Entra, and the self-service portal (/my): open or
// not, which stock tokens its users may activate, how many attempts a person has per hour. Every change
// is audited by the API.
import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { SelfServiceSettings, Tenant } from '@tokenfleet/contract';
import { useConfirm } from '../components/ConfirmDialog';
import { TenantList } from '../components/TenantList';
import { ErrorMessage, PageTitle } from '../components/ui';
import { useResource, useSubmission } from '../hooks';
import { Link } from '../router';
import { SYNC_INTERVAL_HOURS_DEFAULT, SYNC_INTERVAL_HOURS_MAX, SYNC_INTERVAL_HOURS_MIN } from '@tokenfleet/contract/values';

export function TenantSettings() {
  const tenants = useResource(() => api.get<Tenant[]>('/tenants'), []);
  const { error, attempt } = useSubmission();
  const [saved, setSaved] = useState<string>('');
  const [confirmElement, confirm] = useConfirm();

  async function setPurge(tenant: Tenant, purge: boolean) {
    if (purge) {
      const ok = await confirm({
        title: `Purge seeds of active tokens in ${tenant.name}?`,
        body: (
          <p>
            From now on, a token's seed is erased as soon as Entra reports it active. Such a token can then never be activated again
            (after an unassign, for instance) without importing its seed file anew, and the validation API (/validate, for VPN and RADIUS
            gateways) cannot check its codes any more. Tokens already active keep their seed.
          </p>
        ),
        confirmLabel: 'Purge seeds once active',
        danger: true,
      });
      if (!ok) return;
    }
    setSaved('');
    await attempt(async () => {
      await api.patch<Tenant>(`/tenants/${encodeURIComponent(tenant.id)}/settings`, { purgeSeedsWhenActive: purge });
      setSaved(`${tenant.name}: seeds are ${purge ? 'purged once a token is active' : 'kept'}.`);
      void tenants.reload();
    });
  }

  async function saveInterval(tenant: Tenant, hours: number) {
    setSaved('');
    await attempt(async () => {
      await api.patch<Tenant>(`/tenants/${encodeURIComponent(tenant.id)}/settings`, { syncIntervalHours: hours });
      setSaved(`${tenant.name}: reconciled with Entra every ${hours} h.`);
      void tenants.reload();
    });
  }

  async function setSelfService(tenant: Tenant, change: Partial<SelfServiceSettings>, said: string) {
    setSaved('');
    await attempt(async () => {
      await api.patch<Tenant>(`/tenants/${encodeURIComponent(tenant.id)}/settings`, { selfService: change });
      setSaved(`${tenant.name}: ${said}.`);
      void tenants.reload();
    });
  }

  return (
    <section>
      <PageTitle title="Tenant settings">Tenant settings</PageTitle>
      <ErrorMessage error={tenants.error ?? error} />
      <p role="status" aria-live="polite" className="muted">
        {saved}
      </p>
      <TenantList tenants={tenants}>
        {(tenant) => (
          <fieldset key={tenant.id} className="card">
            <legend>
              {tenant.name} <span className="mono muted">{tenant.id}</span>
            </legend>
            <label>
              <input type="checkbox" checked={tenant.settings.purgeSeedsWhenActive} onChange={(event) => void setPurge(tenant, event.target.checked)} /> Purge a
              token's seed once Entra reports it active
            </label>
            <ObsoleteAfterForm
              key={`${tenant.id}-${tenant.settings.obsoleteAfterDays ?? ''}`}
              tenant={tenant}
              onSave={(days) =>
                attempt(async () => {
                  setSaved('');
                  await api.patch<Tenant>(`/tenants/${encodeURIComponent(tenant.id)}/settings`, { obsoleteAfterDays: days });
                  setSaved(`${tenant.name}: ${days === null ? 'unused tokens never become obsolete' : `an active token unused for more than ${days} days is OBSOLETE`}.`);
                  void tenants.reload();
                })
              }
            />
            <p className="help">
              Keeping seeds lets Tokenfleet test codes, resynchronise and re-activate tokens, and answer other systems' code checks through the validation API;
              purging leaves nothing to steal, but a token whose seed is purged validates nothing at /validate.
            </p>
            <SyncInterval tenant={tenant} onSave={(hours) => void saveInterval(tenant, hours)} />
            <SelfServiceFields tenant={tenant} onChange={(change, said) => void setSelfService(tenant, change, said)} />
          </fieldset>
        )}
      </TenantList>
      {confirmElement}
    </section>
  );
}

function ObsoleteAfterForm({ tenant, onSave }: { tenant: Tenant; onSave: (days: number | null) => Promise<unknown> }) {
  const id = useId();
  const current = tenant.settings.obsoleteAfterDays === null ? '' : String(tenant.settings.obsoleteAfterDays);
  const [value, setValue] = useState(current);

  function submit(event: FormEvent) {
    event.preventDefault();
    void onSave(value.trim() === '' ? null : Number(value));
  }

  return (
    <form className="form-row obsolete-after" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${id}-days`}>Obsolete after this many days without use</label>
        <input id={`${id}-days`} type="number" min={1} max={3650} step={1} inputMode="numeric" placeholder="never" value={value} onChange={(event) => setValue(event.target.value)} />
        <p className="help">
          An active token not used for longer than this (counted from its last sign-in, or from its activation when it was never used) shows as
          OBSOLETE. Leave it empty for never.
        </p>
      </div>
      <button type="submit" disabled={value === current}>
        Save
      </button>
    </form>
  );
}

/** How often the tenant is reconciled with Entra: a number of hours, saved on its own button. */
function SyncInterval({ tenant, onSave }: { tenant: Tenant; onSave: (hours: number) => void }) {
  const [hours, setHours] = useState(String(tenant.settings.syncIntervalHours));
  const id = `sync-interval-${tenant.id}`;
  const value = Number(hours);
  const valid = hours.trim() !== '' && Number.isFinite(value) && value >= SYNC_INTERVAL_HOURS_MIN && value <= SYNC_INTERVAL_HOURS_MAX;
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (valid) onSave(value);
      }}
    >
      <label htmlFor={id}>Reconcile with Entra every (hours)</label>{' '}
      <input id={id} type="number" min={SYNC_INTERVAL_HOURS_MIN} max={SYNC_INTERVAL_HOURS_MAX} step="any" value={hours} onChange={(event) => setHours(event.target.value)} />{' '}
      <button type="submit" disabled={!valid || value === tenant.settings.syncIntervalHours}>
        Save interval
      </button>
      <p className="help">
        Each sync reads every hardware OATH device of the tenant from Graph and takes in what changed there (default {SYNC_INTERVAL_HOURS_DEFAULT} h). An admin
        can also sync at once from the <Link to="/entra-sync">Entra sync</Link> screen.
      </p>
    </form>
  );
}

function SelfServiceFields({ tenant, onChange }: { tenant: Tenant; onChange: (change: Partial<SelfServiceSettings>, said: string) => void }) {
  const settings = tenant.settings.selfService;
  const [imports, setImports] = useState((settings.eligibleImportIds ?? []).join('\n'));
  const [attempts, setAttempts] = useState(String(settings.attemptsPerHour));
  const importIds = imports.split(/[\s,]+/).filter(Boolean);
  return (
    <div className="self-service-settings">
      <h3>Self-service portal (/my)</h3>
      <label>
        <input type="checkbox" checked={settings.enabled} onChange={(event) => onChange({ enabled: event.target.checked }, `self-service activation is ${event.target.checked ? 'on' : 'off'}`)} /> People
        activate the token they were given themselves, with its serial and the code it shows
      </label>
      <label htmlFor={`eligible-${tenant.id}`}>Only tokens of these imports (one id a line; empty: every token in stock)</label>
      <textarea id={`eligible-${tenant.id}`} rows={2} value={imports} onChange={(event) => setImports(event.target.value)} />
      <label htmlFor={`attempts-${tenant.id}`}>Attempts per person and hour</label>
      <input id={`attempts-${tenant.id}`} type="number" min={1} max={100} value={attempts} onChange={(event) => setAttempts(event.target.value)} />
      <button
        type="button"
        onClick={() => onChange({ eligibleImportIds: importIds.length > 0 ? importIds : null, attemptsPerHour: Number(attempts) }, 'self-service limits saved')}
      >
        Save self-service limits
      </button>
    </div>
  );
}
