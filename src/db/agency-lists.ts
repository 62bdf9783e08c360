import type { Executor } from './database.ts'

/** A partnership's agencies as a form or filter lists them: id and name, by name. */
const agencyNames = (db: Executor, partnershipId: string) =>
  db.selectFrom('agency').select(['id', 'name']).where('partnership_id', '=', partnershipId).orderBy('name')

/** Every agency of the partnership (a filter, a link's source). */
export function partnershipAgencies(
  db: Executor,
  partnershipId: string,
): Promise<Array<{ id: string; name: string }>> {
  return agencyNames(db, partnershipId).execute()
}

/** The partnership's active schools (education agencies), for a child's school. */
export function partnershipSchools(
  db: Executor,
  partnershipId: string,
): Promise<Array<{ id: string; name: string }>> {
  return agencyNames(db, partnershipId)
    .where('agency_type', '=', 'education')
    .where('disabled_at', 'is', null)
    .execute()
}
