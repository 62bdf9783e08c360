import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { exitOf, spawnServer } from '../helpers/server-process.ts'

async function startWith(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawnServer(env)
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await exitOf(child)
  return { code, stderr }
}

describe('npm start refuses bad configuration before touching anything', () => {
  it('a bad value stops start-up with one line naming the variable', async () => {
    const { code, stderr } = await startWith({ NODE_ENV: 'development', PORT: 'eighty' })
    assert.equal(code, 78)
    assert.equal(
      stderr.trim(),
      'Configuration error: PORT must be a whole number from 0 to 65535 (got "eighty")',
    )
  })

  it('production refuses the embedded database and a missing session secret', async () => {
    const embedded = await startWith({ NODE_ENV: 'production', OPENMACE_SESSION_SECRET: 'z'.repeat(40) })
    assert.equal(embedded.code, 78)
    assert.match(embedded.stderr.trim(), /^Configuration error: DATABASE_URL is required in production/)
    const noSecret = await startWith({ NODE_ENV: 'production', OPENMACE_ALLOW_EMBEDDED: 'true' })
    assert.equal(noSecret.code, 78)
    assert.match(
      noSecret.stderr.trim(),
      /^Configuration error: OPENMACE_SESSION_SECRET is required in production/,
    )
  })
})
