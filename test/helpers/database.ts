import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { withClient } from '../../src/db/client.ts'
import { createDatabase, type Database } from '../../src/db/database.ts'
import { withUrlParts } from '../../src/db/urls.ts'
import type { DemoUser } from '../../src/features/demo/demo-service.ts'

/**
 * Each test file (or test) gets its own database cloned from the run's migrated template: real PostgreSQL,
 * real roles, no mocks, and no test sees another's rows.
 */

function env(name: string): string {
  const value = process.env[name]
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set: run the tests with npm test (test/run.ts), not node --test directly`)
  }
  return value
}

export interface TestDatabase {
  name: string
  /** Owner role: what migrations use. For test setup and for inspecting what the app wrote. */
  ownerUrl: string
  /** Runtime role (NOSUPERUSER NOBYPASSRLS): what the app uses. */
  appUrl: string
  database: Database
}

let counter = 0
type Hooks = { after: (fn: () => unknown) => void }

/** Creates a database on the test server (from the migrated template or empty); returns how to drop it. */
async function scratchDatabase(
  template: boolean | 'demo',
): Promise<{ name: string; ownerUrl: string; drop: () => Promise<unknown> }> {
  const adminUrl = env('TEST_ADMIN_URL')
  const name = `openmace_t_${env('TEST_RUN_ID')}_${process.pid}_${counter++}_${randomBytes(2).toString('hex')}`
  // FILE_COPY copies the template's files (a few hundred ms) instead of logging every block to WAL (about four
  // times longer); the test clusters run without fsync, so its checkpoint is cheap. PostgreSQL 15 or later.
  const source = template === 'demo' ? env('TEST_DEMO_TEMPLATE_DB') : env('TEST_TEMPLATE_DB')
  const from = template === false ? '' : ` TEMPLATE ${source} STRATEGY FILE_COPY`
  await withClient(adminUrl, (admin) => admin.query(`CREATE DATABASE ${name}${from}`))
  const drop = () =>
    withClient(adminUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  return { name, ownerUrl: withUrlParts(adminUrl, { database: name }), drop }
}

/**
 * A migrated database; with `{ demo: true }` one that already holds the demo partnership (the browser suite's
 * runner seeds it once: see `demoSeedOfRun`).
 */
export async function createTestDatabase(t: Hooks, options: { demo?: boolean } = {}): Promise<TestDatabase> {
  const { name, ownerUrl, drop } = await scratchDatabase(options.demo === true ? 'demo' : true)
  const appUrl = withUrlParts(ownerUrl, { user: env('TEST_APP_USER'), password: env('TEST_APP_PASSWORD') })
  const database = createDatabase(appUrl, { poolSize: 5 })
  t.after(async () => {
    await database.close()
    await drop()
  })
  return { name, ownerUrl, appUrl, database }
}

/** An empty database (no migrations) on the test server, dropped after the test. Returns its owner URL. */
export async function createEmptyDatabase(t: Hooks): Promise<string> {
  const { ownerUrl, drop } = await scratchDatabase(false)
  t.after(drop)
  return ownerUrl
}

/** Runs one query as the owner role and returns its rows. */
export async function ownerQuery<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(text, values)).rows)
}

/** The demo seed's users and password in a database cloned with `{ demo: true }` (browser suite only). */
export function demoSeedOfRun(): { password: string; users: DemoUser[] } {
  return JSON.parse(env('TEST_DEMO_SEED')) as { password: string; users: DemoUser[] }
}
