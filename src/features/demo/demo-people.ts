import { fakerEN_GB as faker } from '@faker-js/faker'
import { sql, type Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { testNhsNumber } from '../../platform/identifiers/nhs-number.ts'

/**
 * A small cast of fictional children and adults for the demo accounts to work with: some allocated to the
 * exploitation team (the social worker holds half of them), some known to Castlegate Academy (the DSL's
 * school), a current MACE meeting the chair, the police officer and the social worker attend, and adults of
 * concern known to the police. The county-scale seed (people, places, phones, vehicles) builds on this.
 */
export interface DemoCast {
  partnershipId: string
  agencyIds: ReadonlyMap<string, string>
  teamIds: ReadonlyMap<string, string>
  userIds: ReadonlyMap<string, string>
}

const CHILDREN = 12

/** The people made, and the children's ids in the order made (their index fixes who knows them: see below). */
export async function seedDemoPeople(
  trx: Transaction<DB>,
  cast: DemoCast,
): Promise<{ people: number; children: string[] }> {
  // Case tables are under row-level security: the seed works inside the demo partnership like anyone else.
  await sql`SELECT set_config('app.partnership_id', ${cast.partnershipId}, true)`.execute(trx)
  const people = demoPeople(trx)
  const need = (map: ReadonlyMap<string, string>, key: string) => {
    const value = map.get(key)
    if (value === undefined) throw new Error(`demo cast is missing ${key}`)
    return value
  }
  const school = need(cast.agencyIds, 'Castlegate Academy')
  const police = need(cast.agencyIds, 'Northshire Police')
  const childrensServices = need(cast.agencyIds, "Northshire County Council Children's Services")
  const team = need(cast.teamIds, 'Exploitation Team')
  const worker = need(cast.userIds, 'social-worker')
  // Distinct within the seed: two live records can never share an NHS number.
  const used = new Set<string>()
  const nhs = (): string => {
    const candidate = testNhsNumber((max) => faker.number.int({ min: 0, max }))
    if (used.has(candidate)) return nhs()
    used.add(candidate)
    return candidate
  }
  const name = () => ({
    givenName: faker.person.firstName(),
    familyName: faker.person.lastName(),
  })

  const children: string[] = []
  for (let i = 0; i < CHILDREN; i++) {
    const involved = [childrensServices, ...(i % 3 === 0 ? [school] : []), ...(i % 4 === 0 ? [police] : [])]
    children.push(
      await people.create({
        partnershipId: cast.partnershipId,
        kind: 'child',
        ...name(),
        dateOfBirth: faker.date.birthdate({ mode: 'age', min: 11, max: 17 }).toISOString().slice(0, 10),
        gender: faker.helpers.arrayElement(['Female', 'Male']),
        nhsNumber: nhs(),
        allocatedTeamId: i < 8 ? team : null,
        allocatedWorkerId: i < 6 ? worker : null,
        involvedAgencyIds: involved,
        isDemo: true,
      }),
    )
  }
  for (let i = 0; i < 3; i++) {
    await people.create({
      partnershipId: cast.partnershipId,
      kind: 'adult-of-concern',
      ...name(),
      dateOfBirth: faker.date.birthdate({ mode: 'age', min: 19, max: 34 }).toISOString().slice(0, 10),
      gender: 'Male',
      involvedAgencyIds: [police],
      isDemo: true,
    })
  }
  const { id: meetingId } = await trx
    .insertInto('meeting')
    .values({
      partnership_id: cast.partnershipId,
      kind: 'mace',
      title: 'Northshire MACE',
      held_on: sql<string>`current_date + 14`,
      status: 'planned',
      chair_id: need(cast.userIds, 'mace-chair'),
      is_demo: true,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  for (const role of ['mace-chair', 'police-intelligence', 'social-worker', 'team-manager']) {
    await trx
      .insertInto('meeting_member')
      .values({
        meeting_id: meetingId,
        user_id: need(cast.userIds, role),
        partnership_id: cast.partnershipId,
      })
      .execute()
  }
  for (const personId of children.slice(4, 9)) {
    await trx
      .insertInto('agenda_item')
      .values({ meeting_id: meetingId, person_id: personId, partnership_id: cast.partnershipId })
      .execute()
  }
  return { people: CHILDREN + 3, children }
}

/**
 * The cast's people, written directly (docs/adr/0014-demo-seed-through-services.md): no service makes a person
 * allocated to a worker or team, with several agencies involved, marked as demo data, in the seed's transaction.
 */
function demoPeople(trx: Transaction<DB>) {
  return {
    async create(person: {
      partnershipId: string
      kind: string
      givenName: string
      familyName: string
      dateOfBirth: string
      gender: string
      nhsNumber?: string
      allocatedTeamId?: string | null
      allocatedWorkerId?: string | null
      involvedAgencyIds: string[]
      isDemo: true
    }): Promise<string> {
      const { id } = await trx
        .insertInto('person')
        .values({
          partnership_id: person.partnershipId,
          kind: person.kind,
          given_name: person.givenName,
          family_name: person.familyName,
          date_of_birth: person.dateOfBirth,
          gender: person.gender,
          nhs_number: person.nhsNumber ?? null,
          allocated_team_id: person.allocatedTeamId ?? null,
          allocated_worker_id: person.allocatedWorkerId ?? null,
          is_demo: person.isDemo,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      await trx
        .insertInto('person_agency')
        .values(
          person.involvedAgencyIds.map((agencyId) => ({
            person_id: id,
            agency_id: agencyId,
            partnership_id: person.partnershipId,
          })),
        )
        .execute()
      return id
    },
  }
}
