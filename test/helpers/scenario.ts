import type { TestContext } from 'node:test'
import { createBreakGlassGrant } from '../factories/person-factory.ts'
import { build, type Built } from './build.ts'
import type { TestDatabase } from './database.ts'
import { createUser, type TestUser } from './sign-in.ts'

/**
 * The app on its own database with staff by name, each with its roles: the first named in a new fictional
 * partnership, the others in the same partnership and agency (created in the order given).
 */
export async function staffWorld<K extends string>(
  t: Pick<TestContext, 'after'>,
  staff: Record<K, string[]>,
  options: Parameters<typeof build>[1] = {},
): Promise<Built & Record<K, TestUser>> {
  const built = await build(t, options)
  const users = {} as Record<K, TestUser>
  let lead: TestUser | undefined
  for (const name of Object.keys(staff) as K[]) {
    users[name] = await createUser(built.db, built.services, { roles: staff[name], partnershipOf: lead })
    lead ??= users[name]
  }
  return { ...built, ...users }
}

/**
 * Break-glass access for `user` to a person of the world's partnership (the worker's): a grant of 4 hours from
 * now unless `timing` says otherwise. Returns the grant's id.
 */
export function breakGlassFor(
  w: { db: TestDatabase; worker: TestUser },
  user: { id: string },
  person: { id: string },
  timing: { hours?: number; hoursAgo?: number } = {},
): Promise<string> {
  return createBreakGlassGrant(w.db.database, w.db.ownerUrl, {
    partnershipId: w.worker.partnershipId,
    userId: user.id,
    personId: person.id,
    ...timing,
  })
}
