import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createBreakGlassGrant, createPerson, countRows } from '../../../test/factories/person-factory.ts'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, type Agent } from '../../../test/helpers/sign-in.ts'
import { ROLE_CAPABILITIES } from '../../platform/access/roles.ts'
import { paths } from '../../platform/paths.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { personToken } from '../../../test/helpers/tokens.ts'
import { api } from '../../../test/helpers/api.ts'
import { dateInputs } from '../../../test/helpers/forms.ts'

const TODAY = todayInLondon()
const [YEAR = '', MONTH = '', DAY = ''] = TODAY.split('-')
const today = (prefix: string) => ({
  [`${prefix}-day`]: String(Number(DAY)),
  [`${prefix}-month`]: String(Number(MONTH)),
  [`${prefix}-year`]: YEAR,
})

const PAGE1_NEW_CHILD = {
  immediateDanger: 'no',
  child: 'new',
  givenName: 'Kacey',
  familyName: 'Testchild',
  ...dateInputs('dateOfBirth', '4', '5', String(Number(YEAR) - 14)),
}

const PAGE2 = {
  narrative: 'Kacey said she is going country with the elders this weekend and has a new phone.',
  ...today('happenedOn'),
  happenedAt: 'School gates',
  noticedBy: 'Me',
  childWords: 'I owe them',
  consent: 'not-asked',
  familyAware: 'no',
  learningDisability: 'no',
  tick: 'unexplained-money',
  'evidence-unexplained-money': 'Two new phones and expensive trainers',
  'recency-unexplained-money': 'current',
  'basis-unexplained-money': 'evidenced',
}

const PAGE3 = {
  judgedLevel: 'medium',
  judgementReason: 'Going country: I think this is more than the score says',
}

async function setUp(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const teacher = await createUser(built.db, built.services, { roles: ['practitioner'] })
  const agent = await signIn(built.app, teacher)
  return { ...built, teacher, agent }
}

const idFrom = (location: unknown) => /\/concerns\/([0-9a-f-]{36})/.exec(String(location))?.[1] ?? ''
const version = (html: string) => /name="version" value="(\d+)"/.exec(html)?.[1] ?? ''

async function pageOne(agent: Agent, fields: Record<string, string>) {
  return agent.submit(paths.concerns.new, fields)
}

/** All three pages: returns the concern id and the number of form pages posted. */
async function wholeFlow(agent: Agent, page1: Record<string, string> = PAGE1_NEW_CHILD) {
  let pages = 0
  const one = await pageOne(agent, page1)
  pages++
  assert.equal(one.statusCode, 303, one.body)
  const id = idFrom(one.headers.location)
  const detailsForm = await agent.get(paths.concerns.details(id))
  assert.equal(detailsForm.statusCode, 200)
  const two = await agent.post(paths.concerns.details(id), { ...PAGE2, version: version(detailsForm.body) })
  pages++
  assert.equal(two.statusCode, 303, two.body)
  assert.equal(two.headers.location, paths.concerns.check(id))
  const check = await agent.get(paths.concerns.check(id))
  assert.equal(check.statusCode, 200, check.body)
  const three = await agent.post(paths.concerns.check(id), { ...PAGE3, version: version(check.body) })
  pages++
  assert.equal(three.statusCode, 303, three.body)
  return { id, pages, check: check.body, done: three }
}

