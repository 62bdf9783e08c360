import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decide, type Actor } from '../access/policy.ts'
import { ConflictError } from '../errors.ts'
import { declareWorkflow, FourEyesError } from './workflow.ts'

interface Note {
  status: 'draft' | 'submitted' | 'approved'
  authorId: string
}

const actor = (userId: string, roles: Actor['roles'] = ['team-manager']): Actor => ({
  userId,
  partnershipId: 'p1',
  agencyId: 'a1',
  teamIds: ['t1'],
  managedTeamIds: ['t1'],
  roles,
})
// Who may: a reader of the record (the policy decides); a team manager reads this one through their team.
const may = (a: Actor) => decide(a, 'read', { kind: 'person', partnershipId: 'p1', allocatedTeamId: 't1' })

const notes = declareWorkflow({
  record: 'note',
  states: ['draft', 'submitted', 'approved'] as const,
  initial: 'draft',
  stateOf: (row: Note) => row.status,
  moves: {
    submit: {
      label: 'Submit',
      from: ['draft'],
      to: 'submitted',
      may,
      refusals: { submitted: 'Already submitted', approved: 'Already approved' },
      audit: 'record.update',
    },
    approve: {
      label: 'Approve',
      from: ['submitted'],
      to: 'approved',
      may,
      notBy: (row) => row.authorId,
      notByMessage: 'Someone other than its author must approve it',
      refusals: { draft: 'Submit it first', approved: 'Already approved' },
      audit: 'record.update',
    },
  },
})

describe('declared workflows', () => {
  it('lists every allowed move, and the moves from each state', () => {
    assert.deepEqual(notes.allowedPairs(), [
      [null, 'draft'],
      ['draft', 'submitted'],
      ['submitted', 'approved'],
    ])
    assert.deepEqual(notes.movesFrom('submitted'), ['approve'])
    assert.deepEqual(notes.movesFrom('approved'), [])
  })

  it('refuses a move from a state it does not start from with the table’s message (a conflict)', () => {
    assert.throws(() => notes.check(actor('u1'), 'approve', { status: 'draft', authorId: 'u2' }), {
      name: 'ConflictError',
      message: 'Submit it first',
    })
    assert.throws(
      () => notes.check(actor('u1'), 'submit', { status: 'approved', authorId: 'u1' }),
      ConflictError,
    )
  })

  it('four eyes: the author may not approve, anyone else who may can; offers says the same', () => {
    const row: Note = { status: 'submitted', authorId: 'u1' }
    assert.throws(
      () => notes.check(actor('u1'), 'approve', row),
      (e) => e instanceof FourEyesError,
    )
    assert.equal(notes.offers(actor('u1'), 'approve', row), false)
    const checked = notes.check(actor('u2'), 'approve', row)
    assert.deepEqual([checked.from, checked.to, checked.decision.allowed], ['submitted', 'approved', true])
    assert.equal(notes.offers(actor('u2'), 'approve', row), true)
    // Who may is the policy's: a role without sight of the record is not offered the move.
    assert.equal(notes.offers(actor('u3', ['practitioner']), 'approve', row), false)
    assert.equal(notes.check(actor('u3', ['practitioner']), 'approve', row).decision.allowed, false)
  })

  it('refuses to declare a move into an unknown state, or one that gives no reason for a refusal', () => {
    assert.throws(
      () =>
        declareWorkflow({
          record: 'x',
          states: ['a', 'b'] as const,
          initial: 'a',
          stateOf: (r: { s: 'a' | 'b' }) => r.s,
          moves: { go: { label: 'Go', from: ['a'], to: 'b', may, refusals: {}, audit: 'record.update' } },
        }),
      /gives no reason for refusing from b/,
    )
  })
})
