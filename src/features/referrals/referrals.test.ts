import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { withTransaction } from '../../db/database.ts'
import { paths } from '../../platform/paths.ts'
import { services } from '../../services.ts'
import { testConfig, type TestCtx } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows } from '../../../test/factories/person-factory.ts'
import { bearer } from '../../../test/factories/pole-factory.ts'
import {
  actorFor,
  createConcern,
  createReferral,
  CTX,
  referralWorld,
} from '../../../test/factories/referral-factory.ts'
import { addMonths, isOverdue } from './referral-service.ts'
import { api, errorFields } from '../../../test/helpers/api.ts'
import { auditEvents } from '../../../test/helpers/audit.ts'

/** A practitioner who refers, the front door, another practitioner, and a child. */
async function world(t: TestCtx) {
  const w = await referralWorld(t)
  const other = await createUser(w.db, w.services, { roles: ['practitioner'], partnershipOf: w.referrer })
  return { ...w, other, me: actorFor(w.referrer, ['practitioner']) }
}

const audits = (ownerUrl: string, id: string) => auditEvents(ownerUrl, { recordId: id })

describe('submitting a referral', () => {
  it('writes the referral, its first transition and the audit; due one working day on; needs nobody’s approval', async (t) => {
    const w = await world(t)
    const concernId = await createConcern(w.db.database, w.referrer, w.child.id)
    const submitted = await w.services.referrals.submit(
      w.me,
      { concernId, discussedWith: 'Her DSL, Ms Example', discussionNote: 'Agreed to refer' },
      CTX,
    )
    assert.equal(submitted.status, 'submitted')
    const rows = await ownerQuery<{ status: string; person_id: string; referrer_agency_id: string }>(
      w.db.ownerUrl,
      'SELECT status, person_id, referrer_agency_id FROM referral WHERE id = $1',
      [submitted.id],
    )
    assert.deepEqual(rows[0], {
      status: 'submitted',
      person_id: w.child.id,
      referrer_agency_id: w.referrer.agencyId,
    })
    assert.equal(
      await countRows(w.db.ownerUrl, 'referral_transition', 'referral_id = $1 AND from_status IS NULL', [
        submitted.id,
      ]),
      1,
    )
    assert.deepEqual(
      (await audits(w.db.ownerUrl, submitted.id)).map((a) => a.action),
      ['record.create'],
    )
    assert.ok(submitted.decisionDueAt > submitted.submittedAt)
  })

  it('refuses someone else’s concern as if it did not exist, and a concern referred twice; writes nothing', async (t) => {
    const w = await world(t)
    const concernId = await createConcern(w.db.database, w.other, w.child.id)
    await assert.rejects(w.services.referrals.submit(w.me, { concernId }, CTX), { name: 'NotFoundError' })
    assert.equal(await countRows(w.db.ownerUrl, 'referral'), 0)
    const mine = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    await assert.rejects(w.services.referrals.submit(w.me, { concernId: mine.concernId }, CTX), {
      name: 'ConflictError',
    })
    assert.equal(await countRows(w.db.ownerUrl, 'referral'), 1)
  })

  it('submit() wants a recorded concern; in the caller’s transaction it takes a draft recorded in the same one', async (t) => {
    const w = await world(t)
    const draft = await createConcern(w.db.database, w.referrer, w.child.id, { status: 'draft' })
    await assert.rejects(w.services.referrals.submit(w.me, { concernId: draft }, CTX), {
      name: 'ConflictError',
    })
    const id = await withTransaction(
      w.db.database,
      { actorId: w.me.userId, partnershipId: w.me.partnershipId },
      (trx) => w.services.referrals.submit(w.me, { concernId: draft }, CTX, { trx }).then((r) => r.id),
    )
    assert.equal(await countRows(w.db.ownerUrl, 'referral', 'id = $1', [id]), 1)
  })

  it('a discussion note too long is a field error and nothing is written', async (t) => {
    const w = await world(t)
    const concernId = await createConcern(w.db.database, w.referrer, w.child.id)
    await assert.rejects(
      w.services.referrals.submit(w.me, { concernId, discussedWith: 'x'.repeat(201) }, CTX),
      (e: { name: string; fieldErrors: Array<{ field: string }> }) =>
        e.name === 'ValidationError' && e.fieldErrors[0]?.field === 'discussedWith',
    )
    assert.equal(await countRows(w.db.ownerUrl, 'referral'), 0)
  })
})