describe('concern pages', () => {
  it('a practitioner records a concern about a new child in three pages; the child record is made for them', async (t) => {
    const { agent, db, teacher } = await setUp(t)
    const form = await agent.get(paths.concerns.new)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, /Is the child in immediate danger\?/)
    const { id, pages, check, done } = await wholeFlow(agent)
    assert.ok(pages <= 3)
    // Page 3 shows the suggestion with its reasons, and the street terms found, highlighted with their meaning.
    assert.match(check, /Suggested level: Low|Suggested level: No significant risk|Suggested level: Medium/)
    assert.match(check, /Going country/)
    assert.match(check, /<mark[^>]*>going country<\/mark>/)
    assert.match(check, /Elders/)
    const shown = await agent.get(String(done.headers.location))
    assert.equal(shown.statusCode, 200)
    assert.match(shown.body, /Concern recorded and referred/)
    assert.equal(await countRows(db.ownerUrl, 'referral', 'concern_id = $1', [id]), 1)
    const [row] = await ownerQuery<{ status: string; judged_level: string; person_id: string }>(
      db.ownerUrl,
      'SELECT status, judged_level, person_id FROM concern WHERE id = $1',
      [id],
    )
    assert.equal(row?.status, 'recorded')
    assert.equal(row.judged_level, 'medium')
    assert.equal(await countRows(db.ownerUrl, 'concern_indicator', 'concern_id = $1', [id]), 1)
    // The child's record: made by the concern, the practitioner's agency involved, audited.
    assert.equal(
      await countRows(db.ownerUrl, 'person_agency', 'person_id = $1 AND agency_id = $2', [
        row.person_id,
        teacher.agencyId,
      ]),
      1,
    )
    assert.equal(
      await countRows(
        db.ownerUrl,
        'audit_event',
        "action = 'record.create' AND record_type = 'person' AND record_id = $1",
        [row.person_id],
      ),
      1,
    )
    assert.equal(
      await countRows(
        db.ownerUrl,
        'audit_event',
        "action = 'record.create' AND record_type = 'concern' AND record_id = $1 AND details->>'status' = 'recorded'",
        [id],
      ),
      1,
    )
    // The practitioner can now pick the same child for a new concern (identity only).
    const again = await agent.get(paths.concerns.new)
    assert.match(again.body, /Kacey Testchild/)
  })
})

/** Rows a concern could have written: nothing of these may change on bad input. */
async function written(ownerUrl: string) {
  const counts: Record<string, number> = {}
  for (const table of ['concern', 'concern_indicator', 'person', 'location', 'link', 'referral']) {
    counts[table] = await countRows(ownerUrl, table)
  }
  counts.recorded = await countRows(ownerUrl, 'concern', "status = 'recorded'")
  counts.version = Number(
    (await ownerQuery<{ v: string }>(ownerUrl, 'SELECT coalesce(sum(version), 0) AS v FROM concern'))[0]?.v ??
      0,
  )
  return counts
}

const summaryHas = (html: string, message: string) =>
  html.includes('govuk-error-summary') && html.includes(message)

