import { fakerEN_GB as faker } from '@faker-js/faker'
import { withTransaction, type Database } from '../../src/db/database.ts'
import { flagRepository, type FlagSubjectKind } from '../../src/features/flags/flag-repository.ts'
import { addDays } from '../../src/features/flags/flag-validation.ts'
import { todayInLondon } from '../../src/platform/calendar.ts'
import { locationRepository } from '../../src/features/locations/location-repository.ts'
import { objectRepository } from '../../src/features/objects/object-repository.ts'
import type { ObjectInput } from '../../src/features/objects/object-validation.ts'
import { testPhoneNumber } from '../../src/platform/identifiers/phone.ts'
import { normalisePhone } from '../../src/platform/identifiers/phone.ts'
import { ownerQuery, type TestDatabase } from '../helpers/database.ts'
import { personBearer } from '../helpers/tokens.ts'

/** Fictional locations, objects and flags for tests (generated, never real). */

/** A fictional postcode in the (non-existent) NS area, valid by Royal Mail's grammar. */
export const testPostcode = () =>
  `NS${String(faker.number.int({ min: 1, max: 9 }))} ${String(faker.number.int({ min: 1, max: 9 }))}${faker.helpers.arrayElement(['AB', 'DE', 'FG', 'HJ', 'LN', 'PQ'])}`

export async function createLocation(
  database: Database,
  partnershipId: string,
  overrides: {
    kind?: 'address' | 'premises' | 'public-place'
    name?: string | null
    /** Who recorded it: their agency's readers may read it (decideThing); null, nobody's agency. */
    createdBy?: string | null
  } = {},
): Promise<{ id: string; addressLine1: string; postcode: string }> {
  const addressLine1 = faker.location.streetAddress().replace(/[^A-Za-z0-9 ]/g, '')
  const postcode = testPostcode()
  const id = await withTransaction(database, { partnershipId }, (trx) =>
    locationRepository().create(trx, {
      kind: overrides.kind ?? 'address',
      name: overrides.name ?? null,
      addressLine1,
      addressLine2: null,
      town: 'Northshire',
      postcode,
      latitude: null,
      longitude: null,
      description: null,
      partnershipId,
      createdBy: overrides.createdBy ?? null,
    }),
  )
  return { id, addressLine1, postcode }
}

export async function createObject(
  database: Database,
  partnershipId: string,
  overrides: Partial<ObjectInput> & {
    /** Who recorded it: their agency's readers may read it (decideThing); null, nobody's agency. */
    createdBy?: string | null
  } = {},
): Promise<{ id: string } & ObjectInput> {
  const value = normalisePhone(testPhoneNumber((max) => faker.number.int({ min: 0, max }))) ?? '+441134960000'
  const { createdBy = null, ...given } = overrides
  const object: ObjectInput = { kind: 'phone', value, platform: null, description: null, ...given }
  const id = await withTransaction(database, { partnershipId }, (trx) =>
    objectRepository().create(trx, { ...object, partnershipId, createdBy }),
  )
  return { id, ...object }
}

/** A flag set by `setBy` (in `teamId`), due for review in `reviewInDays` days (negative: overdue). */
export async function createFlag(
  database: Database,
  ownerUrl: string,
  flag: {
    partnershipId: string
    subjectKind: FlagSubjectKind
    subjectId: string
    setBy: string
    teamId?: string | null
    flagType?: string
    reviewInDays?: number
  },
): Promise<string> {
  const today = todayInLondon()
  const id = await withTransaction(database, { partnershipId: flag.partnershipId }, (trx) =>
    flagRepository().create(trx, {
      partnershipId: flag.partnershipId,
      flagType: flag.flagType ?? (flag.subjectKind === 'person' ? 'cce' : 'cuckooed'),
      subjectKind: flag.subjectKind,
      subjectId: flag.subjectId,
      reason: 'Test: seen carrying packages between two addresses late at night',
      setBy: flag.setBy,
      setByTeamId: flag.teamId ?? null,
      reviewDate: addDays(today, Math.max(flag.reviewInDays ?? 30, 1)),
    }),
  )
  if (flag.reviewInDays !== undefined && flag.reviewInDays < 1) {
    // The application refuses a review date in the past; an overdue review is one whose date has since passed.
    await ownerQuery(ownerUrl, 'UPDATE flag SET review_date = $2 WHERE id = $1', [
      id,
      addDays(today, flag.reviewInDays),
    ])
  }
  return id
}

/** An API bearer header for a person's account, with the given scopes (see personToken). */
export async function bearer(
  db: TestDatabase,
  email: string,
  scopes: string[],
): Promise<{ authorization: string }> {
  return personBearer(db, email, scopes)
}
