/**
 * Test runner: one PostgreSQL server for the whole run, one migrated template database, and `node --test`
 * over the suite's files. Each test file then clones its own database from the template (fast, isolated).
 *
 *   tsx test/run.ts unit      embedded PostgreSQL (npm test)
 *   tsx test/run.ts pg        the server at DATABASE_URL (a superuser URL), plus the server-only tests
 *   tsx test/run.ts browser   the browser suite (Debian's chromium through playwright-core)
 *
 * Extra arguments are passed to node --test (e.g. --test-name-pattern=health); arguments naming test files
 * (or parts of their paths) run only those files:  tsx test/run.ts unit sign-in admin-users
 */
import { spawn } from 'node:child_process'
import { appendFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import { loadConfig } from '../src/config.ts'
import { createDatabase } from '../src/db/database.ts'
import { startEmbedded, type EmbeddedServer } from '../src/db/embedded.ts'
import { migrate } from '../src/db/migrate.ts'
import { provisionRoles } from '../src/db/provision.ts'
import { withUrlParts } from '../src/db/urls.ts'
import { createLogger } from '../src/platform/logger.ts'
import { latestMigration } from '../src/runtime.ts'
import { services, type Services } from '../src/services.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const suite = process.argv[2] ?? 'unit'
const extra = process.argv.slice(3)
const passThrough = extra.filter((arg) => arg.startsWith('-'))
const fileFilters = extra.filter((arg) => !arg.startsWith('-'))

const SUITES: Record<string, { dirs: string[]; suffix: string; concurrency: number; timeoutMs: number }> = {
  unit: { dirs: ['src', 'test/integration'], suffix: '.test.ts', concurrency: 2, timeoutMs: 240_000 },
  pg: {
    dirs: ['src', 'test/integration', 'test/server'],
    suffix: '.test.ts',
    concurrency: 2,
    timeoutMs: 240_000,
  },
  browser: { dirs: ['test/e2e'], suffix: '.spec.ts', concurrency: 1, timeoutMs: 240_000 },
}

async function files(dirs: string[], suffix: string): Promise<string[]> {
  const found: string[] = []
  for (const dir of dirs) {
    const entries = await fs.readdir(path.join(ROOT, dir), { recursive: true }).catch(() => [])
    for (const entry of entries) if (entry.endsWith(suffix)) found.push(path.join(dir, entry))
  }
  return found.sort()
}

/**
 * Clones the migrated template into `<template>_demo`, seeds the demo partnership into it as the runtime role
 * would, and returns the environment a spec needs to clone it and sign in (the seed's users and password).
 */
async function demoTemplate(
  admin: pg.Client,
  template: string,
  adminUrl: string,
  appUser: string,
  appPassword: string,
): Promise<Record<string, string>> {
  const name = `${template}_demo`
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template} STRATEGY FILE_COPY`)
  const database = createDatabase(
    withUrlParts(adminUrl, { database: name, user: appUser, password: appPassword }),
    { poolSize: 2 },
  )
  let seeded: Awaited<ReturnType<Services['demo']['seed']>>
  try {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' })
    seeded = await services(config, database, { latestMigration: await latestMigration() }).demo.seed()
  } finally {
    await database.close()
  }
  if (seeded.password === undefined || seeded.users === undefined)
    throw new Error('the demo seed created nothing in the browser suite’s template')
  // A template must have no sessions when cloned. The seed has committed; a pooled connection the pool's end
  // left open (seen: one idle after its COMMIT) is ended here.
  for (let tries = 0; ; tries++) {
    const { rows } = await admin.query<{ sessions: number }>(
      'SELECT count(pg_terminate_backend(pid))::int AS sessions FROM pg_stat_activity WHERE datname = $1',
      [name],
    )
    if (rows[0]?.sessions === 0) break
    if (tries === 50) throw new Error(`the demo template ${name} still has sessions after seeding`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    TEST_DEMO_TEMPLATE_DB: name,
    TEST_DEMO_SEED: JSON.stringify({ password: seeded.password, users: seeded.users }),
  }
}

async function main(): Promise<number> {
  const spec = SUITES[suite]
  if (spec === undefined) throw new Error(`unknown suite ${suite}: use unit, pg or browser`)
  const allFiles = await files(spec.dirs, spec.suffix)
  const testFiles =
    fileFilters.length === 0 ? allFiles : allFiles.filter((f) => fileFilters.some((part) => f.includes(part)))
  if (testFiles.length === 0) throw new Error(`no test files for suite ${suite}`)

  const log = createLogger('warn')
  let server: EmbeddedServer | undefined
  let tempDir: string | undefined
  let adminUrl: string
  if (suite === 'pg') {
    const url = process.env.DATABASE_URL
    if (url === undefined || url === '')
      throw new Error('npm run test:pg needs DATABASE_URL (a superuser connection URL)')
    adminUrl = url
  } else {
    tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-test-'))
    server = await startEmbedded(tempDir, log, {
      throwaway: true,
      onLog: process.env.TEST_PG_LOG
        ? (m) => appendFileSync(process.env.TEST_PG_LOG as string, m)
        : undefined,
    })
    adminUrl = server.ownerUrl
  }

  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`
  const template = `openmace_tpl_${runId}`
  const appUser = 'openmace_test_app'
  const appPassword = randomBytes(18).toString('base64url')
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  let code = 1
  try {
    await admin.query(`CREATE DATABASE ${template}`)
    const templateUrl = withUrlParts(adminUrl, { database: template })
    await provisionRoles(templateUrl, { user: appUser, password: appPassword })
    await migrate(templateUrl)
    // The browser suite's specs all start from the demo partnership: seeded once, through the services, into a
    // second template that each spec clones (instead of seeding it again in every file).
    const demo =
      suite === 'browser' ? await demoTemplate(admin, template, adminUrl, appUser, appPassword) : {}

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${spec.concurrency}`,
        `--test-timeout=${spec.timeoutMs}`,
        '--test-reporter=spec',
        ...passThrough,
        ...testFiles,
      ],
      {
        cwd: ROOT,
        stdio: 'inherit',
        env: {
          ...process.env,
          NODE_ENV: 'test',
          TEST_RUN_ID: runId,
          TEST_ADMIN_URL: adminUrl,
          TEST_TEMPLATE_DB: template,
          TEST_APP_USER: appUser,
          TEST_APP_PASSWORD: appPassword,
          TEST_SUITE: suite,
          ...demo,
        },
      },
    )
    code = await new Promise<number>((resolve) =>
      child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))),
    )
  } finally {
    // Drop the template and any database a crashed test file left behind.
    const leftovers = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname = $2 OR datname = $3',
      [`openmace_t_${runId}_%`, template, `${template}_demo`],
    )
    for (const { datname } of leftovers.rows) {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(datname)} WITH (FORCE)`)
    }
    await admin.end()
    await server?.stop()
    if (tempDir !== undefined) await fs.rm(tempDir, { recursive: true, force: true })
  }
  return code
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`test run failed to start: ${error instanceof Error ? error.stack : String(error)}`)
    process.exit(1)
  },
)
