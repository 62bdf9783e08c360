import { fakerEN_GB as faker } from '@faker-js/faker'
import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { SuggestionService } from '../suggestions/suggestion-service.ts'

/**
 * Duplicates planted in the demo (issue 12, i12-suggest), each recorded by a different agency, that the
 * suggested-links queue then proposes: the same phone number typed differently on two things (a phone the police
 * recorded, and the number a school wrote down as "other"), the same flat recorded twice, and a man known to the
 * police by a street name whom another record names only by that street name. Written directly in the seed's
 * transaction, as the cast is (demo-people.ts), then worked out through the suggestion service.
 */
export interface DemoSuggestionCast {
  partnershipId: string
  police: Actor
  dsl: Actor
  socialWorker: Actor
  youthJustice: Actor
}

export async function seedDemoSuggestions(
  trx: Transaction<DB>,
  suggestions: Pick<SuggestionService, 'refreshFor'>,
  cast: DemoSuggestionCast,
): Promise<{ people: number }> {
  const partnership = cast.partnershipId
  const object = async (by: Actor, kind: 'phone' | 'other', value: string, description: string) =>
    (
      await trx
        .insertInto('object')
        .values({
          partnership_id: partnership,
          kind,
          value,
          description,
          is_demo: true,
          created_by: by.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
  const location = async (by: Actor, line1: string, line2: string | null) =>
    (
      await trx
        .insertInto('location')
        .values({
          partnership_id: partnership,
          kind: 'address',
          address_line_1: line1,
          address_line_2: line2,
          town: 'Northshire',
          postcode: 'NS4 2LN',
          is_demo: true,
          created_by: by.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id
  const person = async (
    by: Actor,
    kind: string,
    givenName: string,
    familyName: string | null,
    dob: string | null,
  ) =>
    (
      await trx
        .insertInto('person')
        .values({
          partnership_id: partnership,
          kind,
          given_name: givenName,
          family_name: familyName,
          date_of_birth: dob,
          gender: 'Male',
          // Police intelligence hold both records, so their reviewer sees the suggestion.
          allocated_worker_id: cast.police.userId,
          is_demo: true,
          created_by: by.userId,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id

  // The same phone: E.164 on the police's phone; as written on a pupil's notebook on the school's "other" thing.
  await object(cast.police, 'phone', '+441134960456', 'Deal line number found on a seized handset')
  const notebook = await object(cast.dsl, 'other', '0113 496 0456', 'Number written in a pupil’s notebook')
  await suggestions.refreshFor(cast.dsl, 'object', notebook, { trx })

  // The same flat, recorded by children's services and by the police.
  await location(cast.socialWorker, 'Flat 2, 41 Mill Lane', null)
  const flat = await location(cast.police, '41 Mill Ln', 'Flat 2')
  await suggestions.refreshFor(cast.police, 'location', flat, { trx })

  // A man the police know by a street name, and a youth justice record naming him only by it.
  const streetName = faker.helpers.arrayElement(['Spider', 'Ghost', 'Smokey', 'Tiny'])
  const known = await person(
    cast.police,
    'adult-of-concern',
    faker.person.firstName('male'),
    faker.person.lastName(),
    faker.date.birthdate({ mode: 'age', min: 20, max: 30 }).toISOString().slice(0, 10),
  )
  await trx
    .insertInto('person_alias')
    .values({
      partnership_id: partnership,
      person_id: known,
      kind: 'street-name',
      name: streetName,
      created_by: cast.police.userId,
    })
    .execute()
  const named = await person(cast.youthJustice, 'associate', streetName, null, null)
  await suggestions.refreshFor(cast.youthJustice, 'person', named, { trx })
  return { people: 2 }
}
