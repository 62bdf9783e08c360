import type { RecordFacts } from '../../src/platform/access/policy.ts'
import { ME, MY_AGENCY, MY_TEAM, P2 } from '../../src/platform/access/policy-fixtures.ts'

/**
 * How the actor of the policy fixtures (`actor()`) relates to a record: the columns of the policy's matrix
 * tests, each the facts that make that relationship.
 */
export const RELATIONS = {
  none: {},
  worker: { allocatedWorkerId: ME },
  team: { allocatedTeamId: MY_TEAM },
  mace: { currentMaceMemberIds: [ME] },
  referrer: { referrerIds: [ME] },
  'own-agency': { involvedAgencyIds: [MY_AGENCY] },
  'break-glass': { breakGlassUserIds: [ME] },
  'other-partnership': { partnershipId: P2, allocatedWorkerId: ME },
} satisfies Record<string, Partial<RecordFacts>>
export type Relation = keyof typeof RELATIONS
