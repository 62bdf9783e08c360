import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fakerEN_GB as faker } from '@faker-js/faker'
import { testNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { testUpn } from '../../platform/identifiers/upn.ts'
import { paths } from '../../platform/paths.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { allocatedChildWorld } from '../../../test/factories/team-factory.ts'
import { inputValue } from '../../../test/helpers/admin.ts'
import { build, type TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, type Agent, signInAt } from '../../../test/helpers/sign-in.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { personToken } from '../../../test/helpers/tokens.ts'
import { api } from '../../../test/helpers/api.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'
import { breakGlassFor } from '../../../test/helpers/scenario.ts'

const nhs = () => testNhsNumber((max) => faker.number.int({ min: 0, max }))
const upn = () => testUpn((max) => faker.number.int({ min: 0, max }))
/** A valid NHS number with its last digit changed: the check digit no longer matches. */
const badCheckDigit = (valid: string) => `${valid.slice(0, 9)}${String((Number(valid[9]) + 1) % 10)}`

/** A social worker in a team, a colleague in it, a stranger outside it, a practitioner, and a school. */
async function world(t: TestCtx) {
  const w = await allocatedChildWorld(t, {
    others: { colleague: ['social-worker'], stranger: ['social-worker'], practitioner: ['practitioner'] },
    teamMates: ['colleague'],
  })
  const [school] = await ownerQuery<{ id: string }>(
    w.db.ownerUrl,
    `INSERT INTO agency (partnership_id, name, agency_type) VALUES ($1, 'Hillside Academy', 'education') RETURNING id`,
    [w.worker.partnershipId],
  )
  assert.ok(school !== undefined)
  return { ...w, schoolId: school.id }
}

/** A complete, valid "Add a person" form. */
function newForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    kind: 'child',
    givenName: 'Jordan',
    familyName: 'Ashworth',
    ...dateInputs('dateOfBirth', '14', '3', '2011'),
    gender: 'Male',
    ethnicity: 'WBRI',
    language: 'English',
    disability: '',
    nhsNumber: nhs(),
    upn: upn(),
    laChildId: 'LA-40213',
    policeId: '',
    alias0Kind: 'street-name',
    alias0Name: 'JJ',
    alias1Kind: 'alias',
    alias1Name: '',
    statutoryStatus: 'child-in-need',
    ...dateInputs('statusFrom', '1', '9', '2025'),
    ...overrides,
  }
}

/** The details form of the edit page: the add form without other names and status. */
function detailsForm(overrides: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(newForm(overrides)).filter(
      ([key]) => !/^(alias|statutoryStatus|statusFrom|statusTo)/.test(key),
    ),
  )
}

/** A UPN with its check letter changed. */
const badCheckLetter = (valid: string) => `${valid.startsWith('A') ? 'B' : 'A'}${valid.slice(1)}`

const people = (ownerUrl: string, partnershipId: string) =>
  countRows(ownerUrl, 'person', 'partnership_id = $1', [partnershipId])

const audits = (ownerUrl: string, action: string) => auditEvents(ownerUrl, { action })

async function addPerson(agent: Agent, fields: Record<string, string>) {
  await agent.get(paths.people.new)
  return agent.post(paths.people.new, fields)
}