describe('the decision deadline and overdue (injected clock)', () => {
  it('a referral on the Friday before a bank holiday Monday is due on Tuesday at the same time', async (t) => {
    const w = await world(t)
    // Friday 28 August 2026, 16:00 BST; Monday 31 August is the summer bank holiday.
    const friday = new Date('2026-08-28T15:00:00Z')
    let now = friday
    const service = services(testConfig(), w.db.database, { latestMigration: 0, now: () => now }).referrals
    const concernId = await createConcern(w.db.database, w.referrer, w.child.id)
    const submitted = await service.submit(w.me, { concernId }, CTX)
    assert.equal(submitted.decisionDueAt.toISOString(), '2026-09-01T15:00:00.000Z')
    const due = { status: 'submitted' as const, decisionDueAt: submitted.decisionDueAt }
    assert.equal(isOverdue(due, new Date('2026-08-31T15:01:00Z')), false, 'not overdue on the bank holiday')
    assert.equal(isOverdue(due, new Date('2026-09-01T14:59:00Z')), false)
    assert.equal(isOverdue(due, new Date('2026-09-01T15:01:00Z')), true)
    assert.equal(isOverdue({ ...due, status: 'decided' }, new Date('2026-09-09T00:00:00Z')), false)
    now = new Date('2026-09-01T15:01:00Z')
    const queue = await service.queue(w.fd, CTX)
    assert.equal(queue.referrals[0]?.overdue, true)
    now = new Date('2026-08-31T12:00:00Z')
    assert.equal((await service.queue(w.fd, CTX)).referrals[0]?.overdue, false)
  })

  it('one sent on Saturday is due by the end of Monday', async (t) => {
    const w = await world(t)
    const service = services(testConfig(), w.db.database, {
      latestMigration: 0,
      now: () => new Date('2026-03-07T10:00:00Z'),
    }).referrals
    const concernId = await createConcern(w.db.database, w.referrer, w.child.id)
    const submitted = await service.submit(w.me, { concernId }, CTX)
    // Counted from 00:00 on Monday 9 March: due at 00:00 on Tuesday 10 March (GMT).
    assert.equal(submitted.decisionDueAt.toISOString(), '2026-03-10T00:00:00.000Z')
  })

  it('adds months to a review date, on the month’s last day when shorter', () => {
    assert.equal(addMonths('2026-11-30', 3), '2027-02-28')
    assert.equal(addMonths('2026-01-15', 3), '2026-04-15')
  })
})

