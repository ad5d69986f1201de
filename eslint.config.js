// Lint rules for the whole workspace, the dashboard included: typescript-eslint's recommended set, plus
// a few rules that catch the mistakes that matter here (floating promises lose job failures and leave
// requests unanswered; console leaks secrets), and React's hooks rules for the dashboard.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'drizzle/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      // Type information for the rules that need it (no-floating-promises); each file is checked with
      // the tsconfig.json nearest to it (the dashboard has its own).
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    // React's rules of hooks; the dependency check also covers the dashboard's own data hooks, which
    // take a dependency list as useEffect does.
    files: ['apps/dashboard/**/*.ts', 'apps/dashboard/**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': ['error', { additionalHooks: '(useResource|usePagedList)' }],
    },
  },
  {
    files: ['bench/**', 'test/**', '**/*.test.ts', '**/*.test.tsx', '**/scripts/**', '**/main.ts', '**/cli.ts'],
    rules: { 'no-console': 'off' },
  },
);
