import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import type { EntityKind } from '../../db/schema.ts'
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
    .select([
      'i.id',
      'i.partnership_id',
      'i.reported_on',
      'i.reporting_agency_id',
      'a.name as reporting_agency_name',
      'i.sanitised_text',
      'i.full_text',
      'i.source_reference',
      'i.source_evaluation',
      'i.intelligence_assessment',
      'i.handling_code',
      'i.restriction',
      'i.recorded_by',
      'u.display_name as recorded_by_name',
      'i.created_at',
      'i.version',
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

export function intelligenceRepository() {
  return {
    async find(db: Executor, id: string, readerId: string): Promise<IntelligenceRow | undefined> {
      const row = await entries(db, readerId).where('i.id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : camelRow(row)
    },

    /** Entries by id (those row-level security lets the reader see), for what derives from them. */
    async findMany(db: Executor, ids: readonly string[], readerId: string): Promise<IntelligenceRow[]> {
      if (ids.length === 0) return []
      const rows = await entries(db, readerId).where('i.id', 'in', ids).execute()
      return rows.map((r) => camelRow(r))
    },

    /** The newest entries first (at most `limit`), for the handlers' list. */
    async list(db: Executor, readerId: string, limit: number): Promise<IntelligenceRow[]> {
      const rows = await entries(db, readerId)
        .orderBy('i.reported_on', 'desc')
        .orderBy('i.created_at', 'desc')
        .limit(limit)
        .execute()
      return rows.map((r) => camelRow(r))
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
      return rows.map((r) => camelRow(r))
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
      if (entry.conditions.length > 0) {
        await db
          .insertInto('intelligence_condition')
          .values(
            entry.conditions.map((c) => ({
              intelligence_id: id,
              partnership_id: entry.partnershipId,
              effect: c.effect,
              agency_id: c.agencyId,
              agency_type: c.agencyType,
            })),
          )
          .execute()
      }
      await db
        .insertInto('intelligence_subject')
        .values(
          entry.subjects.map((s) => ({
            intelligence_id: id,
            partnership_id: entry.partnershipId,
            entity_kind: s.kind,
            entity_id: s.id,
          })),
        )
        .execute()
      return id
    },

    /** The partnership's agency types that have agencies, for the conditions' choices. */
    async agencyTypes(db: Executor): Promise<Array<{ code: string; label: string }>> {
      return db.selectFrom('agency_type').select(['code', 'label']).orderBy('sort_order').execute()
    },
  }
}

export type IntelligenceRepository = ReturnType<typeof intelligenceRepository>