describe('concern pages: bad input answers on the field, keeps the input and writes nothing', () => {
  it('page 1: nothing answered; danger without saying whether police were called; a future date; a missing name', async (t) => {
    const { agent, db } = await setUp(t)
    const before = await written(db.ownerUrl)
    const empty = await pageOne(agent, {})
    assert.equal(empty.statusCode, 400)
    assert.ok(summaryHas(empty.body, 'Select yes if the child is in immediate danger'))
    assert.ok(summaryHas(empty.body, 'Select the child, or add a new child'))

    const noPolice = await pageOne(agent, { ...PAGE1_NEW_CHILD, immediateDanger: 'yes' })
    assert.equal(noPolice.statusCode, 400)
    assert.ok(summaryHas(noPolice.body, 'Select yes if the police have been called'))
    assert.match(noPolice.body, /Call 999 now/)
    assert.match(noPolice.body, /value="Kacey"/, 'the input is kept')

    const future = await pageOne(agent, {
      ...PAGE1_NEW_CHILD,
      immediateDanger: 'yes',
      policeCalled: 'yes',
      ...dateInputs('policeCalledOn', '1', '1', String(Number(YEAR) + 1)),
    })
    assert.equal(future.statusCode, 400)
    assert.ok(summaryHas(future.body, 'The date the police were called must be today or in the past'))

    const noName = await pageOne(agent, { ...PAGE1_NEW_CHILD, givenName: '' })
    assert.equal(noName.statusCode, 400)
    assert.ok(summaryHas(noName.body, 'Enter the child&#39;s first name'))
    assert.deepEqual(await written(db.ownerUrl), before)
  })

  it('page 1: a child the practitioner may not see answers like a missing one (404, audited), nothing written', async (t) => {
    const { agent, db, teacher } = await setUp(t)
    const stranger = await createPerson(db.database, teacher.partnershipId)
    const before = await written(db.ownerUrl)
    const res = await pageOne(agent, { immediateDanger: 'no', child: stranger.id })
    assert.equal(res.statusCode, 404)
    const missing = await pageOne(agent, {
      immediateDanger: 'no',
      child: '00000000-0000-4000-8000-000000000000',
    })
    assert.equal(missing.statusCode, 404)
    assert.equal((await agent.get(`${paths.concerns.new}?child=${stranger.id}`)).statusCode, 404)
    assert.deepEqual(await written(db.ownerUrl), before)
    assert.equal(
      await countRows(
        db.ownerUrl,
        'audit_event',
        "action = 'access.denied' AND record_id = $1 AND actor_id = $2",
        [stranger.id, teacher.id],
      ),
      2,
    )
  })

  it('page 2: missing answers, evidence or recency missing for a ticked item, a future date; page 3: no judgement', async (t) => {
    const { agent, db } = await setUp(t)
    const one = await pageOne(agent, PAGE1_NEW_CHILD)
    const id = idFrom(one.headers.location)
    const form = await agent.get(paths.concerns.details(id))
    const v = version(form.body)
    const before = await written(db.ownerUrl)

    const empty = await agent.post(paths.concerns.details(id), { version: v })
    assert.equal(empty.statusCode, 400)
    assert.ok(summaryHas(empty.body, 'Enter what you saw or heard'))
    assert.ok(summaryHas(empty.body, 'Enter the date it happened'))
    assert.ok(summaryHas(empty.body, 'Select whether the child agreed to this being shared'))
    assert.ok(summaryHas(empty.body, 'Select yes if the child has a learning disability'))

    const noEvidence = await agent.post(paths.concerns.details(id), {
      ...PAGE2,
      'evidence-unexplained-money': '',
      'recency-unexplained-money': '',
      version: v,
    })
    assert.equal(noEvidence.statusCode, 400)
    assert.ok(
      summaryHas(noEvidence.body, 'Enter the evidence for “Unexplained money, clothes or mobile phones”'),
    )
    assert.ok(
      summaryHas(noEvidence.body, 'Select how recent “Unexplained money, clothes or mobile phones” is'),
    )
    assert.match(noEvidence.body, /going country with the elders/, 'the input is kept')
    assert.match(noEvidence.body, /value="unexplained-money" checked/)

    const future = await agent.post(paths.concerns.details(id), {
      ...PAGE2,
      'happenedOn-year': String(Number(YEAR) + 1),
      version: v,
    })
    assert.equal(future.statusCode, 400)
    assert.ok(summaryHas(future.body, 'The date it happened must be today or in the past'))
    assert.deepEqual(await written(db.ownerUrl), before)

    // A stale version: 409, input kept, nothing written.
    const stale = await agent.post(paths.concerns.details(id), { ...PAGE2, version: String(Number(v) + 5) })
    assert.equal(stale.statusCode, 409)
    assert.match(stale.body, /Someone else changed this record/)
    assert.deepEqual(await written(db.ownerUrl), before)

    const saved = await agent.post(paths.concerns.details(id), { ...PAGE2, version: v })
    assert.equal(saved.statusCode, 303)
    const check = await agent.get(paths.concerns.check(id))
    const afterSave = await written(db.ownerUrl)
    const noJudgement = await agent.post(paths.concerns.check(id), { version: version(check.body) })
    assert.equal(noJudgement.statusCode, 400)
    assert.ok(summaryHas(noJudgement.body, 'Select the level of risk you judge the child to be at'))
    assert.ok(summaryHas(noJudgement.body, 'Enter why you judge this level of risk'))
    const staleRecord = await agent.post(paths.concerns.check(id), { ...PAGE3, version: v })
    assert.equal(staleRecord.statusCode, 409)
    assert.match(staleRecord.body, /Going country/, 'the answers are shown again')
    assert.deepEqual(await written(db.ownerUrl), afterSave)
  })
})

