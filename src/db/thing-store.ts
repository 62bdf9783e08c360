import type { Insertable, Updateable, UpdateObject } from 'kysely'
import type { Executor } from './database.ts'
import { changedBy, changedOne } from './query-helpers.ts'
import type { DB } from './schema.ts'

/**
 * The tables of places and things (locations and objects): each row a partnership's, created by someone (its
 * first updater), changed only at the version it was read at. Their repositories write through these, so a new
 * kind of place or thing is written the same way.
 */
type ThingTable = 'location' | 'object'

/** Who records a new place or thing, for which partnership, and whether it is demonstration data. */
export interface NewThing {
  partnershipId: string
  createdBy: string | null
  isDemo?: boolean
}

/** The columns of a new place or thing besides its own: its partnership, its creator (the first updater). */
export const newThingColumns = (by: NewThing) => ({
  partnership_id: by.partnershipId,
  is_demo: by.isDemo ?? false,
  created_by: by.createdBy,
  updated_by: by.createdBy,
})

/** Inserts a place or thing; its id. */
export async function insertThing<T extends ThingTable>(
  db: Executor,
  table: T,
  values: Insertable<DB[T]>,
): Promise<string> {
  const { id } = await db.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow()
  return id
}

/**
 * Changes a place or thing's own columns if it is still at `at.version` (and, given `at.kind`, still of that
 * kind); false when someone else changed it first.
 */
export async function updateThing<T extends ThingTable>(
  db: Executor,
  table: T,
  at: { id: string; version: number; kind?: DB[T]['kind'] },
  columns: Updateable<DB[T]>,
  updatedBy: string,
): Promise<boolean> {
  // Widened to every place and thing table (whose bookkeeping columns are alike) for the query builder.
  const anyTable: ThingTable = table
  const kind: DB[ThingTable]['kind'] | undefined = at.kind
  const set: UpdateObject<DB, ThingTable> = { ...columns, ...changedBy(updatedBy) }
  let query = db.updateTable(anyTable).set(set).where('id', '=', at.id).where('version', '=', at.version)
  if (kind !== undefined) query = query.where('kind', '=', kind)
  return changedOne(await query.executeTakeFirst())
}
