import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { paths } from '../../platform/paths.ts'
import { build } from '../../../test/helpers/build.ts'
import { staffWorld } from '../../../test/helpers/scenario.ts'
import { ownerQuery } from '../../../test/helpers/database.ts'
import { createUser, signIn, type Agent, signInAt } from '../../../test/helpers/sign-in.ts'
import { countRows, createBreakGlassGrant, createPerson } from '../../../test/factories/person-factory.ts'

async function world(t: Parameters<typeof build>[0]) {
  const built = await staffWorld(t, { dpo: ['dpo'], holder: ['social-worker'] })
  const { dpo, holder } = built
  const child = await createPerson(built.db.database, dpo.partnershipId)
  const grantId = await createBreakGlassGrant(built.db.database, built.db.ownerUrl, {
    partnershipId: dpo.partnershipId,
    userId: holder.id,
    personId: child.id,
  })
  return { ...built, dpo, holder, child, grantId }
}

/** Posts the review form of a grant at version 1: loads the page first, or (`loaded`) posts the one on screen. */
function review(agent: Agent, grantId: string, fields: Record<string, string>, loaded = false) {
  const url = paths.audit.breakGlassReview(grantId)
  const form = { ...fields, version: '1' }
  return loaded ? agent.post(url, form) : agent.submit(url, form)
}

describe('break-glass review (DPO)', () => {
  it('lists pending access with who and why, and records a review once, audited', async (t) => {
    const w = await world(t)
    const { agent, page: queue } = await signInAt(w.app, w.dpo, paths.audit.breakGlass)
    assert.match(queue.body, new RegExp(w.holder.displayName))
    assert.match(queue.body, /child reported missing overnight/)
    assert.doesNotMatch(
      queue.body,
      new RegExp(w.child.givenName),
      'the queue names the record, not the child',
    )
    const res = await review(agent, w.grantId, { outcome: 'justified', note: '' })
    assert.equal(res.statusCode, 303)
    const after = await agent.get(paths.audit.breakGlass)
    assert.match(after.body, /There is nothing to review/)
    assert.match(after.body, /data-testid="reviewed"/)
    const rows = await ownerQuery<{ reason: string; record_id: string }>(
      w.db.ownerUrl,
      `SELECT reason, record_id FROM audit_event WHERE action = 'break-glass.reviewed' AND actor_id = $1`,
      [w.dpo.id],
    )
    assert.deepEqual(rows, [{ reason: 'justified', record_id: w.child.id }])
    // A second review of the same grant is a conflict, not a second outcome.
    const again = await review(agent, w.grantId, { outcome: 'not-justified', note: 'changed my mind' })
    assert.equal(again.statusCode, 409)
    assert.equal(await countRows(w.db.ownerUrl, 'break_glass_grant', `review_outcome = 'justified'`), 1)
  })

  it('needs an outcome, and a note when not justified; keeps what was typed; writes nothing', async (t) => {
    const w = await world(t)
    const agent = await signIn(w.app, w.dpo)
    const none = await review(agent, w.grantId, { note: 'looked fine' })
    assert.equal(none.statusCode, 400)
    assert.match(none.body, /Select whether the access was justified/)
    assert.match(none.body, />looked fine<\/textarea>/)
    const bare = await review(agent, w.grantId, { outcome: 'not-justified', note: ' ' }, true)
    assert.equal(bare.statusCode, 400)
    assert.match(bare.body, /Enter what was wrong with this access/)
    assert.equal(await countRows(w.db.ownerUrl, 'break_glass_grant', 'reviewed_at IS NOT NULL'), 0)
  })

  it('nobody reviews their own access', async (t) => {
    const w = await world(t)
    // A DPO who also holds a grant (e.g. a dual-role account) cannot approve it.
    await ownerQuery(w.db.ownerUrl, `UPDATE break_glass_grant SET user_id = $1`, [w.dpo.id])
    const agent = await signIn(w.app, w.dpo)
    const res = await review(agent, w.grantId, { outcome: 'justified', note: '' })
    assert.equal(res.statusCode, 400)
    assert.match(res.body, /Someone else must review your own break-glass access/)
    assert.equal(await countRows(w.db.ownerUrl, 'break_glass_grant', 'reviewed_at IS NOT NULL'), 0)
  })

  it('other roles get 403 (audited); another partnership’s grant is 404', async (t) => {
    const w = await world(t)
    const worker = await signIn(w.app, w.holder)
    assert.equal((await worker.get(paths.audit.breakGlass)).statusCode, 403)
    const elsewhere = await createUser(w.db, w.services, { roles: ['dpo'] })
    const other = await signIn(w.app, elsewhere)
    assert.equal((await other.get(paths.audit.breakGlassReview(w.grantId))).statusCode, 404)
    assert.doesNotMatch((await other.get(paths.audit.breakGlass)).body, new RegExp(w.holder.displayName))
    assert.equal(
      await countRows(w.db.ownerUrl, 'audit_event', `action = 'access.denied' AND actor_id = $1`, [
        w.holder.id,
      ]),
      1,
    )
  })
})
