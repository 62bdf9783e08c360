import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decide,
  decideDerived,
  decideIntelligenceBasis,
  decideSupersededIntelligence,
  missingRecord,
  type RecordFacts,
} from './policy.ts'
import { actor, child, ME, MY_AGENCY, P1 } from './policy-fixtures.ts'

/** What derives from intelligence (i12d): superseded versions and building on an entry (policy.ts, its end block). */

const entry = (facts: Partial<RecordFacts> = {}): RecordFacts => ({
  kind: 'intelligence',
  partnershipId: P1,
  handlingCode: 'P',
  handlingAgencyIds: [MY_AGENCY],
  recordedById: 'someone-else',
  currentMaceMemberIds: [],
  ...facts,
})

describe('decideSupersededIntelligence', () => {
  it('keeps an old version for its handlers and its author, in full', () => {
    for (const [who, facts] of [
      [actor('police-intelligence'), entry()],
      [actor('social-worker'), entry({ recordedById: ME })],
    ] as const) {
      const decision = decideSupersededIntelligence(who, 'read', facts)
      assert.equal(decision.allowed, true)
      assert.deepEqual(decision.fields, ['intelligence-full'])
    }
  })

  it('refuses an old version to a MACE member who reads the current one sanitised', () => {
    const member = actor('social-worker')
    const facts = entry({ currentMaceMemberIds: [ME] })
    assert.deepEqual(decide(member, 'read', facts).fields, ['intelligence-sanitised'])
    const decision = decideSupersededIntelligence(member, 'read', facts)
    assert.equal(decision.allowed, false)
    assert.equal(decision.denial, 'handling')
  })

  it('refuses anyone the current version is refused to, for the same reason', () => {
    const decision = decideSupersededIntelligence(actor('dsl'), 'read', entry())
    assert.equal(decision.allowed, false)
    assert.equal(decision.denial, 'relationship')
    assert.equal(
      decideSupersededIntelligence(actor('police-intelligence'), 'read', entry({ partnershipId: 'p2' }))
        .denial,
      'partnership',
    )
  })
})

describe('decideIntelligenceBasis', () => {
  it('lets a handler build on an entry they read in full', () => {
    const police = actor('police-intelligence')
    const decision = decideIntelligenceBasis(police, decide(police, 'read', entry()))
    assert.equal(decision.allowed, true)
    assert.deepEqual(decision.fields, ['intelligence-full'])
  })

  it('refuses a MACE member who reads it sanitised, and an author who may not record intelligence', () => {
    const member = actor('mace-chair')
    const sanitised = decideIntelligenceBasis(
      member,
      decide(member, 'read', entry({ currentMaceMemberIds: [ME] })),
    )
    assert.equal(sanitised.allowed, false)
    assert.equal(sanitised.denial, 'handling')
    const author = actor('social-worker')
    const own = decideIntelligenceBasis(author, decide(author, 'read', entry({ recordedById: ME })))
    assert.equal(own.allowed, false)
    assert.equal(own.denial, 'capability')
  })

  it('refuses an entry the actor may not see, a missing one, and a decision made for somebody else', () => {
    const police = actor('police-intelligence')
    assert.equal(decideIntelligenceBasis(police, missingRecord()).allowed, false)
    const other = actor('police-intelligence', { userId: 'user-other' })
    const theirs = decide(other, 'read', entry())
    assert.equal(theirs.allowed, true)
    assert.equal(decideIntelligenceBasis(police, theirs).denial, 'relationship')
    const dsl = actor('dsl')
    assert.equal(decideIntelligenceBasis(dsl, decide(dsl, 'read', entry())).denial, 'relationship')
  })
})

describe('decideDerived on a flag or description from an entry', () => {
  it('shows the derived item only with its entry, sanitised for a MACE member', () => {
    const member = actor('team-manager')
    const subject = decide(member, 'read', child({ currentMaceMemberIds: [ME] }))
    assert.equal(subject.allowed, true)
    const sanitised = decide(member, 'read', entry({ currentMaceMemberIds: [ME] }))
    const shown = decideDerived(member, subject, sanitised)
    assert.equal(shown.allowed, true)
    assert.ok(shown.fields.includes('intelligence-sanitised'))
    assert.ok(!shown.fields.includes('intelligence-full'))
    const hidden = decideDerived(member, subject, decide(member, 'read', entry()))
    assert.equal(hidden.allowed, false)
  })
})
