import { sql, type UpdateObject } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { partnershipSchools } from '../../db/agency-lists.ts'
import type { DB, Recency } from '../../db/schema.ts'
import type { ConcernFacts } from '../../platform/access/policy.ts'
import type { Basis, Consent, ConcernNarrative, FamilyAware, ValidTick } from './concern-validation.ts'

/** A concern as stored (before the policy decides whether the caller may see it). */
export interface ConcernRow {
  id: string
  partnershipId: string
  personId: string
  status: 'draft' | 'recorded'
  recordedBy: string
  recordedByName: string | null
  recordedByAgencyName: string | null
  immediateDanger: boolean
  policeCalled: boolean | null
  policeCalledAt: Date | null
  policeReference: string | null
  narrative: string | null
  happenedOn: string | null
  happenedAt: string | null
  noticedBy: string | null
  childWords: string | null
  consent: Consent | null
  consentNote: string | null
  familyAware: FamilyAware | null
  learningDisability: boolean | null
  guideId: number | null
  suggestedLevel: string | null
  suggestedScore: number | null
  suggestedReasons: string[]
  judgedLevel: string | null
  judgementReason: string | null
  recordedAt: Date | null
  createdAt: Date
  version: number
  indicators: Array<{ itemCode: string; evidence: string; recency: Recency; basis: Basis }>
}

export interface ConcernDetails extends ConcernNarrative {
  guideId: number
  suggestedLevel: string
  suggestedScore: number
  suggestedReasons: string[]
}

/**
 * Changes the columns of a draft still at `version`, bumping it; false when it is stale or no longer a draft.
 * Every page of the concern form saves through this.
 */