describe('concern pages: changing the immediate-danger answers from check answers', () => {
  it('says yes without the police: asked on the field; then saved, and check answers says call 999 now', async (t) => {
    const { agent, db } = await setUp(t)
    const one = await pageOne(agent, PAGE1_NEW_CHILD)
    const id = idFrom(one.headers.location)
    const form = await agent.get(paths.concerns.details(id))
    await agent.post(paths.concerns.details(id), { ...PAGE2, version: version(form.body) })
    const check = await agent.get(paths.concerns.check(id))
    assert.match(check.body, new RegExp(paths.concerns.danger(id)))
    const change = await agent.get(paths.concerns.danger(id))
    assert.equal(change.statusCode, 200)
    const v = version(change.body)
    const before = await written(db.ownerUrl)
    const bad = await agent.post(paths.concerns.danger(id), { immediateDanger: 'yes', version: v })
    assert.equal(bad.statusCode, 400)
    assert.ok(summaryHas(bad.body, 'Select yes if the police have been called'))
    assert.match(bad.body, /Call 999 now/)
    const stale = await agent.post(paths.concerns.danger(id), {
      immediateDanger: 'yes',
      policeCalled: 'no',
      version: String(Number(v) - 1),
    })
    assert.equal(stale.statusCode, 409)
    assert.deepEqual(await written(db.ownerUrl), before)
    const saved = await agent.post(paths.concerns.danger(id), {
      immediateDanger: 'yes',
      policeCalled: 'no',
      version: v,
    })
    assert.equal(saved.statusCode, 303)
    assert.equal(saved.headers.location, paths.concerns.check(id))
    const again = await agent.get(paths.concerns.check(id))
    assert.match(again.body, /Call 999 now/)
    // The referral still goes through with the police not called.
    const done = await agent.post(paths.concerns.check(id), { ...PAGE3, version: version(again.body) })
    assert.equal(done.statusCode, 303)
    assert.equal(await countRows(db.ownerUrl, 'referral', 'concern_id = $1', [id]), 1)
  })
})

