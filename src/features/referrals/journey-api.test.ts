import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { TEST_PASSWORD } from '../../../test/helpers/sign-in.ts'
import { bearer } from '../../../test/factories/pole-factory.ts'
import { ROLE_CAPABILITIES } from '../../platform/access/roles.ts'
import { paths } from '../../platform/paths.ts'
import { todayInLondon } from '../../platform/calendar.ts'

interface Referral {
  id: string
  personId: string
  childName: string
  status: string
  [field: string]: unknown
}

/**
 * Issue 5 "done when", through /api/v1: the browser journey (test/e2e/journey.spec.ts) as an integrating system
 * would make it. A teacher at the demo's school records a concern with screening and immediate danger and refers;
 * the front door finds it in its queue, reviews and decides; the teacher reads the status and the outcome, and
 * nothing else about the child.
 */
describe('the concern-to-decision journey through the API', () => {
  it('a teacher records and refers, the front door reviews and decides, the teacher sees the outcome only', async (t) => {
    const { app, db, services } = await build(t)
    const seeded = await services.demo.seed()
    const frontDoorEmail = seeded.users?.find((u) => u.role === 'front-door')?.email
    assert.ok(frontDoorEmail !== undefined)
    // A classroom teacher (practitioner, not the school's DSL) at the demo's school.
    const [school] = await ownerQuery<{ id: string; partnership_id: string }>(
      db.ownerUrl,
      `SELECT id, partnership_id FROM agency WHERE name = 'Castlegate Academy'`,
    )
    assert.ok(school)
    const teacherEmail = 'a.teacher@castlegate.example'
    await services.auth.createUser({
      partnershipId: school.partnership_id,
      agencyId: school.id,
      email: teacherEmail,
      displayName: 'Alex Teacher',
      password: TEST_PASSWORD,
      roles: ['practitioner'],
    })
    const teacher = await bearer(db, teacherEmail, [...ROLE_CAPABILITIES.practitioner])
    const frontDoor = await bearer(db, frontDoorEmail, [...ROLE_CAPABILITIES['front-door']])
    const call = async (method: 'GET' | 'POST', url: string, headers: object, payload?: object) =>
      app.inject({ method, url, headers: { ...headers }, ...(payload === undefined ? {} : { payload }) })

    // The concern, whole, in one body: immediate danger (the police not called yet), a new child, a narrative
    // with a street term, the screening ticks with evidence, and the teacher's own level and reasons.
    const concernBody = {
      child: { givenName: 'Robin', familyName: 'Apijourney', estimatedAge: 14 },
      immediateDanger: true,
      policeCalled: false,
      narrative: 'Robin says older boys are cuckooing his aunt’s flat; he keeps their phone and had £300.',
      happenedOn: todayInLondon(),
      happenedAt: 'Castlegate Academy',
      consent: 'not-asked',
      familyAware: 'no',
      learningDisability: false,
      indicators: [
        { itemCode: 'unexplained-money', evidence: '£300 in cash', recency: 'current', basis: 'evidenced' },
        {
          itemCode: 'drugs-involvement',
          evidence: 'Takes parcels to the flat',
          recency: 'current',
          basis: 'concern',
        },
      ],
      judgedLevel: 'high',
      judgementReason: 'Cuckooing of a relative’s home and cash: he is being used to run drugs',
    }
    const countConcerns = async () =>
      Number((await ownerQuery<{ n: string }>(db.ownerUrl, 'SELECT count(*) AS n FROM concern'))[0]?.n ?? '0')
    const before = await countConcerns()
    // Bad input first: a ticked item without evidence names its field, and nothing is written.
    const noEvidence = await call('POST', paths.api.concerns(), teacher, {
      ...concernBody,
      indicators: [{ ...concernBody.indicators[0], evidence: ' ' }],
    })
    assert.equal(noEvidence.statusCode, 400)
    assert.match(String(noEvidence.headers['content-type']), /problem\+json/)
    assert.ok(
      noEvidence
        .json<{ errors: Array<{ field: string }> }>()
        .errors.some((e) => e.field === '/body/indicators/0/evidence'),
    )
    assert.equal(await countConcerns(), before)

    const recorded = await call('POST', paths.api.concerns(), teacher, concernBody)
    assert.equal(recorded.statusCode, 201, recorded.body)
    const { concern } = recorded.json<{
      concern: {
        id: string
        status: string
        child: { id: string }
        immediateDanger: boolean
        policeCalled: boolean | null
        suggestion: { level: string; score: number }
        judgedLevel: string
        streetTerms: Array<{ code: string }>
      }
    }>()
    assert.equal(concern.status, 'recorded')
    assert.equal(concern.immediateDanger, true)
    assert.equal(concern.policeCalled, false)
    // 1 (a current moderate indicator) + 5 (a current significant one) = 6: low; the teacher judges high.
    assert.deepEqual([concern.suggestion.level, concern.suggestion.score], ['low', 6])
    assert.equal(concern.judgedLevel, 'high')
    assert.ok(concern.streetTerms.some((s) => s.code === 'cuckooing'))

    const referred = await call('POST', paths.api.referrals(), teacher, {
      concernId: concern.id,
      discussedWith: 'Our DSL',
    })
    assert.equal(referred.statusCode, 201, referred.body)
    const submitted = referred.json<{ referral: Referral }>().referral
    assert.equal(submitted.status, 'submitted')
    assert.equal(submitted.personId, concern.child.id)
    const id = submitted.id

    // The front door: in the queue with immediate danger and both levels; review; a decision with reasons.
    const queue = await call('GET', `${paths.api.referrals()}?queue=front-door`, frontDoor)
    assert.equal(queue.statusCode, 200)
    const queued = queue.json<{ referrals: Referral[] }>().referrals.find((r) => r.id === id)
    assert.ok(queued, 'the referral is in the front door’s queue')
    assert.equal(queued.referrerAgencyName, 'Castlegate Academy')
    assert.equal(queued.immediateDanger, true)
    assert.deepEqual([queued.suggestedLevel, queued.judgedLevel], ['low', 'high'])
    assert.equal(queued.overdue, false)

    const review = await call('POST', paths.api.referralReview(id), frontDoor, {
      version: queued.version as number,
    })
    assert.equal(review.statusCode, 200, review.body)
    const inReview = review.json<{ referral: Referral }>().referral
    assert.equal(inReview.status, 'in-review')
    const noReasons = await call('POST', paths.api.referralDecision(id), frontDoor, {
      decision: 'cin-assessment',
      reasons: ' ',
    })
    assert.equal(noReasons.statusCode, 400)
    const decided = await call('POST', paths.api.referralDecision(id), frontDoor, {
      decision: 'cin-assessment',
      reasons: 'Criminal exploitation through a cuckooed family home: section 17 assessment today',
      exploitationGrounds: ['cce'],
      cinFactors: ['24A'],
      version: inReview.version as number,
      // a13: the team whose allocation queue the child joins (the demo's Exploitation Team).
      allocationTeamId: (
        await ownerQuery<{ id: string }>(db.ownerUrl, "SELECT id FROM team WHERE name = 'Exploitation Team'")
      )[0]?.id,
    })
    assert.equal(decided.statusCode, 200, decided.body)
    assert.equal(decided.json<{ referral: Referral }>().referral.status, 'decided')
    const full = await call('GET', paths.api.referral(id), frontDoor)
    const read = full.json<{
      referral: Referral
      transitions: Array<{ fromStatus: string | null; toStatus: string }>
    }>()
    assert.deepEqual(
      read.transitions.map((tr) => `${tr.fromStatus ?? 'new'} → ${tr.toStatus}`),
      ['new → submitted', 'submitted → in-review', 'in-review → decided'],
    )
    assert.deepEqual(read.referral.exploitationGrounds, ['cce'])
    assert.deepEqual(read.referral.cinFactors, ['24A'])
    const afterQueue = await call('GET', `${paths.api.referrals()}?queue=front-door`, frontDoor)
    assert.ok(!afterQueue.json<{ referrals: Referral[] }>().referrals.some((r) => r.id === id))
    const flags = await ownerQuery<{ flag_type: string }>(
      db.ownerUrl,
      'SELECT flag_type FROM flag WHERE subject_id = $1',
      [concern.child.id],
    )
    assert.deepEqual(
      flags.map((f) => f.flag_type),
      ['cce'],
    )

    // The teacher: the status and outcome of their referral (list and record), and nothing else.
    const mine = await call('GET', paths.api.referrals(), teacher)
    assert.equal(mine.statusCode, 200)
    const listed = mine.json<{ referrals: Referral[] }>().referrals
    assert.deepEqual(
      listed.map((r) => r.id),
      [id],
    )
    const outcome = await call('GET', paths.api.referral(id), teacher)
    assert.equal(outcome.statusCode, 200)
    const seen = outcome.json<{ referral: Referral; transitions: unknown[] }>()
    for (const referral of [listed[0], seen.referral]) {
      assert.ok(referral)
      assert.equal(referral.status, 'decided')
      assert.equal(referral.decisionLabel, "Children's services assessment (child in need)")
      assert.match(String(referral.decisionReasons), /section 17 assessment today/)
      assert.deepEqual(
        Object.keys(referral)
          .filter((k) => referral[k] !== undefined)
          .sort(),
        [
          'childName',
          'decidedAt',
          'decision',
          'decisionDueAt',
          'decisionLabel',
          'decisionReasons',
          'id',
          'overdue',
          'personId',
          'referrerAgencyName',
          'referrerName',
          'status',
          'statusLabel',
          'submittedAt',
          'withdrawnAt',
          'withdrawnReason',
        ],
        'identity and outcome only: no date of birth, levels, danger, grounds, census factors or notes',
      )
    }
    assert.deepEqual(seen.transitions, [], 'not who handled it')
    // The child's record, flags and chronology are not the teacher's to read: a practitioner has no person:read.
    for (const url of [
      paths.api.person(concern.child.id),
      paths.api.personFlags(concern.child.id),
      paths.api.chronology(concern.child.id),
    ]) {
      const res = await call('GET', url, teacher)
      assert.equal(res.statusCode, 403, url)
      assert.match(String(res.headers['content-type']), /problem\+json/)
      assert.ok(!res.body.includes('Apijourney'), `${url} names no child`)
    }
    // Nor the front door's queue or decision.
    assert.equal((await call('GET', `${paths.api.referrals()}?queue=front-door`, teacher)).statusCode, 403)
  })
})
