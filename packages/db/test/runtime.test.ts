import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureTenant, openSeedVault, tenantIdFor } from '../src/runtime';
import { useTestDatabase } from './fixtures';

const database = useTestDatabase();

describe('ensureTenant', () => {
  it('creates the sandbox tenant once and returns it on every start', async () => {
    const first = await ensureTenant(database.client.db, { mode: 'sandbox' });
    const second = await ensureTenant(database.client.db, { mode: 'sandbox' });
    expect(first).toMatchObject({ id: 'sandbox', mode: 'sandbox' });
    expect(second.createdAt).toEqual(first.createdAt);
  });

  it('names a live tenant by its Entra id, usable in a queue name', async () => {
    const tenant = await ensureTenant(database.client.db, { mode: 'live', entraTenantId: 'AAAAAAAA-1111-4222-8333-444444444444' });
    expect(tenant.id).toBe(tenantIdFor('aaaaaaaa-1111-4222-8333-444444444444'));
    expect(tenant.id).toMatch(/^[A-Za-z0-9_-]+$/);
  });
});

describe('openSeedVault', () => {
  it('in sandbox mode without a key, makes one key file (0600) and keeps using it', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tf-state-'));
    const first = openSeedVault({}, { mode: 'sandbox', stateDir });
    expect(first.generatedKeyFile).toBe(join(stateDir, 'sandbox-master.key'));
    expect(statSync(first.generatedKeyFile!).mode & 0o777).toBe(0o600);
    const sealed = first.vault.encrypt('token-1', 'JBSWY3DPEHPK3PXP');
    const second = openSeedVault({}, { mode: 'sandbox', stateDir });
    expect(second.vault.decrypt('token-1', sealed.keyId, sealed.ciphertext)).toBe('JBSWY3DPEHPK3PXP');
    expect(readFileSync(first.generatedKeyFile!, 'utf8').trim()).toHaveLength(44);
  });

  it('a live tenant never starts without a configured key', () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'tf-state-'));
    expect(() => openSeedVault({}, { mode: 'live', stateDir })).toThrow(/TOKENFLEET_MASTER_KEY/);
  });
});
