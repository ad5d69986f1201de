// The worker as its own process, exactly as `npm run start:worker` runs it (the built bundle), for tests
// that kill it. It finds the sandbox the way that command does: through the state directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeSandboxConnection } from '@tokenfleet/config';
import { serverBundlePath } from '../../scripts/server-bundles';
import type { FullSystem } from './full-system';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Writes the sandbox's connection file where a worker process started with the system's env looks. */
export function shareSandboxWithWorkerProcesses(system: FullSystem): void {
  writeSandboxConnection(system.env.TOKENFLEET_STATE_DIR!, {
    origin: system.sandbox.origin,
    tenantId: system.sandbox.tenantId,
    clientId: system.sandbox.clientId,
    clientSecret: system.sandbox.clientSecret,
    caCertificatePath: system.sandbox.caCertificatePath,
  });
}

/** Starts a worker process; `children` collects it so the file's afterAll can kill what is left. */
export function startWorkerProcess(system: FullSystem, children: ChildProcess[]): ChildProcess {
  const child = spawn(process.execPath, [serverBundlePath('worker')], {
    cwd: repoRoot,
    env: { ...process.env, ...system.env, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(child);
  return child;
}