describe('Add a person (page)', () => {
  it('creates a child with aliases and a status, allocated to the creator’s team and their agency involved, audited without values', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const list = await agent.get(paths.people.list)
    assert.match(list.body, /data-testid="add-person"/)
    const form = newForm({ school: w.schoolId })
    const res = await addPerson(agent, form)
    assert.equal(res.statusCode, 303, res.body)
    const id = /\/people\/([0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1]
    assert.ok(id !== undefined)
    const [row] = await ownerQuery<Record<string, unknown>>(
      w.db.ownerUrl,
      `SELECT kind, given_name, date_of_birth::text AS dob, nhs_number, upn, la_child_id, ethnicity, school_agency_id,
              allocated_team_id, allocated_worker_id, created_by, version FROM person WHERE id = $1`,
      [id],
    )
    assert.equal(row?.given_name, 'Jordan')
    assert.equal(row.dob, '2011-03-14')
    assert.equal(row.nhs_number, form.nhsNumber)
    assert.equal(row.upn, form.upn)
    assert.equal(row.school_agency_id, w.schoolId)
    assert.equal(row.allocated_team_id, w.teamId)
    assert.equal(row.allocated_worker_id, null)
    assert.equal(row.created_by, w.worker.id)
    assert.equal(
      await countRows(w.db.ownerUrl, 'person_agency', 'person_id = $1 AND agency_id = $2', [
        id,
        w.worker.agencyId,
      ]),
      1,
    )
    assert.equal(await countRows(w.db.ownerUrl, 'person_alias', 'person_id = $1', [id]), 1)
    assert.equal(await countRows(w.db.ownerUrl, 'person_statutory_status', 'person_id = $1', [id]), 1)
    const [created] = await audits(w.db.ownerUrl, 'record.create')
    assert.equal(created?.record_id, id)
    assert.equal(created.actor_id, w.worker.id)
    const details = JSON.stringify(created.details)
    assert.match(details, /givenName/)
    assert.match(details, /nhsNumber/)
    for (const value of ['Jordan', 'Ashworth', form.nhsNumber, '2011', 'JJ', 'LA-40213']) {
      assert.ok(!details.includes(value ?? ''), `audit details must not contain ${String(value)}`)
    }
    // The page shows what was recorded; a team colleague sees it through the team.
    const page = await agent.get(paths.people.show(id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /Hillside Academy/)
    assert.match(page.body, /White - British/)
    assert.match(page.body, /JJ/)
    assert.match(page.body, /Child in need/)
    assert.match(page.body, new RegExp(form.upn ?? 'x'))
    assert.match(page.body, /data-testid="edit-link"/)
    assert.equal((await (await signIn(w.app, w.colleague)).get(paths.people.show(id))).statusCode, 200)
    assert.equal((await (await signIn(w.app, w.stranger)).get(paths.people.show(id))).statusCode, 404)
  })

  it('allocates the record to its creator when they are in no team', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    const res = await addPerson(agent, newForm())
    assert.equal(res.statusCode, 303)
    const [row] = await ownerQuery<{ allocated_worker_id: string | null; allocated_team_id: string | null }>(
      w.db.ownerUrl,
      `SELECT allocated_worker_id, allocated_team_id FROM person WHERE created_by = $1`,
      [w.stranger.id],
    )
    assert.deepEqual(row, { allocated_worker_id: w.stranger.id, allocated_team_id: null })
    assert.equal((await agent.get(String(res.headers.location))).statusCode, 200)
  })

  it('accepts an estimated age instead of a date of birth, estimated today when no date is given', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    const res = await addPerson(
      agent,
      newForm({ 'dateOfBirth-day': '', 'dateOfBirth-month': '', 'dateOfBirth-year': '', estimatedAge: '15' }),
    )
    assert.equal(res.statusCode, 303)
    const [row] = await ownerQuery<{ estimated_age: number; on: string }>(
      w.db.ownerUrl,
      `SELECT estimated_age, estimated_age_on::text AS on FROM person WHERE created_by = $1`,
      [w.worker.id],
    )
    assert.equal(row?.estimated_age, 15)
    assert.equal(row.on, todayInLondon())
  })

  const badCases: Array<[string, Record<string, string>, RegExp, string]> = [
    [
      'an NHS number whose check digit is wrong',
      { nhsNumber: badCheckDigit(nhs()) },
      /NHS number is not valid: its check digit does not match/,
      'nhsNumber',
    ],
    [
      'an NHS number that is not 10 digits',
      { nhsNumber: '12345' },
      /NHS number must be 10 digits/,
      'nhsNumber',
    ],
    [
      'a date of birth in the future',
      { 'dateOfBirth-year': String(new Date().getFullYear() + 1) },
      /Date of birth must be today or in the past/,
      'dateOfBirth',
    ],
    [
      'an impossible date of birth',
      { 'dateOfBirth-day': '31', 'dateOfBirth-month': '2' },
      /Date of birth must be a real date/,
      'dateOfBirth',
    ],
    [
      'a status ending before it starts',
      dateInputs('statusTo', '1', '8', '2025'),
      /End date must be the same as or after the start date/,
      'statusTo',
    ],
    [
      'a UPN whose check letter is wrong',
      { upn: badCheckLetter(upn()) },
      /UPN is not valid: its check letter/,
      'upn',
    ],
    ['a malformed UPN', { upn: 'not a upn' }, /UPN must be 13 characters/, 'upn'],
    ['no given name', { givenName: '' }, /Enter a given name/, 'givenName'],
    [
      'a child with neither a date of birth nor an age',
      dateInputs('dateOfBirth'),
      /date of birth, or an estimated age/,
      'dateOfBirth',
    ],
  ]
  for (const [what, fields, message, field] of badCases) {
    it(`refuses ${what}: the message on the field, the input kept, nothing written`, async (t) => {
      const w = await world(t)
      const agent = await signIn(w.app, w.worker)
      const before = await people(w.db.ownerUrl, w.worker.partnershipId)
      const form = newForm(fields)
      const res = await addPerson(agent, form)
      assert.equal(res.statusCode, 400)
      assert.match(res.body, message)
      assert.match(res.body, /govuk-error-summary/)
      assert.match(res.body, new RegExp(`href="#${field}(-day)?"`))
      assert.equal(inputValue(res.body, 'familyName'), 'Ashworth', 'input kept')
      assert.equal(inputValue(res.body, 'alias0Name'), 'JJ', 'input kept')
      assert.equal(await people(w.db.ownerUrl, w.worker.partnershipId), before)
      assert.equal(await countRows(w.db.ownerUrl, 'person_alias'), 0)
      assert.equal(await countRows(w.db.ownerUrl, 'person_statutory_status'), 0)
      assert.equal((await audits(w.db.ownerUrl, 'record.create')).length, 0)
    })
  }

  it('refuses an NHS number already on another live record, without saying whose, and writes nothing', async (t) => {
    const w = await world(t)
    // Held by a record the worker cannot see.
    const hidden = await createPerson(w.db.database, w.worker.partnershipId)
    const agent = await signIn(w.app, w.worker)
    const before = await people(w.db.ownerUrl, w.worker.partnershipId)
    const res = await addPerson(agent, newForm({ nhsNumber: hidden.nhsNumber ?? '' }))
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /A record with this NHS number already exists/)
    assert.doesNotMatch(res.body, new RegExp(hidden.givenName))
    assert.doesNotMatch(res.body, new RegExp(hidden.id))
    assert.equal(await people(w.db.ownerUrl, w.worker.partnershipId), before)
    assert.equal(await countRows(w.db.ownerUrl, 'person_alias'), 0)
    // The same for the UPN.
    const form = newForm()
    assert.equal((await addPerson(agent, form)).statusCode, 303)
    // The worker can see the first record, so the duplicate step offers it first; creating anyway is refused.
    const again = await addPerson(agent, { ...newForm({ upn: form.upn ?? '' }), duplicatesChecked: 'yes' })
    assert.equal(again.statusCode, 400)
    assert.match(again.body, /A record with this UPN already exists/)
  })

  it('is refused (403, audited) to a role without person:write', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.practitioner)
    assert.equal((await agent.get(paths.people.new)).statusCode, 403)
    await agent.get(paths.home)
    assert.equal((await agent.post(paths.people.new, newForm())).statusCode, 403)
    assert.equal(await people(w.db.ownerUrl, w.worker.partnershipId), 1)
    const denied = await audits(w.db.ownerUrl, 'access.denied')
    assert.ok(
      denied.some((d) => d.actor_id === w.practitioner.id && d.reason === 'missing capability person:write'),
    )
  })
})

