// ESLint checks the rules of STYLE.md that tsc does not: no floating promises, exhaustive
// switches over a union, and a few others that each catch a real bug class. Nothing here is
// about layout or formatting (there is no formatter; code is not reformatted by a linter).
// The TypeScript rules are type-aware: they read the program of tsconfig.json.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Core rules for bugs tsc does not report (unreachable code is only a hint in tsc). */
const coreRules = {
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  'no-constant-condition': 'error',
  'no-unreachable': 'error',
  'no-unsafe-finally': 'error',
  'no-unsafe-optional-chaining': 'error',
  'no-self-compare': 'error',
  'no-self-assign': 'error',
  'no-cond-assign': 'error',
  'no-dupe-else-if': 'error',
  'no-duplicate-case': 'error',
  'no-async-promise-executor': 'error',
  'no-loss-of-precision': 'error',
  'no-sparse-arrays': 'error',
  'no-compare-neg-zero': 'error',
  'use-isnan': 'error',
};

export default defineConfig(
  { ignores: ['dist/', 'coverage/', 'node_modules/', '.medibus/'] },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: coreRules,
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      ...coreRules,
      // A promise nobody awaits loses its rejection (an unhandled rejection ends Node).
      // `void p` marks fire-and-forget on purpose.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected (an event handler, forEach, a timer):
      // its rejection goes nowhere. And `if (promise)` is always true.
      '@typescript-eslint/no-misused-promises': 'error',
      // Promise.all over `p?.catch(…)` (a promise or undefined) is fine; over no promise at all is not.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      // `return p` inside try/catch returns before p settles, so the catch never sees its error.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      // The codebase closes a switch over a union with `default: x satisfies never` after
      // listing every member, so a member added later is a compile error. A default that
      // stands in for members not listed hides exactly that, hence false.
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: false, allowDefaultCaseForExhaustiveSwitch: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      // Errors carry a code from src/errors.ts and a stack; a thrown or rejected string has neither.
      '@typescript-eslint/only-throw-error': 'error',
      // Passing on an error typed any/unknown (a callback's err, a catch) is fine.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // "[object Object]" in a message or a log line.
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-misused-spread': 'error',
      '@typescript-eslint/no-array-delete': 'error',
      // tsc's noUnusedLocals covers unused locals and imports.
      '@typescript-eslint/no-unused-vars': 'off',
    },
  },
);
