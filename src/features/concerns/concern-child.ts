import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { ValidNewChild } from './concern-validation.ts'

/**
 * THE ONE PLACE TO REPLACE: the minimal record of a child not known yet, made by the concern that names them.
 *
 * A child's record belongs to the people feature, and should be made by the person service. It has no method for
 * this yet (a practitioner, who has no `person:write`, makes a child's minimal record by raising a concern, as
 * the child's referrer: decideConcernNewChild in the policy), so until it has, the concern service makes it here
 * and nowhere else, in the concern's transaction. What it writes is what the person service would: the person
 * (a child: names, date of birth or an estimated age, school), the raiser's agency as involved, and a home address
 * given on the form (a place, and a "lives at" link with its source). The concern service audits each record
 * made (break-glass marked through the record-access kit). When the person service has the method, call it from
 * concern-service.ts (`newChild`) and delete this file.
 */

/** What the concern's pages need to know about the child: who they are, their age, a learning disability. */
export interface ChildBasics {
  id: string
  givenName: string
  familyName: string | null
  dateOfBirth: string | null
  estimatedAge: number | null
  estimatedAgeOn: string | null
  disability: string | null
}

export interface MadeChild {
  child: ChildBasics
  /** The home address given, when one was: the place and the link from the child. */
  home?: { locationId: string; linkId: string }
}

export async function makeConcernChild(
  trx: Transaction<DB>,
  actor: Actor,
  given: ValidNewChild,
  today: string,
): Promise<MadeChild> {
  const estimatedAgeOn = given.estimatedAge === null ? null : today
  const { id } = await trx
    .insertInto('person')
    .values({
      partnership_id: actor.partnershipId,
      kind: 'child',
      given_name: given.givenName,
      family_name: given.familyName,
      date_of_birth: given.dateOfBirth,
      estimated_age: given.estimatedAge,
      estimated_age_on: estimatedAgeOn,
      school_agency_id: given.schoolAgencyId,
      created_by: actor.userId,
      updated_by: actor.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  // The raiser's agency is involved: its DSL sees the child, and the raiser is their referrer.
  await trx
    .insertInto('person_agency')
    .values({
      person_id: id,
      agency_id: actor.agencyId,
      partnership_id: actor.partnershipId,
      created_by: actor.userId,
    })
    .execute()
  const child: ChildBasics = {
    id,
    givenName: given.givenName,
    familyName: given.familyName,
    dateOfBirth: given.dateOfBirth,
    estimatedAge: given.estimatedAge,
    estimatedAgeOn,
    disability: null,
  }
  if (given.addressLine1 === null) return { child }
  const { id: locationId } = await trx
    .insertInto('location')
    .values({
      partnership_id: actor.partnershipId,
      kind: 'address',
      address_line_1: given.addressLine1,
      postcode: given.postcode,
      created_by: actor.userId,
      updated_by: actor.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  const { id: linkId } = await trx
    .insertInto('link')
    .values({
      partnership_id: actor.partnershipId,
      link_type: 'lives-at',
      from_kind: 'person',
      from_id: id,
      to_kind: 'location',
      to_id: locationId,
      source: 'Given by the practitioner who raised a concern',
      confidence: 'suspected',
      created_by: actor.userId,
      updated_by: actor.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow()
  return { child, home: { locationId, linkId } }
}
