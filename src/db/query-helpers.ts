import { sql } from 'kysely'

/**
 * The bookkeeping columns of a change to a versioned row, spread into `.set(…)`: changed now, by
 * `by`, and the version moved on (so that a writer still holding the old version is refused).
 */
export function changedBy(by: string | null) {
  return { updated_at: sql<Date>`now()`, updated_by: by, version: sql<number>`version + 1` }
}

/** How a repository's `find` is asked for a row about to be changed: `forUpdate` locks it until the commit. */
export interface FindOptions {
  forUpdate?: boolean
}

/** A select query that can be locked (FOR UPDATE OF one of its tables) and read for its first row. */
interface Lockable<Row, Table> {
  forUpdate(of: Table): Lockable<Row, Table>
  executeTakeFirst(): Promise<Row | undefined>
}

/**
 * The one row `query` finds, as `toRow` makes it, or undefined; locked (FOR UPDATE OF `table`, the record's own
 * table: never the nullable side of a join) when `options.forUpdate` asks.
 */
export async function findOne<Row, Table, Record>(
  query: Lockable<Row, Table>,
  table: Table,
  options: FindOptions,
  toRow: (row: Row) => Record,
): Promise<Record | undefined> {
  const row = await (options.forUpdate === true ? query.forUpdate(table) : query).executeTakeFirst()
  return row === undefined ? undefined : toRow(row)
}

/** Whether an update changed exactly one row (false: it was not there, or no longer at the version given). */
export const changedOne = (result: { numUpdatedRows: bigint }): boolean => result.numUpdatedRows === 1n