async function changeDraft(
  db: Executor,
  concern: { id: string; version: number },
  columns: UpdateObject<DB, 'concern'>,
): Promise<boolean> {
  const result = await db
    .updateTable('concern')
    .set({ ...columns, updated_at: sql`now()`, version: sql<number>`version + 1` })
    .where('id', '=', concern.id)
    .where('version', '=', concern.version)
    .where('status', '=', 'draft')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export function concernRepository() {
  return {
    /**
     * Whether the actor referred this child (a concern they recorded, or a referral they made): the policy lets a
     * referrer see who the child is and nothing more (decideConcernChild).
     */
    async referredBy(db: Executor, personId: string, actorId: string): Promise<boolean> {
      const referred = await db
        .selectFrom('concern')
        .select(sql`1`.as('one'))
        .where('person_id', '=', personId)
        .where('recorded_by', '=', actorId)
        .unionAll(
          db
            .selectFrom('referral')
            .select(sql`1`.as('one'))
            .where('person_id', '=', personId)
            .where('referrer_id', '=', actorId),
        )
        .limit(1)
        .execute()
      return referred.length > 0
    },

    /** Children the actor has raised concerns about or referred, most recent first. */
    async referredChildIds(db: Executor, actorId: string, limit = 20): Promise<string[]> {
      const rows = await db
        .selectFrom(
          db
            .selectFrom('concern')
            .select(['person_id', 'created_at as at'])
            .where('recorded_by', '=', actorId)
            .unionAll(
              db
                .selectFrom('referral')
                .select(['person_id', 'submitted_at as at'])
                .where('referrer_id', '=', actorId),
            )
            .as('r'),
        )
        .innerJoin('person as p', 'p.id', 'r.person_id')
        .select(['r.person_id', sql<Date>`max(r.at)`.as('latest')])
        .where('p.merged_into_id', 'is', null)
        .groupBy('r.person_id')
        .orderBy('latest', 'desc')
        .limit(limit)
        .execute()
      return rows.map((r) => r.person_id)
    },

    async insertDraft(
      db: Executor,
      draft: {
        partnershipId: string
        personId: string
        recordedBy: string
        agencyId: string
        immediateDanger: boolean
        policeCalled: boolean | null
        policeCalledAt: Date | null
        policeReference: string | null
      },
    ): Promise<string> {
      const { id } = await db
        .insertInto('concern')
        .values({
          partnership_id: draft.partnershipId,
          person_id: draft.personId,
          recorded_by: draft.recordedBy,
          recorded_by_agency_id: draft.agencyId,
          immediate_danger: draft.immediateDanger,
          police_called: draft.policeCalled,
          police_called_at: draft.policeCalledAt,
          police_reference: draft.policeReference,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return id
    },

    async find(db: Executor, id: string): Promise<(ConcernRow & { facts: ConcernFacts }) | undefined> {
      const r = await db
        .selectFrom('concern as c')
        .leftJoin('app_user as u', 'u.id', 'c.recorded_by')
        .leftJoin('agency as a', 'a.id', 'c.recorded_by_agency_id')
        .selectAll('c')
        .select(['u.display_name as recorded_by_name', 'a.name as agency_name'])
        .where('c.id', '=', id)
        .executeTakeFirst()
      if (r === undefined) return undefined
      const indicators = await db
        .selectFrom('concern_indicator')
        .select(['item_code', 'evidence', 'recency', 'basis'])
        .where('concern_id', '=', id)
        .execute()
      const row: ConcernRow = {
        id: r.id,
        partnershipId: r.partnership_id,
        personId: r.person_id,
        status: r.status,
        recordedBy: r.recorded_by,
        recordedByName: r.recorded_by_name,
        recordedByAgencyName: r.agency_name,
        immediateDanger: r.immediate_danger,
        policeCalled: r.police_called,
        policeCalledAt: r.police_called_at,
        policeReference: r.police_reference,
        narrative: r.narrative,
        happenedOn: r.happened_on,
        happenedAt: r.happened_at,
        noticedBy: r.noticed_by,
        childWords: r.child_words,
        consent: r.consent,
        consentNote: r.consent_note,
        familyAware: r.family_aware,
        learningDisability: r.learning_disability,
        guideId: r.guide_id,
        suggestedLevel: r.suggested_level,
        suggestedScore: r.suggested_score,
        suggestedReasons: Array.isArray(r.suggested_reasons) ? (r.suggested_reasons as string[]) : [],
        judgedLevel: r.judged_level,
        judgementReason: r.judgement_reason,
        recordedAt: r.recorded_at,
        createdAt: r.created_at,
        version: r.version,
        indicators: indicators.map((i) => ({
          itemCode: i.item_code,
          evidence: i.evidence,
          recency: i.recency,
          basis: i.basis,
        })),
      }
      return {
        ...row,
        facts: { partnershipId: r.partnership_id, recordedBy: r.recorded_by, status: r.status },
      }
    },

    /** Saves page 2's answers and its screening on a draft still at `version`; false when stale. */
    async saveDetails(
      db: Executor,
      concern: { id: string; partnershipId: string; version: number },
      details: ConcernDetails,
      ticks: readonly ValidTick[],
    ): Promise<boolean> {
      const changed = await changeDraft(db, concern, {
        narrative: details.narrative,
        happened_on: details.happenedOn,
        happened_at: details.happenedAt,
        noticed_by: details.noticedBy,
        child_words: details.childWords,
        consent: details.consent,
        consent_note: details.consentNote,
        family_aware: details.familyAware,
        learning_disability: details.learningDisability,
        guide_id: details.guideId,
        suggested_level: details.suggestedLevel,
        suggested_score: details.suggestedScore,
        suggested_reasons: JSON.stringify(details.suggestedReasons),
      })
      if (!changed) return false
      await db.deleteFrom('concern_indicator').where('concern_id', '=', concern.id).execute()
      if (ticks.length > 0) {
        await db
          .insertInto('concern_indicator')
          .values(
            ticks.map((t) => ({
              concern_id: concern.id,
              partnership_id: concern.partnershipId,
              guide_id: details.guideId,
              item_code: t.itemCode,
              evidence: t.evidence,
              recency: t.recency,
              basis: t.basis,
            })),
          )
          .execute()
      }
      return true
    },

    /** Changes page 1's immediate-danger answers on a draft still at `version`; false when stale. */
    async saveDanger(
      db: Executor,
      concern: { id: string; version: number },
      danger: {
        immediateDanger: boolean
        policeCalled: boolean | null
        policeCalledAt: Date | null
        policeReference: string | null
      },
    ): Promise<boolean> {
      return changeDraft(db, concern, {
        immediate_danger: danger.immediateDanger,
        police_called: danger.policeCalled,
        police_called_at: danger.policeCalledAt,
        police_reference: danger.policeReference,
      })
    },

    /** Records a draft still at `version`: the practitioner's judgement and the suggestion it was made beside. */
    async record(
      db: Executor,
      concern: { id: string; version: number },
      judgement: {
        judgedLevel: string
        judgementReason: string
        suggestedLevel: string
        suggestedScore: number
        suggestedReasons: string[]
      },
    ): Promise<boolean> {
      return changeDraft(db, concern, {
        status: 'recorded',
        judged_level: judgement.judgedLevel,
        judgement_reason: judgement.judgementReason,
        suggested_level: judgement.suggestedLevel,
        suggested_score: judgement.suggestedScore,
        suggested_reasons: JSON.stringify(judgement.suggestedReasons),
        recorded_at: sql<Date>`now()`,
      })
    },

    /** The partnership's schools (education agencies), for a new child's school. */
    async schools(db: Executor, partnershipId: string): Promise<Array<{ id: string; name: string }>> {
      return partnershipSchools(db, partnershipId)
    },
  }
}

export type ConcernRepository = ReturnType<typeof concernRepository>
