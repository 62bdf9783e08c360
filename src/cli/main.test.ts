import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { beforeEach, describe, it } from 'node:test'
import { build } from '../../test/helpers/build.ts'
import { createTestDatabase, ownerQuery } from '../../test/helpers/database.ts'
import { cli, cliEnvironment } from '../../test/helpers/cli.ts'
import { createUser } from '../../test/helpers/sign-in.ts'
import { PERSON_ACCOUNT_REFUSAL } from '../platform/tokens/token-service.ts'

describe('openmace CLI', () => {
  beforeEach(() => cliEnvironment())

  it('db status lists the applied migrations; db migrate reports the schema up to date', async (t) => {
    const db = await createTestDatabase(t)
    cliEnvironment(db)
    const status = await cli(['db', 'status'])
    assert.equal(status.code, 0, status.err)
    assert.match(status.out, /^applied\s+0001-foundation\s+\d{4}-/m)
    assert.match(status.out, /^owner bypasses row-level security: yes$/m)
    const migrate = await cli(['db', 'migrate'])
    assert.equal(migrate.code, 0, migrate.err)
    assert.equal(migrate.out, 'Database schema is up to date.')
  })

  it('db status fails and says so when an applied migration was edited', async (t) => {
    const db = await createTestDatabase(t)
    cliEnvironment(db)
    await ownerQuery(db.ownerUrl, "UPDATE schema_migration SET checksum = 'edited' WHERE id = 1")
    const status = await cli(['db', 'status'])
    assert.equal(status.code, 1)
    assert.match(status.out, /^changed\s+0001-foundation/m)
    assert.match(status.err, /1 migration\(s\) differ from the database/)
    const migrate = await cli(['db', 'migrate'])
    assert.equal(migrate.code, 1)
    assert.match(migrate.err, /0001-foundation\.sql was edited after it was applied/)
  })

  it('demo seed seeds the fictional partnership once', async (t) => {
    const db = await createTestDatabase(t)
    cliEnvironment(db)
    const first = await cli(['demo', 'seed'])
    assert.equal(first.code, 0, first.err)
    assert.match(first.out, /^Seeded Northshire Safeguarding Partnership with \d+ agencies/)
    const second = await cli(['demo', 'seed'])
    assert.match(second.out, /already seeded/)
  })

  it('demo seed is refused in production without OPENMACE_DEMO', async (t) => {
    const db = await createTestDatabase(t)
    Object.assign(process.env, {
      NODE_ENV: 'production',
      DATABASE_URL: db.ownerUrl,
      DATABASE_APP_URL: db.appUrl,
      OPENMACE_SESSION_SECRET: 'p'.repeat(40),
    })
    const result = await cli(['demo', 'seed'])
    assert.equal(result.code, 1)
    assert.match(result.err, /Demo data is off in production/)
  })

  it('db url explains itself when the embedded server is not running or not in use', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-cli-'))
    try {
      process.env.OPENMACE_DATA_DIR = dir
      const notRunning = await cli(['db', 'url'])
      assert.equal(notRunning.code, 1)
      assert.match(notRunning.err, /is not running: start OpenMACE with npm start/)
      process.env.DATABASE_URL = 'postgres://someone@db.example/openmace'
      const external = await cli(['db', 'url'])
      assert.equal(external.code, 1)
      assert.match(external.err, /DATABASE_URL is set/)
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })

  it('tokens create refuses a person’s account (exit 1, the page’s message, nothing created); a service account gets one', async (t) => {
    const { db, services } = await build(t)
    cliEnvironment(db)
    const person = await createUser(db, services, { roles: ['police-intelligence'] })
    const create = (email: string) =>
      cli(['tokens', 'create', '--user', email, '--scopes', 'person:read', '--name', 'force system'])
    const refused = await create(person.email)
    assert.equal(refused.code, 1)
    assert.equal(refused.out, '', 'no token printed')
    assert.equal(refused.err, `openmace: ${PERSON_ACCOUNT_REFUSAL}`)
    assert.equal((await ownerQuery(db.ownerUrl, 'SELECT 1 FROM api_token')).length, 0)
    // Like the other refusals of a token (unknown scopes, unknown account), nothing is audited: nothing happened.
    const events = await ownerQuery(db.ownerUrl, "SELECT 1 FROM audit_event WHERE action LIKE 'token.%'")
    assert.equal(events.length, 0)

    const system = await createUser(db, services, {
      roles: ['police-intelligence'],
      partnershipOf: person,
      serviceAccount: true,
    })
    const made = await create(system.email)
    assert.equal(made.code, 0, made.err)
    assert.match(made.out, /^omt_[A-Za-z0-9_-]{43}$/)
    const [row] = await ownerQuery<{ user_id: string }>(db.ownerUrl, 'SELECT user_id FROM api_token')
    assert.equal(row?.user_id, system.id)
  })

  it('a configuration error exits 78 naming the variable; an unknown command exits 1 with help', async () => {
    process.env.PORT = 'not-a-port'
    const config = await cli(['db', 'status'])
    assert.equal(config.code, 78)
    assert.match(config.err, /^Configuration error: PORT must be/)
    delete process.env.PORT
    const unknown = await cli(['frobnicate'])
    assert.equal(unknown.code, 1)
    assert.match(unknown.err, /unknown command 'frobnicate'/)
  })
})
