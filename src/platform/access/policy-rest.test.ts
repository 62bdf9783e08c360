import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decide, decidePersonMerge } from './policy.ts'
import { actor, child, ME, MY_TEAM as TEAM, P1 } from './policy-fixtures.ts'

/** Search, duplicates, chronology and administration: the decisions of that area (policy.ts, its end block). */

describe('decidePersonMerge', () => {
  it('allows a team manager on a child of their team, with full sight', () => {
    const decision = decidePersonMerge(actor('team-manager'), child({ allocatedTeamId: TEAM }))
    assert.equal(decision.allowed, true)
    assert.deepEqual(decision.fields, ['identity', 'details', 'sensitive'])
    assert.equal(decision.breakGlass, false)
  })

  it('refuses without person:merge, even where the actor may change the record', () => {
    const worker = actor('social-worker')
    const record = child({ allocatedWorkerId: ME })
    assert.equal(decide(worker, 'write', record).allowed, true)
    const decision = decidePersonMerge(worker, record)
    assert.equal(decision.allowed, false)
    assert.equal(decision.denial, 'capability')
  })

  it('refuses a record the actor may not read, in another partnership, or that is not a person', () => {
    const manager = actor('team-manager')
    assert.equal(
      decidePersonMerge(manager, child({ allocatedWorkerId: 'someone-else' })).denial,
      'relationship',
    )
    assert.equal(
      decidePersonMerge(manager, child({ partnershipId: 'p2', allocatedTeamId: TEAM })).denial,
      'partnership',
    )
    assert.equal(decidePersonMerge(manager, { kind: 'location', partnershipId: P1 }).denial, 'capability')
  })

  it('refuses a record the actor may read but not change (a MACE member)', () => {
    const manager = actor('team-manager')
    const record = child({ currentMaceMemberIds: [ME] })
    assert.equal(decide(manager, 'read', record).allowed, true)
    assert.equal(decidePersonMerge(manager, record).allowed, false)
  })

  it('marks a merge allowed through break-glass', () => {
    const decision = decidePersonMerge(actor('team-manager'), child({ breakGlassUserIds: [ME] }))
    assert.equal(decision.allowed, true)
    assert.equal(decision.breakGlass, true)
  })
})
