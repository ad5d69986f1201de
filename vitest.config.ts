import { defineConfig } from 'vitest/config';

// One runner for every tier: unit tests beside the code, integration tests against the real
// PostgreSQL and Redis the global setup finds, end-to-end tests in test/. No automatic retries,
// so flakiness shows.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'apps/dashboard/**'],
    globalSetup: ['./test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    retry: 0,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
