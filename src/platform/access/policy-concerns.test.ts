import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  can,
  decide,
  decideConcernChild,
  decideConcernNewChild,
  decideNotification,
  decideSearchMatch,
  isDecisionFor,
  missingRecord,
  type RecordFacts,
} from './policy.ts'
import { ROLES } from './roles.ts'
import { actor, child, ME, MY_AGENCY, P1 } from './policy-fixtures.ts'
import { RELATIONS } from '../../../test/helpers/policy.ts'

const referral = (facts: Partial<RecordFacts> = {}): RecordFacts => ({
  kind: 'referral',
  partnershipId: P1,
  ...facts,
})

describe('decideConcernChild: may this actor name this child in a concern', () => {
  it('is the read decision where the actor may read the child, else what search shows them, for every role and relation', () => {
    for (const role of ROLES) {
      for (const [name, facts] of Object.entries(RELATIONS)) {
        const a = actor(role)
        const got = decideConcernChild(a, child(facts))
        const read = decide(a, 'read', child(facts))
        const expected = read.allowed || decideSearchMatch(a, child(facts)).allowed
        assert.equal(got.allowed, expected, `${role} / ${name}`)
        assert.ok(isDecisionFor(got, a))
        if (read.allowed) assert.deepEqual(got.fields, read.fields, `${role} / ${name}: the read's fields`)
      }
    }
  })

  it('a practitioner names a child they referred (who they are, nothing more), never a stranger', () => {
    const referred = decideConcernChild(actor('practitioner'), child({ referrerIds: [ME] }))
    assert.equal(referred.allowed, true)
    assert.deepEqual(referred.fields, ['identity'])
    assert.equal(referred.breakGlass, false)
    assert.equal(decideConcernChild(actor('practitioner'), child()).allowed, false)
    assert.equal(
      decideConcernChild(actor('practitioner'), child({ involvedAgencyIds: [MY_AGENCY] })).allowed,
      false,
    )
  })

  it('a child reached through break-glass is named through break-glass: the read is marked for the DPO', () => {
    const glass = decideConcernChild(actor('social-worker'), child({ breakGlassUserIds: [ME] }))
    assert.equal(glass.allowed, true)
    assert.equal(glass.breakGlass, true)
    const allocated = decideConcernChild(actor('social-worker'), child({ allocatedWorkerId: ME }))
    assert.equal(allocated.breakGlass, false)
  })

  it('never a child of another partnership, whatever the relationship', () => {
    for (const role of ROLES) {
      const other = child({ partnershipId: 'partnership-2', allocatedWorkerId: ME, referrerIds: [ME] })
      assert.equal(decideConcernChild(actor(role), other).allowed, false, role)
    }
  })
})

describe('decideConcernNewChild: a concern makes the minimal record of a child not known yet', () => {
  it('for anyone who may raise a concern, as its referrer (identity only); refused otherwise', () => {
    for (const role of ROLES) {
      const a = actor(role)
      const got = decideConcernNewChild(a)
      assert.equal(got.allowed, can(a, 'concern:create'), role)
      if (got.allowed) {
        assert.deepEqual(got.relationships, ['referrer'])
        assert.deepEqual(got.fields, ['identity'])
        assert.equal(got.breakGlass, false)
      } else assert.equal(got.denial, 'capability')
    }
  })

  it('a token without concern:create narrows the role: refused', () => {
    assert.equal(
      decideConcernNewChild(actor('practitioner', { scopes: ['referral:read-own'] })).allowed,
      false,
    )
  })
})

describe('decideNotification: the front door with full sight of the referral', () => {
  it('allows the front door on a referral it may read in full', () => {
    const a = actor('front-door')
    const got = decideNotification(a, decide(a, 'read', referral()))
    assert.equal(got.allowed, true)
    assert.equal(got.breakGlass, false)
  })

  it('refuses a role without referral:queue (capability), whatever it may see of the referral', () => {
    const a = actor('social-worker')
    const read = decide(a, 'read', referral({ allocatedWorkerId: ME }))
    assert.equal(read.allowed, true)
    const got = decideNotification(a, read)
    assert.equal(got.allowed, false)
    assert.equal(got.denial, 'capability')
  })

  it('refuses a reader who sees only the outcome, and a referral not seen at all', () => {
    const fd = actor('front-door')
    assert.equal(decideNotification(fd, missingRecord()).allowed, false)
    const outcomeOnly = decide(actor('practitioner'), 'read', referral({ referrerIds: [ME] }))
    assert.equal(outcomeOnly.allowed, true)
    assert.equal(decideNotification(fd, outcomeOnly).allowed, false)
  })

  it('keeps the break-glass mark of the referral read', () => {
    for (const role of ROLES) {
      const a = actor(role)
      const read = decide(a, 'read', referral({ breakGlassUserIds: [ME] }))
      const got = decideNotification(a, read)
      if (got.allowed) assert.equal(got.breakGlass, read.breakGlass, role)
    }
  })
})
