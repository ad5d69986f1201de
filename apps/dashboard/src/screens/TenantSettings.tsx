// Tenant settings (admin): the policies each Entra tenant runs under: whether a token's seed is kept
// once Entra holds the token active, and after how many days without use an active token counts as
// OBSOLETE. Every change is audited by the API.
import { useId, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import type { Tenant } from '@tokenfleet/contract';
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
          </fieldset>
        ))
      )}
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
