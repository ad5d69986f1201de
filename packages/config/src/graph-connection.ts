// Where Graph is and how to sign in to it: from the configured tenant, or, in sandbox mode, from the
// connection file the running sandbox wrote into the state directory (so `npm run start:worker` alone
// finds a sandbox that `npm start` or `npm run sandbox` started).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionSettings } from '@tokenfleet/graph';
import type { Config } from './index';

/** Where Graph is, how to sign in, and whether it is the simulator. */
export interface GraphConnection extends ConnectionSettings {
  label: 'SANDBOX' | 'live';
}

export interface SandboxConnection {
  origin: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertificatePath: string;
}

export function sandboxConnectionFile(stateDir: string): string {
  return join(stateDir, 'sandbox', 'connection.json');
}

/** Written by whoever starts the sandbox. Its secret guards only the simulator, never a real tenant. */
export function writeSandboxConnection(stateDir: string, connection: SandboxConnection): string {
  const file = sandboxConnectionFile(stateDir);
  mkdirSync(join(stateDir, 'sandbox'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(connection, null, 2)}\n`, { mode: 0o600 });
  return file;
}

export function graphConnectionFor(config: Config): GraphConnection {
  if (config.mode === 'live') {
    const entra = config.entra!;
    return { label: 'live', ...entra };
  }
  const file = sandboxConnectionFile(config.stateDir);
  if (!existsSync(file)) {
    throw new Error(`Sandbox mode, but no sandbox is running for ${config.stateDir}: start one with \`npm run sandbox\` (or use \`npm start\`, which starts it), or configure a tenant with ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET.`);
  }
  const sandbox = JSON.parse(readFileSync(file, 'utf8')) as SandboxConnection;
  return {
    label: 'SANDBOX',
    tenantId: sandbox.tenantId,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    authorityHost: sandbox.origin,
    graphBaseUrl: sandbox.origin,
    caCertificatePath: sandbox.caCertificatePath,
  };
}

/**
 * The extra CA the Graph client of a tenant added in Tokenfleet trusts: in sandbox mode the running
 * sandbox's (a second simulated tenant, `npm run sandbox -- --port …` with the same state directory,
 * shares it), in live mode none (Microsoft's hosts chain to the system's roots; NODE_EXTRA_CA_CERTS still
 * applies).
 */
export function storedTenantCaPem(config: Config): string | undefined {
  if (config.mode === 'live') return undefined;
  const file = sandboxConnectionFile(config.stateDir);
  if (!existsSync(file)) return undefined;
  const { caCertificatePath } = JSON.parse(readFileSync(file, 'utf8')) as SandboxConnection;
  return existsSync(caCertificatePath) ? readFileSync(caCertificatePath, 'utf8') : undefined;
}
