import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { withTransaction } from '../../db/database.ts'
import { build } from '../../../test/helpers/build.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser } from '../../../test/helpers/sign-in.ts'
import { createPerson } from '../../../test/factories/person-factory.ts'
import { actorFor, CTX, createReferral } from '../../../test/factories/referral-factory.ts'
import { referralWorkflow } from './referral-workflow.ts'

describe('the referral workflow table', () => {
  it('agrees with the database trigger on every move between two states', async (t) => {
    const { db, services } = await build(t)
    const referrer = await createUser(db, services, { roles: ['practitioner'] })
    const child = await createPerson(db.database, referrer.partnershipId)
    const allowed = new Set(referralWorkflow.allowedPairs().map(([from, to]) => `${from ?? ''}>${to}`))
    const context = { actorId: referrer.id, partnershipId: referrer.partnershipId }
    let compared = 0
    for (const from of referralWorkflow.states) {
      for (const to of referralWorkflow.states) {
        if (from === to) continue
        const { id: referralId } = await createReferral(services, db.database, referrer, child.id)
        // Put the referral in `from` without the trigger (the owner, as a replica would apply a change).
        const decision = from === 'decided' ? "'no-further-action'" : 'NULL'
        await ownerQuery(
          db.ownerUrl,
          `BEGIN; SET LOCAL session_replication_role = replica;
           UPDATE referral SET status = '${from}', decision = ${decision},
             decision_reasons = 'Workflow test', decided_by = referrer_id, decided_at = now(),
             withdrawn_by = referrer_id, withdrawn_at = now(), withdrawn_reason = 'Workflow test'
            WHERE id = '${referralId}'; COMMIT`,
        )
        // Then the move itself, as the app's runtime role.
        const refused = await withTransaction(db.database, context, async (trx) => {
          // With what the target state's CHECK constraints want, so that only the trigger can refuse.
          await sql`UPDATE referral SET status = ${to},
                      decision = CASE WHEN ${to} = 'decided' THEN 'no-further-action' END,
                      decision_reasons = coalesce(decision_reasons, 'Workflow test'),
                      decided_by = coalesce(decided_by, referrer_id), decided_at = coalesce(decided_at, now()),
                      withdrawn_by = coalesce(withdrawn_by, referrer_id),
                      withdrawn_at = coalesce(withdrawn_at, now()),
                      withdrawn_reason = coalesce(withdrawn_reason, 'Workflow test')
                    WHERE id = ${referralId}`.execute(trx)
        }).then(
          () => false,
          (error: unknown) => {
            assert.equal(
              (error as { code?: string }).code,
              'OM409',
              `${from} → ${to}: refused with the workflow's SQLSTATE`,
            )
            return true
          },
        )
        assert.equal(
          !refused,
          allowed.has(`${from}>${to}`),
          `${from} → ${to}: the table and the trigger agree`,
        )
        compared++
      }
    }
    assert.equal(compared, 12)
  })

  it('says why for each state a move cannot start from, and offers only the moves a state allows', () => {
    for (const [name, move] of Object.entries(referralWorkflow.moves)) {
      for (const state of referralWorkflow.states) {
        if (!move.from.includes(state)) assert.ok(move.refusals[state], `${name} from ${state}`)
      }
    }
    assert.deepEqual(referralWorkflow.movesFrom('submitted'), ['review', 'withdraw'])
    assert.deepEqual(referralWorkflow.movesFrom('in-review'), ['decide', 'withdraw'])
    assert.deepEqual(referralWorkflow.movesFrom('decided'), [])
  })

  it('refuses a move from a state the table does not allow with the table’s message, writing nothing', async (t) => {
    const { db, services } = await build(t)
    const referrer = await createUser(db, services, { roles: ['practitioner'] })
    const frontDoor = await createUser(db, services, { roles: ['front-door'], partnershipOf: referrer })
    const child = await createPerson(db.database, referrer.partnershipId)
    const { id: referralId } = await createReferral(services, db.database, referrer, child.id)
    const fd = actorFor(frontDoor, ['front-door'])
    await assert.rejects(services.referrals.decide(fd, referralId, { decision: 'nfa', reasons: 'x' }, CTX), {
      name: 'ConflictError',
      message: referralWorkflow.moves.decide.refusals.submitted,
    })
    const [row] = await ownerQuery<{ status: string; version: number }>(
      db.ownerUrl,
      'SELECT status, version FROM referral WHERE id = $1',
      [referralId],
    )
    assert.deepEqual(row, { status: 'submitted', version: 1 })
  })
})
