// Running the sandbox on its own (`npm run sandbox`, or sandbox mode of `npm start`): options from
// SANDBOX_* environment variables, a client secret kept in the state directory so restarts keep it,
// and the banner that tells an operator how to point Tokenfleet at it.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { Sandbox, SandboxBehaviour, SandboxOptions } from './types';
import { behaviourProblems, DEFAULT_BEHAVIOUR } from './types';

const CLIENT_SECRET_FILE = 'sandbox-client-secret';
export const DEFAULT_STANDALONE_PORT = 8443;

/** `totpToleranceSteps` → `SANDBOX_TOTP_TOLERANCE_STEPS`: one rule, so every switch has an env var. */
export function behaviourEnvName(key: keyof SandboxBehaviour): string {
  return `SANDBOX_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

function parseBoolean(text: string): boolean | undefined {
  if (/^(true|1|yes|on)$/i.test(text)) return true;
  if (/^(false|0|no|off)$/i.test(text)) return false;
  return undefined;
}

/** Reads one switch from its text form; returns undefined when the text cannot be read. */
function parseSwitch(key: keyof SandboxBehaviour, text: string): unknown {
  const trimmed = text.trim();
  switch (key) {
    case 'writeLimit':
    case 'readLimit': {
      // "3000/150000": requests per sliding window in ms; "20/1000+40": that rate with a burst of 40.
      const match = /^(\d+)\s*\/\s*(\d+)(?:\s*\+\s*(\d+))?$/.exec(trimmed);
      return match ? { requests: Number(match[1]), windowMs: Number(match[2]), ...(match[3] ? { burst: Number(match[3]) } : {}) } : undefined;
    }
    case 'latencyMs': {
      // "100" or "50-250".
      const match = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(trimmed);
      return match ? { min: Number(match[1]), max: Number(match[2] ?? match[1]) } : undefined;
    }
    case 'bulkItemFailureSerials':
    case 'singleCreateFailureSerials':
      // "SN1,SN2"
      return trimmed.split(',').map((serial) => serial.trim()).filter((serial) => serial.length > 0);
    case 'perUserTokenLimit':
      if (/^(none|null|off)$/i.test(trimmed)) return null;
      return trimmed === '' ? undefined : Number(trimmed);
    default: {
      const sample = DEFAULT_BEHAVIOUR[key];
      if (typeof sample === 'boolean') return parseBoolean(trimmed);
      if (typeof sample === 'number') return trimmed === '' ? undefined : Number(trimmed);
      return trimmed;
    }
  }
}

/** The behaviour switches set in `env`, and the problems with any that are not valid. */
export function behaviourFromEnv(env: NodeJS.ProcessEnv): { change: Partial<SandboxBehaviour>; problems: string[] } {
  const change: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const key of Object.keys(DEFAULT_BEHAVIOUR) as Array<keyof SandboxBehaviour>) {
    const name = behaviourEnvName(key);
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = parseSwitch(key, text);
    if (value === undefined) {
      problems.push(`${name}=${JSON.stringify(text)} cannot be read`);
      continue;
    }
    const valueProblems = behaviourProblems({ [key]: value });
    if (valueProblems.length > 0) problems.push(`${name}: ${valueProblems.join('; ')}`);
    else change[key] = value;
  }
  return { change: change as Partial<SandboxBehaviour>, problems };
}

/** The sandbox client secret kept in `stateDir`, made on first use; a standalone sandbox keeps it across restarts. */
export async function loadOrCreateClientSecret(stateDir: string): Promise<string> {
  const path = join(stateDir, CLIENT_SECRET_FILE);
  try {
    const stored = (await readFile(path, 'utf8')).trim();
    if (stored.length >= 16) return stored;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(stateDir, { recursive: true });
  const secret = `sandbox~${randomBytes(24).toString('base64url')}`;
  await writeFile(path, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** Options for a standalone sandbox from SANDBOX_* variables (see the README for the list). */
export async function standaloneOptionsFromEnv(env: NodeJS.ProcessEnv, cwd: string): Promise<{ options: SandboxOptions; problems: string[] }> {
  const { change, problems } = behaviourFromEnv(env);
  const stateDirText = env.SANDBOX_STATE_DIR || join('.tokenfleet', 'sandbox');
  const stateDir = isAbsolute(stateDirText) ? stateDirText : resolve(cwd, stateDirText);
  const port = env.SANDBOX_PORT ? Number(env.SANDBOX_PORT) : DEFAULT_STANDALONE_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) problems.push(`SANDBOX_PORT=${JSON.stringify(env.SANDBOX_PORT)} is not a port number`);
  const generatedUsers = env.SANDBOX_GENERATED_USERS ? Number(env.SANDBOX_GENERATED_USERS) : undefined;
  if (generatedUsers !== undefined && (!Number.isInteger(generatedUsers) || generatedUsers < 0)) {
    problems.push(`SANDBOX_GENERATED_USERS=${JSON.stringify(env.SANDBOX_GENERATED_USERS)} is not a whole number`);
  }
  let clientCertificatePem: string | undefined;
  if (env.SANDBOX_CLIENT_CERTIFICATE_PATH) {
    try {
      clientCertificatePem = await readFile(resolve(cwd, env.SANDBOX_CLIENT_CERTIFICATE_PATH), 'utf8');
    } catch (error) {
      problems.push(`SANDBOX_CLIENT_CERTIFICATE_PATH cannot be read: ${(error as Error).message}`);
    }
  }
  const options: SandboxOptions = {
    ...change,
    port,
    host: env.SANDBOX_HOST || '127.0.0.1',
    stateDir,
    clientSecret: env.SANDBOX_CLIENT_SECRET || (await loadOrCreateClientSecret(stateDir)),
    ...(env.SANDBOX_TENANT_ID ? { tenantId: env.SANDBOX_TENANT_ID } : {}),
    ...(env.SANDBOX_CLIENT_ID ? { clientId: env.SANDBOX_CLIENT_ID } : {}),
    ...(generatedUsers !== undefined ? { generatedUsers } : {}),
    ...(clientCertificatePem ? { clientCertificatePem } : {}),
  };
  return { options, problems };
}

/** The environment a Tokenfleet process needs to talk to this sandbox. */
export function tokenfleetEnvironment(sandbox: Sandbox): Record<string, string> {
  return {
    ENTRA_AUTHORITY_HOST: sandbox.origin,
    GRAPH_BASE_URL: sandbox.origin,
    ENTRA_TENANT_ID: sandbox.tenantId,
    ENTRA_CLIENT_ID: sandbox.clientId,
    ENTRA_CLIENT_SECRET: sandbox.clientSecret,
    NODE_EXTRA_CA_CERTS: sandbox.caCertificatePath,
  };
}

/** The start-up banner, clearly labelled SANDBOX. */
export function sandboxBanner(sandbox: Sandbox): string {
  const lines = [
    '================================================================================',
    ' SANDBOX — local Entra ID + Microsoft Graph simulator. Not a real tenant.',
    '================================================================================',
    ` origin (authority host and Graph base URL): ${sandbox.origin}`,
    ` tenant id:      ${sandbox.tenantId}`,
    ` client id:      ${sandbox.clientId}`,
    ` client secret:  ${sandbox.clientSecret}   (SANDBOX secret: guards nothing real)`,
    ` CA certificate: ${sandbox.caCertificatePath}`,
    '',
    ' Point Tokenfleet at it with:',
    ...Object.entries(tokenfleetEnvironment(sandbox)).map(([name, value]) => `   ${name}=${value}`),
    '',
    ` Inspection: GET ${sandbox.origin}/_sandbox/{calls|devices|counters|users|behaviour}`,
    `             POST ${sandbox.origin}/_sandbox/behaviour (JSON switches), POST ${sandbox.origin}/_sandbox/reset`,
    '             with Authorization: Bearer <the client secret above>',
    '================================================================================',
  ];
  return lines.join('\n');
}
