import assert from 'node:assert/strict'
import { describe, it, type TestContext } from 'node:test'
import { buildApp } from '../../app.ts'
import { auditWriter } from '../../platform/audit/audit-writer.ts'
import { paths } from '../../platform/paths.ts'
import { latestMigration } from '../../runtime.ts'
import { services } from '../../services.ts'
import { testConfig } from '../../../test/helpers/build.ts'
import { createTestDatabase, ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows, createPerson } from '../../../test/factories/person-factory.ts'
import { bearer } from '../../../test/factories/pole-factory.ts'
import { actorFor, createReferral, CTX } from '../../../test/factories/referral-factory.ts'
import { recordAccess } from '../../platform/access/record-access.ts'
import { referralRepository, type ReferralRepository } from './referral-repository.ts'
import { REFERRAL_MOVE_REFUSED, referralService } from './referral-service.ts'

/**
 * The referral state machine is checked twice: by the service on the row it locks, and by a database trigger. The
 * trigger refuses only what slips past the service — a change made directly in the database between the service's
 * read and its write. Here the service reads without the lock (as a stale reader would) and someone else's change
 * lands, through the owner connection, in between: the trigger's refusal (SQLSTATE OM409, migration 0012) must be
 * answered as a conflict, not a server fault.
 */

const WITHDRAWN_DIRECTLY = `UPDATE referral SET status = 'withdrawn', withdrawn_by = referrer_id, withdrawn_at = now(),
  withdrawn_reason = 'Withdrawn directly in the database', version = version + 1 WHERE id = $1`

async function racingWorld(t: TestContext) {
  const db = await createTestDatabase(t)
  const config = testConfig()
  const real = services(config, db.database, { latestMigration: await latestMigration() })
  // The statement someone else runs once, between the service's read of the referral and its write.
  let race: string | undefined
  const rows = referralRepository()
  const racing: ReferralRepository = {
    ...rows,
    async find(executor, id, options = {}) {
      const row = await rows.find(executor, id)
      if (options.forUpdate === true && race !== undefined) {
        const statement = race
        race = undefined
        await ownerQuery(db.ownerUrl, statement, [id])
      }
      return row
    },
  }
  const built = {
    ...real,
    referrals: referralService(
      db.database,
      racing,
      real.flags,
      real.people,
      recordAccess(db.database, auditWriter()),
    ),
  }
  const app = await buildApp({ config, services: built })
  t.after(() => app.close())
  const referrer = await createUser(db, built, { roles: ['practitioner'] })
  const frontDoor = await createUser(db, built, { roles: ['front-door'], partnershipOf: referrer })
  const child = await createPerson(db.database, referrer.partnershipId)
  const refer = () => createReferral(built, db.database, referrer, child.id)
  return {
    app,
    db,
    built,
    referrer,
    frontDoor,
    refer,
    fd: actorFor(frontDoor, ['front-door']),
    raceWith: (statement: string) => {
      race = statement
    },
  }
}

const decidedTransitions = (url: string, id: string) =>
  countRows(url, 'referral_transition', `referral_id = $1 AND to_status = 'decided'`, [id])

