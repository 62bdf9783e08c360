// ESLint flat config: type-aware typescript-eslint plus security plugins (SECURITY.md, static analysis).
import js from '@eslint/js'
import sdl from '@microsoft/eslint-plugin-sdl'
import noUnsanitized from 'eslint-plugin-no-unsanitized'
import security from 'eslint-plugin-security'
import globals from 'globals'
import tseslint from 'typescript-eslint'
import openmace from './lint/feature-boundaries.js'

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  security.configs.recommended,
  noUnsanitized.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        projectService: {
          allowDefaultProject: ['eslint.config.js', 'bin/*.js', 'lint/*.js', 'src/platform/public/*.mjs'],
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { '@microsoft/sdl': sdl, openmace },
    rules: {
      'openmace/feature-boundaries': 'error',
      '@microsoft/sdl/no-insecure-url': [
        'error',
        { exceptions: ['^http://localhost', '^http://127\\.0\\.0\\.1'] },
      ],
      '@microsoft/sdl/no-insecure-random': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Fastify handlers and hooks are async by convention, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      // File paths here come from configuration and our own constants, not from requests.
      'security/detect-non-literal-fs-filename': 'off',
      // Flags every obj[key]; our keys are typed unions or numbers.
      'security/detect-object-injection': 'off',
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test'], package: 'node:test' },
          ],
        },
      ],
      '@microsoft/sdl/no-insecure-url': 'off',
      'security/detect-non-literal-regexp': 'off',
      'security/detect-child-process': 'off',
    },
  },
  { files: ['**/*.js', '**/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['src/platform/public/**'], languageOptions: { globals: { ...globals.browser } } },
)
