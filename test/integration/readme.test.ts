import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { it } from 'node:test'
import { CONFIG_VARIABLES } from '../../src/config.ts'

const ROOT = path.resolve(import.meta.dirname, '..', '..')

it('the README starts with the two commands and documents every configuration variable', async () => {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8')
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1]
  assert.equal(firstBlock, 'npm install\nnpm start\n')
  for (const name of CONFIG_VARIABLES) {
    assert.match(readme, new RegExp(`^\\| \`${name}\` \\|`, 'm'), `README configuration table lists ${name}`)
  }
})