describe('a referral changed in the database between the read and the write', () => {
  it('the trigger refuses with its own SQLSTATE, and review, decide and withdraw answer ConflictError; nothing written', async (t) => {
    const w = await racingWorld(t)
    const refs = w.built.referrals

    // The trigger's refusal carries OM409, not the check_violation every CHECK constraint raises.
    const final = await w.refer()
    await refs.withdraw(actorFor(w.referrer, ['practitioner']), final.id, { reason: 'Sent by mistake' }, CTX)
    await assert.rejects(
      ownerQuery(w.db.ownerUrl, `UPDATE referral SET status = 'in-review' WHERE id = $1`, [final.id]),
      (error: { code?: string; message?: string }) =>
        error.code === REFERRAL_MOVE_REFUSED &&
        /referral cannot move from withdrawn to in-review/.test(error.message ?? ''),
    )

    const stale = /Someone else changed this referral while you were looking at it/
    // Start review: withdrawn directly after the service read it as submitted.
    const a = await w.refer()
    w.raceWith(WITHDRAWN_DIRECTLY)
    await assert.rejects(refs.startReview(w.fd, a.id, undefined, CTX), {
      name: 'ConflictError',
      message: stale,
    })
    // Decide: withdrawn directly after the service read it in review.
    const b = await w.refer()
    await refs.startReview(w.fd, b.id, undefined, CTX)
    w.raceWith(WITHDRAWN_DIRECTLY)
    await assert.rejects(
      refs.decide(
        w.fd,
        b.id,
        { decision: 'strategy-meeting', reasons: 'Risk', exploitationGrounds: ['cse'] },
        CTX,
      ),
      { name: 'ConflictError', message: stale },
    )
    assert.equal(await decidedTransitions(w.db.ownerUrl, b.id), 0)
    assert.equal(await countRows(w.db.ownerUrl, 'flag'), 0, 'no flag from the refused decision')
    // Withdraw by the front door: already withdrawn directly after the service read it in review.
    const c = await w.refer()
    await refs.startReview(w.fd, c.id, undefined, CTX)
    w.raceWith(WITHDRAWN_DIRECTLY)
    await assert.rejects(refs.withdraw(w.fd, c.id, { reason: 'Duplicate' }, CTX), {
      name: 'ConflictError',
      message: stale,
    })
    for (const { id } of [a, b, c]) {
      const [row] = await ownerQuery<{ status: string; withdrawn_reason: string }>(
        w.db.ownerUrl,
        'SELECT status, withdrawn_reason FROM referral WHERE id = $1',
        [id],
      )
      assert.deepEqual(row, { status: 'withdrawn', withdrawn_reason: 'Withdrawn directly in the database' })
      // Only the moves that happened: submitted (and reviewed); the refused move left no transition and no audit.
      const audited = await ownerQuery<{ n: string }>(
        w.db.ownerUrl,
        `SELECT count(*) AS n FROM audit_event WHERE record_id = $1 AND action = 'record.update'`,
        [id],
      )
      assert.equal(Number(audited[0]?.n), id === a.id ? 0 : 1)
      assert.equal(
        await countRows(
          w.db.ownerUrl,
          'referral_transition',
          `referral_id = $1 AND to_status = 'withdrawn'`,
          [id],
        ),
        0,
      )
    }
  })

  it('the API answers 409 problem+json and the decision page the GOV.UK error summary with the input kept', async (t) => {
    const w = await racingWorld(t)
    const api = await w.refer()
    await w.built.referrals.startReview(w.fd, api.id, undefined, CTX)
    const headers = await bearer(w.db, w.frontDoor.email, [
      'referral:queue',
      'referral:decide',
      'referral:read-own',
    ])
    w.raceWith(WITHDRAWN_DIRECTLY)
    const res = await w.app.inject({
      method: 'POST',
      url: paths.api.referralDecision(api.id),
      headers,
      payload: { decision: 'early-help', reasons: 'Early help with the family' },
    })
    assert.equal(res.statusCode, 409, res.body)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
    const problem = res.json<{ status: number; title: string; detail: string }>()
    assert.equal(problem.status, 409)
    assert.match(problem.detail, /Someone else changed this referral while you were looking at it/)
    assert.equal(await decidedTransitions(w.db.ownerUrl, api.id), 0)

    const page = await w.refer()
    await w.built.referrals.startReview(w.fd, page.id, undefined, CTX)
    const { agent, page: form } = await signInAt(w.app, w.frontDoor, paths.referrals.decision(page.id))
    const version = /name="version" value="(\d+)"/.exec(form.body)?.[1] ?? ''
    w.raceWith(WITHDRAWN_DIRECTLY)
    const posted = await agent.post(paths.referrals.decision(page.id), {
      decision: 'cin-assessment',
      reasons: 'Section 17 assessment by the Exploitation Team',
      version,
    })
    assert.equal(posted.statusCode, 409)
    assert.match(posted.body, /govuk-error-summary/)
    assert.match(
      posted.body,
      /Someone else changed this referral while you were looking at it\. Check it again\./,
    )
    assert.match(posted.body, /Section 17 assessment by the Exploitation Team/, 'the reasons typed are kept')
    assert.doesNotMatch(posted.body, /Internal server error|Something went wrong/)
    assert.equal(await decidedTransitions(w.db.ownerUrl, page.id), 0)
  })
})
