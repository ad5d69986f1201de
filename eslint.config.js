// Lint rules for the whole workspace: typescript-eslint's recommended set, plus a few rules that
// catch the mistakes that matter here (floating promises lose job failures; console leaks secrets).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'drizzle/**', 'apps/dashboard/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['bench/**', 'test/**', '**/*.test.ts', '**/scripts/**', '**/main.ts', '**/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
