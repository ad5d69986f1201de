import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index';

describe('the validation API settings', () => {
  it('default to a window of one step, lockout after 10 failures cleared after 30 minutes, 100 requests/s per key, a pool of 2', () => {
    expect(loadConfig({}).validation).toEqual({
      windowSteps: 1,
      maxFailures: 10,
      lockoutClearMs: 30 * 60_000,
      rateLimitPerSecond: 100,
      dbPoolSize: 2,
      qrTtlMs: 600_000,
      issuer: 'Tokenfleet',
    });
  });

  it('take the environment, a clear-timeout of 0 meaning an operator unlocks, and the public URL without its trailing slash', () => {
    const config = loadConfig({
      VALIDATION_WINDOW_STEPS: '2',
      VALIDATION_MAX_FAILURES: '5',
      VALIDATION_LOCKOUT_CLEAR_MINUTES: '0',
      VALIDATION_RATE_LIMIT: '20',
      VALIDATION_DB_POOL_SIZE: '4',
      TOKENFLEET_PUBLIC_URL: 'https://tokenfleet.example.com/',
    });
    expect(config.validation).toMatchObject({ windowSteps: 2, maxFailures: 5, lockoutClearMs: 0, rateLimitPerSecond: 20, dbPoolSize: 4, publicUrl: 'https://tokenfleet.example.com' });
  });

  it('refuse values that make no sense, naming the variable', () => {
    try {
      loadConfig({ VALIDATION_WINDOW_STEPS: '50', VALIDATION_MAX_FAILURES: '0', TOKENFLEET_PUBLIC_URL: 'tokenfleet', VALIDATION_ISSUER: 'a:b', VALIDATION_DB_POOL_SIZE: '0' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const text = (error as ConfigError).problems.join('\n');
      expect(text).toContain('VALIDATION_WINDOW_STEPS must be at most 10');
      expect(text).toContain('VALIDATION_MAX_FAILURES must be at least 1');
      expect(text).toContain('TOKENFLEET_PUBLIC_URL must be a URL');
      expect(text).toContain('VALIDATION_ISSUER may not contain ":"');
      expect(text).toContain('VALIDATION_DB_POOL_SIZE must be at least 1');
    }
  });
});
