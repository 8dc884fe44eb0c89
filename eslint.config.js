import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'coverage/', 'bench/results/', '.tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        Buffer: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // Fastify plugins and handlers are async by contract, with or without an await inside.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only src/config.ts (and test/bench harnesses) read process.env.',
        },
      ],
    },
  },
  {
    files: ['src/config.ts', 'test/**', 'bench/**', 'meta-sim/**', 'bin/**', 'vitest.config.ts', 'src/cli/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  // The house's two invariants, enforced: meta/ (the Graph adapter) and http/ (the edge's
  // plumbing) know no feature folder, and the simulator stands apart from the gateway it tests.
  {
    files: ['src/meta/**', 'src/http/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../auth/*',
                '../contacts/*',
                '../conversations/*',
                '../idempotency/*',
                '../media/*',
                '../media/**',
                '../messages/*',
                '../messages/**',
                '../organizations/*',
                '../jobs/*',
                '../cli/*',
                '../server/*',
              ],
              message: 'meta/ and http/ import no feature folder: pass what they need in from the feature.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['meta-sim/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '**/src/**'],
              message: 'meta-sim/ imports nothing from src/: it must not share the code it checks.',
            },
          ],
        },
      ],
    },
  },
  // The inbox page: plain ES modules run by the browser (type-checked by web/tsconfig.json), with
  // the browser's globals instead of Node's, and no HTML from strings: data is attacker-written.
  {
    files: ['web/**/*.js'],
    languageOptions: { sourceType: 'module', globals: { ...globals.browser } },
    rules: {
      'no-restricted-properties': [
        'error',
        { property: 'innerHTML', message: 'Build DOM with h() (web/inbox/dom.js): texts are customers’.' },
        { property: 'outerHTML', message: 'Build DOM with h() (web/inbox/dom.js): texts are customers’.' },
        { property: 'insertAdjacentHTML', message: 'Build DOM with h() (web/inbox/dom.js).' },
      ],
      'no-restricted-syntax': 'off',
    },
  },
  // Tests and benches read JSON answers whose shape is what they assert; typing every parsed body
  // would add casts, not safety. The promise rules stay on everywhere.
  {
    files: ['test/**', 'bench/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Helpers hand out `drop` and friends as plain functions that never use `this`.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  prettier,
);