describe('the state machine', () => {
  it('submitted → in review → decided, each with a transition and an audit row; deciding twice is refused', async (t) => {
    const w = await world(t)
    const { id } = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    const refs = w.services.referrals
    await assert.rejects(refs.decide(w.fd, id, { decision: 'early-help', reasons: 'x' }, CTX), {
      name: 'ConflictError',
      message: 'Start the review before recording a decision',
    })
    const reviewed = await refs.startReview(w.fd, id, undefined, CTX)
    assert.equal(reviewed.status, 'in-review')
    assert.equal(reviewed.reviewerName, w.frontDoor.displayName)
    await assert.rejects(refs.startReview(w.fd, id, undefined, CTX), { name: 'ConflictError' })
    const decided = await refs.decide(
      w.fd,
      id,
      {
        decision: 'cin-assessment',
        reasons: 'Several significant indicators',
        cinFactors: ['10A'],
        allocationTeamId: w.allocationTeamId,
      },
      CTX,
    )
    assert.equal(decided.status, 'decided')
    assert.deepEqual(decided.cinFactors, ['10A'])
    await assert.rejects(refs.decide(w.fd, id, { decision: 'early-help', reasons: 'again' }, CTX), {
      name: 'ConflictError',
      message: 'This referral has already been decided',
    })
    await assert.rejects(refs.withdraw(w.me, id, { reason: 'late' }, CTX), { name: 'ConflictError' })
    const transitions = await ownerQuery<{ from_status: string | null; to_status: string }>(
      w.db.ownerUrl,
      'SELECT from_status, to_status FROM referral_transition WHERE referral_id = $1 ORDER BY id',
      [id],
    )
    assert.deepEqual(
      transitions.map((r) => `${r.from_status ?? ''}>${r.to_status}`),
      ['>submitted', 'submitted>in-review', 'in-review>decided'],
    )
    assert.deepEqual(
      (await audits(w.db.ownerUrl, id)).map((a) => a.action),
      ['record.create', 'record.update', 'record.update'],
    )
  })

  it('withdrawn from submitted (referrer) and from in review (front door), then final; the trigger refuses too', async (t) => {
    const w = await world(t)
    const a = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    const b = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    const refs = w.services.referrals
    await assert.rejects(refs.withdraw(w.me, a.id, { reason: ' ' }, CTX), { name: 'ValidationError' })
    assert.equal((await refs.withdraw(w.me, a.id, { reason: 'Sent by mistake' }, CTX)).status, 'withdrawn')
    await refs.startReview(w.fd, b.id, undefined, CTX)
    assert.equal((await refs.withdraw(w.fd, b.id, { reason: 'Duplicate' }, CTX)).status, 'withdrawn')
    await assert.rejects(refs.decide(w.fd, a.id, { decision: 'early-help', reasons: 'x' }, CTX), {
      name: 'ConflictError',
      message: 'This referral has been withdrawn and cannot be decided',
    })
    await assert.rejects(refs.startReview(w.fd, a.id, undefined, CTX), { name: 'ConflictError' })
    await assert.rejects(refs.withdraw(w.fd, a.id, { reason: 'again' }, CTX), { name: 'ConflictError' })
    // Someone else's referral: only its referrer or the front door may withdraw it.
    const c = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    await assert.rejects(refs.withdraw(actorFor(w.other, ['practitioner']), c.id, { reason: 'no' }, CTX), {
      name: 'NotFoundError',
    })
    await assert.rejects(
      ownerQuery(w.db.ownerUrl, `UPDATE referral SET status = 'submitted' WHERE id = $1`, [a.id]),
      /final|cannot move/,
    )
  })

  it('a stale version is refused', async (t) => {
    const w = await world(t)
    const { id } = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    await assert.rejects(w.services.referrals.startReview(w.fd, id, 7, CTX), { name: 'ConflictError' })
  })

  it('on exploitation grounds sets the flag on the child with the reasons and a review 3 months on, in the same transaction', async (t) => {
    const w = await world(t)
    const { id } = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    await w.services.referrals.startReview(w.fd, id, undefined, CTX)
    await assert.rejects(
      w.services.referrals.decide(
        w.fd,
        id,
        { decision: 'strategy-meeting', reasons: 'x', exploitationGrounds: ['cce', 'other'] },
        CTX,
      ),
      { name: 'ValidationError' },
    )
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 0)
    await w.services.referrals.decide(
      w.fd,
      id,
      {
        decision: 'strategy-meeting',
        allocationTeamId: w.allocationTeamId,
        reasons: 'Exchanging sex for a place to stay',
        exploitationGrounds: ['cse'],
        cinFactors: ['11A'],
      },
      CTX,
    )
    const flags = await ownerQuery<{
      flag_type: string
      reason: string
      review_date: string
      set_by: string
    }>(w.db.ownerUrl, `SELECT flag_type, reason, review_date::text, set_by FROM flag WHERE subject_id = $1`, [
      w.child.id,
    ])
    assert.equal(flags.length, 1)
    const [flag] = flags
    assert.ok(flag !== undefined)
    assert.equal(flag.flag_type, 'cse')
    assert.equal(flag.reason, 'Exchanging sex for a place to stay')
    assert.equal(flag.set_by, w.frontDoor.id)
    assert.ok(flag.review_date > new Date().toISOString().slice(0, 10))
  })
})

