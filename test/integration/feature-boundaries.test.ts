import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import { ESLint, Linter } from 'eslint'
import tseslint from 'typescript-eslint'
import openmace from '../../lint/feature-boundaries.js'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

function lint(file: string, code: string): string[] {
  const linter = new Linter({ configType: 'flat' })
  const messages = linter.verify(
    code,
    [
      {
        files: ['**/*.ts'],
        languageOptions: { parser: tseslint.parser },
        plugins: { openmace },
        rules: { 'openmace/feature-boundaries': 'error' },
      },
    ],
    { filename: path.join(ROOT, file) },
  )
  return messages.map((m) => m.message)
}

describe('feature boundaries (lint)', () => {
  it("fails a feature that imports another feature's repository or internals", () => {
    const file = 'src/features/links/fixture.ts'
    assert.deepEqual(lint(file, "import { personRepository } from '../people/person-repository.ts'"), [
      "feature 'links' may not import person-repository.ts from feature 'people': use that feature's service (people/*-service.ts)",
    ])
    assert.equal(lint(file, "import { parse } from '../people/person-validation.ts'").length, 1)
    assert.equal(lint(file, "export { x } from '../flags/flag-repository.ts'").length, 1)
    assert.equal(lint(file, "import type { PersonRow } from '../people/person-repository.ts'").length, 1)
  })

  it("allows another feature's service, the feature's own files and the platform", () => {
    const file = 'src/features/links/fixture.ts'
    assert.deepEqual(lint(file, "import type { PersonService } from '../people/person-service.ts'"), [])
    assert.deepEqual(lint(file, "import { linkRepository } from './link-repository.ts'"), [])
    assert.deepEqual(lint(file, "import { paths } from '../../platform/paths.ts'"), [])
  })

  it('is on for every feature in the project’s ESLint config', async () => {
    const eslint = new ESLint({ cwd: ROOT })
    const resolved = (await eslint.calculateConfigForFile('src/features/links/link-service.ts')) as {
      rules?: Record<string, unknown>
    }
    assert.deepEqual(resolved.rules?.['openmace/feature-boundaries'], [2])
  })
})
