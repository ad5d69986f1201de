// Tenants added in Tokenfleet (docs/tenants.md): an installation serves the tenant its environment
// configures and any number more, each with its own app registration. The registration's public half is
// the `connection` column; its credential (client secret, or a PEM holding certificate and private key) is
// sealed with the seeds' master key and bound to the tenant's id, so a ciphertext moved to another row
// does not decrypt. Nothing here returns the credential but `openTenantCredential`, which the worker and
// the connection test call when they build a Graph client.
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from './audit';
import type { DbOrTx } from './client';
import { tenants, type Tenant, type TenantConnection, type TenantConnectionTest } from './schema';
import type { SeedVault } from './seed-vault';
import { tenantIdFor } from './runtime';

/** What the credential's ciphertext is bound to (the vault's associated data). */
export const tenantCredentialId = (tenantId: string): string => `tenant-credential:${tenantId}`;

export interface TenantConnectionInput {
  entraTenantId: string;
  clientId: string;
  /** Exactly one of the two. */
  clientSecret?: string;
  clientCertificatePem?: string;
  authorityHost: string;
  graphBaseUrl: string;
}

export class TenantExists extends Error {
  override readonly name = 'TenantExists';
  constructor(readonly tenantId: string) {
    super(`tenant ${tenantId} exists already`);
  }
}

function sealed(vault: SeedVault, tenantId: string, input: TenantConnectionInput) {
  const credential = input.clientSecret ?? input.clientCertificatePem;
  if (!credential) throw new Error('a tenant connection needs a client secret or a certificate');
  const { keyId, ciphertext } = vault.encrypt(tenantCredentialId(tenantId), credential);
  const connection: TenantConnection = {
    entraTenantId: input.entraTenantId.toLowerCase(),
    clientId: input.clientId.toLowerCase(),
    credential: input.clientSecret ? 'secret' : 'certificate',
    authorityHost: input.authorityHost.replace(/\/+$/, ''),
    graphBaseUrl: input.graphBaseUrl.replace(/\/+$/, ''),
  };
  return { connection, credentialKeyId: keyId, credentialCiphertext: ciphertext };
}

/** Adds a tenant with its app registration; its id is derived from the Entra tenant id. */
export async function addTenant(db: DbOrTx, vault: SeedVault, input: TenantConnectionInput & { name: string; actor: string }): Promise<Tenant> {
  const id = tenantIdFor(input.entraTenantId);
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(tenants)
      .values({ id, name: input.name, mode: 'live', entraTenantId: input.entraTenantId.toLowerCase(), ...sealed(vault, id, input) })
      .onConflictDoNothing({ target: tenants.id })
      .returning();
    if (!row) throw new TenantExists(id);
    await appendAudit(tx, { actor: input.actor, action: 'tenant.added', outcome: 'success', tenantId: id, targetType: 'tenant', targetId: id, detail: { name: input.name, connection: row.connection } });
    return row;
  });
}

/**
 * Replaces a stored tenant's app registration (a rotated secret, a new certificate); the Entra tenant
 * stays. Bumps `connectionVersion`, so the worker builds the tenant's client again, and clears the last
 * test, which tested the old one. Answers null when the tenant has no stored connection to change.
 */
export async function changeTenantConnection(db: DbOrTx, vault: SeedVault, tenantId: string, input: Omit<TenantConnectionInput, 'entraTenantId'> & { actor: string }): Promise<Tenant | null> {
  return db.transaction(async (tx) => {
    const [existing] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for('update');
    if (!existing?.connection) return null;
    const next = sealed(vault, tenantId, { ...input, entraTenantId: existing.connection.entraTenantId });
    const [row] = await tx
      .update(tenants)
      .set({ ...next, connectionVersion: sql`${tenants.connectionVersion} + 1`, lastConnectionTest: null })
      .where(eq(tenants.id, tenantId))
      .returning();
    await appendAudit(tx, {
      actor: input.actor,
      action: 'tenant.connection_changed',
      outcome: 'success',
      tenantId,
      targetType: 'tenant',
      targetId: tenantId,
      // The connection column never holds the credential, so it goes to the audit trail as it is.
      detail: { before: existing.connection, after: next.connection },
    });
    return row!;
  });
}

/** The tenant's credential in clear, for a Graph client; null for the environment's tenant. */
export function openTenantCredential(vault: SeedVault, tenant: Pick<Tenant, 'id' | 'connection' | 'credentialKeyId' | 'credentialCiphertext'>): { clientSecret: string } | { clientCertificatePem: string } | null {
  if (!tenant.connection || !tenant.credentialKeyId || !tenant.credentialCiphertext) return null;
  const credential = vault.decrypt(tenantCredentialId(tenant.id), tenant.credentialKeyId, tenant.credentialCiphertext);
  return tenant.connection.credential === 'secret' ? { clientSecret: credential } : { clientCertificatePem: credential };
}

export async function recordConnectionTest(db: DbOrTx, tenantId: string, result: TenantConnectionTest, actor: string): Promise<void> {
  await db.update(tenants).set({ lastConnectionTest: result }).where(eq(tenants.id, tenantId));
  await appendAudit(db, {
    actor,
    action: 'tenant.connection_tested',
    outcome: result.ok ? 'success' : 'failure',
    tenantId,
    targetType: 'tenant',
    targetId: tenantId,
    ...(result.graphStatus ? { graphStatus: result.graphStatus } : {}),
    ...(result.requestId ? { graphRequestId: result.requestId } : {}),
    detail: { message: result.message },
  });
}

/**
 * A stored tenant's connection with its credential in clear: what `clientOptionsFromCredential` of the
 * Graph package builds a client from. `caCertificatePem` is an extra CA to trust (the sandbox's, in sandbox
 * mode, so a second simulated tenant is reachable too). Null for the environment's tenant.
 */
export function credentialSettingsOfTenant(
  vault: SeedVault,
  tenant: Pick<Tenant, 'id' | 'connection' | 'credentialKeyId' | 'credentialCiphertext'>,
  extra: { caCertificatePem?: string } = {},
): { tenantId: string; clientId: string; clientSecret?: string; clientCertificatePem?: string; authorityHost: string; graphBaseUrl: string; caCertificatePem?: string } | null {
  const credential = openTenantCredential(vault, tenant);
  if (!credential || !tenant.connection) return null;
  const { entraTenantId, clientId, authorityHost, graphBaseUrl } = tenant.connection;
  return { tenantId: entraTenantId, clientId, authorityHost, graphBaseUrl, ...credential, ...(extra.caCertificatePem ? { caCertificatePem: extra.caCertificatePem } : {}) };
}