describe('Change a person’s details (page)', () => {
  it('shows the record in the form, saves the change, bumps the version and audits the changed field names', async (t) => {
    const w = await world(t)
    const { agent, page: form } = await signInAt(w.app, w.worker, paths.people.edit(w.child.id))
    assert.equal(inputValue(form.body, 'givenName'), w.child.givenName)
    assert.equal(inputValue(form.body, 'version'), '1')
    const res = await agent.post(paths.people.edit(w.child.id), {
      ...detailsForm({ givenName: 'Renamed', nhsNumber: w.child.nhsNumber ?? '', upn: '', laChildId: '' }),
      familyName: w.child.familyName ?? '',
      gender: w.child.gender ?? '',
      ethnicity: '',
      language: '',
      ...dateInputs(
        'dateOfBirth',
        String(Number(w.child.dateOfBirth?.slice(8, 10))),
        String(Number(w.child.dateOfBirth?.slice(5, 7))),
        w.child.dateOfBirth?.slice(0, 4) ?? '',
      ),
      version: '1',
    })
    assert.equal(res.statusCode, 303, res.body)
    assert.equal(res.headers.location, paths.people.show(w.child.id))
    const [row] = await ownerQuery<{ given_name: string; version: number }>(
      w.db.ownerUrl,
      'SELECT given_name, version FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.deepEqual(row, { given_name: 'Renamed', version: 2 })
    const [update] = await audits(w.db.ownerUrl, 'record.update')
    assert.equal(update?.details.changed, 'givenName')
    assert.ok(!JSON.stringify(update.details).includes('Renamed'))
    const reads = await audits(w.db.ownerUrl, 'record.read')
    assert.equal(reads.at(0)?.details.via, 'edit', 'showing the form is an audited read')
  })

  it('answers 409 to a stale form, keeps the input and shows the message, and changes nothing', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.people.edit(w.child.id))
    const other = await signIn(w.app, w.colleague)
    await other.get(paths.people.edit(w.child.id))
    const first = await other.post(paths.people.edit(w.child.id), {
      ...detailsForm({ givenName: 'First', nhsNumber: '', upn: '', laChildId: '' }),
      version: '1',
    })
    assert.equal(first.statusCode, 303)
    const stale = await agent.post(paths.people.edit(w.child.id), {
      ...detailsForm({ givenName: 'Second', nhsNumber: '', upn: '', laChildId: '' }),
      version: '1',
    })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Someone else changed this record/)
    assert.equal(inputValue(stale.body, 'givenName'), 'Second', 'input kept')
    assert.equal(inputValue(stale.body, 'version'), '2', 'saving again applies over the other change')
    const [row] = await ownerQuery<{ given_name: string }>(
      w.db.ownerUrl,
      'SELECT given_name FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.equal(row?.given_name, 'First')
  })

  it('refuses bad input on the field with nothing written', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.people.edit(w.child.id))
    const res = await agent.post(paths.people.edit(w.child.id), {
      ...detailsForm({ nhsNumber: badCheckDigit(nhs()), upn: '' }),
      version: '1',
    })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /check digit does not match/)
    const [row] = await ownerQuery<{ version: number }>(
      w.db.ownerUrl,
      'SELECT version FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.equal(row?.version, 1)
    assert.equal((await audits(w.db.ownerUrl, 'record.update')).length, 0)
  })

  it('is 404 for a record the user may not change (and for one that does not exist), audited as a denial', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    assert.equal((await agent.get(paths.people.edit(w.child.id))).statusCode, 404)
    assert.equal((await agent.get(paths.people.edit('00000000-0000-4000-8000-000000000000'))).statusCode, 404)
    await agent.get(paths.home)
    const res = await agent.post(paths.people.edit(w.child.id), { ...detailsForm(), version: '1' })
    assert.equal(res.statusCode, 404)
    assert.doesNotMatch(res.body, new RegExp(w.child.givenName))
    const denied = (await audits(w.db.ownerUrl, 'access.denied')).filter((d) => d.record_id === w.child.id)
    assert.equal(denied.length, 2)
    const [row] = await ownerQuery<{ version: number }>(
      w.db.ownerUrl,
      'SELECT version FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.equal(row?.version, 1)
  })

  it('keeps a school whose agency was disabled since, while a newly chosen school must be current', async (t) => {
    const w = await world(t)
    await ownerQuery(w.db.ownerUrl, 'UPDATE person SET school_agency_id = $2 WHERE id = $1', [
      w.child.id,
      w.schoolId,
    ])
    await ownerQuery(w.db.ownerUrl, 'UPDATE agency SET disabled_at = now() WHERE id = $1', [w.schoolId])
    const auth = {
      authorization: `Bearer ${(await personToken(w.db, w.worker.email, ['person:write'])).token}`,
    }
    const page = await (await signIn(w.app, w.worker)).get(paths.people.edit(w.child.id))
    assert.match(page.body, /Hillside Academy \(no longer in use\)/)
    const kept = await api(w.app, auth).patch(paths.api.person(w.child.id), { version: 1, language: 'Welsh' })
    assert.equal(kept.statusCode, 200, kept.body)
    const [other] = await ownerQuery<{ id: string }>(
      w.db.ownerUrl,
      `INSERT INTO agency (partnership_id, name, agency_type, disabled_at) VALUES ($1, 'Old Grammar', 'education', now()) RETURNING id`,
      [w.worker.partnershipId],
    )
    const refused = await api(w.app, auth).patch(paths.api.person(w.child.id), {
      version: 2,
      schoolId: other?.id,
    })
    assert.equal(refused.statusCode, 400)
    assert.match(refused.body, /Select a school from the list/)
  })

  it('a change through break-glass access is allowed and marked in the audit row', async (t) => {
    const w = await world(t)
    await breakGlassFor(w, w.stranger, w.child)
    const agent = await signIn(w.app, w.stranger)
    await agent.get(paths.people.names(w.child.id))
    const res = await agent.post(paths.people.names(w.child.id), {
      alias0Kind: 'alias',
      alias0Name: 'Kai',
      version: '1',
    })
    assert.equal(res.statusCode, 303)
    const [update] = await audits(w.db.ownerUrl, 'record.update')
    assert.equal(update?.details.breakGlass, true)
  })

  it('a DSL who may read the record (their agency’s) may not change it: 403 without person:write', async (t) => {
    const w = await world(t)
    const dsl = await createUser(w.db, w.services, { roles: ['dsl'], partnershipOf: w.worker })
    const agent = await signIn(w.app, dsl)
    assert.equal((await agent.get(paths.people.edit(w.child.id))).statusCode, 403)
  })
})

