import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createTestDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { createPartnership } from '../../../test/factories/partnership-factory.ts'
import { build } from '../../../test/helpers/build.ts'
import { signIn } from '../../../test/helpers/sign-in.ts'
import { passwordProblem } from '../../platform/auth/password-policy.ts'
import { paths } from '../../platform/paths.ts'
import { ROLES } from '../../platform/access/roles.ts'
import { DEMO_AGENCIES } from './demo-data.ts'
import { DemoRefusedError } from './demo-service.ts'

describe('demo seed', () => {
  it('gives the demo accounts fictional children to work with, each seeing only their own', async (t) => {
    const { app, services, db } = await build(t)
    const { users = [], password = '' } = await services.demo.seed()
    const count = async (role: string) => {
      const user = users.find((u) => u.role === role)
      assert.ok(user !== undefined)
      const agent = await signIn(app, { email: user.email, password })
      const res = await agent.get(paths.api.people)
      assert.equal(res.statusCode, 200)
      return res.json<{ people: unknown[] }>().people.length
    }
    assert.equal(await count('social-worker'), 9, 'team caseload (8) and one more on the current MACE agenda')
    assert.equal(await count('dsl'), 4, 'Castlegate Academy pupils')
    assert.equal(await count('police-intelligence'), 5, 'children on the current MACE agenda')
    const nhs = await ownerQuery<{ nhs_number: string }>(
      db.ownerUrl,
      'SELECT nhs_number FROM person WHERE nhs_number IS NOT NULL',
    )
    assert.equal(nhs.length, 12)
    for (const row of nhs) assert.match(row.nhs_number, /^999/, 'NHS numbers from the reserved test range')
  })

  it('creates the fictional partnership and its agencies, marked as demo', async (t) => {
    const { services, db } = await build(t)
    const { users, password, ...result } = await services.demo.seed()
    assert.deepEqual(result, {
      created: true,
      partnershipName: 'Northshire Safeguarding Partnership',
      agencies: DEMO_AGENCIES.length,
      people: 15,
    })
    assert.equal(users?.length, 11)
    assert.match(password ?? '', /^northshire-demo-.{12}$/)
    assert.equal(passwordProblem(password ?? ''), undefined, 'the demo password meets the policy')
    const rows = await ownerQuery<{ name: string; is_demo: boolean; agencies: string; types: string[] }>(
      db.ownerUrl,
      `SELECT p.name, p.is_demo, count(a.id) AS agencies, array_agg(DISTINCT a.agency_type ORDER BY a.agency_type) AS types
         FROM partnership p JOIN agency a ON a.partnership_id = p.id GROUP BY p.id`,
    )
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.is_demo, true)
    assert.equal(Number(rows[0]!.agencies), DEMO_AGENCIES.length)
    for (const type of ['police', 'health', 'education', 'childrens-services', 'youth-justice']) {
      assert.ok(rows[0]!.types.includes(type), `the demo has a ${type} agency`)
    }
  })

  it('creates one user per role, with .example addresses, who can sign in without a security code', async (t) => {
    const { app, services, db } = await build(t)
    const { users = [], password = '' } = await services.demo.seed()
    const roles = new Set(users.map((u) => u.role))
    for (const role of ROLES) {
      assert.ok(roles.has(role), `a demo ${role}`)
    }
    for (const user of users) assert.match(user.email, /^[a-z.-]+\d*@northshire\.example$/)
    const [row] = await ownerQuery<{ n: string }>(
      db.ownerUrl,
      'SELECT count(*) AS n FROM app_user WHERE is_demo AND totp_enabled_at IS NULL',
    )
    assert.equal(Number(row?.n), users.length)
    const agent = await signIn(app, { email: users[0]!.email, password })
    assert.equal((await agent.get(paths.home)).statusCode, 200)
  })

  it('does nothing when run again', async (t) => {
    const { services, db } = await build(t)
    await services.demo.seed()
    const again = await services.demo.seed()
    assert.equal(again.created, false)
    const [row] = await ownerQuery<{ n: string }>(db.ownerUrl, 'SELECT count(*) AS n FROM agency')
    assert.equal(Number(row?.n), DEMO_AGENCIES.length)
  })

  it('never mixes demo data into a database that holds a real partnership', async (t) => {
    const { services, db } = await build(t)
    await createPartnership(db.database, { isDemo: false })
    await assert.rejects(
      services.demo.seed(),
      (error: unknown) => error instanceof DemoRefusedError && /real records/.test(error.message),
    )
    const [row] = await ownerQuery<{ n: string }>(
      db.ownerUrl,
      'SELECT count(*) AS n FROM partnership WHERE is_demo',
    )
    assert.equal(Number(row?.n), 0, 'nothing written')
  })

  it('is refused in production unless OPENMACE_DEMO=true', async (t) => {
    const db = await createTestDatabase(t)
    const production = {
      NODE_ENV: 'production',
      OPENMACE_ALLOW_EMBEDDED: 'true',
      OPENMACE_SESSION_SECRET: 's'.repeat(40),
    }
    const off = await build(t, { db, env: production })
    await assert.rejects(off.services.demo.seed(), /Demo data is off in production/)
    const on = await build(t, { db, env: { ...production, OPENMACE_DEMO: 'true' } })
    assert.equal((await on.services.demo.seed()).created, true)
  })

  it('seeds once when two instances start together', async (t) => {
    const first = await build(t)
    const second = await build(t, { db: first.db })
    const results = await Promise.all([first.services.demo.seed(), second.services.demo.seed()])
    assert.deepEqual(results.map((r) => r.created).sort(), [false, true])
  })
})
