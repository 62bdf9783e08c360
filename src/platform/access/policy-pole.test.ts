import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  decide,
  decideFlag,
  decideFlagBecause,
  decideLink,
  decideNewThing,
  decideThing,
  isDecisionFor,
  missingRecord,
  type Actor,
} from './policy.ts'
import type { Capability } from './roles.ts'
import { ROLES, type Role } from './roles.ts'

const P1 = 'partnership-1'
const P2 = 'partnership-2'

function actor(role: Role, extra: Partial<Actor> = {}): Actor {
  return {
    userId: `user-${role}`,
    partnershipId: P1,
    agencyId: 'agency-1',
    teamIds: ['team-1'],
    managedTeamIds: [],
    roles: [role],
    ...extra,
  }
}

const KINDS = ['location', 'object'] as const
/** The actors' agency: the places and things here are their agency's records (decideThing's own-agency rule). */
const MINE = 'agency-1'

describe('places and things (decideThing, decideNewThing)', () => {
  it('any role that may read people may read a place or thing its agency recorded; nobody another partnership’s', () => {
    for (const role of ROLES) {
      for (const kind of KINDS) {
        const mine = decideThing(actor(role), 'read', { kind, partnershipId: P1, createdByAgencyId: MINE })
        const readsPeople = decide(actor(role), 'read', {
          kind: 'person',
          partnershipId: P1,
          allocatedWorkerId: `user-${role}`,
        }).allowed
        assert.equal(mine.allowed, readsPeople, `${role} reads a ${kind}`)
        assert.equal(
          decideThing(actor(role), 'read', { kind, partnershipId: P2 }).allowed,
          false,
          `${role} never reads another partnership's ${kind}`,
        )
      }
    }
    assert.equal(
      decideThing(actor('dsl'), 'read', { kind: 'location', partnershipId: P1, createdByAgencyId: MINE })
        .allowed,
      true,
    )
    assert.equal(
      decideThing(actor('practitioner'), 'read', {
        kind: 'object',
        partnershipId: P1,
        createdByAgencyId: MINE,
      }).allowed,
      false,
    )
  })

  it('changing one needs sight of it and person:write or link:write; a token’s scopes narrow it', () => {
    const facts = { kind: 'object', partnershipId: P1, createdByAgencyId: MINE } as const
    assert.equal(decideThing(actor('social-worker'), 'write', facts).allowed, true)
    assert.equal(decideThing(actor('mace-chair'), 'write', facts).allowed, true, 'link:write alone')
    assert.equal(decideThing(actor('dsl'), 'write', facts).allowed, false)
    assert.equal(decideThing(actor('dsl'), 'write', facts).denial, 'capability')
    const reader: Capability[] = ['person:read']
    assert.equal(decideThing(actor('social-worker', { scopes: reader }), 'write', facts).allowed, false)
    assert.equal(decideThing(actor('social-worker', { scopes: reader }), 'read', facts).allowed, true)
    assert.equal(
      decideThing(actor('social-worker'), 'write', { ...facts, partnershipId: P2 }).denial,
      'partnership',
    )
  })

  it('a decision on a place or thing is made for its actor, never through break-glass', () => {
    const sw = actor('social-worker')
    const made = decideThing(sw, 'read', { kind: 'location', partnershipId: P1, createdByAgencyId: MINE })
    assert.equal(isDecisionFor(made, sw), true)
    assert.equal(isDecisionFor(made, actor('dsl')), false)
    assert.equal(made.breakGlass, false)
  })

  it('recording a new one: in the actor’s own partnership, on the write rule', () => {
    for (const role of ROLES) {
      for (const kind of KINDS) {
        assert.equal(
          decideNewThing(actor(role), kind).allowed,
          decideThing(actor(role), 'write', { kind, partnershipId: P1, createdByAgencyId: MINE }).allowed,
          `${role} records a ${kind}`,
        )
      }
    }
    assert.equal(decideNewThing(actor('front-door'), 'location').allowed, true)
    assert.equal(decideNewThing(actor('dsl'), 'location').allowed, false)
    assert.equal(
      decideNewThing(actor('social-worker', { scopes: ['person:read', 'person:write'] }), 'object').allowed,
      true,
      'person:write is enough, as for a change',
    )
  })
})

describe('links and flags on places and things', () => {
  const sw = actor('social-worker')
  const child = decide(sw, 'read', { kind: 'person', partnershipId: P1, allocatedWorkerId: sw.userId })
  const stranger = decide(sw, 'read', { kind: 'person', partnershipId: P1 })
  const flat = decideThing(sw, 'read', { kind: 'location', partnershipId: P1, createdByAgencyId: MINE })
  const phone = decideThing(sw, 'read', { kind: 'object', partnershipId: P1, createdByAgencyId: MINE })

  it('a link between a child and a place is visible with both; with a hidden person, never', () => {
    assert.equal(decideLink(sw, 'read', [child, flat]).allowed, true)
    assert.equal(decideLink(sw, 'read', [phone, flat]).allowed, true, 'a thing at a place')
    assert.equal(decideLink(sw, 'read', [stranger, flat]).allowed, false)
    assert.equal(decideLink(sw, 'read', [flat, missingRecord()]).allowed, false, 'an end that is not there')
    assert.equal(decideLink(sw, 'write', [child, phone]).allowed, true)
    const dsl = actor('dsl')
    const dslFlat = decideThing(dsl, 'read', { kind: 'location', partnershipId: P1, createdByAgencyId: MINE })
    assert.equal(decideLink(dsl, 'read', [dslFlat, dslFlat]).allowed, true)
    assert.equal(decideLink(dsl, 'write', [dslFlat, dslFlat]).allowed, false, 'no link:write')
  })

  it('a flag on a place is read with it and set with flag:write; a decision about another record is refused', () => {
    assert.equal(decideFlag(sw, 'read', flat).allowed, true)
    assert.equal(decideFlag(sw, 'write', flat).allowed, true)
    const dsl = actor('dsl')
    assert.equal(
      decideFlag(
        dsl,
        'write',
        decideThing(dsl, 'read', { kind: 'location', partnershipId: P1, createdByAgencyId: MINE }),
      ).allowed,
      false,
    )
    assert.equal(
      decideFlag(sw, 'read', decideThing(sw, 'read', { kind: 'location', partnershipId: P2 })).allowed,
      false,
    )
    assert.equal(decideFlagBecause(sw, flat, 'location:some-id').allowed, false, 'not bound to that record')
  })
})