describe('concern pages: who may', () => {
  it('a role without concern:create is refused (403); someone else’s draft answers 404', async (t) => {
    const { agent, app, db, services, teacher } = await setUp(t)
    const leader = await createUser(db, services, { roles: ['strategic-leader'], partnershipOf: teacher })
    const leaderAgent = await signIn(app, leader)
    assert.equal((await leaderAgent.get(paths.concerns.new)).statusCode, 403)
    const one = await pageOne(agent, PAGE1_NEW_CHILD)
    const id = idFrom(one.headers.location)
    const colleague = await createUser(db, services, { roles: ['practitioner'], partnershipOf: teacher })
    const other = await signIn(app, colleague)
    assert.equal((await other.get(paths.concerns.details(id))).statusCode, 404)
    assert.equal((await other.get(paths.concerns.check(id))).statusCode, 404)
    assert.equal((await other.get(paths.concerns.show(id))).statusCode, 404)
    await other.get(paths.concerns.new)
    const before = await written(db.ownerUrl)
    const post = await other.post(paths.concerns.details(id), { ...PAGE2, version: '1' })
    assert.equal(post.statusCode, 404)
    assert.deepEqual(await written(db.ownerUrl), before)
    assert.ok(
      (await countRows(
        db.ownerUrl,
        'audit_event',
        "action = 'access.denied' AND record_id = $1 AND actor_id = $2",
        [id, colleague.id],
      )) >= 4,
    )
  })

  it('immediate danger with the police called: recorded, referred, and on the child’s chronology for their agency’s DSL', async (t) => {
    const { agent, app, db, services, teacher } = await setUp(t)
    const { id } = await wholeFlow(agent, {
      ...PAGE1_NEW_CHILD,
      immediateDanger: 'yes',
      policeCalled: 'yes',
      ...today('policeCalledOn'),
      policeCalledTime: '00:01',
      policeReference: 'NS-1234',
    })
    const [row] = await ownerQuery<{ police_called: boolean; police_reference: string; person_id: string }>(
      db.ownerUrl,
      'SELECT police_called, police_reference, person_id FROM concern WHERE id = $1',
      [id],
    )
    assert.equal(row?.police_called, true)
    assert.equal(row.police_reference, 'NS-1234')
    const dsl = await createUser(db, services, { roles: ['dsl'], partnershipOf: teacher })
    const dslAgent = await signIn(app, dsl)
    const chronology = await dslAgent.get(paths.people.chronology(row.person_id))
    assert.equal(chronology.statusCode, 200)
    assert.match(chronology.body, /Concern recorded/)
    // The DSL may read the recorded concern (they may read the child); the practitioner reads their own.
    assert.equal((await dslAgent.get(paths.concerns.show(id))).statusCode, 200)
  })
})

describe('concern pages: from a child’s record', () => {
  it('a social worker raises a concern from their child’s page: the child is chosen already', async (t) => {
    const { app, db, services, teacher } = await setUp(t)
    const worker = await createUser(db, services, { roles: ['social-worker'], partnershipOf: teacher })
    const child = await createPerson(db.database, teacher.partnershipId, { allocatedWorkerId: worker.id })
    const agent = await signIn(app, worker)
    const record = await agent.get(paths.people.show(child.id))
    assert.match(record.body, /data-testid="raise-concern"/)
    const form = await agent.get(`${paths.concerns.new}?child=${child.id}`)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, new RegExp(`value="${child.id}" checked`))
    const one = await pageOne(agent, { immediateDanger: 'no', child: child.id })
    assert.equal(one.statusCode, 303)
    // Nothing is asked about a learning disability the record already shows.
    await ownerQuery(
      db.ownerUrl,
      "UPDATE person SET disability = 'Learning disability (moderate)' WHERE id = $1",
      [child.id],
    )
    const details = await agent.get(paths.concerns.details(idFrom(one.headers.location)))
    assert.doesNotMatch(details.body, /Does the child have a learning disability\?/)
  })
})

describe('concern pages: a child reached through break-glass', () => {
  it('offers the child on the concern form, and the read is marked break-glass for the DPO', async (t) => {
    const { app, db, services, teacher } = await setUp(t)
    const worker = await createUser(db, services, { roles: ['social-worker'], partnershipOf: teacher })
    const child = await createPerson(db.database, teacher.partnershipId)
    const agent = await signIn(app, worker)
    assert.equal((await agent.get(`${paths.concerns.new}?child=${child.id}`)).statusCode, 404)
    await createBreakGlassGrant(db.database, db.ownerUrl, {
      partnershipId: teacher.partnershipId,
      userId: worker.id,
      personId: child.id,
    })
    const form = await agent.get(`${paths.concerns.new}?child=${child.id}`)
    assert.equal(form.statusCode, 200)
    assert.match(form.body, new RegExp(`value="${child.id}" checked`))
    const reads = await ownerQuery<{ details: Record<string, unknown> }>(
      db.ownerUrl,
      `SELECT details FROM audit_event WHERE action = 'record.read' AND record_type = 'person'
          AND record_id = $1 AND actor_id = $2 ORDER BY id`,
      [child.id, worker.id],
    )
    // On a social worker's caseload (their break-glass records are), or reached by id: each read marked.
    assert.ok(reads.length >= 1)
    for (const read of reads) {
      assert.equal(read.details.breakGlass, true, `the read (via ${String(read.details.via)}) is marked`)
    }
    // The concern raised about them is marked too.
    const one = await pageOne(agent, { immediateDanger: 'no', child: child.id })
    assert.equal(one.statusCode, 303)
    const made = await ownerQuery<{ details: Record<string, unknown> }>(
      db.ownerUrl,
      `SELECT details FROM audit_event WHERE action = 'record.create' AND record_type = 'concern' AND record_id = $1`,
      [idFrom(one.headers.location)],
    )
    assert.equal(made[0]?.details.breakGlass, true)
  })
})