describe('Other names and statutory statuses (pages)', () => {
  it('adds and removes other names, each a versioned, audited change', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.people.names(w.child.id))
    const added = await agent.post(paths.people.names(w.child.id), {
      alias0Kind: 'street-name',
      alias0Name: 'Smokey',
      alias1Kind: 'alias',
      alias1Name: '',
      version: '1',
    })
    assert.equal(added.statusCode, 303)
    const page = await agent.get(paths.people.names(w.child.id))
    assert.match(page.body, /Smokey/)
    const [alias] = await ownerQuery<{ id: string }>(
      w.db.ownerUrl,
      'SELECT id FROM person_alias WHERE person_id = $1',
      [w.child.id],
    )
    assert.ok(alias !== undefined)
    // A stale removal is refused; the current one works.
    const stale = await agent.post(paths.people.nameRemove(w.child.id, alias.id), { version: '1' })
    assert.equal(stale.statusCode, 409)
    assert.equal(await countRows(w.db.ownerUrl, 'person_alias', 'removed_at IS NOT NULL'), 0)
    const removed = await agent.post(paths.people.nameRemove(w.child.id, alias.id), { version: '2' })
    assert.equal(removed.statusCode, 303)
    assert.equal(
      await countRows(w.db.ownerUrl, 'person_alias', 'removed_at IS NOT NULL'),
      1,
      'kept, marked removed',
    )
    assert.doesNotMatch((await agent.get(paths.people.show(w.child.id))).body, /Smokey/)
    assert.deepEqual(
      (await audits(w.db.ownerUrl, 'record.update')).map((a) => a.details.changed),
      ['aliases', 'aliases'],
    )
    const empty = await agent.post(paths.people.names(w.child.id), {
      alias0Name: '',
      alias1Name: '',
      version: '3',
    })
    assert.equal(empty.statusCode, 400)
    assert.match(empty.body, /Enter the other name/)
  })

  it('adds a status, refuses an end before its start on the field, and ends it', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.worker)
    await agent.get(paths.people.statuses(w.child.id))
    const bad = await agent.post(paths.people.statuses(w.child.id), {
      statutoryStatus: 'child-protection',
      ...dateInputs('statusFrom', '10', '5', '2025'),
      ...dateInputs('statusTo', '9', '5', '2025'),
      version: '1',
    })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /End date must be the same as or after the start date/)
    assert.equal(inputValue(bad.body, 'statusTo-day'), '9', 'input kept')
    assert.equal(await countRows(w.db.ownerUrl, 'person_statutory_status'), 0)
    const ok = await agent.post(paths.people.statuses(w.child.id), {
      statutoryStatus: 'child-protection',
      ...dateInputs('statusFrom', '10', '5', '2025'),
      version: '1',
    })
    assert.equal(ok.statusCode, 303)
    const [status] = await ownerQuery<{ id: string }>(
      w.db.ownerUrl,
      'SELECT id FROM person_statutory_status WHERE person_id = $1',
      [w.child.id],
    )
    assert.ok(status !== undefined)
    const endPage = await agent.get(paths.people.statusEnd(w.child.id, status.id))
    assert.equal(endPage.statusCode, 200)
    /** The end form posted with an end date in 2025. */
    const endOn = (day: string, month: string) =>
      agent.post(paths.people.statusEnd(w.child.id, status.id), {
        ...dateInputs('statusTo', day, month, '2025'),
        version: '2',
      })
    const early = await endOn('1', '1')
    assert.equal(early.statusCode, 400)
    assert.match(early.body, /End date must be the same as or after the start date/)
    const ended = await endOn('1', '6')
    assert.equal(ended.statusCode, 303)
    const [row] = await ownerQuery<{ to: string }>(
      w.db.ownerUrl,
      'SELECT to_date::text AS to FROM person_statutory_status WHERE id = $1',
      [status.id],
    )
    assert.equal(row?.to, '2025-06-01')
    assert.match(
      (await agent.get(paths.people.show(w.child.id))).body,
      /Child protection: from 10 May 2025 to 1 June 2025/,
    )
  })

  it('are 404 for a record the user may not change', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.stranger)
    assert.equal((await agent.get(paths.people.names(w.child.id))).statusCode, 404)
    assert.equal((await agent.get(paths.people.statuses(w.child.id))).statusCode, 404)
    await agent.get(paths.home)
    const res = await agent.post(paths.people.names(w.child.id), {
      alias0Kind: 'alias',
      alias0Name: 'X',
      version: '1',
    })
    assert.equal(res.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'person_alias'), 0)
  })
})

