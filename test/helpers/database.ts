import { randomBytes } from 'node:crypto'
import type { TestContext } from 'node:test'
import pg from 'pg'
import { createDatabase, type Database } from '../../src/db/database.ts'
import { withUrlParts } from '../../src/db/urls.ts'

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
  owner: pg.Pool
}

let counter = 0

export async function createTestDatabase(t: { after: (fn: () => unknown) => void }): Promise<TestDatabase> {
  const adminUrl = env('TEST_ADMIN_URL')
  const name = `openmace_t_${env('TEST_RUN_ID')}_${process.pid}_${counter++}_${randomBytes(2).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${admin.escapeIdentifier(env('TEST_TEMPLATE_DB'))}`)
  } finally {
    await admin.end()
  }
  const ownerUrl = withUrlParts(adminUrl, { database: name })
  const appUrl = withUrlParts(adminUrl, {
    database: name,
    user: env('TEST_APP_USER'),
    password: env('TEST_APP_PASSWORD'),
  })
  const database = createDatabase(appUrl, { poolSize: 5 })
  const owner = new pg.Pool({ connectionString: ownerUrl, max: 2 })
  owner.on('error', () => undefined) // dropped at the end of the test
  t.after(async () => {
    await database.close()
    await owner.end()
    const cleanup = new pg.Client({ connectionString: adminUrl })
    await cleanup.connect()
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await cleanup.end()
  })
  return { name, ownerUrl, appUrl, database, owner }
}

/** An empty database (no migrations) on the test server, dropped after the test. Returns its owner URL. */
export async function createEmptyDatabase(t: Pick<TestContext, 'after'>): Promise<string> {
  const adminUrl = env('TEST_ADMIN_URL')
  const name = `openmace_t_${env('TEST_RUN_ID')}_${process.pid}_${counter++}_empty`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${name}`)
  } finally {
    await admin.end()
  }
  t.after(async () => {
    const cleanup = new pg.Client({ connectionString: adminUrl })
    await cleanup.connect()
    await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await cleanup.end()
  })
  return withUrlParts(adminUrl, { database: name })
}

/** Runs one query as the owner role and returns its rows. */
export async function ownerQuery<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<T>(text, values)).rows
  } finally {
    await client.end()
  }
}
