// Tenant settings (admin): the policies each Entra tenant runs under: whether a token's seed is kept once
// Entra holds the token active, and the self-service portal (/my): open or not, which stock tokens its
// users may activate, how many attempts a person has per hour. Every change is audited by the API.
import { useState } from 'react';
import { api } from '../api/client';
import type { SelfServiceSettings, Tenant } from '@tokenfleet/contract';
import { useConfirm } from '../components/ConfirmDialog';
import { EmptyState, ErrorMessage, Loading, PageTitle } from '../components/ui';
import { useResource, useSubmission } from '../hooks';

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
      {!tenants.data ? (
        !tenants.error && <Loading what="tenants" />
      ) : tenants.data.length === 0 ? (
        <EmptyState title="No tenant is configured yet." />
      ) : (
        tenants.data.map((tenant) => (
          <fieldset key={tenant.id} className="card">
            <legend>
              {tenant.name} <span className="mono muted">{tenant.id}</span>
            </legend>
            <label>
              <input type="checkbox" checked={tenant.settings.purgeSeedsWhenActive} onChange={(event) => void setPurge(tenant, event.target.checked)} /> Purge a
              token's seed once Entra reports it active
            </label>
            <p className="help">
              Keeping seeds lets Tokenfleet test codes, resynchronise and re-activate tokens, and answer other systems' code checks through the validation API;
              purging leaves nothing to steal, but a token whose seed is purged validates nothing at /validate.
            </p>
            <SelfServiceFields tenant={tenant} onChange={(change, said) => void setSelfService(tenant, change, said)} />
          </fieldset>
        ))
      )}
      {confirmElement}
    </section>
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
