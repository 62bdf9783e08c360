import type { AllocationStatus } from '../../db/schema.ts'
import { decideAllocation, type Actor } from '../../platform/access/policy.ts'
import { declareWorkflow, type MoveDefinition } from '../../platform/workflow/workflow.ts'
import { allocationFacts, type AllocationRow } from './allocation-repository.ts'

function allocationMove(
  label: string,
  from: AllocationStatus,
  refusals: Partial<Record<AllocationStatus, string>>,
): MoveDefinition<AllocationStatus, AllocationRow> {
  // Only the team's manager (decideAllocation's write rule) allocates; every move ends allocated.
  const may = (actor: Actor, row: AllocationRow) => decideAllocation(actor, 'write', allocationFacts(row))
  return { label, from: [from], to: 'allocated', may, refusals, audit: 'record.update' }
}

/**
 * A child's allocation (issue 13): waiting in a team's queue → allocated to one of its workers by the team's
 * manager; re-allocated later (allocated → allocated) with a reason. Every move is kept in allocation_history.
 */
export const allocationWorkflow = declareWorkflow({
  record: 'allocation',
  states: ['waiting', 'allocated'] as const satisfies readonly AllocationStatus[],
  initial: 'waiting',
  stateOf: (row: AllocationRow) => row.status,
  moves: {
    allocate: allocationMove('Allocate a worker', 'waiting', {
      allocated: 'This child has already been allocated: re-allocate them, with a reason',
    }),
    reallocate: allocationMove('Re-allocate to another worker', 'allocated', {
      waiting: 'Allocate the child to a worker first',
    }),
  },
})

export type AllocationMove = keyof typeof allocationWorkflow.moves
