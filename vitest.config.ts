import { defineConfig } from 'vitest/config';

// One runner, four tiers as projects (`vitest run --project unit`), plus the dashboard's component
// tests in their simulated DOM:
//   unit         beside the code (src/**/*.test.ts): no PostgreSQL, no Redis
//   integration  packages/*/test and apps/*/test: real PostgreSQL and Redis, a database and key prefix per file
//   e2e          test/e2e: the whole system (API, worker, sandbox over HTTPS)
//   browser      test/browser: Chromium against the whole system
// `npm test` runs them all; `npm run test:fast` all but e2e and browser. No automatic retries, so
// flakiness shows.
const needsServices = { globalSetup: ['./test/support/global-setup.ts'] };

export default defineConfig({
  test: {
    pool: 'forks',
    // Two files at a time even on two cores: the longest files (the e2e bulk scenarios) spend their time
    // waiting on the sandbox's write budget, not the CPU, so the suite takes about 14 minutes instead of 24.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    retry: 0,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts'], exclude: ['**/node_modules/**', 'apps/dashboard/**'] },
      },
      {
        extends: true,
        test: { name: 'integration', include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'], exclude: ['**/node_modules/**', 'apps/dashboard/**'], ...needsServices },
      },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], ...needsServices } },
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], ...needsServices } },
      'apps/dashboard/vitest.config.ts',
    ],
  },
});
