// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';

/** @type {{ group: string[]; message: string }[]} */
const PACKAGE_BOUNDARIES = [
  {
    group: ['@plugboard/*/src/*', 'plugboard/src/*'],
    message: 'Import a package through its exports, never its src.',
  },
  {
    group: ['../../*/src/*', '../../../packages/*'],
    message: 'Reach another package through its name, not a relative path.',
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'coverage/**',
      '.plugboard/**',
      'bench/results/**',
      'packages/web/dist/**',
      'packages/web/.dist-*/**',
      'test/ui/screenshots/**',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'packages/*/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      curly: ['error', 'all'],
      eqeqeq: ['error', 'always'],
      'max-params': ['error', 3],
      'no-console': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() returns a promise the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: false }],
      'no-restricted-imports': ['error', { patterns: PACKAGE_BOUNDARIES }],
    },
  },
  {
    // What every plugin process loads at start.
    files: ['packages/{sdk,protocol}/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: PACKAGE_BOUNDARIES,
          paths: [
            {
              name: 'node:http',
              allowTypeImports: true,
              message:
                "Use process.getBuiltinModule('node:http'): importing it loads Node's bundled undici, ~20 ms of every plugin start.",
            },
          ],
        },
      ],
    },
  },
  {
    // Every package imports only what its own package.json declares, and no module of a package
    // reaches back into a module that imports it.
    files: ['packages/*/src/**/*.{ts,tsx}'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js'] })],
      'import-x/extensions': ['.ts', '.tsx'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      'import-x/no-extraneous-dependencies': [
        'error',
        { devDependencies: false, optionalDependencies: false, peerDependencies: false },
      ],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Error']",
          message:
            'Throw a coded error (PluginFailure, RuntimeError, CliError…) so callers can act on it.',
        },
      ],
    },
  },
  {
    // The web UI runs in the browser, with React's rules of hooks.
    files: ['packages/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Fastify plugins are async functions by contract, whether or not they await anything.
    files: ['**/*.routes.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Test helpers mirror fetch-like signatures and cast JSON bodies for the test at hand.
      'max-params': 'off',
      '@typescript-eslint/no-unnecessary-type-parameters': 'off',
    },
  },
);