describe('front-door pages', () => {
  it('the queue: oldest first, overdue tagged with the due time, the agency, danger and levels', async (t) => {
    const w = await world(t)
    const old = await createReferral(w.services, w.db.database, w.referrer, w.child.id, {
      immediateDanger: true,
    })
    await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    await ownerQuery(
      w.db.ownerUrl,
      `UPDATE referral SET submitted_at = now() - interval '5 days', decision_due_at = now() - interval '4 days'
        WHERE id = $1`,
      [old.id],
    )
    const { page: res } = await signInAt(w.app, w.frontDoor, paths.frontDoor)
    const table = res.body.slice(res.body.indexOf('data-testid="front-door-queue"'))
    assert.equal((table.match(/Overdue/g) ?? []).length, 1)
    assert.match(table, /Immediate danger/)
    assert.match(table, /Medium \(moderate\)/)
    assert.match(table, /High \(significant\)/)
    assert.ok(table.indexOf(paths.referrals.show(old.id)) < table.lastIndexOf('/referrals/'), 'oldest first')
    assert.match(table, new RegExp(w.child.givenName))
  })

  it('pages the queue 50 at a time, oldest first, in the page and the API', async (t) => {
    const w = await world(t)
    const ids: string[] = []
    for (let i = 0; i < 52; i++)
      ids.push((await createReferral(w.services, w.db.database, w.referrer, w.child.id)).id)
    const agent = await signIn(w.app, w.frontDoor)
    const first = await agent.get(paths.frontDoor)
    assert.match(first.body, /Referrals waiting for a decision \(52\), 1 to 50/)
    assert.ok(first.body.includes(paths.referrals.show(ids[0] ?? '')))
    assert.ok(!first.body.includes(paths.referrals.show(ids[51] ?? '')))
    assert.match(first.body, /href="\/front-door\?page=2"/)
    const second = await agent.get(`${paths.frontDoor}?page=2`)
    assert.match(second.body, /51 to 52/)
    assert.ok(second.body.includes(paths.referrals.show(ids[51] ?? '')))
    const queue = await api(
      w.app,
      await bearer(w.db, w.frontDoor.email, ['referral:queue', 'referral:read-own']),
    ).get(`${paths.api.referrals()}?queue=front-door&page=2`)
    const body = queue.json<{ referrals: Array<{ id: string }>; total: number }>()
    assert.equal(body.total, 52)
    assert.deepEqual(
      body.referrals.map((r) => r.id),
      [ids[50], ids[51]],
    )
  })

  it('start review, a decision without reasons (error summary, input kept, nothing written), then decided; again is 409', async (t) => {
    const w = await world(t)
    const { id } = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    const agent = await signIn(w.app, w.frontDoor)
    await agent.get(paths.referrals.show(id))
    const started = await agent.post(paths.referrals.review(id), { version: '1' })
    assert.equal(started.statusCode, 303)
    assert.equal(started.headers.location, paths.referrals.decision(id))
    const form = await agent.get(paths.referrals.decision(id))
    assert.equal(form.statusCode, 200)
    const version = /name="version" value="(\d+)"/.exec(form.body)?.[1] ?? ''
    const bad = await agent.post(paths.referrals.decision(id), {
      decision: 'early-help',
      reasons: '',
      version,
      cinFactors: '13A',
    })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /govuk-error-summary/)
    assert.match(bad.body, /Enter the reasons for the decision/)
    assert.match(bad.body, /value="early-help" checked/)
    assert.match(bad.body, /value="13A" checked/)
    assert.equal(await countRows(w.db.ownerUrl, 'referral', `status = 'decided'`), 0)
    const ok = await agent.post(paths.referrals.decision(id), {
      decision: 'early-help',
      reasons: 'Early help will work with the family',
      version,
    })
    assert.equal(ok.statusCode, 303)
    await agent.get(paths.referrals.show(id))
    const again = await agent.post(paths.referrals.decision(id), {
      decision: 'early-help',
      reasons: 'Twice',
      version,
    })
    assert.equal(again.statusCode, 409)
    assert.match(again.body, /This referral has already been decided/)
    const reviewAgain = await agent.post(paths.referrals.review(id), { version })
    assert.equal(reviewAgain.statusCode, 409)
    assert.match(reviewAgain.body, /already been decided/)
  })

  it('a practitioner may not see the queue or decide (403); another partnership’s front door gets 404, audited', async (t) => {
    const w = await world(t)
    const { id } = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    const agent = await signIn(w.app, w.other)
    assert.equal((await agent.get(paths.frontDoor)).statusCode, 403)
    assert.equal((await agent.get(paths.referrals.decision(id))).statusCode, 403)
    assert.equal((await agent.get(paths.referrals.show(id))).statusCode, 404, 'not their referral')
    const stranger = await createUser(w.db, w.services, { roles: ['front-door'] })
    const theirs = await signIn(w.app, stranger)
    assert.equal((await theirs.get(paths.referrals.show(id))).statusCode, 404)
    assert.equal((await theirs.get(paths.referrals.decision(id))).statusCode, 404)
    const denied = await countRows(
      w.db.ownerUrl,
      'audit_event',
      `action = 'access.denied' AND record_id = $1`,
      [id],
    )
    assert.ok(denied >= 3)
  })
})

