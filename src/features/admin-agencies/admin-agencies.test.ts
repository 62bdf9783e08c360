import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { errorSummary, fieldError, inputValue, postWithoutCsrf } from '../../../test/helpers/admin.ts'
import { deniedReasons } from '../../../test/helpers/audit.ts'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn } from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'

async function setUp(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const admin = await createUser(built.db, built.services, { roles: ['system-admin'] })
  const agent = await signIn(built.app, admin)
  return { ...built, admin, agent }
}

/** As Nunjucks escapes text, then as a pattern (company names may hold & or an apostrophe). */
const inHtml = (text: string) =>
  text
    .replace(/&/g, '&amp;')
    .replace(/'/g, '&#39;')
    .replace(/"/g, '&quot;')
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

const agencyByName = (ownerUrl: string, name: string) =>
  ownerQuery<{ id: string; agency_type: string; partnership_id: string }>(
    ownerUrl,
    'SELECT id, agency_type, partnership_id FROM agency WHERE name = $1',
    [name],
  )

describe('agencies and teams, for the system administrator', () => {
  it('lists the partnership’s agencies with type and active accounts; adds one (audited) and its teams', async (t) => {
    const { db, services, agent, admin } = await setUp(t)
    const outsider = await createUser(db, services, { roles: ['practitioner'] })
    await createUser(db, services, { roles: ['practitioner'], partnershipOf: admin })
    const list = await agent.get(paths.admin.agencies)
    assert.equal(list.statusCode, 200)
    assert.match(list.body, /data-testid="admin-navigation"/)
    const table = /data-testid="agencies"[\s\S]*?<\/table>/.exec(list.body)?.[0] ?? ''
    const [own] = await ownerQuery<{ name: string }>(db.ownerUrl, 'SELECT name FROM agency WHERE id = $1', [
      admin.agencyId,
    ])
    // The administrator and the practitioner: two active accounts in the agency.
    assert.match(table, new RegExp(`${inHtml(own!.name)}</a>[\\s\\S]*?>2</td>`))
    const [foreign] = await ownerQuery<{ name: string }>(
      db.ownerUrl,
      'SELECT name FROM agency WHERE id = $1',
      [outsider.agencyId],
    )
    assert.doesNotMatch(table, new RegExp(inHtml(foreign!.name)))

    await agent.get(paths.admin.agencyNew)
    const added = await agent.post(paths.admin.agencyNew, {
      name: 'Northshire Youth Offending Service',
      agencyType: 'youth-justice',
    })
    assert.equal(added.statusCode, 303)
    const [agency] = await agencyByName(db.ownerUrl, 'Northshire Youth Offending Service')
    assert.equal(agency!.agency_type, 'youth-justice')
    assert.equal(agency!.partnership_id, admin.partnershipId)
    assert.equal(added.headers.location, paths.admin.agency(agency!.id))
    const page = await agent.get(paths.admin.agency(agency!.id))
    assert.match(page.body, /Youth justice/)
    assert.match(page.body, /This agency has no teams yet/)
    assert.equal(
      (await agent.post(paths.admin.agencyTeams(agency!.id), { teamName: 'Prevention team' })).statusCode,
      303,
    )
    const withTeam = await agent.get(paths.admin.agency(agency!.id))
    assert.match(/data-testid="teams"[\s\S]*?<\/table>/.exec(withTeam.body)?.[0] ?? '', /Prevention team/)
    const form = await agent.get(paths.admin.userNew)
    assert.match(
      form.body,
      /Northshire Youth Offending Service: Prevention team/,
      'the new team can be chosen for an account',
    )

    const changes = await ownerQuery<{ details: Record<string, string> }>(
      db.ownerUrl,
      "SELECT details FROM audit_event WHERE action = 'admin.agency-change' AND record_id = $1 ORDER BY id",
      [agency!.id],
    )
    assert.deepEqual(
      changes.map((c) => c.details.change),
      ['created', 'team-created'],
    )
    assert.equal(
      (await agent.get(paths.admin.agency((await agencyByName(db.ownerUrl, foreign!.name))[0]!.id)))
        .statusCode,
      404,
      'another partnership’s agency is not found',
    )
  })

  it('refuses bad input for each field, keeping it and writing nothing', async (t) => {
    const { db, agent, admin } = await setUp(t)
    const count = async () =>
      (
        await ownerQuery<{ n: string }>(
          db.ownerUrl,
          'SELECT (SELECT count(*) FROM agency) + (SELECT count(*) FROM team) AS n',
        )
      )[0]!.n
    const before = await count()
    await agent.get(paths.admin.agencyNew)
    const empty = await agent.post(paths.admin.agencyNew, {})
    assert.equal(empty.statusCode, 400)
    assert.match(fieldError(empty.body, 'name'), /Enter the agency's name|Enter the agency&#39;s name/)
    assert.match(fieldError(empty.body, 'agencyType'), /Choose the type of agency/)
    const bad = await agent.post(paths.admin.agencyNew, { name: 'A'.repeat(201), agencyType: 'mi5' })
    assert.equal(bad.statusCode, 400)
    assert.match(fieldError(bad.body, 'name'), /200 characters or fewer/)
    assert.match(fieldError(bad.body, 'agencyType'), /from the list/)
    const [own] = await ownerQuery<{ name: string }>(db.ownerUrl, 'SELECT name FROM agency WHERE id = $1', [
      admin.agencyId,
    ])
    const duplicate = await agent.post(paths.admin.agencyNew, {
      name: own!.name.toUpperCase(),
      agencyType: 'police',
    })
    assert.equal(duplicate.statusCode, 400)
    assert.match(fieldError(duplicate.body, 'name'), /already has an agency with this name/)
    assert.equal(
      inputValue(duplicate.body, 'name'),
      own!.name.toUpperCase().replace(/&/g, '&amp;').replace(/'/g, '&#39;'),
    )
    assert.match(duplicate.body, /value="police" checked/)

    await agent.get(paths.admin.agency(admin.agencyId))
    const blankTeam = await agent.post(paths.admin.agencyTeams(admin.agencyId), { teamName: '  ' })
    assert.equal(blankTeam.statusCode, 400)
    assert.match(errorSummary(blankTeam.body), /Enter the team/)
    await agent.post(paths.admin.agencyTeams(admin.agencyId), { teamName: 'Front door' })
    await agent.get(paths.admin.agency(admin.agencyId))
    const twice = await agent.post(paths.admin.agencyTeams(admin.agencyId), { teamName: 'front door' })
    assert.equal(twice.statusCode, 400)
    assert.match(fieldError(twice.body, 'teamName'), /already has a team with this name/)
    assert.equal(Number(await count()), Number(before) + 1, 'only the one good team was written')
  })

  it('renames with optimistic concurrency: a stale form gets 409 with the typed name kept', async (t) => {
    const { db, agent, admin } = await setUp(t)
    const page = await agent.get(paths.admin.agency(admin.agencyId))
    const version = inputValue(page.body, 'version')!
    assert.equal(
      (await agent.post(paths.admin.agencyRename(admin.agencyId), { name: 'Renamed Agency', version }))
        .statusCode,
      303,
    )
    const stale = await agent.post(paths.admin.agencyRename(admin.agencyId), {
      name: 'Stale Rename',
      version,
    })
    assert.equal(stale.statusCode, 409)
    assert.match(errorSummary(stale.body), /Someone else changed this agency/)
    assert.equal(inputValue(stale.body, 'name'), 'Stale Rename')
    const blank = await agent.post(paths.admin.agencyRename(admin.agencyId), {
      name: '',
      version: String(Number(version) + 1),
    })
    assert.equal(blank.statusCode, 400)
    const [row] = await ownerQuery<{ name: string }>(db.ownerUrl, 'SELECT name FROM agency WHERE id = $1', [
      admin.agencyId,
    ])
    assert.equal(row!.name, 'Renamed Agency')
  })

  it('disabling an agency signs its people out at once and stops them signing in; enabling lets them back', async (t) => {
    const { app, db, services, agent, admin } = await setUp(t)
    const [other] = await ownerQuery<{ id: string }>(
      db.ownerUrl,
      'SELECT id FROM agency WHERE partnership_id = $1 AND id <> $2 LIMIT 1',
      [admin.partnershipId, admin.agencyId],
    )
    const worker = await createUser(db, services, { roles: ['practitioner'], partnershipOf: admin })
    await ownerQuery(db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [worker.id, other!.id])
    const workerAgent = await signIn(app, worker)
    assert.equal((await workerAgent.get(paths.home)).statusCode, 200)

    await agent.get(paths.admin.agency(other!.id))
    assert.equal((await agent.post(paths.admin.agencyDisable(other!.id), {})).statusCode, 303)
    assert.equal((await workerAgent.get(paths.home)).statusCode, 303, 'signed out at once')
    await assert.rejects(signIn(app, worker), 'cannot sign in')
    const [failed] = await ownerQuery<{ n: string }>(
      db.ownerUrl,
      "SELECT count(*) AS n FROM audit_event WHERE action = 'auth.sign-in-failed' AND actor_id = $1",
      [worker.id],
    )
    assert.equal(Number(failed!.n), 1, 'the refused sign-in is audited')
    const list = await agent.get(paths.admin.users)
    assert.match(list.body, new RegExp(`${worker.displayName}[\\s\\S]*?Agency disabled`))

    await agent.get(paths.admin.agency(other!.id))
    assert.equal((await agent.post(paths.admin.agencyEnable(other!.id), {})).statusCode, 303)
    assert.equal((await (await signIn(app, worker)).get(paths.home)).statusCode, 200)
    const changes = await ownerQuery<{ details: Record<string, unknown> }>(
      db.ownerUrl,
      "SELECT details FROM audit_event WHERE action = 'admin.agency-change' AND record_id = $1 ORDER BY id",
      [other!.id],
    )
    assert.deepEqual(
      changes.map((c) => c.details),
      [{ change: 'disabled', sessionsEnded: 1 }, { change: 'enabled' }],
    )

    const own = await agent.get(paths.admin.agency(admin.agencyId))
    assert.doesNotMatch(own.body, /Disable agency/)
    const self = await agent.post(paths.admin.agencyDisable(admin.agencyId), {})
    assert.equal(self.statusCode, 400)
    assert.match(errorSummary(self.body), /cannot disable your own agency/)
  })

  it('refuses forms without the CSRF token, and other roles with a 403 and an audited denial', async (t) => {
    const { app, db, services, agent, admin } = await setUp(t)
    await agent.get(paths.admin.agencyNew)
    const forged = await postWithoutCsrf(agent, paths.admin.agencyNew, {
      name: 'Forged Agency',
      agencyType: 'police',
    })
    assert.equal(forged.statusCode, 403)
    assert.match(forged.body, /This form has expired/)
    assert.equal((await agencyByName(db.ownerUrl, 'Forged Agency')).length, 0)

    const practitioner = await createUser(db, services, { roles: ['social-worker'], partnershipOf: admin })
    const other = await signIn(app, practitioner)
    assert.equal((await other.get(paths.admin.agencies)).statusCode, 403)
    assert.equal((await other.get(paths.admin.agency(admin.agencyId))).statusCode, 403)
    await other.get(paths.home)
    assert.equal(
      (await other.post(paths.admin.agencyNew, { name: 'Sneaky Agency', agencyType: 'police' })).statusCode,
      403,
    )
    assert.equal((await agencyByName(db.ownerUrl, 'Sneaky Agency')).length, 0)
    const denials = await deniedReasons(db.ownerUrl, practitioner.id)
    assert.equal(denials.length, 3)
    assert.ok(denials.every((reason) => reason === 'missing capability agency:manage'))
  })
})
