import type { Actor, RecordFacts } from './policy.ts'
import type { Role } from './roles.ts'

/** The actor and records the policy's tests decide about: one partnership, "me", my agency and my team. */

export const P1 = 'partnership-1'
export const P2 = 'partnership-2'
export const ME = 'user-me'
export const MY_AGENCY = 'agency-mine'
export const MY_TEAM = 'team-mine'

/** Me with one role, in my team (which a team manager manages), and any `extra` facts. */
export function actor(role: Role, extra: Partial<Actor> = {}): Actor {
  return {
    userId: ME,
    partnershipId: P1,
    agencyId: MY_AGENCY,
    teamIds: [MY_TEAM],
    managedTeamIds: role === 'team-manager' ? [MY_TEAM] : [],
    roles: [role],
    ...extra,
  }
}

/** A child of my partnership, with the given facts. */
export const child = (facts: Partial<RecordFacts> = {}): RecordFacts => ({
  kind: 'person',
  partnershipId: P1,
  ...facts,
})