describe('concern pages: possible duplicates of a new child', () => {
  it('offers only matches the user may read; a practitioner is never shown a record they may not see', async (t) => {
    const { agent, app, db, services, teacher } = await setUp(t)
    const dob = `${String(Number(YEAR) - 14)}-05-04`
    const known = await createPerson(db.database, teacher.partnershipId, {
      givenName: 'Kacey',
      familyName: 'Testchild',
      dateOfBirth: dob,
      involvedAgencyIds: [teacher.agencyId],
    })
    const dsl = await createUser(db, services, { roles: ['dsl'], partnershipOf: teacher })
    const dslAgent = await signIn(app, dsl)
    const before = await written(db.ownerUrl)
    const offered = await pageOne(dslAgent, PAGE1_NEW_CHILD)
    assert.equal(offered.statusCode, 200)
    assert.match(offered.body, /data-testid="possible-matches"/)
    assert.match(offered.body, new RegExp(`value="${known.id}"`))
    assert.deepEqual(await written(db.ownerUrl), before)
    // The DSL chooses the existing child: no new record.
    const chosen = await dslAgent.post(paths.concerns.new, {
      ...PAGE1_NEW_CHILD,
      child: known.id,
      matchesChecked: 'yes',
    })
    assert.equal(chosen.statusCode, 303)
    assert.equal(await countRows(db.ownerUrl, 'person'), before.person)
    // The practitioner may not read the same child: nothing is offered, and a new record is made.
    const practitioner = await pageOne(agent, PAGE1_NEW_CHILD)
    assert.equal(practitioner.statusCode, 303)
    assert.doesNotMatch(practitioner.body, new RegExp(known.id))
    assert.equal(await countRows(db.ownerUrl, 'person'), (before.person ?? 0) + 1)
  })
})

