// Lint: the type-aware rules that catch what the compiler does not — floating promises,
// non-exhaustive switches over unions — and focused tests (.only) that would hide the rest.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist*/**', '.cairn-walbench-*/**', 'node_modules/**', 'server/src/pb/generated/**', 'scripts/**', 'eslint.config.js', '.dependency-cruiser.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself tracks.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'no-restricted-properties': [
        'error',
        { object: 'it', property: 'only', message: 'a focused test hides the rest' },
        { object: 'test', property: 'only', message: 'a focused test hides the rest' },
        { object: 'describe', property: 'only', message: 'a focused test hides the rest' },
        { object: 'suite', property: 'only', message: 'a focused test hides the rest' },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "Property[key.name='only'][value.value=true]", message: 'a focused test ({ only: true }) hides the rest' },
      ],
    },
  },
);