describe('the people API: create and change', () => {
  const tokenFor = async (w: Awaited<ReturnType<typeof world>>, email: string, scopes: string[]) => {
    const token = await personToken(w.db, email, scopes)
    return { authorization: `Bearer ${token.token}` }
  }

  it('POST creates (201), PATCH changes with the version (200), a stale version is 409, and sub-resources work', async (t) => {
    const w = await world(t)
    const auth = await tokenFor(w, w.worker.email, ['person:read', 'person:write'])
    const nhsNumber = nhs()
    const created = await api(w.app, auth).post(paths.api.people(), {
      kind: 'adult-of-concern',
      givenName: 'Dale',
      familyName: 'Pemberton',
      estimatedAge: 24,
      nhsNumber,
      policeId: 'PNC/24/000123X',
      aliases: [{ kind: 'street-name', name: 'D-Man' }],
      statuses: [],
    })
    assert.equal(created.statusCode, 201, created.body)
    const { id, version } = created.json<{ id: string; version: number }>()
    assert.equal(version, 1)
    const read = await api(w.app, auth).get(paths.api.person(id))
    const person = read.json<{ person: Record<string, unknown> }>().person
    assert.equal(person.policeId, 'PNC/24/000123X')
    assert.deepEqual(person.aliases, [{ kind: 'street-name', name: 'D-Man' }])
    assert.equal((await audits(w.db.ownerUrl, 'record.create'))[0]?.details.via, 'api')

    const patched = await api(w.app, auth).patch(paths.api.person(id), {
      version: 1,
      language: 'Polish',
      policeId: null,
    })
    assert.equal(patched.statusCode, 200, patched.body)
    assert.deepEqual(patched.json(), { version: 2 })
    const [row] = await ownerQuery<{
      language: string
      police_id: string | null
      given_name: string
      nhs_number: string
    }>(w.db.ownerUrl, 'SELECT language, police_id, given_name, nhs_number FROM person WHERE id = $1', [id])
    assert.deepEqual(row, { language: 'Polish', police_id: null, given_name: 'Dale', nhs_number: nhsNumber })
    assert.equal((await audits(w.db.ownerUrl, 'record.update'))[0]?.details.changed, 'language policeId')

    const stale = await api(w.app, auth).patch(paths.api.person(id), { version: 1, language: 'Urdu' })
    assert.equal(stale.statusCode, 409)
    assert.match(String(stale.headers['content-type']), /problem\+json/)

    const alias = await api(w.app, auth).post(paths.api.personAliases(id), {
      version: 2,
      kind: 'alias',
      name: 'Dale P',
    })
    assert.equal(alias.statusCode, 201, alias.body)
    const aliasId = alias.json<{ id: string }>().id
    const removed = await api(w.app, auth).delete(`${paths.api.personAlias(id, aliasId)}?version=3`)
    assert.equal(removed.statusCode, 200, removed.body)
    const status = await api(w.app, auth).post(paths.api.personStatuses(id), {
      version: 4,
      status: 'young-offender',
      fromDate: '2024-01-10',
    })
    assert.equal(status.statusCode, 201, status.body)
    const badEnd = await api(w.app, auth).patch(
      paths.api.personStatus(id, status.json<{ id: string }>().id),
      { version: 5, toDate: '2023-12-31' },
    )
    assert.equal(badEnd.statusCode, 400)
    assert.match(badEnd.body, /End date must be the same as or after the start date/)
    const end = await api(w.app, auth).patch(paths.api.personStatus(id, status.json<{ id: string }>().id), {
      version: 5,
      toDate: '2024-12-31',
    })
    assert.equal(end.statusCode, 200, end.body)
  })

  it('bad input is a 400 problem with the field pointer, and nothing is written', async (t) => {
    const w = await world(t)
    const auth = await tokenFor(w, w.worker.email, ['person:write'])
    const before = await people(w.db.ownerUrl, w.worker.partnershipId)
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ nhsNumber: badCheckDigit(nhs()) }, '/body/nhsNumber', /check digit/],
      [{ dateOfBirth: '2999-01-01' }, '/body/dateOfBirth', /today or in the past/],
      [{ upn: 'Z000000000000' }, '/body/upn', /UPN/],
      [
        { statuses: [{ status: 'looked-after', fromDate: '2025-02-01', toDate: '2025-01-01' }] },
        '/body/statuses/0/toDate',
        /End date/,
      ],
      [{ nhsNumber: w.child.nhsNumber }, '/body/nhsNumber', /A record with this NHS number already exists/],
    ]
    for (const [fields, pointer, message] of cases) {
      const res = await api(w.app, auth).post(paths.api.people(), {
        kind: 'child',
        givenName: 'Casey',
        dateOfBirth: '2012-05-05',
        ...fields,
      })
      assert.equal(res.statusCode, 400, JSON.stringify(fields))
      assert.match(String(res.headers['content-type']), /problem\+json/)
      const problem = res.json<{ errors: Array<{ field: string; message: string }> }>()
      assert.ok(
        problem.errors.some((e) => e.field === pointer && message.test(e.message)),
        `${JSON.stringify(fields)}: ${res.body}`,
      )
      assert.doesNotMatch(res.body, new RegExp(w.child.givenName))
    }
    assert.equal(await people(w.db.ownerUrl, w.worker.partnershipId), before)

    // Changing a record: an NHS number held by another record, an alias without a name.
    const other = await createPerson(w.db.database, w.worker.partnershipId)
    const taken = await api(w.app, auth).patch(paths.api.person(w.child.id), {
      version: 1,
      nhsNumber: other.nhsNumber,
    })
    assert.equal(taken.statusCode, 400)
    assert.deepEqual(taken.json<{ errors: unknown[] }>().errors, [
      { field: '/body/nhsNumber', message: 'A record with this NHS number already exists' },
    ])
    const nameless = await api(w.app, auth).post(paths.api.personAliases(w.child.id), {
      version: 1,
      kind: 'alias',
      name: ' ',
    })
    assert.equal(nameless.statusCode, 400)
    assert.equal(nameless.json<{ errors: Array<{ field: string }> }>().errors[0]?.field, '/body/name')
    const [row] = await ownerQuery<{ version: number; nhs_number: string }>(
      w.db.ownerUrl,
      'SELECT version, nhs_number FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.deepEqual(row, { version: 1, nhs_number: w.child.nhsNumber })
    assert.equal(await countRows(w.db.ownerUrl, 'person_alias'), 0)
  })

  it('a record the caller may not change is 404 (audited); a token without person:write is 403', async (t) => {
    const w = await world(t)
    const strangerAuth = await tokenFor(w, w.stranger.email, ['person:write'])
    const denied = await api(w.app, strangerAuth).patch(paths.api.person(w.child.id), {
      version: 1,
      givenName: 'Nope',
    })
    assert.equal(denied.statusCode, 404)
    assert.ok((await audits(w.db.ownerUrl, 'access.denied')).some((d) => d.record_id === w.child.id))
    const narrow = await tokenFor(w, w.worker.email, ['person:read'])
    const refused = await api(w.app, narrow).post(paths.api.people(), {
      kind: 'child',
      givenName: 'Casey',
      dateOfBirth: '2012-05-05',
    })
    assert.equal(refused.statusCode, 403)
    const practitionerAuth = await tokenFor(w, w.practitioner.email, ['person:search'])
    const practitioner = await api(w.app, practitionerAuth).patch(paths.api.person(w.child.id), {
      version: 1,
      givenName: 'Nope',
    })
    assert.equal(practitioner.statusCode, 403)
    const [row] = await ownerQuery<{ given_name: string }>(
      w.db.ownerUrl,
      'SELECT given_name FROM person WHERE id = $1',
      [w.child.id],
    )
    assert.equal(row?.given_name, w.child.givenName)
    assert.equal(await people(w.db.ownerUrl, w.worker.partnershipId), 1)
  })
})

describe('the people API’s documentation', () => {
  it('documents creating and changing people under the people tag', async (t) => {
    const { app } = await build(t)
    const doc = (await app.inject(paths.api.openapi())).json<{
      paths: Record<string, Record<string, { tags?: string[] }>>
    }>()
    const at = (path: string, method: string) => doc.paths[path]?.[method]?.tags
    assert.deepEqual(at('/api/v1/people', 'post'), ['people'])
    assert.deepEqual(at('/api/v1/people/{id}', 'patch'), ['people'])
    assert.deepEqual(at('/api/v1/people/{id}/aliases', 'post'), ['people'])
    assert.deepEqual(at('/api/v1/people/{id}/aliases/{aliasId}', 'delete'), ['people'])
    assert.deepEqual(at('/api/v1/people/{id}/statuses', 'post'), ['people'])
    assert.deepEqual(at('/api/v1/people/{id}/statuses/{statusId}', 'patch'), ['people'])
    assert.equal(doc.paths['/people/new'], undefined, 'pages are not in the API document')
  })
})
