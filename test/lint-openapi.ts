/**
 * npm run lint:openapi: writes the app's OpenAPI document (built without a database) to a temporary file and
 * runs Redocly's linter on it with the rules in redocly.yaml (the `recommended` set). Exits with its status.
 */
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openApiDocument } from './helpers/openapi-document.ts'

const ROOT = path.resolve(import.meta.dirname, '..')

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-openapi-'))
let status = 1
try {
  const { document } = await openApiDocument()
  await fs.writeFile(path.join(dir, 'openapi.json'), `${JSON.stringify(document, null, 2)}\n`)
  const result = spawnSync(
    path.join(ROOT, 'node_modules', '.bin', 'redocly'),
    ['lint', 'openapi.json', '--config', path.join(ROOT, 'redocly.yaml'), ...process.argv.slice(2)],
    {
      cwd: dir,
      stdio: 'inherit',
      // No usage reports or update checks: the linter needs no network.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  )
  if (result.error !== undefined) throw result.error
  status = result.status ?? 1
} finally {
  await fs.rm(dir, { recursive: true, force: true })
}
process.exit(status)
