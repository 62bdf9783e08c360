import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decide,
  decideFlag,
  decideFlagReason,
  decideLink,
  decideSearchMatch,
  decideThing,
  decideThingKnown,
  FRONT_DOOR_CHILD,
  INTELLIGENCE_UNIT_PERSON,
  isIntelligenceUnit,
  type ThingFacts,
} from './policy.ts'
import { ROLES, ROLE_CAPABILITIES } from './roles.ts'
import { actor, child, ME, MY_AGENCY, P1, P2 } from './policy-fixtures.ts'

/** Slice i12-relations: the working relationships the policy lacked, and places and things. */

describe('the front door’s child (FRONT_DOOR_CHILD)', () => {
  it('a front-door worker reads the child of an open referral: identity, details, identifiers, flags; never intelligence', () => {
    const fd = actor('front-door')
    const read = decide(fd, 'read', child({ openReferral: true }))
    assert.equal(read.allowed, true)
    assert.deepEqual(read.relationships, ['front-door'])
    assert.deepEqual(read.fields, [...FRONT_DOOR_CHILD])
    assert.equal(read.breakGlass, false)
    for (const group of ['intelligence-sanitised', 'intelligence-full'] as const) {
      assert.equal(read.fields.includes(group), false, group)
    }
    assert.equal(decideFlag(fd, 'read', read).allowed, true, 'the flags on the child')
    assert.equal(
      decideFlagReason(fd, decideFlag(fd, 'read', read), { setByAgencyId: 'police' }).allowed,
      true,
    )
  })

  it('ends with the referral, and is never a right to change the record', () => {
    const fd = actor('front-door')
    assert.equal(decide(fd, 'read', child({ openReferral: false })).allowed, false)
    assert.equal(decide(fd, 'write', child({ openReferral: true })).allowed, false)
    // Without the queue (a token without referral:queue) there is no front-door relationship.
    const token = actor('front-door', { scopes: ['person:read'] })
    assert.equal(decide(token, 'read', child({ openReferral: true })).allowed, false)
  })
})

describe('the police intelligence unit (INTELLIGENCE_UNIT_PERSON)', () => {
  it('is the police intelligence role, and no other', () => {
    for (const role of ROLES) {
      assert.equal(isIntelligenceUnit(actor(role)), role === 'police-intelligence', role)
    }
  })

  it('sees who anyone of its partnership is, without break-glass, and nothing more: no details, no flags', () => {
    const police = actor('police-intelligence')
    const read = decide(police, 'read', child())
    assert.equal(read.allowed, true)
    assert.deepEqual(read.fields, [...INTELLIGENCE_UNIT_PERSON])
    assert.deepEqual(read.relationships, ['intelligence-unit'])
    assert.equal(read.breakGlass, false)
    assert.equal(decideFlag(police, 'read', read).allowed, false, 'flags are details')
    assert.equal(decide(police, 'write', child()).allowed, false, 'not a right to change the record')
    assert.equal(decide(police, 'read', child({ partnershipId: P2 })).allowed, false)
    // A case relationship still shows the whole record.
    assert.deepEqual(decide(police, 'read', child({ allocatedWorkerId: ME })).fields, [
      'identity',
      'details',
      'sensitive',
    ])
  })

  it('finds a person by identifiers, never by browsing names; attaches a link to a place or thing to them', () => {
    const police = actor('police-intelligence')
    assert.equal(decideSearchMatch(police, child(), { byIdentifier: true }).allowed, true)
    assert.deepEqual(decideSearchMatch(police, child(), { byIdentifier: true }).fields, ['identity'])
    assert.equal(decideSearchMatch(police, child()).allowed, false, 'a name search')
    assert.equal(decideSearchMatch(police, child({ allocatedWorkerId: ME })).allowed, true, 'their own case')
    const phone = decideThing(police, 'read', { kind: 'object', partnershipId: P1 })
    assert.equal(decideLink(police, 'write', [decide(police, 'read', child()), phone]).allowed, true)
    // Nobody else gets the unit's relationship.
    for (const role of ROLES.filter((r) => r !== 'police-intelligence')) {
      assert.equal(decideSearchMatch(actor(role), child(), { byIdentifier: true }).allowed, false, role)
    }
  })
})

