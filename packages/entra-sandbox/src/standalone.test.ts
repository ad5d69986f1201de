import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { behaviourEnvName, behaviourFromEnv, loadOrCreateClientSecret, standaloneOptionsFromEnv } from './standalone';

describe('behaviourFromEnv', () => {
  it('names every switch SANDBOX_<UPPER_SNAKE> and reads each kind of value', () => {
    expect(behaviourEnvName('totpToleranceSteps')).toBe('SANDBOX_TOTP_TOLERANCE_STEPS');
    const { change, problems } = behaviourFromEnv({
      SANDBOX_TOTP_TOLERANCE_STEPS: '2',
      SANDBOX_WRITE_LIMIT: '5/1000',
      SANDBOX_LATENCY_MS: '50-250',
      SANDBOX_RETRY_AFTER_HEADER: 'false',
      SANDBOX_PER_USER_TOKEN_LIMIT: 'none',
      SANDBOX_DUPLICATE_SERIAL: 'allow',
      SANDBOX_TRANSIENT_FAILURE_RATE: '0.1',
    });
    expect(problems).toEqual([]);
    expect(change).toEqual({
      totpToleranceSteps: 2,
      writeLimit: { requests: 5, windowMs: 1000 },
      latencyMs: { min: 50, max: 250 },
      retryAfterHeader: false,
      perUserTokenLimit: null,
      duplicateSerial: 'allow',
      transientFailureRate: 0.1,
    });
  });

  it('names each bad value and leaves it out', () => {
    const { change, problems } = behaviourFromEnv({ SANDBOX_TIMEOUT_RATE: '2', SANDBOX_READ_LIMIT: 'lots', SANDBOX_DUPLICATE_SERIAL: 'maybe', SANDBOX_PAGE_SIZE: '10' });
    expect(change).toEqual({ pageSize: 10 });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toMatch(/SANDBOX_TIMEOUT_RATE/);
    expect(problems.join('\n')).toMatch(/SANDBOX_READ_LIMIT/);
    expect(problems.join('\n')).toMatch(/SANDBOX_DUPLICATE_SERIAL/);
  });
});

describe('standalone options', () => {
  it('keeps the client secret in the state dir, readable by the owner only, across restarts', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-standalone-'));
    try {
      const first = await standaloneOptionsFromEnv({ SANDBOX_STATE_DIR: dir, SANDBOX_PORT: '0' }, '/');
      const second = await standaloneOptionsFromEnv({ SANDBOX_STATE_DIR: dir }, '/');
      expect(first.problems).toEqual([]);
      expect(first.options.clientSecret).toBe(second.options.clientSecret);
      expect(first.options.clientSecret).toBe(await loadOrCreateClientSecret(dir));
      expect(second.options.port).toBe(8443);
      expect((await stat(join(dir, 'sandbox-client-secret'))).mode & 0o077).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('resolves a relative state dir against the working directory', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'sandbox-cwd-'));
    try {
      const { options } = await standaloneOptionsFromEnv({}, cwd);
      expect(options.stateDir).toBe(join(cwd, '.tokenfleet', 'sandbox'));
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
