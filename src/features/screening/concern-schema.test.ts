import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { sql } from 'kysely'
import { withTransaction, type Executor } from '../../db/database.ts'
import { createPerson } from '../../../test/factories/person-factory.ts'
import { build } from '../../../test/helpers/build.ts'
import { createUser } from '../../../test/helpers/sign-in.ts'

/** Ticks one item of guide 1 on a concern, as screening does: a concern_indicator row. */
const tickItem = (
  trx: Executor,
  concern: { id: string; partnershipId: string },
  item: { code: string; evidence: string; basis: 'evidenced' | 'concern' },
) =>
  trx
    .insertInto('concern_indicator')
    .values({
      concern_id: concern.id,
      partnership_id: concern.partnershipId,
      guide_id: 1,
      item_code: item.code,
      evidence: item.evidence,
      recency: 'current',
      basis: item.basis,
    })
    .execute()

/** The database's own guards on concerns and referrals (migration 0010), beneath the services. */
describe('concern and referral tables', () => {
  async function setUp(t: Parameters<typeof build>[0]) {
    const { db, services } = await build(t)
    const user = await createUser(db, services, { roles: ['practitioner'] })
    const child = await createPerson(db.database, user.partnershipId)
    const ctx = { partnershipId: user.partnershipId, actorId: user.id }
    const concernId = await withTransaction(db.database, ctx, async (trx) => {
      const { id } = await trx
        .insertInto('concern')
        .values({
          partnership_id: user.partnershipId,
          person_id: child.id,
          recorded_by: user.id,
          immediate_danger: false,
          guide_id: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await tickItem(
        trx,
        { id, partnershipId: user.partnershipId },
        { code: 'unexplained-money', evidence: 'New trainers and two phones', basis: 'evidenced' },
      )
      return id
    })
    return { db, user, child, ctx, concernId }
  }

  it('a concern cannot be recorded without its answers, and a recorded screening cannot change', async (t) => {
    const { db, user, ctx, concernId } = await setUp(t)
    await assert.rejects(
      withTransaction(db.database, ctx, (trx) =>
        trx.updateTable('concern').set({ status: 'recorded' }).where('id', '=', concernId).execute(),
      ),
      /check constraint/,
    )
    await withTransaction(db.database, ctx, (trx) =>
      trx
        .updateTable('concern')
        .set({
          status: 'recorded',
          narrative: 'Seen getting into a car after school with an older man',
          happened_on: '2026-11-27',
          consent: 'not-asked',
          family_aware: 'yes',
          judged_level: 'low',
          judgement_reason: 'One indicator, known to school',
          recorded_at: new Date(),
        })
        .where('id', '=', concernId)
        .execute(),
    )
    await assert.rejects(
      withTransaction(db.database, ctx, (trx) =>
        trx.deleteFrom('concern_indicator').where('concern_id', '=', concernId).execute(),
      ),
      /cannot change/,
    )
    await assert.rejects(
      withTransaction(db.database, ctx, (trx) =>
        tickItem(
          trx,
          { id: concernId, partnershipId: user.partnershipId },
          { code: 'parental-concerns', evidence: 'Added later', basis: 'concern' },
        ),
      ),
      /cannot change/,
    )
  })

  it('a ticked item must be an item of the guide, with evidence', async (t) => {
    const { db, user, ctx, concernId } = await setUp(t)
    const tick = (itemCode: string, evidence: string) =>
      withTransaction(db.database, ctx, (trx) =>
        tickItem(
          trx,
          { id: concernId, partnershipId: user.partnershipId },
          { code: itemCode, evidence, basis: 'concern' },
        ),
      )
    await assert.rejects(tick('not-an-item', 'Something'), /foreign key/)
    await assert.rejects(tick('parental-concerns', '   '), /check constraint/)
  })

  it('a referral moves only submitted → in review → decided (or withdrawn), and a final one never moves', async (t) => {
    const { db, user, child, ctx } = await setUp(t)
    const referralId = await withTransaction(db.database, ctx, async (trx) => {
      const { id } = await trx
        .insertInto('referral')
        .values({
          partnership_id: user.partnershipId,
          person_id: child.id,
          referrer_id: user.id,
          decision_due_at: new Date(Date.now() + 86_400_000),
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    })
    const move = (status: 'submitted' | 'in-review' | 'decided' | 'withdrawn', extra: object = {}) =>
      withTransaction(db.database, ctx, (trx) =>
        trx
          .updateTable('referral')
          .set({ status, ...extra })
          .where('id', '=', referralId)
          .execute(),
      )
    const decision = {
      decision: 'cin-assessment',
      decision_reasons: 'Exploitation indicators, section 17 assessment',
      decided_by: user.id,
      decided_at: new Date(),
    }
    await assert.rejects(move('decided', decision), /cannot move from submitted to decided/)
    await move('in-review')
    await assert.rejects(move('decided'), /check constraint/) // no decision, no reasons
    await move('decided', decision)
    await assert.rejects(move('in-review'), /cannot move from decided to in-review/)
    await assert.rejects(
      move('withdrawn', { withdrawn_by: user.id, withdrawn_at: new Date(), withdrawn_reason: 'x' }),
      /cannot move from decided/,
    )
    const { rows } = await withTransaction(db.database, ctx, (trx) =>
      sql<{ status: string }>`SELECT status FROM referral WHERE id = ${referralId}`.execute(trx),
    )
    assert.deepEqual(rows, [{ status: 'decided' }])
  })
})
