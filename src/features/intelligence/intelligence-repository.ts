import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { EntityKind } from '../../db/schema.ts'
import { changedBy } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'
import type { ValidCondition, ValidIntelligence } from './intelligence-validation.ts'

/**
 * An entry as stored, with the facts its handling rules need for this reader. Row-level security
 * (migration 0015) already hides an entry the reader may not see; the policy decides again on these facts.
 */
export interface IntelligenceRow {
  id: string
  partnershipId: string
  reportedOn: string
  reportingAgencyId: string
  reportingAgencyName: string
  sanitisedText: string
  fullText: string
  sourceReference: string | null
  sourceEvaluation: '1' | '2' | '3'
  intelligenceAssessment: 'A' | 'B' | 'C' | 'D' | 'E'
  handlingCode: 'P' | 'C'
  restriction: string | null
  recordedBy: string | null
  recordedByName: string | null
  createdAt: Date
  version: number
  /** The version that replaced this one (null: it is the current version). */
  supersededBy: string | null
  /** The version this one replaced, where the reader may see it. */
  supersedes: string | null
  /** The partnership's agencies that its handling conditions let receive it. */
  allowedAgencyIds: string[]
  /** The reader is a member of a current MACE agenda with a child the entry concerns. */
  readerOnAgenda: boolean
}

export interface ConditionRow extends ValidCondition {
  agencyName: string | null
  agencyTypeLabel: string | null
}

export interface SubjectRow {
  kind: EntityKind
  id: string
}

const entries = (db: Executor, readerId: string) =>
  db
    .selectFrom('intelligence as i')
    .innerJoin('agency as a', 'a.id', 'i.reporting_agency_id')
    .leftJoin('app_user as u', 'u.id', 'i.recorded_by')
    .selectAll('i')
    .select([
      'a.name as reporting_agency_name',
      'u.display_name as recorded_by_name',
      // The version this one replaced (its handlers and author see it; for anyone else it is not there).
      sql<string | null>`(SELECT p.id FROM intelligence p WHERE p.superseded_by = i.id)`.as('supersedes'),
      sql<string[]>`ARRAY(SELECT g.id FROM agency g
                            WHERE g.partnership_id = i.partnership_id
                              AND intelligence_agency_allowed(i.id, i.handling_code, g.id))`.as(
        'allowed_agency_ids',
      ),
      sql<boolean>`EXISTS (SELECT 1 FROM intelligence_subject s
                             JOIN agenda_item ai ON ai.person_id = s.entity_id
                             JOIN meeting m ON m.id = ai.meeting_id AND m.status <> 'closed'
                             JOIN meeting_member mm ON mm.meeting_id = m.id AND mm.user_id = ${readerId}
                            WHERE s.intelligence_id = i.id AND s.entity_kind = 'person')`.as(
        'reader_on_agenda',
      ),
    ])

type EntrySelection = Awaited<ReturnType<ReturnType<typeof entries>['executeTakeFirstOrThrow']>>
const toRow = (r: EntrySelection): IntelligenceRow =>
  camelRow(r, ['is_demo', 'created_by', 'updated_at', 'updated_by'])

/** A place's or thing's description written from an entry, as stored (row-level security: only with its entry). */
export interface DescriptionRow {
  entityKind: 'location' | 'object'
  entityId: string
  intelligenceId: string
  description: string
  writtenAt: Date
}

/** The tables whose rows derive from an entry (each carries intelligence_id), moved onto a new version. */
const DERIVED_TABLES = ['link', 'flag', 'intelligence_description'] as const

