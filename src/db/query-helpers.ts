import { sql } from 'kysely'

/**
 * The bookkeeping columns of a change to a versioned row, spread into `.set(…)`: changed now, by
 * `by`, and the version moved on (so that a writer still holding the old version is refused).
 */
export function changedBy(by: string | null) {
  return { updated_at: sql<Date>`now()`, updated_by: by, version: sql<number>`version + 1` }
}

/** The columns every place or thing (a location, an object) is read back with, as selected. */
interface ThingColumns<Kind> {
  id: string
  partnership_id: string
  kind: Kind
  description: string | null
  created_at: Date
  created_by_name: string | null
  updated_at: Date
  version: number
}

/** The fields every place or thing (a location, an object) is read back with, from its columns. */
export function thingFields<Kind>(r: ThingColumns<Kind>) {
  return {
    id: r.id,
    partnershipId: r.partnership_id,
    kind: r.kind,
    description: r.description,
    createdAt: r.created_at,
    createdByName: r.created_by_name,
    updatedAt: r.updated_at,
    version: r.version,
  }
}