describe('a DSL’s flags and referrals (decideFlagReason)', () => {
  const dsl = actor('dsl')
  const pupil = decide(dsl, 'read', child({ involvedAgencyIds: [MY_AGENCY] }))
  const flag = decideFlag(dsl, 'read', pupil)

  it('sees the flags on their organisation’s children, and the reasons their own agency wrote', () => {
    assert.equal(flag.allowed, true)
    assert.equal(decideFlagReason(dsl, flag, { setByAgencyId: MY_AGENCY }).allowed, true)
  })

  it('never a reason written by another agency (nor by nobody known)', () => {
    assert.equal(decideFlagReason(dsl, flag, { setByAgencyId: 'agency-police' }).allowed, false)
    assert.equal(decideFlagReason(dsl, flag, { setByAgencyId: null }).allowed, false)
  })

  it('a reader with full sight of the child reads every reason; a forged flag decision shows none', () => {
    const sw = actor('social-worker')
    const full = decideFlag(sw, 'read', decide(sw, 'read', child({ allocatedWorkerId: ME })))
    assert.equal(decideFlagReason(sw, full, { setByAgencyId: 'agency-police' }).allowed, true)
    assert.equal(
      decideFlagReason(actor('social-worker', { userId: 'else' }), full, { setByAgencyId: null }).allowed,
      false,
    )
  })

  it('sees the outcome of their own referrals and their organisation’s, and nothing else of the child', () => {
    const mine = decide(dsl, 'read', { kind: 'referral', partnershipId: P1, referrerIds: [ME] })
    assert.deepEqual(mine.fields, ['identity', 'referral-outcome'])
    const colleague = decide(dsl, 'read', {
      kind: 'referral',
      partnershipId: P1,
      involvedAgencyIds: [MY_AGENCY],
    })
    assert.deepEqual(colleague.fields, ['identity', 'referral-outcome'])
    assert.equal(decide(dsl, 'read', { kind: 'referral', partnershipId: P1 }).allowed, false)
  })
})

describe('places and things are not free for all (decideThing)', () => {
  const thing = (facts: Partial<ThingFacts> = {}): ThingFacts => ({
    kind: 'object',
    partnershipId: P1,
    ...facts,
  })
  const readers = ROLES.filter((role) => ROLE_CAPABILITIES[role].includes('person:read'))

  it('their own agency’s records: every reader of people', () => {
    for (const role of ROLES) {
      const read = decideThing(actor(role), 'read', thing({ createdByAgencyId: MY_AGENCY }))
      assert.equal(read.allowed, readers.includes(role), role)
    }
  })

  it('linked to a person they may read: as far as that person; through break-glass only, marked', () => {
    const sw = actor('social-worker')
    const linked = decideThing(
      sw,
      'read',
      thing({ linkedPeople: [child(), child({ allocatedWorkerId: ME })] }),
    )
    assert.equal(linked.allowed, true)
    assert.deepEqual(linked.relationships, ['linked-record'])
    assert.equal(linked.breakGlass, false)
    const glass = decideThing(sw, 'read', thing({ linkedPeople: [child({ breakGlassUserIds: [ME] })] }))
    assert.equal(glass.allowed, true)
    assert.equal(glass.breakGlass, true)
    const dsl = actor('dsl')
    assert.equal(
      decideThing(dsl, 'read', thing({ linkedPeople: [child({ involvedAgencyIds: [MY_AGENCY] })] })).allowed,
      true,
    )
  })

  it('anyone else: refused, as for one that does not exist; the bare lookup says only that it is known', () => {
    for (const role of readers.filter((r) => r !== 'police-intelligence')) {
      const a = actor(role)
      const other = thing({ createdByAgencyId: 'agency-other', linkedPeople: [child()] })
      const read = decideThing(a, 'read', other)
      assert.equal(read.allowed, false, role)
      assert.equal(read.denial, 'relationship', role)
      assert.equal(decideThing(a, 'write', other).allowed, false, role)
      const known = decideThingKnown(a, other)
      assert.equal(known.allowed, true, role)
      assert.deepEqual(known.fields, [], `${role}: no field of the record`)
    }
    assert.equal(decideThingKnown(actor('strategic-leader'), thing()).allowed, false)
    assert.equal(decideThingKnown(actor('social-worker'), thing({ partnershipId: P2 })).allowed, false)
  })

  it('the police intelligence unit holds every place and thing of its partnership; never another partnership’s', () => {
    const police = actor('police-intelligence')
    const read = decideThing(police, 'read', thing())
    assert.equal(read.allowed, true)
    assert.deepEqual(read.relationships, ['intelligence-unit'])
    assert.equal(decideThing(police, 'write', thing()).allowed, true)
    assert.equal(decideThing(police, 'read', thing({ partnershipId: P2 })).allowed, false)
  })

  it('a link to a place or thing is visible only when both ends are, so a hidden person hides it', () => {
    const sw = actor('social-worker')
    const place = decideThing(sw, 'read', thing({ createdByAgencyId: MY_AGENCY }))
    assert.equal(decideLink(sw, 'read', [decide(sw, 'read', child()), place]).allowed, false)
  })
})
