import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { actor, child, ME, P1, P2 } from './policy-fixtures.ts'
import { decide, decideSuggestion, decideThing, missingRecord } from './policy.ts'
import { ROLES, type Role } from './roles.ts'

const REVIEWERS: Role[] = ['front-door', 'team-manager', 'police-intelligence']

describe('suggested links (decideSuggestion)', () => {
  it('the front door, team managers and police intelligence review suggestions between two things they may read', () => {
    for (const role of ROLES) {
      const a = actor(role)
      // A thing their own agency recorded: every reader may read it (places and things follow agency and links).
      const thing = decideThing(a, 'read', {
        kind: 'object',
        partnershipId: P1,
        createdByAgencyId: a.agencyId,
      })
      const read = decideSuggestion(a, 'read', P1, [thing, thing])
      const write = decideSuggestion(a, 'write', P1, [thing, thing])
      assert.equal(read.allowed, REVIEWERS.includes(role), `${role} reads`)
      assert.equal(write.allowed, REVIEWERS.includes(role), `${role} decides`)
      if (!REVIEWERS.includes(role)) assert.equal(read.denial, 'capability', role)
    }
  })

  it('is refused when the reviewer may not see either end: a hidden child is never revealed', () => {
    const a = actor('team-manager')
    const seen = decide(a, 'read', child({ allocatedWorkerId: ME }))
    const hidden = decide(a, 'read', child({ allocatedWorkerId: 'someone-else' }))
    assert.equal(seen.allowed, true)
    assert.equal(hidden.allowed, false)
    assert.equal(decideSuggestion(a, 'read', P1, [seen, seen]).allowed, true)
    assert.equal(decideSuggestion(a, 'read', P1, [seen, hidden]).allowed, false)
    assert.equal(decideSuggestion(a, 'read', P1, [hidden, seen]).denial, 'relationship')
    assert.equal(decideSuggestion(a, 'read', P1, [seen, missingRecord()]).allowed, false)
    // Police intelligence find anyone by identifier (identity only): that is not sight of the record.
    const unit = actor('police-intelligence')
    const identityOnly = decide(unit, 'read', child({ allocatedWorkerId: 'someone-else' }))
    assert.deepEqual([identityOnly.allowed, identityOnly.fields], [true, ['identity']])
    const own = decide(unit, 'read', child({ allocatedWorkerId: ME }))
    assert.equal(decideSuggestion(unit, 'read', P1, [own, own]).allowed, true)
    assert.equal(decideSuggestion(unit, 'read', P1, [own, identityOnly]).denial, 'relationship')
  })

  it('never through break-glass, never in another partnership, never on a decision made for someone else', () => {
    const a = actor('front-door')
    const glass = decide(a, 'read', child({ breakGlassUserIds: [ME] }))
    assert.equal(glass.allowed && glass.breakGlass, true)
    const own = decide(a, 'read', child({ allocatedWorkerId: ME }))
    assert.equal(decideSuggestion(a, 'read', P1, [own, glass]).allowed, false)
    assert.equal(decideSuggestion(a, 'read', P2, [own, own]).denial, 'partnership')
    const other = actor('front-door', { userId: 'user-other' })
    const theirs = decide(other, 'read', child({ allocatedWorkerId: 'user-other' }))
    assert.equal(decideSuggestion(a, 'read', P1, [own, theirs]).allowed, false)
  })

  it('an API token without link:review is refused, whatever its roles', () => {
    const a = actor('police-intelligence', { scopes: ['person:read', 'link:write'] })
    const thing = decideThing(a, 'read', { kind: 'object', partnershipId: P1 })
    assert.equal(decideSuggestion(a, 'read', P1, [thing, thing]).denial, 'capability')
  })
})
