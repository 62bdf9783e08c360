/** Test data for search and duplicate tests: aliases, phones, vehicles and addresses linked to people. */
import { ownerQuery } from '../helpers/database.ts'

export async function addAlias(
  ownerUrl: string,
  person: { id: string; partnershipId: string },
  name: string,
  kind: 'alias' | 'street-name' | 'previous-name' = 'street-name',
): Promise<string> {
  const [row] = await ownerQuery<{ id: string }>(
    ownerUrl,
    'INSERT INTO person_alias (partnership_id, person_id, kind, name) VALUES ($1, $2, $3, $4) RETURNING id',
    [person.partnershipId, person.id, kind, name],
  )
  return row!.id
}

async function link(
  ownerUrl: string,
  partnershipId: string,
  type: string,
  fromId: string,
  toKind: 'person' | 'location' | 'object',
  toId: string,
): Promise<string> {
  const [row] = await ownerQuery<{ id: string }>(
    ownerUrl,
    `INSERT INTO link (partnership_id, link_type, from_kind, from_id, to_kind, to_id, source, confidence)
     VALUES ($1, $2, 'person', $3, $4, $5, 'Test record', 'confirmed') RETURNING id`,
    [partnershipId, type, fromId, toKind, toId],
  )
  return row!.id
}

/** An object (phone in E.164, vehicle compact) linked from the person; reuses the object if it exists. */
export async function linkObject(
  ownerUrl: string,
  person: { id: string; partnershipId: string },
  kind: 'phone' | 'vehicle',
  value: string,
): Promise<{ objectId: string; linkId: string }> {
  const [row] = await ownerQuery<{ id: string }>(
    ownerUrl,
    `INSERT INTO object (partnership_id, kind, value) VALUES ($1, $2, $3)
     ON CONFLICT (partnership_id, kind, coalesce(lower(platform), ''), value) DO UPDATE SET value = EXCLUDED.value
     RETURNING id`,
    [person.partnershipId, kind, value],
  )
  const objectId = row!.id
  const linkId = await link(
    ownerUrl,
    person.partnershipId,
    kind === 'phone' ? 'uses-phone' : 'seen-in-vehicle',
    person.id,
    'object',
    objectId,
  )
  return { objectId, linkId }
}

export async function createLocation(
  ownerUrl: string,
  partnershipId: string,
  postcode: string,
): Promise<string> {
  const [row] = await ownerQuery<{ id: string }>(
    ownerUrl,
    `INSERT INTO location (partnership_id, kind, address_line_1, town, postcode)
     VALUES ($1, 'address', '12 Example Road', 'Testbury', $2) RETURNING id`,
    [partnershipId, postcode],
  )
  return row!.id
}

export async function livesAt(
  ownerUrl: string,
  person: { id: string; partnershipId: string },
  locationId: string,
): Promise<string> {
  return link(ownerUrl, person.partnershipId, 'lives-at', person.id, 'location', locationId)
}

export async function linkPeople(
  ownerUrl: string,
  from: { id: string; partnershipId: string },
  toId: string,
): Promise<string> {
  return link(ownerUrl, from.partnershipId, 'associate-of', from.id, 'person', toId)
}

export async function addFlag(
  ownerUrl: string,
  person: { id: string; partnershipId: string },
  setBy: string,
): Promise<string> {
  const [row] = await ownerQuery<{ id: string }>(
    ownerUrl,
    `INSERT INTO flag (partnership_id, flag_type, subject_kind, subject_id, reason, set_by, review_date)
     VALUES ($1, 'cce', 'person', $2, 'Test: seen with older males at the station', $3, CURRENT_DATE + 90)
     RETURNING id`,
    [person.partnershipId, person.id, setBy],
  )
  return row!.id
}

export async function addStatus(
  ownerUrl: string,
  person: { id: string; partnershipId: string },
): Promise<string> {
  const [row] = await ownerQuery<{ id: string }>(
    ownerUrl,
    `INSERT INTO person_statutory_status (partnership_id, person_id, status, from_date)
     VALUES ($1, $2, 'child-in-need', CURRENT_DATE - 30) RETURNING id`,
    [person.partnershipId, person.id],
  )
  return row!.id
}

/** Sets a person's identifiers directly (test set-up, as the owner role). */
export async function setIdentifiers(
  ownerUrl: string,
  personId: string,
  ids: { upn?: string | null; laChildId?: string | null; policeId?: string | null },
): Promise<void> {
  await ownerQuery(ownerUrl, 'UPDATE person SET upn = $2, la_child_id = $3, police_id = $4 WHERE id = $1', [
    personId,
    ids.upn ?? null,
    ids.laChildId ?? null,
    ids.policeId ?? null,
  ])
}