describe('feedback to the referrer', () => {
  it('shows the status and outcome (decision, date, reasons) and nothing else about the child', async (t) => {
    const w = await world(t)
    const { id } = await createReferral(w.services, w.db.database, w.referrer, w.child.id, {
      immediateDanger: true,
    })
    await w.services.referrals.startReview(w.fd, id, undefined, CTX)
    await w.services.referrals.decide(
      w.fd,
      id,
      { decision: 'no-further-action', reasons: 'Signposted to the youth service', cinFactors: ['13A'] },
      CTX,
    )
    const { agent, page: list } = await signInAt(w.app, w.referrer, paths.referrals.mine)
    assert.match(list.body, /No further action/)
    assert.match(list.body, /Signposted to the youth service/)
    const page = await agent.get(paths.referrals.show(id))
    assert.equal(page.statusCode, 200)
    assert.match(page.body, /No further action/)
    for (const body of [list.body, page.body]) {
      assert.doesNotMatch(body, /High \(significant\)|Medium \(moderate\)/, 'no levels')
      assert.doesNotMatch(body, /13A|Date of birth|Immediate danger/, 'no details')
      assert.ok(!body.includes(w.child.dateOfBirth ?? 'none'))
      assert.ok(!body.includes(w.child.nhsNumber ?? 'none'))
    }
    const read = await api(w.app, await bearer(w.db, w.referrer.email, ['referral:read-own'])).get(
      paths.api.referral(id),
    )
    assert.equal(read.statusCode, 200)
    const referral = read.json<{ referral: Record<string, unknown>; transitions: unknown[] }>()
    assert.equal(referral.referral.decisionLabel, 'No further action')
    assert.equal(referral.referral.decisionReasons, 'Signposted to the youth service')
    for (const hidden of ['dateOfBirth', 'judgedLevel', 'immediateDanger', 'cinFactors', 'discussionNote']) {
      assert.ok(!(hidden in referral.referral), hidden)
    }
    assert.deepEqual(referral.transitions, [])
  })
})

