import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { actor, child, ME, MY_TEAM, P1, P2 } from './policy-fixtures.ts'
import { decide, decideTask, decideTaskReassign, missingRecord, type TaskFacts } from './policy.ts'
import { ROLES } from './roles.ts'

const task = (facts: Partial<TaskFacts> = {}): TaskFacts => ({
  partnershipId: P1,
  assignedUserId: null,
  assignedTeamId: null,
  escalatedToTeamId: null,
  ...facts,
})
const mine = task({ assignedUserId: ME, assignedTeamId: MY_TEAM })

describe('tasks (decideTask)', () => {
  it('its assignee, their team and its manager, when they may see the child; others never', () => {
    for (const role of ROLES) {
      const a = actor(role)
      const subject = decide(a, 'read', child({ allocatedWorkerId: ME, allocatedTeamId: MY_TEAM }))
      assert.equal(decideTask(a, 'read', mine, subject).allowed, subject.allowed, role)
      assert.equal(
        decideTask(a, 'read', task({ assignedTeamId: MY_TEAM }), subject).allowed,
        subject.allowed,
        role,
      )
      const someoneElse = task({ assignedUserId: 'someone-else', assignedTeamId: 'other-team' })
      assert.equal(decideTask(a, 'read', someoneElse, subject).allowed, false, role)
    }
  })

  it('a task about a child its assignee may not see in full is refused as if it did not exist', () => {
    const a = actor('social-worker')
    const hidden = decide(a, 'read', child({ allocatedWorkerId: 'someone-else' }))
    const refused = decideTask(a, 'read', mine, hidden)
    assert.equal(refused.allowed, false)
    assert.equal(refused.denial, 'relationship')
    assert.equal(decideTask(a, 'read', mine, missingRecord()).allowed, false)
    // The police intelligence unit reaches who any child is (identity only): not enough for a task about them.
    const unit = actor('police-intelligence')
    const identity = decide(unit, 'read', child({ allocatedWorkerId: 'someone-else' }))
    assert.equal(decideTask(unit, 'read', mine, identity).allowed, false)
  })

  it('never through break-glass, and never for another partnership, nor on a decision made for someone else', () => {
    const a = actor('social-worker')
    const glass = decide(a, 'read', child({ breakGlassUserIds: [ME] }))
    assert.equal(glass.breakGlass, true)
    assert.equal(decideTask(a, 'read', mine, glass).allowed, false)
    const seen = decide(a, 'read', child({ allocatedWorkerId: ME }))
    assert.equal(decideTask(a, 'read', { ...mine, partnershipId: P2 }, seen).denial, 'partnership')
    const other = actor('social-worker', { userId: 'other-user' })
    assert.equal(decideTask(other, 'read', task({ assignedTeamId: MY_TEAM }), seen).allowed, false)
  })

  it('an escalated task reaches the manager of the team it was escalated to', () => {
    const manager = actor('team-manager', { userId: 'the-manager' })
    const subject = decide(manager, 'read', child({ allocatedTeamId: MY_TEAM }))
    const escalated = task({ assignedUserId: 'worker', escalatedToTeamId: MY_TEAM })
    assert.equal(decideTask(manager, 'read', escalated, subject).allowed, true)
    assert.deepEqual(decideTask(manager, 'read', escalated, subject).relationships, ['team-manager'])
  })
})

describe('reassigning a task (decideTaskReassign)', () => {
  it('the team manager only, and only to someone in the team', () => {
    const manager = actor('team-manager')
    const subject = decide(manager, 'read', child({ allocatedTeamId: MY_TEAM }))
    assert.equal(decideTaskReassign(manager, mine, subject, undefined).allowed, true)
    assert.equal(decideTaskReassign(manager, mine, subject, MY_TEAM).allowed, true)
    assert.equal(decideTaskReassign(manager, mine, subject, 'other-team').denial, 'capability')
    assert.equal(decideTaskReassign(manager, mine, subject, null).denial, 'capability')
    const worker = actor('social-worker')
    const seen = decide(worker, 'read', child({ allocatedWorkerId: ME }))
    assert.equal(decideTask(worker, 'write', mine, seen).allowed, true)
    assert.equal(decideTaskReassign(worker, mine, seen, MY_TEAM).denial, 'capability')
  })
})
