// Component and unit tests for the dashboard, in a simulated DOM; the browser tests against the real
// system live in test/browser at the repository root.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [react()],
  test: {
    name: 'dashboard',
    environment: 'happy-dom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    retry: 0,
  },
});
