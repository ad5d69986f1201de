// The two ways a first dashboard account comes to be without a browser: the environment
// (TOKENFLEET_BOOTSTRAP_ADMIN_*) at start-up, and `npm run accounts` on the command line.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFullSystem, type FullSystem } from '../support/full-system';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let system: FullSystem;

beforeAll(async () => {
  system = await startFullSystem({ worker: false, env: { TOKENFLEET_BOOTSTRAP_ADMIN_USERNAME: 'first.admin', TOKENFLEET_BOOTSTRAP_ADMIN_PASSWORD: 'a first admin password' } });
});
afterAll(async () => { await system?.stop(); });

function signIn(username: string, password: string) {
  return fetch(`${system.api.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
}

function accountsCli(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'scripts/accounts.ts', ...args], { cwd: repoRoot, env: { ...process.env, ...system.env } }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(stdin);
  });
}

describe('dashboard accounts without a browser', () => {
  it('the first admin comes from the environment and can sign in', async () => {
    const answer = await signIn('first.admin', 'a first admin password');
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { user: { role: string } }).user.role).toBe('admin');
    expect((await signIn('first.admin', 'not the password')).status).toBe(401);
  });

  it('npm run accounts creates an account from a password on standard input, once', async () => {
    const created = await accountsCli(['create', 'grace.ops', 'operator'], 'an operator password\n');
    expect(created).toMatchObject({ code: 0 });
    expect(created.stdout).toContain('created operator grace.ops');
    const again = await accountsCli(['create', 'grace.ops', 'viewer'], 'another password here\n');
    expect(again.code).toBe(1);
    const answer = await signIn('grace.ops', 'an operator password');
    expect(((await answer.json()) as { user: { role: string } }).user.role).toBe('operator');
    const listed = await accountsCli(['list'], '');
    expect(listed.stdout).toMatch(/grace\.ops\s+operator\s+active/);
    expect(listed.stdout).not.toContain('an operator password');
  }, 60_000);

  it('refuses a short password and an unknown role', async () => {
    expect((await accountsCli(['create', 'x.user', 'operator'], 'short\n')).stderr).toContain('at least 12 characters');
    expect((await accountsCli(['create', 'x.user', 'superuser'], 'long enough password\n')).stderr).toContain('role must be one of');
  }, 60_000);
});
