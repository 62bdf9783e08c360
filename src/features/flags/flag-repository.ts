import { sql } from 'kysely'
import { compiledQueries, queryBuilder, type Executor } from '../../db/database.ts'
import { changedBy, findOne, type FindOptions } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'

export type FlagSubjectKind = 'person' | 'location'

export interface FlagType {
  code: string
  label: string
  /** The policy's definition: a flag is set on it, not only on a criminal offence. */
  definition: string
}

/** A flag as stored, with the names of who set and removed it. */
export interface FlagRow {
  id: string
  partnershipId: string
  flagType: string
  flagTypeLabel: string
  subjectKind: FlagSubjectKind
  subjectId: string
  reason: string
  setBy: string
  /** The agency of whoever set it (a reason is shown on decideFlagReason). */
  setByAgencyId: string | null
  setByName: string | null
  setByTeamId: string | null
  setByTeamName: string | null
  setAt: Date
  reviewDate: string
  removedAt: Date | null
  removedByName: string | null
  removedReason: string | null
  version: number
  /** The intelligence entry it derives from (i12d): shown only where the entry is, its reason the entry's. */
  intelligenceId: string | null
}

const flagColumns = (db: Executor) =>
  db
    .selectFrom('flag as f')
    .innerJoin('flag_type as ft', 'ft.code', 'f.flag_type')
    .leftJoin('app_user as s', 's.id', 'f.set_by')
    .leftJoin('team as t', 't.id', 'f.set_by_team_id')
    .leftJoin('app_user as r', 'r.id', 'f.removed_by')
    .select([
      'f.id',
      'f.partnership_id',
      'f.flag_type',
      'ft.label as flag_type_label',
      'f.subject_kind',
      'f.subject_id',
      'f.reason',
      'f.set_by',
      's.agency_id as set_by_agency_id',
      's.display_name as set_by_name',
      'f.set_by_team_id',
      't.name as set_by_team_name',
      'f.set_at',
      'f.review_date',
      'f.removed_at',
      'r.display_name as removed_by_name',
      'f.removed_reason',
      'f.version',
      'f.intelligence_id',
    ])

type FlagSelection = Awaited<ReturnType<ReturnType<typeof flagColumns>['executeTakeFirstOrThrow']>>

function toRow(r: FlagSelection): FlagRow {
  return camelRow(r)
}

/** A subject's flags, current first (see onSubject): compiled once, run with the subject as values. */
const subjectFlags = compiledQueries((_variant: string, kind: FlagSubjectKind, subjectId: string) =>
  flagColumns(queryBuilder)
    .where('f.subject_kind', '=', kind)
    .where('f.subject_id', '=', subjectId)
    .orderBy(sql`f.removed_at IS NOT NULL`)
    .orderBy('f.review_date')
    .orderBy('f.removed_at', 'desc')
    .limit(500),
)

export function flagRepository() {
  return {
    /** The flag types (reference data) that apply to a kind of subject, in their order. */
    async types(db: Executor, kind: FlagSubjectKind): Promise<FlagType[]> {
      return db
        .selectFrom('flag_type')
        .select(['code', 'label', 'definition'])
        .where(sql<boolean>`${kind} = ANY (applies_to)`)
        .orderBy('sort_order')
        .execute()
    },

    /** One flag; `forUpdate` locks it for a change. */
    async find(db: Executor, id: string, options: FindOptions = {}): Promise<FlagRow | undefined> {
      return findOne(flagColumns(db).where('f.id', '=', id), 'f', options, toRow)
    },

    /** Current flags first (by review date), then removed ones (most recent first): history is never lost. */
    async onSubject(db: Executor, kind: FlagSubjectKind, subjectId: string): Promise<FlagRow[]> {
      const { rows } = await db.executeQuery(subjectFlags('flags', kind, subjectId))
      return rows.map(toRow)
    },

    /** Current flags whose review date is before `today`, set by the user or by someone in their teams. */
    async reviewsDue(
      db: Executor,
      who: { userId: string; teamIds: readonly string[] },
      today: string,
      limit = 200,
    ): Promise<FlagRow[]> {
      const teams = who.teamIds.length === 0 ? [null] : [...who.teamIds]
      const rows = await flagColumns(db)
        .where('f.removed_at', 'is', null)
        .where('f.review_date', '<', today)
        .where((eb) => eb.or([eb('f.set_by', '=', who.userId), eb('f.set_by_team_id', 'in', teams)]))
        .orderBy('f.review_date')
        .limit(limit)
        .execute()
      return rows.map(toRow)
    },

    async create(
      db: Executor,
      flag: {
        partnershipId: string
        flagType: string
        subjectKind: FlagSubjectKind
        subjectId: string
        reason: string
        setBy: string
        setByTeamId: string | null
        reviewDate: string
        isDemo?: boolean
        intelligenceId?: string | null
      },
    ): Promise<string> {
      const { id } = await db
        .insertInto('flag')
        .values({
          partnership_id: flag.partnershipId,
          flag_type: flag.flagType,
          subject_kind: flag.subjectKind,
          subject_id: flag.subjectId,
          reason: flag.reason,
          set_by: flag.setBy,
          set_by_team_id: flag.setByTeamId,
          review_date: flag.reviewDate,
          is_demo: flag.isDemo ?? false,
          updated_by: flag.setBy,
          intelligence_id: flag.intelligenceId ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    },

    /** A new review date, if the flag is current and still at `version`. */
    async review(
      db: Executor,
      id: string,
      version: number,
      reviewDate: string,
      by: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('flag')
        .set({ review_date: reviewDate, ...changedBy(by) })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('removed_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    /** Marks the flag removed (kept, with who and why), if it is current and still at `version`. */
    async remove(db: Executor, id: string, version: number, reason: string, by: string): Promise<boolean> {
      const result = await db
        .updateTable('flag')
        .set({
          removed_at: sql`now()`,
          removed_by: by,
          removed_reason: reason,
          ...changedBy(by),
        })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('removed_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },
  }
}

export type FlagRepository = ReturnType<typeof flagRepository>
