// Start-up pieces every process shares: the tenant row the configuration names, and the seed vault.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { createSeedVault, loadMasterKeys, type SeedVault } from './seed-vault';
import type { Database } from './client';
import { tenants, type Tenant } from './schema';

/** The id of the built-in sandbox tenant. */
export const SANDBOX_TENANT_ID = 'sandbox';

/** Tenant row id for an Entra tenant: used in queue names, so only [A-Za-z0-9_-]. */
export function tenantIdFor(entraTenantId: string): string {
  return `entra-${entraTenantId.toLowerCase()}`;
}

/** Makes sure the tenant the configuration names has its row; returns it. */
export async function ensureTenant(db: Database, config: { mode: 'sandbox' | 'live'; entraTenantId?: string; name?: string }): Promise<Tenant> {
  const row =
    config.mode === 'sandbox'
      ? { id: SANDBOX_TENANT_ID, name: config.name ?? 'SANDBOX (simulated Entra)', mode: 'sandbox' as const, entraTenantId: config.entraTenantId ?? null }
      : { id: tenantIdFor(config.entraTenantId!), name: config.name ?? `Entra tenant ${config.entraTenantId}`, mode: 'live' as const, entraTenantId: config.entraTenantId! };
  await db.insert(tenants).values(row).onConflictDoNothing({ target: tenants.id });
  const [tenant] = await db.select().from(tenants).where(eq(tenants.id, row.id));
  return tenant!;
}

/**
 * The seed vault from TOKENFLEET_MASTER_KEY (or _FILE). In sandbox mode only, with no key configured, a
 * key is generated once into the state directory (mode 0600), so `npm start` works on a fresh machine; a
 * live tenant never starts without a key the operator chose.
 */
export function openSeedVault(env: Record<string, string | undefined>, options: { mode: 'sandbox' | 'live'; stateDir: string }): { vault: SeedVault; generatedKeyFile?: string } {
  const configured = Boolean(env.TOKENFLEET_MASTER_KEY?.trim() || env.TOKENFLEET_MASTER_KEY_FILE?.trim());
  if (configured || options.mode === 'live') return { vault: createSeedVault(loadMasterKeys(env)) };
  const file = join(options.stateDir, 'sandbox-master.key');
  if (!existsSync(file)) {
    mkdirSync(options.stateDir, { recursive: true });
    writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return { vault: createSeedVault(loadMasterKeys({ ...env, TOKENFLEET_MASTER_KEY_FILE: file })), generatedKeyFile: file };
}
