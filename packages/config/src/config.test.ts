import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './index';

const tenant = '11111111-2222-4333-8444-555555555555';
const client = '66666666-7777-4888-8999-aaaaaaaaaaaa';

describe('loadConfig', () => {
  it('runs against the sandbox with local defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('sandbox');
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/tokenfleet');
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.port).toBe(3000);
    expect(config.entra).toBeUndefined();
    // Graph's published budget (3,000 writes per 150 s), not a discount of it: a 429 pauses the tenant instead.
    expect(config.graph.writeLimit / (config.graph.writeWindowMs / 1000)).toBe(20);
  });

  it('goes live when a tenant is configured, trimming trailing slashes', () => {
    const config = loadConfig({ ENTRA_TENANT_ID: tenant, ENTRA_CLIENT_ID: client, ENTRA_CLIENT_SECRET: 's', GRAPH_BASE_URL: 'https://localhost:8443/' });
    expect(config.mode).toBe('live');
    expect(config.entra).toMatchObject({ tenantId: tenant, clientId: client, graphBaseUrl: 'https://localhost:8443', authorityHost: 'https://login.microsoftonline.com' });
  });

  it('lists every problem of a half-configured tenant at once', () => {
    try {
      loadConfig({ ENTRA_CLIENT_ID: client });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems.some((p) => p.includes('ENTRA_TENANT_ID'))).toBe(true);
      expect(problems.some((p) => p.includes('ENTRA_CLIENT_SECRET'))).toBe(true);
    }
  });

  it('refuses plain http for Graph and the authority, and bad numbers', () => {
    expect(() => loadConfig({ GRAPH_BASE_URL: 'http://localhost:8443' })).toThrow(/https/);
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ GRAPH_BULK_CHUNK_SIZE: '0' })).toThrow(/GRAPH_BULK_CHUNK_SIZE/);
  });

  it('takes the first dashboard admin from the environment, both parts or neither', () => {
    expect(loadConfig({ TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME: 'ada', TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD: 'correct horse battery' }).bootstrapAdmin).toEqual({ username: 'ada', password: 'correct horse battery' });
    expect(() => loadConfig({ TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME: 'ada' })).toThrow(/both/);
    expect(() => loadConfig({ TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME: 'ada', TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD: 'short' })).toThrow(/12 characters/);
  });

  it('treats empty variables as unset and TOKENFLEET_SANDBOX=1 as sandbox even with a tenant', () => {
    expect(loadConfig({ PORT: '' }).port).toBe(3000);
    expect(loadConfig({ TOKENFLEET_SANDBOX: '1', ENTRA_TENANT_ID: tenant, ENTRA_CLIENT_ID: client, ENTRA_CLIENT_SECRET: 's' }).mode).toBe('sandbox');
  });
});

describe('sign-in settings', () => {
  it('offers Microsoft and local accounts by default, with twelve-hour sessions and no group roles', () => {
    expect(loadConfig({}).signIn).toEqual({ microsoft: true, local: true, sessionMaxAgeMs: 12 * 3600_000, roleGroups: {} });
  });

  it('reads group roles, a separate sign-in app and switches, and says what is wrong', () => {
    const group = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
    const config = loadConfig({ ENTRA_ROLE_GROUPS: `operator=${group.toUpperCase()}`, TOKENFLEET_LOCAL_SIGN_IN: 'off', TOKENFLEET_SESSION_MAX_AGE_HOURS: '8', ENTRA_SIGN_IN_CLIENT_ID: client, ENTRA_SIGN_IN_CLIENT_SECRET: 'x' });
    expect(config.signIn).toEqual({ microsoft: true, local: false, sessionMaxAgeMs: 8 * 3600_000, roleGroups: { [group]: 'operator' }, client: { clientId: client, clientSecret: 'x' } });
    expect(() => loadConfig({ ENTRA_ROLE_GROUPS: 'owner=nope' })).toThrow(/ENTRA_ROLE_GROUPS: "owner=nope" must be/);
    expect(() => loadConfig({ TOKENFLEET_LOCAL_SIGN_IN: 'off', TOKENFLEET_MICROSOFT_SIGN_IN: 'off' })).toThrow(/nobody could sign in/);
    expect(() => loadConfig({ ENTRA_SIGN_IN_CLIENT_ID: client })).toThrow(/ENTRA_SIGN_IN_CLIENT_SECRET/);
  });
});

describe('graphConnectionFor', () => {
  it('reads a live tenant from the configuration', async () => {
    const { graphConnectionFor } = await import('./graph-connection');
    const connection = graphConnectionFor(loadConfig({ ENTRA_TENANT_ID: tenant, ENTRA_CLIENT_ID: client, ENTRA_CLIENT_SECRET: 's' }));
    expect(connection).toMatchObject({ label: 'live', tenantId: tenant, clientId: client, graphBaseUrl: 'https://graph.microsoft.com' });
  });

  it('in sandbox mode finds the running sandbox through its connection file, or says how to start one', async () => {
    const { graphConnectionFor, writeSandboxConnection } = await import('./graph-connection');
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const stateDir = mkdtempSync(join(tmpdir(), 'tf-conn-'));
    const config = loadConfig({ TOKENFLEET_STATE_DIR: stateDir });
    expect(() => graphConnectionFor(config)).toThrow(/npm run sandbox/);
    writeSandboxConnection(stateDir, { origin: 'https://localhost:8443', tenantId: tenant, clientId: client, clientSecret: 'x', caCertificatePath: '/ca.pem' });
    expect(graphConnectionFor(config)).toMatchObject({ label: 'SANDBOX', authorityHost: 'https://localhost:8443', graphBaseUrl: 'https://localhost:8443', caCertificatePath: '/ca.pem' });
  });
});
