import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { createDatabase, type Database } from '../../src/db/database.ts'
import { APP_ROLE, loadCredentials, startEmbedded, type EmbeddedServer } from '../../src/db/embedded.ts'
import { migrate } from '../../src/db/migrate.ts'
import { provisionRoles } from '../../src/db/provision.ts'
import { createLogger } from '../../src/platform/logger.ts'
import { latestMigration } from '../../src/runtime.ts'
import { services } from '../../src/services.ts'
import { build, testConfig } from '../helpers/build.ts'
import { headingText } from '../helpers/html.ts'

describe('health on the shared test server', () => {
  it('reports UP with the database, and ready once migrations are applied', async (t) => {
    const { app } = await build(t)
    const health = await app.inject('/health')
    assert.equal(health.statusCode, 200)
    assert.deepEqual(health.json(), { status: 'UP', components: { database: { status: 'UP' } } })
    const ready = await app.inject('/health/ready')
    assert.equal(ready.statusCode, 200)
    assert.equal(ready.json().status, 'UP')
  })

  it('is not ready while this code has migrations the database lacks', async (t) => {
    const { db } = await build(t)
    const config = testConfig()
    const ahead = services(config, db.database, { latestMigration: (await latestMigration()) + 1 })
    const app = await buildApp({ config, services: ahead })
    t.after(() => app.close())
    const ready = await app.inject('/health/ready')
    assert.equal(ready.statusCode, 503)
    assert.deepEqual(ready.json(), { status: 'DOWN', reason: 'migrations pending' })
  })
})

// This suite stops and restarts a PostgreSQL server of its own, so it never disturbs other tests.
describe('when the database stops and comes back', () => {
  let dir: string
  let server: EmbeddedServer
  let database: Database
  let app: FastifyInstance

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openmace-health-'))
    server = await startEmbedded(dir, createLogger('silent'))
    const credentials = await loadCredentials(dir)
    await provisionRoles(server.ownerUrl, { user: APP_ROLE, password: credentials.appPassword })
    await migrate(server.ownerUrl)
    const config = testConfig()
    database = createDatabase(server.appUrl, { poolSize: 3 })
    app = await buildApp({
      config,
      services: services(config, database, { latestMigration: await latestMigration() }),
    })
  })

  after(async () => {
    await app.close()
    await database.close()
    await server.stop()
    await fs.rm(dir, { recursive: true, force: true })
  })

  it('reports DOWN within 2 seconds, shows the unavailable page, and recovers without a restart', async () => {
    assert.equal((await app.inject('/health')).statusCode, 200)
    assert.equal((await app.inject('/')).statusCode, 200, 'warm pool with live connections')

    await server.stop()

    const started = performance.now()
    const down = await app.inject('/health')
    const elapsed = performance.now() - started
    assert.equal(down.statusCode, 503)
    assert.deepEqual(down.json(), { status: 'DOWN', components: { database: { status: 'DOWN' } } })
    assert.ok(elapsed < 2000, `health answered in ${Math.round(elapsed)} ms`)

    const page = await app.inject('/')
    assert.equal(page.statusCode, 503)
    assert.equal(headingText(page.body), 'Sorry, the service is unavailable')
    assert.equal(page.headers['retry-after'], '30')
    const api = await app.inject('/api/v1/service')
    assert.equal(api.statusCode, 503)
    assert.equal(api.json().title, 'Service unavailable')
    assert.equal((await app.inject('/health/ready')).statusCode, 503)

    // Same folder, same port: as when an operator restarts the server.
    server = await startEmbedded(dir, createLogger('silent'), { port: Number(new URL(server.ownerUrl).port) })
    const up = await app.inject('/health')
    assert.equal(up.statusCode, 200)
    assert.equal((await app.inject('/')).statusCode, 200)
  })
})
