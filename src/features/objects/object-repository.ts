import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { changedBy } from '../../db/query-helpers.ts'
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
    async find(
      db: Executor,
      id: string,
      options: { forUpdate?: boolean } = {},
    ): Promise<ObjectRow | undefined> {
      let query = db
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
      if (options.forUpdate === true) query = query.forUpdate('o')
      const r = await query.executeTakeFirst()
      return r === undefined ? undefined : camelRow(r)
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

    async create(
      db: Executor,
      object: ObjectInput & { partnershipId: string; createdBy: string | null; isDemo?: boolean },
    ): Promise<string> {
      const { id } = await db
        .insertInto('object')
        .values({
          partnership_id: object.partnershipId,
          kind: object.kind,
          ...columns(object),
          is_demo: object.isDemo ?? false,
          created_by: object.createdBy,
          updated_by: object.createdBy,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    },

    /** Changes an object if it is still at `version`; false when someone else changed it first. */
    async update(
      db: Executor,
      id: string,
      version: number,
      object: ObjectInput,
      updatedBy: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('object')
        .set({
          ...columns(object),
          ...changedBy(updatedBy),
        })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('kind', '=', object.kind)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },
  }
}

export type ObjectRepository = ReturnType<typeof objectRepository>
