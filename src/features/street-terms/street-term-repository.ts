import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { changedBy } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'
import { isRowVersion } from '../../platform/integer-bounds.ts'

/** One term of a partnership's glossary, as its administrator manages it. */
export interface StreetTermRow {
  id: string
  partnershipId: string
  code: string
  term: string
  variants: string[]
  meaning: string
  indicatorCodes: string[]
  sortOrder: number
  retiredAt: Date | null
  version: number
}

const COLUMNS = [
  'id',
  'partnership_id',
  'code',
  'term',
  'variants',
  'meaning',
  'indicator_codes',
  'sort_order',
  'retired_at',
  'version',
] as const

/** The partnership's street terms (migration 0016): SQL only; the service validates and audits. */
export function streetTermRepository() {
  const base = (db: Executor, partnershipId: string) =>
    db.selectFrom('partnership_street_term').select(COLUMNS).where('partnership_id', '=', partnershipId)

  return {
    /** Every term, current ones first, each part in the glossary's order. */
    async list(db: Executor, partnershipId: string): Promise<StreetTermRow[]> {
      const rows = await base(db, partnershipId)
        .orderBy(sql`retired_at IS NOT NULL`)
        .orderBy('sort_order')
        .orderBy('term')
        .execute()
      return rows.map((r) => camelRow(r))
    },

    /** The terms screening finds: those not retired. */
    async current(db: Executor, partnershipId: string): Promise<StreetTermRow[]> {
      const rows = await base(db, partnershipId)
        .where('retired_at', 'is', null)
        .orderBy('sort_order')
        .orderBy('term')
        .execute()
      return rows.map((r) => camelRow(r))
    },

    async find(
      db: Executor,
      partnershipId: string,
      id: string,
      options: { forUpdate?: boolean } = {},
    ): Promise<StreetTermRow | undefined> {
      let query = base(db, partnershipId).where('id', '=', id)
      if (options.forUpdate === true) query = query.forUpdate()
      const row = await query.executeTakeFirst()
      return row && camelRow(row)
    },

    /** One change of the glossary at a time in a partnership, so that two cannot add the same words at once. */
    async lockGlossary(db: Executor, partnershipId: string): Promise<void> {
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`street-terms:${partnershipId}`}))`.execute(db)
    },

    async codeTaken(db: Executor, partnershipId: string, code: string): Promise<boolean> {
      const row = await base(db, partnershipId).where('code', '=', code).executeTakeFirst()
      return row !== undefined
    },

    async create(
      db: Executor,
      term: {
        partnershipId: string
        code: string
        term: string
        variants: string[]
        meaning: string
        by: string
      },
    ): Promise<string> {
      const row = await db
        .insertInto('partnership_street_term')
        .values({
          partnership_id: term.partnershipId,
          code: term.code,
          term: term.term,
          variants: term.variants,
          meaning: term.meaning,
          sort_order: sql<number>`(SELECT coalesce(max(sort_order), 0) + 1 FROM partnership_street_term
                                    WHERE partnership_id = ${term.partnershipId})`,
          created_by: term.by,
          updated_by: term.by,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    /** Changes the term if it is still at `version`; false when someone changed it meanwhile. */
    async update(
      db: Executor,
      id: string,
      version: number,
      change: { term: string; variants: string[]; meaning: string; retired: boolean },
      by: string,
    ): Promise<boolean> {
      if (!isRowVersion(version)) return false // no row has it: stale, not a query the database refuses
      const result = await db
        .updateTable('partnership_street_term')
        .set({
          term: change.term,
          variants: change.variants,
          meaning: change.meaning,
          retired_at: change.retired ? sql<Date>`coalesce(retired_at, now())` : null,
          retired_by: change.retired ? sql<string>`coalesce(retired_by, ${by}::uuid)` : null,
          ...changedBy(by),
        })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },
  }
}

export type StreetTermRepository = ReturnType<typeof streetTermRepository>
