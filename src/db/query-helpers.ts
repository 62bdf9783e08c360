import { sql } from 'kysely'

/**
 * The bookkeeping columns of a change to a versioned row, spread into `.set(…)`: changed now, by
 * `by`, and the version moved on (so that a writer still holding the old version is refused).
 */
export function changedBy(by: string | null) {
  return { updated_at: sql<Date>`now()`, updated_by: by, version: sql<number>`version + 1` }
}
