import { fakerEN_GB as faker } from '@faker-js/faker'
import { withTransaction, type Database } from '../../src/db/database.ts'
import type { Actor } from '../../src/platform/access/policy.ts'
import type { Role } from '../../src/platform/access/roles.ts'
import type { Services } from '../../src/services.ts'
import { build } from '../helpers/build.ts'
import { createUser, type TestUser } from '../helpers/sign-in.ts'
import { createPerson, createTeam, joinTeam } from './person-factory.ts'

/** Fictional concerns and referrals for tests (issue 5). */

export const CTX = { requestId: 'test', ip: '127.0.0.1' }

/** The policy's view of a test user with these roles (no team). */
export function actorFor(user: TestUser, roles: Role[], teamIds: string[] = []): Actor {
  return {
    userId: user.id,
    partnershipId: user.partnershipId,
    agencyId: user.agencyId,
    teamIds,
    managedTeamIds: roles.includes('team-manager') ? teamIds : [],
    roles,
  }
}

/** A concern about a child, recorded (by default) by `by`, as the concern flow would leave it. */
export async function createConcern(
  database: Database,
  by: TestUser,
  personId: string,
  options: { status?: 'draft' | 'recorded'; immediateDanger?: boolean; judgedLevel?: string } = {},
): Promise<string> {
  const status = options.status ?? 'recorded'
  const danger = options.immediateDanger ?? false
  return withTransaction(database, { actorId: by.id, partnershipId: by.partnershipId }, async (trx) => {
    const row = await trx
      .insertInto('concern')
      .values({
        partnership_id: by.partnershipId,
        person_id: personId,
        status,
        recorded_by: by.id,
        recorded_by_agency_id: by.agencyId,
        immediate_danger: danger,
        police_called: danger ? true : null,
        police_called_at: danger ? new Date() : null,
        narrative: faker.lorem.sentences(2),
        happened_on: new Date().toISOString().slice(0, 10),
        consent: 'not-asked',
        family_aware: 'no',
        guide_id: 1,
        suggested_level: 'medium',
        suggested_score: 12,
        judged_level: options.judgedLevel ?? 'high',
        judgement_reason: 'Fictional judgement for a test',
        recorded_at: status === 'recorded' ? new Date() : null,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    return row.id
  })
}

/** A recorded concern by `by` and its referral, submitted through the service. */
export async function createReferral(
  services: Services,
  database: Database,
  by: TestUser,
  personId: string,
  options: { immediateDanger?: boolean; roles?: Role[] } = {},
): Promise<{ id: string; concernId: string }> {
  const concernId = await createConcern(database, by, personId, options)
  const submitted = await services.referrals.submit(
    actorFor(by, options.roles ?? ['practitioner']),
    { concernId },
    CTX,
  )
  return { id: submitted.id, concernId }
}

/** A practitioner who refers, the front door of their partnership (and its actor, `fd`), and a child. */
export async function referralWorld(t: Parameters<typeof build>[0]) {
  const built = await build(t)
  const { db, services } = built
  const referrer = await createUser(db, services, { roles: ['practitioner'] })
  const frontDoor = await createUser(db, services, { roles: ['front-door'], partnershipOf: referrer })
  const child = await createPerson(db.database, referrer.partnershipId)
  // a13: a team with a manager, whose allocation queue a decision for an assessment or a strategy meeting names.
  const allocationTeamId = await createTeam(db.database, {
    partnershipId: referrer.partnershipId,
    agencyId: referrer.agencyId,
  })
  const manager = await createUser(db, services, { roles: ['team-manager'], partnershipOf: referrer })
  await joinTeam(db.ownerUrl, manager.id, allocationTeamId)
  return { ...built, referrer, frontDoor, child, fd: actorFor(frontDoor, ['front-door']), allocationTeamId }
}