describe('concern API', () => {
  async function token(db: Awaited<ReturnType<typeof setUp>>['db'], email: string, role = 'practitioner') {
    const made = await personToken(db, email, [...ROLE_CAPABILITIES[role as 'practitioner']])
    return { authorization: `Bearer ${made.token}` }
  }
  const BODY = {
    child: { givenName: 'Jordan', familyName: 'Apichild', estimatedAge: 12 },
    immediateDanger: false,
    narrative: 'Seen plugging and talking about a deal line.',
    happenedOn: TODAY,
    consent: 'not-asked',
    familyAware: 'not-safe',
    learningDisability: false,
    indicators: [
      { itemCode: 'drugs-involvement', evidence: 'Found with wraps', recency: 'current', basis: 'evidenced' },
    ],
    judgedLevel: 'high',
    judgementReason: 'Found with drugs at 12',
  }

  it('records a whole concern in one body, answers the suggestion and its reasons; reads it back', async (t) => {
    const { app, db, services, teacher } = await setUp(t)
    const headers = await token(db, teacher.email)
    const res = await api(app, headers).post(paths.api.concerns(), BODY)
    assert.equal(res.statusCode, 201, res.body)
    const { concern } = res.json<{
      concern: {
        id: string
        status: string
        suggestion: { level: string; reasons: string[] }
        streetTerms: Array<{ code: string }>
      }
    }>()
    assert.equal(concern.status, 'recorded')
    // 5 points for a current significant indicator, lifted to medium because the child is 12.
    assert.equal(concern.suggestion.level, 'medium')
    assert.ok(concern.suggestion.reasons.some((r) => r.includes('under 13')))
    assert.deepEqual(concern.streetTerms.map((s) => s.code).sort(), ['line', 'plugging'])
    const read = await api(app, headers).get(paths.api.concern(concern.id))
    assert.equal(read.statusCode, 200)
    const colleague = await createUser(db, services, { roles: ['practitioner'], partnershipOf: teacher })
    const other = await api(app, await token(db, colleague.email)).get(paths.api.concern(concern.id))
    assert.equal(other.statusCode, 404)
    assert.match(String(other.headers['content-type']), /problem\+json/)
  })

  it('bad input: field errors naming the JSON fields, nothing written', async (t) => {
    const { app, db, teacher } = await setUp(t)
    const headers = await token(db, teacher.email)
    const invisible = await createPerson(db.database, teacher.partnershipId)
    const before = await written(db.ownerUrl)
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...BODY, narrative: '' }, '/body/narrative'],
      [{ ...BODY, indicators: [{ ...BODY.indicators[0], evidence: ' ' }] }, '/body/indicators/0/evidence'],
      [{ ...BODY, indicators: [{ ...BODY.indicators[0], recency: '' }] }, '/body/indicators/0/recency'],
      [{ ...BODY, immediateDanger: true }, '/body/policeCalled'],
      [{ ...BODY, happenedOn: `${String(Number(YEAR) + 1)}-01-01` }, '/body/happenedOn'],
      [{ ...BODY, judgementReason: '' }, '/body/judgementReason'],
      [{ ...BODY, child: { givenName: 'Jo' } }, '/body/child/dateOfBirth'],
    ]
    for (const [payload, field] of cases) {
      const res = await api(app, headers).post(paths.api.concerns(), payload)
      assert.equal(res.statusCode, 400, field)
      const problem = res.json<{ errors: Array<{ field: string }> }>()
      assert.ok(
        problem.errors.some((e) => e.field === field),
        `${field}: ${res.body}`,
      )
    }
    const rest: Record<string, unknown> = { ...BODY }
    delete rest.child
    const denied = await api(app, headers).post(paths.api.concerns(), { ...rest, personId: invisible.id })
    assert.equal(denied.statusCode, 404)
    assert.deepEqual(await written(db.ownerUrl), before)
  })

  it('the guide and a suggestion without storage', async (t) => {
    const { app, db, teacher } = await setUp(t)
    const headers = await token(db, teacher.email)
    const guide = await api(app, headers).get(paths.api.screeningGuide())
    assert.equal(guide.statusCode, 200)
    const g = guide.json<{ guide: { items: unknown[]; levels: unknown[]; streetTerms: unknown[] } }>().guide
    assert.ok(g.items.length > 10 && g.levels.length === 5 && g.streetTerms.length > 10)
    const before = await written(db.ownerUrl)
    const res = await api(app, headers).post(paths.api.screeningSuggest(), {
      ticks: [
        { itemCode: 'carrying-weapons', recency: 'current' },
        { itemCode: 'missing-out-of-area', recency: 'current' },
        { itemCode: 'unexplained-money', recency: 'current' },
      ],
      child: { ageYears: 15, learningDisability: false },
    })
    assert.equal(res.statusCode, 200, res.body)
    assert.equal(res.json<{ suggestion: { level: string } }>().suggestion.level, 'medium')
    const bad = await api(app, headers).post(paths.api.screeningSuggest(), {
      ticks: [{ itemCode: 'nope', recency: 'current' }],
      child: { ageYears: null, learningDisability: false },
    })
    assert.equal(bad.statusCode, 400)
    assert.deepEqual(await written(db.ownerUrl), before)
  })
})
