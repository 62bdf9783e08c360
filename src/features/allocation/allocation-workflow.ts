import type { AllocationStatus } from '../../db/schema.ts'
import { decideAllocation } from '../../platform/access/policy.ts'
import { declareWorkflow } from '../../platform/workflow/workflow.ts'
import { allocationFacts, type AllocationRow } from './allocation-repository.ts'

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
    allocate: {
      label: 'Allocate a worker',
      from: ['waiting'],
      to: 'allocated',
      may: (actor, row) => decideAllocation(actor, 'write', allocationFacts(row)),
      refusals: { allocated: 'This child has already been allocated: re-allocate them, with a reason' },
      audit: 'record.update',
    },
    reallocate: {
      label: 'Re-allocate to another worker',
      from: ['allocated'],
      to: 'allocated',
      may: (actor, row) => decideAllocation(actor, 'write', allocationFacts(row)),
      refusals: { waiting: 'Allocate the child to a worker first' },
      audit: 'record.update',
    },
  },
})

export type AllocationMove = keyof typeof allocationWorkflow.moves
