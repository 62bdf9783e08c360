import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { actor, child, ME, MY_TEAM, P1, P2 } from './policy-fixtures.ts'
import {
  allowsAbout,
  decide,
  decideAllocation,
  decideAllocationQueue,
  decideAllocationRequest,
  decidePersonAllocation,
} from './policy.ts'
import { ROLES } from './roles.ts'

// a13: allocation (issue 13).
const waiting = (teamId = MY_TEAM, partnershipId = P1) => ({ partnershipId, teamId, workerId: null })

describe('allocation (decideAllocation, decideAllocationQueue)', () => {
  it('only the manager of the team sees its queue and allocates; no other role, team or partnership', () => {
    for (const role of ROLES) {
      const a = actor(role)
      const manager = role === 'team-manager'
      assert.equal(decideAllocationQueue(a, { partnershipId: P1, teamId: MY_TEAM }).allowed, manager, role)
      assert.equal(decideAllocation(a, 'read', waiting()).allowed, manager, `${role} reads`)
      assert.equal(decideAllocation(a, 'write', waiting()).allowed, manager, `${role} allocates`)
    }
    const m = actor('team-manager')
    assert.equal(decideAllocation(m, 'read', waiting('another-team')).allowed, false)
    assert.equal(
      decideAllocationQueue(m, { partnershipId: P1, teamId: 'another-team' }).denial,
      'relationship',
    )
    assert.equal(decideAllocation(m, 'read', waiting(MY_TEAM, P2)).denial, 'partnership')
  })

  it('the allocated worker reads their own allocation but never allocates; a token without allocation:manage cannot', () => {
    const mine = { partnershipId: P1, teamId: 'another-team', workerId: ME }
    const worker = actor('social-worker')
    assert.deepEqual(decideAllocation(worker, 'read', mine).relationships, ['allocated-worker'])
    assert.equal(decideAllocation(worker, 'write', mine).allowed, false)
    assert.equal(decideAllocation(actor('practitioner'), 'read', mine).allowed, false, 'no person:read')
    const token = actor('team-manager', { scopes: ['person:read'] })
    assert.equal(decideAllocation(token, 'write', waiting()).allowed, false)
  })

  it('binds the front door’s queueing and the manager’s allocation to the one child', () => {
    const fd = actor('front-door')
    const referral = decide(fd, 'write', { kind: 'referral', partnershipId: P1 })
    assert.ok(referral.allowed)
    const request = decideAllocationRequest(fd, referral, 'child-1')
    assert.ok(allowsAbout(request, fd, 'person:child-1'))
    assert.equal(allowsAbout(request, fd, 'person:child-2'), false)
    const m = actor('team-manager')
    const allocation = decideAllocation(m, 'write', waiting())
    assert.ok(allowsAbout(decidePersonAllocation(m, allocation, 'child-1'), m, 'person:child-1'))
    // A refused allocation, or one made for someone else, sets nobody's allocation.
    const refused = decideAllocation(m, 'write', waiting('another-team'))
    assert.equal(decidePersonAllocation(m, refused, 'child-1').allowed, false)
    const other = actor('team-manager', { userId: 'someone-else' })
    assert.equal(decidePersonAllocation(other, allocation, 'child-1').allowed, false)
    // And the child's record, once allocated, is the worker's and the team's (the case relationships).
    const allocated = child({ allocatedWorkerId: ME, allocatedTeamId: MY_TEAM })
    assert.ok(decide(actor('social-worker'), 'read', allocated).relationships.includes('allocated-worker'))
  })
})
