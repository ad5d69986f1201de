import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditEvents, tenants } from '../src/schema';
import { createSeedVault, SeedDecryptionError, toMasterKey } from '../src/seed-vault';
import { addTenant, changeTenantConnection, credentialSettingsOfTenant, openTenantCredential, TenantExists } from '../src/tenant-store';
import { useTestDatabase } from './fixtures';

const database = useTestDatabase();
const vault = createSeedVault({ current: toMasterKey(randomBytes(32)) });
const registration = (entraTenantId: string, clientSecret: string) => ({
  name: 'Contoso',
  entraTenantId,
  clientId: '11111111-2222-4333-8444-555555555555',
  clientSecret,
  authorityHost: 'https://login.microsoftonline.com/',
  graphBaseUrl: 'https://graph.microsoft.com',
  actor: 'admin:test',
});

describe('tenants added in Tokenfleet', () => {
  it('keep the client secret sealed: not in the row in clear, not in the audit trail, and open only for their own id', async () => {
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const tenant = await addTenant(database.client.db, vault, registration('AAAAAAAA-0000-4000-8000-000000000001', secret));
    expect(tenant).toMatchObject({ id: 'entra-aaaaaaaa-0000-4000-8000-000000000001', mode: 'live', connection: { credential: 'secret', authorityHost: 'https://login.microsoftonline.com' } });
    const [row] = await database.client.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    expect(row!.credentialCiphertext!.includes(Buffer.from(secret))).toBe(false);
    expect(JSON.stringify(row!.connection)).not.toContain(secret);
    const audit = await database.client.db.select().from(auditEvents).where(eq(auditEvents.tenantId, tenant.id));
    expect(audit.map((event) => event.action)).toEqual(['tenant.added']);
    expect(JSON.stringify(audit)).not.toContain(secret);

    expect(openTenantCredential(vault, row!)).toEqual({ clientSecret: secret });
    expect(credentialSettingsOfTenant(vault, row!)).toMatchObject({ tenantId: 'aaaaaaaa-0000-4000-8000-000000000001', clientSecret: secret });
    // The ciphertext moved to another tenant's row does not open there.
    expect(() => openTenantCredential(vault, { ...row!, id: 'entra-someone-else' })).toThrow(SeedDecryptionError);
  });

  it('refuses the same Entra tenant twice', async () => {
    await addTenant(database.client.db, vault, registration('aaaaaaaa-0000-4000-8000-000000000002', 'one'));
    await expect(addTenant(database.client.db, vault, registration('AAAAAAAA-0000-4000-8000-000000000002', 'two'))).rejects.toBeInstanceOf(TenantExists);
  });

  it('change their registration with a new version, the old test forgotten; the environment\'s tenant has none to change', async () => {
    const tenant = await addTenant(database.client.db, vault, registration('aaaaaaaa-0000-4000-8000-000000000003', 'old'));
    await database.client.db.update(tenants).set({ lastConnectionTest: { ok: true, at: new Date().toISOString(), message: 'ok' } }).where(eq(tenants.id, tenant.id));
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';
    const changed = await changeTenantConnection(database.client.db, vault, tenant.id, { clientId: tenant.connection!.clientId, clientCertificatePem: pem, authorityHost: 'https://login.microsoftonline.com', graphBaseUrl: 'https://graph.microsoft.com', actor: 'admin:test' });
    expect(changed).toMatchObject({ connectionVersion: tenant.connectionVersion + 1, lastConnectionTest: null, connection: { credential: 'certificate' } });
    expect(openTenantCredential(vault, changed!)).toEqual({ clientCertificatePem: pem });

    await database.client.db.insert(tenants).values({ id: 'from-environment', name: 'env', mode: 'live' });
    expect(await changeTenantConnection(database.client.db, vault, 'from-environment', { clientId: 'x', clientSecret: 'y', authorityHost: 'https://a', graphBaseUrl: 'https://b', actor: 'admin:test' })).toBeNull();
  });
});
