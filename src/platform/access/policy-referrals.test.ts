import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  allowsAbout,
  decide,
  decideFlag,
  decideFlagBecause,
  decideLink,
  decideReferralFlag,
  decideReferralSubmit,
  decideReferralWithdraw,
  isDecisionFor,
  missingRecord,
  type Decision,
  type RecordFacts,
} from './policy.ts'
import { ROLES, type Role } from './roles.ts'
import { actor, ME, P1 } from './policy-fixtures.ts'

const referral = (extra: Partial<RecordFacts> = {}): RecordFacts => ({
  kind: 'referral',
  partnershipId: P1,
  referrerIds: ['someone-else'],
  involvedAgencyIds: ['agency-other'],
  ...extra,
})

const FRONT_DOOR: readonly Role[] = ['front-door', 'team-manager']
/** Who may refer: every role but the oversight ones. */
const OVERSIGHT: readonly Role[] = ['strategic-leader', 'dpo', 'system-admin']
const REFER: readonly Role[] = ROLES.filter((role) => !OVERSIGHT.includes(role))

describe('the policy on referrals (named decisions moved out of the referral service)', () => {
  it('decideReferralWithdraw: the front door on any referral, its referrer on their own, nobody else', () => {
    for (const role of ROLES) {
      const mine = decideReferralWithdraw(actor(role), referral({ referrerIds: [ME] }))
      const theirs = decideReferralWithdraw(actor(role), referral())
      assert.equal(mine.allowed, FRONT_DOOR.includes(role) || REFER.includes(role), `${role}: their own`)
      assert.equal(theirs.allowed, FRONT_DOOR.includes(role), `${role}: someone else's`)
    }
    // A referrer whose token lacks referral:create may read their referral but not withdraw it.
    const reader = actor('practitioner', { scopes: ['referral:read-own'] })
    assert.equal(decideReferralWithdraw(reader, referral({ referrerIds: [ME] })).allowed, false)
    assert.equal(decide(reader, 'read', referral({ referrerIds: [ME] })).allowed, true)
    // Never in another partnership.
    assert.equal(
      decideReferralWithdraw(actor('front-door'), referral({ partnershipId: 'p2' })).allowed,
      false,
    )
  })

  it('decideReferralSubmit: only your own concern, with referral:create, in your partnership', () => {
    for (const role of ROLES) {
      const own = decideReferralSubmit(actor(role), { partnershipId: P1, recordedBy: ME })
      assert.equal(own.allowed, REFER.includes(role), role)
      assert.equal(decideReferralSubmit(actor(role), { partnershipId: P1, recordedBy: 'x' }).allowed, false)
    }
    const elsewhere = decideReferralSubmit(actor('practitioner'), { partnershipId: 'p2', recordedBy: ME })
    assert.equal(elsewhere.denial, 'partnership')
  })

  it('the front door sees a child whose referral is open, and no other child through that relation', () => {
    const child = (openReferral: boolean): RecordFacts => ({
      kind: 'person',
      partnershipId: P1,
      openReferral,
    })
    for (const role of ROLES) {
      const open = decide(actor(role), 'read', child(true))
      // The intelligence unit sees who anyone is, whatever the referral (INTELLIGENCE_UNIT_PERSON).
      const unit = role === 'police-intelligence'
      assert.equal(open.allowed, FRONT_DOOR.includes(role) || unit, role)
      if (open.allowed && !unit) assert.deepEqual(open.relationships, ['front-door'])
      if (unit) assert.deepEqual(open.fields, ['identity'], role)
      assert.equal(decide(actor(role), 'read', child(false)).allowed, unit, role)
      // Reading is not changing: the front door writes to a child's record only with a case relationship.
      assert.equal(decide(actor(role), 'write', child(true)).allowed, false, role)
    }
  })

  it('decideReferralFlag: whoever may decide the referral may flag its child, bound to that one child', () => {
    const fd = actor('front-door')
    const because = decideReferralFlag(fd, referral(), 'child-1')
    assert.equal(because.allowed, true)
    assert.equal(decideFlagBecause(fd, because, 'person:child-1').allowed, true)
    // Not another child, not a location, not for someone else.
    assert.equal(decideFlagBecause(fd, because, 'person:child-2').allowed, false)
    assert.equal(decideFlagBecause(fd, because, 'location:child-1').allowed, false)
    assert.equal(
      decideFlagBecause(actor('front-door', { userId: 'other' }), because, 'person:child-1').allowed,
      false,
    )
    // Someone who may not decide gets a decision that allows nothing.
    const sw = actor('social-worker')
    const refused = decideReferralFlag(sw, referral(), 'child-1')
    assert.equal(refused.allowed, false)
    assert.equal(decideFlagBecause(sw, refused, 'person:child-1').allowed, false)
  })
})

describe('decisions are the policy’s own', () => {
  it('a decision is frozen and known as made for its actor; a copy or a literal is not a decision', () => {
    const me = actor('social-worker')
    const decision = decide(me, 'read', { kind: 'person', partnershipId: P1, allocatedWorkerId: ME })
    assert.equal(decision.allowed, true)
    assert.ok(Object.isFrozen(decision) && Object.isFrozen(decision.fields))
    assert.equal(isDecisionFor(decision, me), true)
    assert.equal(isDecisionFor(decision, actor('social-worker', { userId: 'someone-else' })), false)
    const forged = { ...decision } as Decision
    assert.equal(isDecisionFor(forged, me), false)
    assert.equal(
      isDecisionFor({ allowed: true, relationships: [], fields: [], breakGlass: false }, me),
      false,
    )
    assert.equal(allowsAbout(forged, me, 'person:x'), false)
    // A missing record's answer is nobody's in particular, and allows nothing.
    assert.equal(isDecisionFor(missingRecord(), me), true)
    assert.equal(missingRecord().allowed, false)
  })

  it('decideFlag, decideLink and decideFlagBecause refuse a forged or borrowed decision', () => {
    const me = actor('social-worker')
    const real = decide(me, 'read', { kind: 'person', partnershipId: P1, allocatedWorkerId: ME })
    assert.equal(decideFlag(me, 'write', real).allowed, true)
    const forged = { ...real } as Decision
    assert.equal(decideFlag(me, 'write', forged).allowed, false)
    assert.equal(decideFlag(actor('social-worker', { userId: 'other' }), 'write', real).allowed, false)
    assert.equal(decideFlagBecause(me, forged, 'person:x').allowed, false)
    assert.equal(decideLink(me, 'read', [real, real]).allowed, true)
    assert.equal(decideLink(me, 'read', [real, forged]).allowed, false)
  })
})
