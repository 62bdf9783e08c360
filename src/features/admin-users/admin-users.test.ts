import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { deniedReasons } from '../../../test/helpers/audit.ts'
import { build } from '../../../test/helpers/build.ts'
import { headingText } from '../../../test/helpers/html.ts'
import { createUser, signIn } from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'

const errorSummary = (html: string) => /govuk-error-summary[\s\S]*?<\/ul>/.exec(html)?.[0] ?? ''

async function setUp(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const admin = await createUser(built.db, built.services, { roles: ['system-admin'] })
  const worker = await createUser(built.db, built.services, { roles: ['practitioner'], partnershipOf: admin })
  const agent = await signIn(built.app, admin)
  return { ...built, admin, worker, agent }
}

describe('accounts, for the system administrator', () => {
  it('lists the partnership’s accounts with roles and status, and no other partnership’s', async (t) => {
    const { db, services, agent, admin, worker } = await setUp(t)
    const outsider = await createUser(db, services, { roles: ['dpo'] })
    assert.match((await agent.get(paths.home)).body, new RegExp(`href="${paths.admin.users}"`))
    const list = await agent.get(paths.admin.users)
    assert.equal(list.statusCode, 200)
    const table = /data-testid="accounts"[\s\S]*?<\/table>/.exec(list.body)?.[0] ?? ''
    assert.match(table, new RegExp(admin.displayName))
    assert.match(table, new RegExp(`${worker.displayName}[\\s\\S]*Practitioner[\\s\\S]*Active`))
    assert.doesNotMatch(table, new RegExp(outsider.displayName))
    const other = await agent.get(paths.admin.user(outsider.id))
    assert.equal(other.statusCode, 404, 'another partnership’s account is not found')
    assert.equal((await agent.get(paths.admin.user('not-a-uuid'))).statusCode, 404)
  })

  it('changes roles, audited; the person’s next request uses the new roles', async (t) => {
    const { app, db, agent, worker } = await setUp(t)
    const workerAgent = await signIn(app, worker)
    assert.equal((await workerAgent.get(paths.audit.trail)).statusCode, 403)

    const page = await agent.get(paths.admin.user(worker.id))
    assert.equal(headingText(page.body)?.endsWith(worker.displayName), true)
    const version = /name="version" value="(\d+)"/.exec(page.body)?.[1]
    assert.ok(version)
    const saved = await agent.post(paths.admin.userRoles(worker.id), { roles: 'dpo', version })
    assert.equal(saved.statusCode, 303)
    assert.equal((await workerAgent.get(paths.audit.trail)).statusCode, 200, 'the new role applies at once')

    const [row] = await ownerQuery<{ details: Record<string, string> }>(
      db.ownerUrl,
      "SELECT details FROM audit_event WHERE action = 'admin.user-change' AND record_id = $1",
      [worker.id],
    )
    assert.deepEqual(row!.details, { change: 'roles', added: 'dpo', removed: 'practitioner' })
  })

  it('refuses a stale form (409, input kept) and unknown roles (400), changing nothing', async (t) => {
    const { db, agent, worker } = await setUp(t)
    await agent.get(paths.admin.user(worker.id))
    const stale = await agent.post(paths.admin.userRoles(worker.id), { roles: 'dsl', version: '999' })
    assert.equal(stale.statusCode, 409)
    assert.match(errorSummary(stale.body), /Someone else changed this account/)
    assert.match(stale.body, /value="dsl" checked/, 'the choice made is kept')
    const bad = await agent.post(paths.admin.userRoles(worker.id), { roles: 'superuser', version: '1' })
    assert.equal(bad.statusCode, 400)
    assert.match(errorSummary(bad.body), /Choose roles from the list/)
    const roles = await ownerQuery<{ role: string }>(
      db.ownerUrl,
      'SELECT role FROM user_role WHERE user_id = $1',
      [worker.id],
    )
    assert.deepEqual(roles, [{ role: 'practitioner' }])
  })

  it('disables an account, ending its sessions at once; an administrator cannot disable or demote themself', async (t) => {
    const { app, db, agent, admin, worker } = await setUp(t)
    const workerAgent = await signIn(app, worker)
    assert.equal((await workerAgent.get(paths.home)).statusCode, 200)
    await agent.get(paths.admin.user(worker.id))
    assert.equal((await agent.post(paths.admin.userDisable(worker.id), {})).statusCode, 303)
    assert.equal((await workerAgent.get(paths.home)).statusCode, 303, 'signed out at once')
    const [ended] = await ownerQuery<{ n: string }>(
      db.ownerUrl,
      'SELECT count(*) AS n FROM session WHERE user_id = $1',
      [worker.id],
    )
    assert.equal(Number(ended!.n), 0)

    const own = await agent.get(paths.admin.user(admin.id))
    assert.doesNotMatch(own.body, /Disable account/)
    const self = await agent.post(paths.admin.userDisable(admin.id), {})
    assert.equal(self.statusCode, 400)
    assert.match(errorSummary(self.body), /You cannot disable your own account/)
    await agent.get(paths.admin.user(admin.id))
    const version = /name="version" value="(\d+)"/.exec(agent.lastPage)?.[1] ?? '1'
    const demote = await agent.post(paths.admin.userRoles(admin.id), { roles: 'dpo', version })
    assert.equal(demote.statusCode, 400)
    assert.match(errorSummary(demote.body), /cannot remove your own system administrator role/)
  })

  it('is refused to other roles with a 403 page and an audited denial', async (t) => {
    const { app, db, services, admin } = await setUp(t)
    const manager = await createUser(db, services, { roles: ['team-manager'], partnershipOf: admin })
    const agent = await signIn(app, manager)
    assert.equal((await agent.get(paths.admin.users)).statusCode, 403)
    assert.equal((await agent.get(paths.admin.user(admin.id))).statusCode, 403)
    const denied = await deniedReasons(db.ownerUrl, manager.id)
    assert.equal(denied.length, 2)
    assert.equal(denied[0], 'missing capability user:manage')
  })
})
