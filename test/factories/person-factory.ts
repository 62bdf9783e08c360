import { fakerEN_GB as faker } from '@faker-js/faker'
import { withTransaction, type Database } from '../../src/db/database.ts'
import { personRepository, type NewPerson } from '../../src/features/people/person-repository.ts'
import { breakGlassRepository } from '../../src/platform/access/break-glass-repository.ts'
import { userRepository } from '../../src/platform/auth/user-repository.ts'
import { testNhsNumber } from '../../src/platform/identifiers/nhs-number.ts'
import { ownerQuery } from '../helpers/database.ts'

/** Fictional people, teams, meetings and break-glass grants for tests: generated, never real. */

const letters = (name: string) => name.replace(/[^A-Za-z]/g, '') || 'Alex'
/**
 * A generated name with two random letters after it ("Oliviaqz"): tests assert that a hidden person's name is
 * nowhere on a page, and a bare generated name ("Page", "Field", "Name") can be a word the page shows anyway.
 */
const testName = (name: string) => `${letters(name)}${faker.string.alpha({ length: 2, casing: 'lower' })}`

/** A child (by default) aged 10 to 17, with a test-range NHS number. */
export function buildPerson(partnershipId: string, overrides: Partial<NewPerson> = {}): NewPerson {
  const dob = faker.date.birthdate({ mode: 'age', min: 10, max: 17 }).toISOString().slice(0, 10)
  return {
    partnershipId,
    kind: 'child',
    givenName: testName(faker.person.firstName()),
    familyName: testName(faker.person.lastName()),
    dateOfBirth: dob,
    gender: faker.helpers.arrayElement(['Female', 'Male']),
    nhsNumber: testNhsNumber((max) => faker.number.int({ min: 0, max })),
    ...overrides,
  }
}

export async function createPerson(
  database: Database,
  partnershipId: string,
  overrides: Partial<NewPerson> = {},
): Promise<{ id: string } & NewPerson> {
  const person = buildPerson(partnershipId, overrides)
  const id = await withTransaction(database, { partnershipId }, (trx) =>
    personRepository().create(trx, person),
  )
  return { id, ...person }
}

export async function createTeam(
  database: Database,
  team: { partnershipId: string; agencyId: string; name?: string },
): Promise<string> {
  const name = team.name ?? `${faker.word.adjective()} team ${faker.string.alphanumeric(4)}`
  return withTransaction(database, {}, (trx) =>
    userRepository().createTeam(trx, { partnershipId: team.partnershipId, agencyId: team.agencyId, name }),
  )
}

/** Puts a user in a team (test set-up, as the owner role). */
export async function joinTeam(ownerUrl: string, userId: string, teamId: string): Promise<void> {
  await ownerQuery(ownerUrl, 'UPDATE app_user SET team_id = $2 WHERE id = $1', [userId, teamId])
}

/** A meeting with the given members and children on its agenda; 'planned' is current, 'closed' is not. */
export async function createMeeting(
  database: Database,
  partnershipId: string,
  options: { memberIds: string[]; personIds: string[]; status?: 'planned' | 'held' | 'closed' },
): Promise<string> {
  return withTransaction(database, { partnershipId }, async (trx) => {
    const { id } = await trx
      .insertInto('meeting')
      .values({
        partnership_id: partnershipId,
        kind: 'mace',
        title: `MACE ${faker.date.soon().toISOString().slice(0, 10)}`,
        held_on: faker.date.soon().toISOString().slice(0, 10),
        status: options.status ?? 'planned',
      })
      .returning('id')
      .executeTakeFirstOrThrow()
    for (const userId of options.memberIds) {
      await trx
        .insertInto('meeting_member')
        .values({ meeting_id: id, user_id: userId, partnership_id: partnershipId })
        .execute()
    }
    for (const personId of options.personIds) {
      await trx
        .insertInto('agenda_item')
        .values({ meeting_id: id, person_id: personId, partnership_id: partnershipId })
        .execute()
    }
    return id
  })
}

/** A break-glass grant as if given `hoursAgo` hours ago for `hours` hours (negative remaining time = expired). */
export async function createBreakGlassGrant(
  database: Database,
  ownerUrl: string,
  grant: { partnershipId: string; userId: string; personId: string; hours?: number; hoursAgo?: number },
): Promise<string> {
  const { id } = await withTransaction(database, { partnershipId: grant.partnershipId }, (trx) =>
    breakGlassRepository().create(trx, {
      partnershipId: grant.partnershipId,
      userId: grant.userId,
      recordType: 'person',
      recordId: grant.personId,
      reason: 'Test: child reported missing overnight',
      hours: grant.hours ?? 4,
      auditEventId: null,
    }),
  )
  if (grant.hoursAgo !== undefined) {
    await ownerQuery(
      ownerUrl,
      `UPDATE break_glass_grant SET granted_at = granted_at - make_interval(hours => $2),
                                    expires_at = expires_at - make_interval(hours => $2) WHERE id = $1`,
      [id, grant.hoursAgo],
    )
  }
  return id
}

/** Rows the owner sees (bypassing row-level security), for asserting what the app wrote. */
export async function countRows(
  ownerUrl: string,
  table: string,
  where = 'true',
  values: unknown[] = [],
): Promise<number> {
  const rows = await ownerQuery<{ n: string }>(
    ownerUrl,
    `SELECT count(*) AS n FROM ${table} WHERE ${where}`,
    values,
  )
  return Number(rows[0]?.n ?? 0)
}
