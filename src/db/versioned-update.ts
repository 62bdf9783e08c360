import { sql, type Expression, type SqlBool } from 'kysely'
import { isRowVersion } from '../platform/integer-bounds.ts'
import { changedOne } from './query-helpers.ts'

/** An update query of one table that can be narrowed further and run. */
interface Narrowable<Q> {
  where(condition: Expression<SqlBool>): Q
  executeTakeFirst(): Promise<{ numUpdatedRows: bigint }>
}

/**
 * Runs `query` on the row `id` only while it is still at `version`: whether it changed that row (false: it is not
 * there, or someone changed it first). A version no row can have is stale, answered without a query the database
 * would refuse.
 */
export async function updateAtVersion<Q extends Narrowable<Q>>(
  query: Q,
  id: string,
  version: number,
): Promise<boolean> {
  if (!isRowVersion(version)) return false
  const atVersion = query.where(sql<boolean>`id = ${id}`).where(sql<boolean>`version = ${version}`)
  return changedOne(await atVersion.executeTakeFirst())
}