export function intelligenceRepository() {
  return {
    async find(db: Executor, id: string, readerId: string): Promise<IntelligenceRow | undefined> {
      const row = await entries(db, readerId).where('i.id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toRow(row)
    },

    /** Entries by id (those row-level security lets the reader see), for what derives from them. */
    async findMany(db: Executor, ids: readonly string[], readerId: string): Promise<IntelligenceRow[]> {
      if (ids.length === 0) return []
      const rows = await entries(db, readerId).where('i.id', 'in', ids).execute()
      return rows.map(toRow)
    },

    /** The newest entries first (at most `limit`), for the handlers' list. */
    async list(db: Executor, readerId: string, limit: number): Promise<IntelligenceRow[]> {
      const rows = await entries(db, readerId)
        .orderBy('i.reported_on', 'desc')
        .orderBy('i.created_at', 'desc')
        .limit(limit)
        .execute()
      return rows.map(toRow)
    },

    /** The entries that concern a record (newest first). */
    async concerning(
      db: Executor,
      kind: EntityKind,
      id: string,
      readerId: string,
    ): Promise<IntelligenceRow[]> {
      const rows = await entries(db, readerId)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('intelligence_subject as s')
              .select('s.intelligence_id')
              .whereRef('s.intelligence_id', '=', 'i.id')
              .where('s.entity_kind', '=', kind)
              .where('s.entity_id', '=', id),
          ),
        )
        .orderBy('i.reported_on', 'desc')
        .execute()
      return rows.map(toRow)
    },

    async conditions(db: Executor, id: string): Promise<ConditionRow[]> {
      const rows = await db
        .selectFrom('intelligence_condition as c')
        .leftJoin('agency as a', 'a.id', 'c.agency_id')
        .leftJoin('agency_type as t', 't.code', 'c.agency_type')
        .select([
          'c.effect',
          'c.agency_id',
          'c.agency_type',
          'a.name as agency_name',
          't.label as agency_type_label',
        ])
        .where('c.intelligence_id', '=', id)
        .orderBy('c.effect')
        .orderBy('a.name')
        .orderBy('t.label')
        .execute()
      return rows.map((r) => camelRow(r))
    },

    async subjects(db: Executor, id: string): Promise<SubjectRow[]> {
      const rows = await db
        .selectFrom('intelligence_subject')
        .select(['entity_kind as kind', 'entity_id as id'])
        .where('intelligence_id', '=', id)
        .orderBy('entity_kind')
        .execute()
      return rows
    },

    /** Records an entry with its conditions and subjects (in the caller's transaction). */
    async insert(
      db: Executor,
      entry: ValidIntelligence & { partnershipId: string; recordedBy: string; isDemo?: boolean },
    ): Promise<string> {
      // The id is made here, not returned: RETURNING would need the new row to be visible to the transaction's
      // actor, and a seed (or a system job) records as an author who is not the transaction's actor.
      const id = randomUUID()
      await db
        .insertInto('intelligence')
        .values({
          id,
          partnership_id: entry.partnershipId,
          reported_on: entry.reportedOn,
          reporting_agency_id: entry.reportingAgencyId,
          sanitised_text: entry.sanitisedText,
          full_text: entry.fullText,
          source_reference: entry.sourceReference,
          source_evaluation: entry.sourceEvaluation,
          intelligence_assessment: entry.intelligenceAssessment,
          handling_code: entry.handlingCode,
          restriction: entry.restriction,
          recorded_by: entry.recordedBy,
          is_demo: entry.isDemo ?? false,
          created_by: entry.recordedBy,
          updated_by: entry.recordedBy,
        })
        .execute()
      /** The entry's own rows of a side table: each names the entry and its partnership. */
      const ofEntry = <T extends object>(rows: T[]) =>
        rows.map((r) => ({ intelligence_id: id, partnership_id: entry.partnershipId, ...r }))
      if (entry.conditions.length > 0) {
        const conditions = entry.conditions.map((c) => ({
          effect: c.effect,
          agency_id: c.agencyId,
          agency_type: c.agencyType,
        }))
        await db.insertInto('intelligence_condition').values(ofEntry(conditions)).execute()
      }
      const subjects = entry.subjects.map((s) => ({ entity_kind: s.kind, entity_id: s.id }))
      await db.insertInto('intelligence_subject').values(ofEntry(subjects)).execute()
      return id
    },

    /**
     * Marks an entry superseded by its new version, if it is still the current one at `version` (false if not:
     * someone recorded a new version first, or it changed since the reader loaded it).
     */
    async supersede(
      db: Executor,
      id: string,
      version: number,
      by: string,
      successor: string,
    ): Promise<boolean> {
      const result = await db
        .updateTable('intelligence')
        .set({ superseded_by: successor, ...changedBy(by) })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('superseded_by', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    /** What derived from one version (links, flags, descriptions) now derives from its successor: how many of each. */
    async moveDerived(db: Executor, from: string, to: string): Promise<Record<string, number>> {
      const moved: Record<string, number> = {}
      for (const table of DERIVED_TABLES) {
        const result = await db
          .updateTable(table)
          .set({ intelligence_id: to })
          .where('intelligence_id', '=', from)
          .executeTakeFirst()
        moved[table] = Number(result.numUpdatedRows)
      }
      return moved
    },

    /** Writes (or replaces) a place's or thing's description from an entry. */
    async describe(
      db: Executor,
      value: Omit<DescriptionRow, 'writtenAt'> & {
        partnershipId: string
        writtenBy: string
        isDemo?: boolean
      },
    ): Promise<void> {
      const written = {
        intelligence_id: value.intelligenceId,
        description: value.description,
        written_by: value.writtenBy,
        written_at: sql<Date>`now()`,
      }
      await db
        .insertInto('intelligence_description')
        .values({
          ...written,
          entity_kind: value.entityKind,
          entity_id: value.entityId,
          partnership_id: value.partnershipId,
          is_demo: value.isDemo ?? false,
        })
        .onConflict((oc) =>
          oc
            .columns(['entity_kind', 'entity_id'])
            .doUpdateSet({ ...written, version: sql<number>`intelligence_description.version + 1` }),
        )
        .execute()
    },

    /** A place's or thing's description from intelligence, if there is one the reader may see. */
    async description(
      db: Executor,
      kind: 'location' | 'object',
      id: string,
    ): Promise<DescriptionRow | undefined> {
      const row = await db
        .selectFrom('intelligence_description')
        .select(['entity_kind', 'entity_id', 'intelligence_id', 'description', 'written_at'])
        .where('entity_kind', '=', kind)
        .where('entity_id', '=', id)
        .executeTakeFirst()
      return row === undefined ? undefined : camelRow(row)
    },

    /** The partnership's agency types that have agencies, for the conditions' choices. */
    async agencyTypes(db: Executor): Promise<Array<{ code: string; label: string }>> {
      return db.selectFrom('agency_type').select(['code', 'label']).orderBy('sort_order').execute()
    },
  }
}

export type IntelligenceRepository = ReturnType<typeof intelligenceRepository>
