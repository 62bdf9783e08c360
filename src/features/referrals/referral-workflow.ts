import type { ReferralStatus } from '../../db/schema.ts'
import { decide, decideReferralWithdraw } from '../../platform/access/policy.ts'
import { declareWorkflow } from '../../platform/workflow/workflow.ts'
import { referralFacts, type ReferralRow } from './referral-repository.ts'

/**
 * A referral's journey (issue 5): submitted (by anyone, without approval) → in review → decided, or withdrawn
 * while open. The database's trigger (migrations 0010, 0012) refuses the same moves; referral-workflow.test.ts
 * walks every pair of states through it and compares.
 */
export const referralWorkflow = declareWorkflow({
  record: 'referral',
  states: ['submitted', 'in-review', 'decided', 'withdrawn'] as const satisfies readonly ReferralStatus[],
  initial: 'submitted',
  stateOf: (row: ReferralRow) => row.status,
  moves: {
    review: {
      label: 'Start the review',
      from: ['submitted'],
      to: 'in-review',
      // The front door (and its managers) review and decide.
      may: (actor, row) => decide(actor, 'write', referralFacts(row)),
      refusals: {
        'in-review': 'Someone has already started reviewing this referral',
        decided: 'This referral has already been decided',
        withdrawn: 'This referral has been withdrawn',
      },
      audit: 'record.update',
    },
    decide: {
      label: 'Record the decision',
      from: ['in-review'],
      to: 'decided',
      may: (actor, row) => decide(actor, 'write', referralFacts(row)),
      refusals: {
        submitted: 'Start the review before recording a decision',
        decided: 'This referral has already been decided',
        withdrawn: 'This referral has been withdrawn and cannot be decided',
      },
      audit: 'record.update',
    },
    withdraw: {
      label: 'Withdraw the referral',
      from: ['submitted', 'in-review'],
      to: 'withdrawn',
      may: (actor, row) => decideReferralWithdraw(actor, referralFacts(row)),
      refusals: {
        decided: 'This referral has been decided and cannot be withdrawn',
        withdrawn: 'This referral has already been withdrawn',
      },
      audit: 'record.update',
    },
  },
})

export type ReferralMove = keyof typeof referralWorkflow.moves
