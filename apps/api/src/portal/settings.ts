// A tenant's self-service settings with their defaults: open in the sandbox (so a newcomer can try it at
// once), closed for a live tenant until an admin opens it; every stock token eligible; ten attempts per
// person per hour.
import type { SelfServiceSettings } from '@tokenfleet/contract';
import type { Tenant } from '@tokenfleet/db';

export const DEFAULT_ATTEMPTS_PER_HOUR = 10;

export function selfServiceSettings(tenant: Pick<Tenant, 'mode' | 'settings'>): SelfServiceSettings {
  const stored = tenant.settings.selfService ?? {};
  return {
    enabled: stored.enabled ?? tenant.mode === 'sandbox',
    eligibleImportIds: stored.eligibleImportIds ?? null,
    attemptsPerHour: stored.attemptsPerHour ?? DEFAULT_ATTEMPTS_PER_HOUR,
  };
}
