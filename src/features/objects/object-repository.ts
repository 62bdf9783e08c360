import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { findOne, type FindOptions } from '../../db/query-helpers.ts'
import { insertThing, newThingColumns, updateThing, type NewThing } from '../../db/thing-store.ts'
import { camelRow } from '../../db/rows.ts'
import type { ThingStored } from '../../platform/access/pole-records.ts'
import type { ObjectInput } from './object-validation.ts'

/** An object as stored (row-level security limits it to the transaction's partnership). */
export type ObjectRow = ObjectInput & ThingStored

/** An object's own columns but its kind (fixed once created), written alike on create and change. */
const columns = (object: ObjectInput) => ({
  value: object.value,
  platform: object.platform,
  description: object.description,
})

export function objectRepository() {
  return {
    /** One object; `forUpdate` locks its row for a change. */
    async find(db: Executor, id: string, options: FindOptions = {}): Promise<ObjectRow | undefined> {
      const query = db
        .selectFrom('object as o')
        .leftJoin('app_user as u', 'u.id', 'o.created_by')
        .select([
          'o.id',
          'o.partnership_id',
          'o.kind',
          'o.value',
          'o.platform',
          'o.description',
          'o.created_at',
          'u.display_name as created_by_name',
          'o.updated_at',
          'o.version',
        ])
        .where('o.id', '=', id)
      return findOne(query, 'o', options, (r) => camelRow(r))
    },

    /**
     * Another object with the same identifier (kind, platform ignoring case, value): the unique index
     * object_value_idx allows only one.
     */
    async findSame(
      db: Executor,
      input: Pick<ObjectInput, 'kind' | 'value' | 'platform'>,
      exceptId?: string,
    ): Promise<string | undefined> {
      let query = db
        .selectFrom('object')
        .select('id')
        .where('kind', '=', input.kind)
        .where('value', '=', input.value)
        .where(sql<string>`coalesce(lower(platform), '')`, '=', (input.platform ?? '').toLowerCase())
      if (exceptId !== undefined) query = query.where('id', '<>', exceptId)
      return (await query.executeTakeFirst())?.id
    },

    async create(db: Executor, object: ObjectInput & NewThing): Promise<string> {
      return insertThing(db, 'object', {
        ...newThingColumns(object),
        kind: object.kind,
        ...columns(object),
      })
    },

    /** Changes an object if it is still at `version`; false when someone else changed it first. */
    async update(
      db: Executor,
      id: string,
      version: number,
      object: ObjectInput,
      updatedBy: string,
    ): Promise<boolean> {
      return updateThing(db, 'object', { id, version, kind: object.kind }, columns(object), updatedBy)
    },
  }
}

export type ObjectRepository = ReturnType<typeof objectRepository>