describe('the referrals API', () => {
  it('submits, lists mine and the queue, reviews, decides; bad input and illegal moves are problem+json', async (t) => {
    const w = await world(t)
    const concernId = await createConcern(w.db.database, w.referrer, w.child.id)
    const mine = await bearer(w.db, w.referrer.email, ['referral:create', 'referral:read-own'])
    const fd = await bearer(w.db, w.frontDoor.email, [
      'referral:queue',
      'referral:decide',
      'referral:read-own',
    ])
    const created = await api(w.app, mine).post(paths.api.referrals(), { concernId })
    assert.equal(created.statusCode, 201)
    const id = created.json<{ referral: { id: string } }>().referral.id
    const listed = await api(w.app, mine).get(paths.api.referrals())
    assert.equal(listed.json<{ total: number }>().total, 1)
    const notQueue = await api(w.app, mine).get(`${paths.api.referrals()}?queue=front-door`)
    assert.equal(notQueue.statusCode, 403)
    const queue = await api(w.app, fd).get(`${paths.api.referrals()}?queue=front-door`)
    assert.equal(queue.statusCode, 200)
    assert.equal(queue.json<{ referrals: Array<{ id: string }> }>().referrals[0]?.id, id)
    const early = await api(w.app, fd).post(paths.api.referralDecision(id), {
      decision: 'early-help',
      reasons: 'x',
    })
    assert.equal(early.statusCode, 409)
    assert.match(early.headers['content-type'] as string, /problem\+json/)
    const review = await api(w.app, fd).post(paths.api.referralReview(id), {})
    assert.equal(review.statusCode, 200)
    const noReasons = await api(w.app, fd).post(paths.api.referralDecision(id), {
      decision: 'early-help',
      reasons: '  ',
    })
    assert.equal(noReasons.statusCode, 400)
    assert.deepEqual(errorFields(noReasons), ['reasons'])
    const byPractitioner = await api(w.app, mine).post(paths.api.referralDecision(id), {
      decision: 'early-help',
      reasons: 'mine',
    })
    assert.equal(byPractitioner.statusCode, 403)
    const decided = await api(w.app, fd).post(paths.api.referralDecision(id), {
      decision: 'early-help',
      reasons: 'Early help',
      exploitationGrounds: ['cce'],
      cinFactors: ['24A'],
    })
    assert.equal(decided.statusCode, 200)
    const twice = await api(w.app, fd).post(paths.api.referralDecision(id), {
      decision: 'early-help',
      reasons: 'Again',
    })
    assert.equal(twice.statusCode, 409)
    assert.match(twice.json<{ detail: string }>().detail, /already been decided/)
    const withdraw = await api(w.app, mine).post(paths.api.referralWithdraw(id), { reason: 'late' })
    assert.equal(withdraw.statusCode, 409)
  })

  it('a referral about a record the caller cannot see is 404, and nothing is written', async (t) => {
    const w = await world(t)
    const concernId = await createConcern(w.db.database, w.other, w.child.id)
    const mine = await bearer(w.db, w.referrer.email, ['referral:create', 'referral:read-own'])
    const res = await api(w.app, mine).post(paths.api.referrals(), { concernId })
    assert.equal(res.statusCode, 404)
    assert.equal(await countRows(w.db.ownerUrl, 'referral'), 0)
    const { id } = await createReferral(w.services, w.db.database, w.other, w.child.id)
    const read = await api(w.app, mine).get(paths.api.referral(id))
    assert.equal(read.statusCode, 404)
  })
})

describe('the chronology', () => {
  it('shows the referral and its decision', async (t) => {
    const w = await world(t)
    const { id } = await createReferral(w.services, w.db.database, w.referrer, w.child.id)
    await w.services.referrals.startReview(w.fd, id, undefined, CTX)
    await w.services.referrals.decide(w.fd, id, { decision: 'early-help', reasons: 'Family agreed' }, CTX)
    const { CHRONOLOGY_SOURCES } = await import('../chronology/chronology-repository.ts')
    const source = CHRONOLOGY_SOURCES.find((s) => s.type === 'referral')
    assert.ok(source)
    const events = await withTransaction(w.db.database, { partnershipId: w.referrer.partnershipId }, (trx) =>
      source.select(w.child.id).execute(trx),
    )
    assert.equal(events.rows.length, 3)
  })
})
