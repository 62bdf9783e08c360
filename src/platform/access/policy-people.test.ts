import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decideBreakGlassReview, decideRecordViews, isDecisionFor, type Actor } from './policy.ts'
import { ROLES, type Role } from './roles.ts'
import { actor as fixtureActor, child, ME } from './policy-fixtures.ts'

/** Me with one role; here even a team manager manages no team. */
const actor = (role: Role, extra: Partial<Actor> = {}): Actor =>
  fixtureActor(role, { managedTeamIds: [], ...extra })

describe('decideRecordViews', () => {
  it('a reader with record-views:read sees the trail of a record they may read, with their read’s fields', () => {
    const decision = decideRecordViews(actor('social-worker'), child({ allocatedWorkerId: ME }))
    assert.equal(decision.allowed, true)
    assert.deepEqual(decision.relationships, ['allocated-worker'])
    assert.deepEqual(decision.fields, ['identity', 'details', 'sensitive'])
    assert.equal(decision.breakGlass, false)
    assert.ok(isDecisionFor(decision, actor('social-worker')))
  })

  it('through break-glass, the trail is allowed and marked', () => {
    const decision = decideRecordViews(actor('team-manager'), child({ breakGlassUserIds: [ME] }))
    assert.equal(decision.allowed, true)
    assert.equal(decision.breakGlass, true)
  })

  it('the data protection officer sees the trail of any record in the partnership, and none of its fields', () => {
    const decision = decideRecordViews(actor('dpo'), child())
    assert.equal(decision.allowed, true)
    assert.deepEqual(decision.fields, [])
    assert.equal(decideRecordViews(actor('dpo'), child({ partnershipId: 'elsewhere' })).allowed, false)
  })

  it('a reader without a relationship, or a reader without record-views:read, is refused', () => {
    assert.equal(decideRecordViews(actor('social-worker'), child()).denial, 'relationship')
    // A MACE chair may read a child on the current agenda, but not the record's views.
    const chair = decideRecordViews(actor('mace-chair'), child({ currentMaceMemberIds: [ME] }))
    assert.equal(chair.allowed, false)
    assert.equal(chair.denial, 'capability')
    assert.equal(
      decideRecordViews(actor('social-worker'), child({ partnershipId: 'elsewhere', allocatedWorkerId: ME }))
        .denial,
      'partnership',
    )
  })

  it('only roles with record-views:read or audit:read ever see a trail', () => {
    for (const role of ROLES) {
      const allowed = decideRecordViews(actor(role), child({ allocatedWorkerId: ME })).allowed
      assert.equal(allowed, ['social-worker', 'team-manager', 'dpo'].includes(role), role)
    }
  })
})

describe('decideBreakGlassReview', () => {
  it('the data protection officer sees and reviews someone else’s access', () => {
    assert.equal(decideBreakGlassReview(actor('dpo'), 'read', { holderId: 'someone' }).allowed, true)
    assert.equal(decideBreakGlassReview(actor('dpo'), 'write', { holderId: 'someone' }).allowed, true)
  })

  it('nobody reviews their own access, though they may see it', () => {
    assert.equal(decideBreakGlassReview(actor('dpo'), 'read', { holderId: ME }).allowed, true)
    const own = decideBreakGlassReview(actor('dpo'), 'write', { holderId: ME })
    assert.equal(own.allowed, false)
    assert.equal(own.denial, 'relationship')
  })

  it('no other role sees or reviews break-glass access', () => {
    for (const role of ROLES.filter((r) => r !== 'dpo')) {
      for (const action of ['read', 'write'] as const) {
        const decision = decideBreakGlassReview(actor(role), action, { holderId: 'someone' })
        assert.equal(decision.denial, 'capability', `${role} ${action}`)
      }
    }
  })
})
