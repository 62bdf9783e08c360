import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { it } from 'node:test'
import { testConfig } from '../../../test/helpers/build.ts'
import { createTestDatabase } from '../../../test/helpers/database.ts'
import { adminOf, createUser, TEST_REQUEST } from '../../../test/helpers/sign-in.ts'
import { buildApp } from '../../app.ts'
import { createLogger } from '../../platform/logger.ts'
import { paths } from '../../platform/paths.ts'
import { latestMigration } from '../../runtime.ts'
import { services as makeServices } from '../../services.ts'

it('keeps the one-time token of a set-up link out of the request logs', async (t) => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const config = testConfig()
  const db = await createTestDatabase(t)
  const services = makeServices(config, db.database, { latestMigration: await latestMigration() })
  const app = await buildApp({ config, services, logger: createLogger('info', sink) })
  t.after(() => app.close())
  const admin = await createUser(db, services, { roles: ['system-admin'] })
  const made = await services.adminUsers.create(
    adminOf(admin),
    {
      displayName: 'Logged Person',
      email: 'logged.person@test.example',
      agencyId: admin.agencyId,
      teamId: '',
      roles: ['practitioner'],
      serviceAccount: false,
    },
    TEST_REQUEST,
  )
  const token = made.setUp?.token
  assert.ok(token)
  const page = await app.inject({ url: paths.account.setUp(token) })
  assert.equal(page.statusCode, 200)
  const output = lines.join('')
  assert.match(output, /\/account\/set-up\/\[REDACTED\]/, 'the request is logged, without its token')
  assert.ok(!output.includes(token), 'the token is not in the logs')
})
