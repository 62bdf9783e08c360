import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  adminSignedIn,
  errorSummary,
  fieldError,
  inputValue,
  postPairs,
  postWithoutCsrf,
} from '../../../test/helpers/admin.ts'
import { deniedReasons } from '../../../test/helpers/audit.ts'
import type { TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { Agent, createUser, signIn } from '../../../test/helpers/sign-in.ts'
import { paths } from '../../platform/paths.ts'

const NEW_PASSWORD = 'violet harbour lantern seventeen'

async function setUp(t: TestCtx) {
  const built = await adminSignedIn(t)
  const { admin } = built
  const agencies = await ownerQuery<{ id: string; name: string }>(
    built.db.ownerUrl,
    'SELECT id, name FROM agency WHERE partnership_id = $1 ORDER BY name',
    [admin.partnershipId],
  )
  const [team] = await ownerQuery<{ id: string }>(
    built.db.ownerUrl,
    "INSERT INTO team (partnership_id, agency_id, name) VALUES ($1, $2, 'Exploitation team') RETURNING id",
    [admin.partnershipId, agencies[1]!.id],
  )
  return { ...built, agencies, teamId: team!.id }
}

const accountRows = (ownerUrl: string, email: string) =>
  ownerQuery<{ id: string; password_hash: string | null; service_account: boolean; team_id: string | null }>(
    ownerUrl,
    'SELECT id, password_hash, service_account, team_id FROM app_user WHERE lower(email) = lower($1)',
    [email],
  )

describe('creating accounts, for the system administrator', () => {
  it('creates a person’s account with a one-time set-up link: they choose a password, sign in, and the link never works again', async (t) => {
    const { app, db, agent, agencies, teamId } = await setUp(t)
    const form = await agent.get(paths.admin.userNew)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, new RegExp(`<option value="${agencies[1]!.id}"`), 'agencies of the partnership')
    assert.match(form.body, new RegExp(`<option value="${teamId}"`), 'teams of its agencies')
    const created = await postPairs(agent, paths.admin.userNew, [
      ['kind', 'person'],
      ['displayName', 'Robin Example'],
      ['email', 'Robin.Example@test.example'],
      ['agency', agencies[1]!.id],
      ['team', teamId],
      ['roles', 'social-worker'],
      ['roles', 'dsl'],
    ])
    assert.equal(created.statusCode, 200)
    const link = /data-testid="set-up-link">([^<]+)</.exec(created.body)?.[1]
    assert.ok(link, 'the page shows the link once')
    const url = new URL(link)
    assert.match(url.pathname, /^\/account\/set-up\/[A-Za-z0-9_-]{43}$/)
    const token = url.pathname.split('/').pop()!

    const [account] = await accountRows(db.ownerUrl, 'robin.example@test.example')
    assert.ok(account)
    assert.equal(account.password_hash, null, 'no password until the person chooses one')
    assert.equal(account.team_id, teamId)
    const roles = await ownerQuery<{ role: string }>(
      db.ownerUrl,
      'SELECT role FROM user_role WHERE user_id = $1 ORDER BY role',
      [account.id],
    )
    assert.deepEqual(roles, [{ role: 'dsl' }, { role: 'social-worker' }])
    const stored = await ownerQuery<{ token_hash: string; days: number }>(
      db.ownerUrl,
      'SELECT token_hash, round(extract(epoch FROM expires_at - now()) / 86400)::int AS days FROM account_set_up WHERE user_id = $1',
      [account.id],
    )
    assert.equal(stored.length, 1)
    assert.notEqual(stored[0]!.token_hash, token, 'only a hash of the link is kept')
    assert.equal(stored[0]!.days, 7)
    const audited = await ownerQuery<{ details: Record<string, string> }>(
      db.ownerUrl,
      "SELECT details FROM audit_event WHERE action = 'admin.user-change' AND record_id = $1 ORDER BY id",
      [account.id],
    )
    assert.deepEqual(
      audited.map((a) => a.details.change),
      ['created', 'set-up-link'],
    )
    assert.ok(!JSON.stringify(audited).includes(token), 'the link is not in the audit trail')
    await assert.rejects(
      signIn(app, { email: 'robin.example@test.example', password: NEW_PASSWORD }),
      'no password works before set-up',
    )

    const person = new Agent(app)
    const page = await person.get(url.pathname)
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /robin\.example@test\.example/i)
    const short = await person.post(url.pathname, { password: 'short', confirm: 'short' })
    assert.equal(short.statusCode, 400)
    assert.match(fieldError(short.body, 'password'), /12 characters or more/)
    assert.doesNotMatch(short.body, /value="short"/, 'a password is never sent back')
    const different = await person.post(url.pathname, { password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}x` })
    assert.equal(different.statusCode, 400)
    assert.match(fieldError(different.body, 'confirm'), /same password twice/)
    const done = await person.post(url.pathname, { password: NEW_PASSWORD, confirm: NEW_PASSWORD })
    assert.equal(done.statusCode, 200)
    assert.match(done.body, /Your password is set/)

    const signedIn = await signIn(app, { email: 'robin.example@test.example', password: NEW_PASSWORD })
    assert.equal((await signedIn.get(paths.home)).statusCode, 200)
    const again = await new Agent(app).get(url.pathname)
    assert.equal(again.statusCode, 404)
    assert.match(again.body, /This link does not work/)
    await person.get(paths.signIn)
    const reused = await person.post(url.pathname, {
      password: 'another long passphrase here',
      confirm: 'another long passphrase here',
    })
    assert.equal(reused.statusCode, 404, 'a used link cannot set the password again')
    await signIn(app, { email: 'robin.example@test.example', password: NEW_PASSWORD })
    const [setUpAudit] = await ownerQuery<{ actor_id: string }>(
      db.ownerUrl,
      "SELECT actor_id FROM audit_event WHERE action = 'auth.account-set-up'",
    )
    assert.equal(setUpAudit?.actor_id, account.id)
  })

  it('says the same for an unknown, malformed, expired or superseded link, and never which', async (t) => {
    const { app, db, agent, admin } = await setUp(t)
    await agent.get(paths.admin.userNew)
    const made = await postPairs(agent, paths.admin.userNew, [
      ['displayName', 'Sam Sample'],
      ['email', 'sam.sample@test.example'],
      ['agency', admin.agencyId],
      ['roles', 'practitioner'],
    ])
    const first = new URL(/data-testid="set-up-link">([^<]+)</.exec(made.body)![1]!).pathname
    const [account] = await accountRows(db.ownerUrl, 'sam.sample@test.example')
    await agent.get(paths.admin.user(account!.id))
    const renewed = await agent.post(paths.admin.userSetUpLink(account!.id), {})
    assert.equal(renewed.statusCode, 200)
    const second = new URL(/data-testid="set-up-link">([^<]+)</.exec(renewed.body)![1]!).pathname
    const pages = [
      await new Agent(app).get(first), // superseded by the new link
      await new Agent(app).get(paths.account.setUp('A'.repeat(43))), // unknown
      await new Agent(app).get(paths.account.setUp('not a token')), // malformed
    ]
    await ownerQuery(db.ownerUrl, "UPDATE account_set_up SET expires_at = now() - interval '1 second'")
    pages.push(await new Agent(app).get(second)) // expired
    for (const page of pages) {
      assert.equal(page.statusCode, 404)
      assert.match(page.body, /This link does not work/)
      assert.match(page.body, /Ask your system administrator for a new link/)
    }
  })

  it('refuses bad input field by field, keeping what was typed and writing nothing', async (t) => {
    const { db, agent, admin, agencies, teamId } = await setUp(t)
    const before = await ownerQuery<{ n: string }>(db.ownerUrl, 'SELECT count(*) AS n FROM app_user')
    await agent.get(paths.admin.userNew)
    const empty = await postPairs(agent, paths.admin.userNew, [])
    assert.equal(empty.statusCode, 400)
    assert.match(fieldError(empty.body, 'displayName'), /Enter a name/)
    assert.match(fieldError(empty.body, 'email'), /Enter an email address/)
    assert.match(fieldError(empty.body, 'agency'), /Choose an agency/)
    assert.match(fieldError(empty.body, 'roles'), /Choose at least one role/)
    assert.match(errorSummary(empty.body), /href="#displayName"/)

    const bad = await postPairs(agent, paths.admin.userNew, [
      ['displayName', 'x'.repeat(201)],
      ['email', 'not-an-email'],
      ['agency', '00000000-0000-0000-0000-000000000000'],
      ['roles', 'superuser'],
    ])
    assert.equal(bad.statusCode, 400)
    assert.match(fieldError(bad.body, 'displayName'), /200 characters or fewer/)
    assert.match(fieldError(bad.body, 'email'), /correct format/)
    assert.match(fieldError(bad.body, 'agency'), /from the list/)
    assert.match(fieldError(bad.body, 'roles'), /from the list/)
    assert.equal(inputValue(bad.body, 'email'), 'not-an-email', 'input kept')

    const wrongTeam = await postPairs(agent, paths.admin.userNew, [
      ['displayName', 'Alex Team'],
      ['email', 'alex.team@test.example'],
      [
        'agency',
        agencies[0]!.id === agencies[1]!.id ? '' : agencies.find((a) => a.id !== agencies[1]!.id)!.id,
      ],
      ['team', teamId],
      ['roles', 'practitioner'],
    ])
    assert.equal(wrongTeam.statusCode, 400)
    assert.match(fieldError(wrongTeam.body, 'team'), /team of the chosen agency/)
    assert.match(wrongTeam.body, /value="practitioner" checked/, 'chosen roles kept')

    const duplicate = await postPairs(agent, paths.admin.userNew, [
      ['displayName', 'Copy Cat'],
      ['email', admin.email.toUpperCase()],
      ['agency', admin.agencyId],
      ['roles', 'practitioner'],
    ])
    assert.equal(duplicate.statusCode, 400)
    assert.match(fieldError(duplicate.body, 'email'), /already has this email address/)

    const tooLong = await postPairs(agent, paths.admin.userNew, [['displayName', 'y'.repeat(5000)]])
    assert.equal(tooLong.statusCode, 400, 'over-long input is refused, never a 500')
    const after = await ownerQuery<{ n: string }>(db.ownerUrl, 'SELECT count(*) AS n FROM app_user')
    assert.equal(after[0]!.n, before[0]!.n, 'nothing written')
    const audited = await ownerQuery(
      db.ownerUrl,
      "SELECT 1 FROM audit_event WHERE action = 'admin.user-change'",
    )
    assert.equal(audited.length, 0)
  })

  it('creates a service account: no password, no set-up link, so it can never sign in to pages', async (t) => {
    const { app, db, agent, admin } = await setUp(t)
    await agent.get(paths.admin.userNew)
    const made = await postPairs(agent, paths.admin.userNew, [
      ['kind', 'service'],
      ['displayName', 'Police records interface'],
      ['email', 'records@force.test.example'],
      ['agency', admin.agencyId],
      ['roles', 'police-intelligence'],
    ])
    assert.equal(made.statusCode, 303)
    const [account] = await accountRows(db.ownerUrl, 'records@force.test.example')
    assert.equal(made.headers.location, paths.admin.user(account!.id))
    assert.equal(account!.service_account, true)
    assert.equal(account!.password_hash, null)
    const links = await ownerQuery(db.ownerUrl, 'SELECT 1 FROM account_set_up WHERE user_id = $1', [
      account!.id,
    ])
    assert.equal(links.length, 0)
    const page = await agent.get(paths.admin.user(account!.id))
    assert.match(page.body, /Service account \(API tokens only\)/)
    assert.doesNotMatch(page.body, /Give a new set-up link/)
    const refused = await agent.post(paths.admin.userSetUpLink(account!.id), {})
    assert.equal(refused.statusCode, 400)
    assert.match(errorSummary(refused.body), /A service account cannot sign in/)
    await assert.rejects(
      ownerQuery(db.ownerUrl, "UPDATE app_user SET password_hash = 'x' WHERE id = $1", [account!.id]),
      /app_user_service_account_no_password/,
      'the database refuses a password for a service account',
    )
    await assert.rejects(
      signIn(app, { email: 'records@force.test.example', password: 'anything at all here' }),
    )
  })
})

describe('editing and re-enabling accounts', () => {
  it('edits name, email, agency and team, audited; a stale form gets 409 with the input kept', async (t) => {
    const { db, services, agent, admin, agencies, teamId } = await setUp(t)
    const worker = await createUser(db, services, { roles: ['practitioner'], partnershipOf: admin })
    // Start in another agency than the one the form moves them to (the admin's agency may be either).
    await ownerQuery(db.ownerUrl, 'UPDATE app_user SET agency_id = $2 WHERE id = $1', [
      worker.id,
      agencies[0]!.id,
    ])
    const page = await agent.get(paths.admin.user(worker.id))
    const version = inputValue(page.body, 'version')!
    const saved = await agent.post(paths.admin.userDetails(worker.id), {
      displayName: 'Renamed Person',
      email: 'renamed.person@test.example',
      agency: agencies[1]!.id,
      team: teamId,
      version,
    })
    assert.equal(saved.statusCode, 303)
    const [row] = await ownerQuery<{
      display_name: string
      email: string
      agency_id: string
      team_id: string
    }>(db.ownerUrl, 'SELECT display_name, email, agency_id, team_id FROM app_user WHERE id = $1', [worker.id])
    assert.deepEqual(row, {
      display_name: 'Renamed Person',
      email: 'renamed.person@test.example',
      agency_id: agencies[1]!.id,
      team_id: teamId,
    })
    const [audit] = await ownerQuery<{ details: Record<string, string> }>(
      db.ownerUrl,
      "SELECT details FROM audit_event WHERE action = 'admin.user-change' AND record_id = $1",
      [worker.id],
    )
    assert.equal(audit!.details.change, 'details')
    assert.equal(audit!.details.fields, 'name email agency team')

    // The same (now stale) version again: someone else changed the account meanwhile.
    const stale = await agent.post(paths.admin.userDetails(worker.id), {
      displayName: 'Stale Name',
      email: 'renamed.person@test.example',
      agency: agencies[1]!.id,
      team: '',
      version,
    })
    assert.equal(stale.statusCode, 409)
    assert.match(errorSummary(stale.body), /Someone else changed this account/)
    assert.equal(inputValue(stale.body, 'displayName'), 'Stale Name', 'input kept')

    await agent.get(paths.admin.user(worker.id))
    const current = inputValue(agent.lastPage, 'version')!
    const duplicate = await agent.post(paths.admin.userDetails(worker.id), {
      displayName: 'Renamed Person',
      email: admin.email,
      agency: agencies[1]!.id,
      version: current,
    })
    assert.equal(duplicate.statusCode, 400)
    assert.match(fieldError(duplicate.body, 'email'), /already has this email address/)
    const blank = await agent.post(paths.admin.userDetails(worker.id), { version: current })
    assert.equal(blank.statusCode, 400)
    assert.match(fieldError(blank.body, 'displayName'), /Enter a name/)
    const [unchanged] = await ownerQuery<{ display_name: string }>(
      db.ownerUrl,
      'SELECT display_name FROM app_user WHERE id = $1',
      [worker.id],
    )
    assert.equal(unchanged!.display_name, 'Renamed Person')
  })

  it('re-enables a disabled account, which can then sign in again', async (t) => {
    const { app, db, services, agent, admin } = await setUp(t)
    const worker = await createUser(db, services, { roles: ['practitioner'], partnershipOf: admin })
    await agent.get(paths.admin.user(worker.id))
    assert.equal((await agent.post(paths.admin.userDisable(worker.id), {})).statusCode, 303)
    await assert.rejects(signIn(app, worker))
    const page = await agent.get(paths.admin.user(worker.id))
    assert.match(page.body, /Enable account/)
    assert.equal((await agent.post(paths.admin.userEnable(worker.id), {})).statusCode, 303)
    assert.equal((await (await signIn(app, worker)).get(paths.home)).statusCode, 200)
    const changes = await ownerQuery<{ details: Record<string, string> }>(
      db.ownerUrl,
      "SELECT details FROM audit_event WHERE action = 'admin.user-change' AND record_id = $1 ORDER BY id",
      [worker.id],
    )
    assert.deepEqual(
      changes.map((c) => c.details.change),
      ['disabled', 'enabled'],
    )
  })

  it('refuses forms without the CSRF token, and other roles with a 403 and an audited denial', async (t) => {
    const { app, db, services, agent, admin } = await setUp(t)
    const worker = await createUser(db, services, { roles: ['practitioner'], partnershipOf: admin })
    await agent.get(paths.admin.userNew)
    const forged = await postWithoutCsrf(agent, paths.admin.userNew, {
      displayName: 'Forged',
      email: 'forged@test.example',
      agency: admin.agencyId,
      roles: 'system-admin',
    })
    assert.equal(forged.statusCode, 403)
    assert.match(forged.body, /This form has expired/)
    for (const url of [paths.admin.userDetails(worker.id), paths.admin.userEnable(worker.id)]) {
      assert.equal((await postWithoutCsrf(agent, url, { displayName: 'Forged' })).statusCode, 403)
    }
    assert.equal((await accountRows(db.ownerUrl, 'forged@test.example')).length, 0)

    const manager = await createUser(db, services, { roles: ['team-manager', 'dpo'], partnershipOf: admin })
    const other = await signIn(app, manager)
    assert.equal((await other.get(paths.admin.userNew)).statusCode, 403)
    await other.get(paths.home)
    const refused = await other.post(paths.admin.userNew, {
      displayName: 'Sneaky',
      email: 'sneaky@test.example',
      agency: admin.agencyId,
      roles: 'system-admin',
    })
    assert.equal(refused.statusCode, 403)
    assert.equal((await other.post(paths.admin.userEnable(worker.id), {})).statusCode, 403)
    assert.equal((await accountRows(db.ownerUrl, 'sneaky@test.example')).length, 0)
    const denials = await deniedReasons(db.ownerUrl, manager.id)
    assert.equal(denials.length, 3)
    assert.ok(denials.every((reason) => reason === 'missing capability user:manage'))
  })
})
