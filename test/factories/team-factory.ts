import type { TestContext } from 'node:test'
import type { NewPerson } from '../../src/features/people/person-repository.ts'
import { build, type Built } from '../helpers/build.ts'
import type { TestDatabase } from '../helpers/database.ts'
import { createUser, type TestUser } from '../helpers/sign-in.ts'
import { createPerson, createTeam, joinTeam } from './person-factory.ts'

/** The worlds the feature tests sign in to: staff of one partnership, a team, a child allocated to it. */

/** Users in `lead`'s partnership and agency, by name, each with its roles (created in the order given). */
export async function createColleagues<K extends string>(
  built: Pick<Built, 'db' | 'services'>,
  lead: TestUser,
  roles: Record<K, string[]>,
): Promise<Record<K, TestUser>> {
  const users = {} as Record<K, TestUser>
  for (const name of Object.keys(roles) as K[]) {
    users[name] = await createUser(built.db, built.services, { roles: roles[name], partnershipOf: lead })
  }
  return users
}

/** A team in `lead`'s partnership and agency, with `lead` and the `members` in it. */
export async function createTeamOf(
  db: TestDatabase,
  lead: TestUser,
  members: TestUser[] = [],
): Promise<string> {
  const teamId = await createTeam(db.database, { partnershipId: lead.partnershipId, agencyId: lead.agencyId })
  for (const user of [lead, ...members]) await joinTeam(db.ownerUrl, user.id, teamId)
  return teamId
}

/**
 * A social worker in a team (with the `teamMates` named among `others` beside them) and a child allocated to
 * the worker and the team (with the overrides `child` gives for this worker); the `others` are in the worker's
 * partnership and agency.
 */
export async function allocatedChildWorld<K extends string>(
  t: Pick<TestContext, 'after'>,
  options: {
    others: Record<K, string[]>
    teamMates?: NoInfer<K>[]
    child?: (worker: TestUser) => Partial<NewPerson>
  },
) {
  const built = await build(t)
  const { db, services } = built
  const worker = await createUser(db, services, { roles: ['social-worker'] })
  const others = await createColleagues(built, worker, options.others)
  const teamId = await createTeamOf(
    db,
    worker,
    (options.teamMates ?? []).map((name) => others[name]),
  )
  const child = await createPerson(db.database, worker.partnershipId, {
    allocatedWorkerId: worker.id,
    allocatedTeamId: teamId,
    ...options.child?.(worker),
  })
  return { ...built, ...others, worker, teamId, child }
}
