import type { Transaction } from 'kysely'
import { partnershipAgencies } from '../../db/agency-lists.ts'
import type { DB, EntityKind } from '../../db/schema.ts'
import {
  decide,
  decideIntelligenceSubject,
  decideLinkIntelligence,
  type Actor,
  type Decision,
  type RecordFacts,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { NotFoundError, ValidationError } from '../../platform/errors.ts'
import {
  HANDLING_CODES,
  INTELLIGENCE_ASSESSMENTS,
  SOURCE_EVALUATIONS,
} from '../../platform/intelligence-grading.ts'
import type {
  ConditionRow,
  IntelligenceRepository,
  IntelligenceRow,
  SubjectRow,
} from './intelligence-repository.ts'
import { MESSAGES, parseIntelligence, type IntelligenceInput } from './intelligence-validation.ts'

/** The policy's facts of an entry, for this reader. */
export function intelligenceFacts(row: IntelligenceRow, readerId: string): RecordFacts {
  return {
    kind: 'intelligence',
    partnershipId: row.partnershipId,
    handlingCode: row.handlingCode,
    handlingAgencyIds: row.allowedAgencyIds,
    recordedById: row.recordedBy,
    currentMaceMemberIds: row.readerOnAgenda ? [readerId] : [],
  }
}

/**
 * An entry as a reader sees it: the sanitised form (MACE members), or in full with its source reference and
 * conditions (handlers and its author). The grading is part of both.
 */
export interface IntelligenceView {
  id: string
  reportedOn: string
  reportingAgencyName: string
  sanitisedText: string
  sourceEvaluation: string
  sourceEvaluationLabel: string
  intelligenceAssessment: string
  intelligenceAssessmentLabel: string
  handlingCode: string
  handlingCodeLabel: string
  /** "3x5x2" in short: "2/B/P". */
  grading: string
  full: boolean
  fullText: string | null
  sourceReference: string | null
  restriction: string | null
  conditions: ConditionRow[]
  recordedByName: string | null
  createdAt: Date
  version: number
}

export function intelligenceView(
  row: IntelligenceRow,
  decision: Decision,
  conditions: ConditionRow[],
): IntelligenceView {
  const full = decision.fields.includes('intelligence-full')
  return {
    id: row.id,
    reportedOn: row.reportedOn,
    reportingAgencyName: row.reportingAgencyName,
    sanitisedText: row.sanitisedText,
    sourceEvaluation: row.sourceEvaluation,
    sourceEvaluationLabel: SOURCE_EVALUATIONS[row.sourceEvaluation],
    intelligenceAssessment: row.intelligenceAssessment,
    intelligenceAssessmentLabel: INTELLIGENCE_ASSESSMENTS[row.intelligenceAssessment],
    handlingCode: row.handlingCode,
    handlingCodeLabel: HANDLING_CODES[row.handlingCode],
    grading: `${row.sourceEvaluation}/${row.intelligenceAssessment}/${row.handlingCode}`,
    full,
    fullText: full ? row.fullText : null,
    sourceReference: full ? row.sourceReference : null,
    restriction: full ? row.restriction : null,
    conditions: full ? conditions : [],
    recordedByName: full ? row.recordedByName : null,
    createdAt: row.createdAt,
    version: row.version,
  }
}

/** Newest first, as many as a handler's list shows. */
const LIST_LIMIT = 200
const FK_VIOLATION = '23503'

/**
 * Intelligence entries (3x5x2): recorded by police intelligence, read in full by its handlers and its author, in
 * sanitised form by MACE members for a child on their agenda when the handling conditions allow their agency, and
 * by nobody else. Every read goes through the record-access kit (audited); row-level security repeats the rule.
 * What derives from an entry (a link, a flag) asks `derivedDecisions` and is shown only as far as its entry is.
 */
export function intelligenceService(entries: IntelligenceRepository, access: RecordAccess) {
  const kind: RecordKind<IntelligenceRow> = {
    type: 'intelligence',
    load: (trx, id, actor) => entries.find(trx, id, actor.userId),
    decide: (actor, action, row) => decide(actor, action, intelligenceFacts(row, actor.userId)),
  }

  async function form(trx: Transaction<DB>, actor: Actor) {
    return {
      agencies: await partnershipAgencies(trx, actor.partnershipId),
      agencyTypes: await entries.agencyTypes(trx),
    }
  }

  return {
    records: kind,

    /** What the new-entry form offers: the partnership's agencies and the agency types. */
    async newForm(actor: Actor) {
      const decision = decide(actor, 'write', { kind: 'intelligence', partnershipId: actor.partnershipId })
      if (!decision.allowed) throw new NotFoundError()
      return access.within(actor, undefined, (trx) => form(trx, actor))
    },

    /** Records an entry; nothing is written on any error (each on its field). */
    async record(
      actor: Actor,
      input: IntelligenceInput,
      ctx: RequestContext,
      via: 'page' | 'api' | 'demo' = 'page',
      options: { trx?: Transaction<DB> } = {},
    ) {
      const decision = decide(actor, 'write', { kind: 'intelligence', partnershipId: actor.partnershipId })
      if (!decision.allowed) throw new NotFoundError()
      return access.within(actor, options.trx, async (trx) => {
        const choices = await form(trx, actor)
        const valid = parseIntelligence(input, {
          agencyIds: new Set(choices.agencies.map((a) => a.id)),
          agencyTypes: new Set(choices.agencyTypes.map((t) => t.code)),
          today: todayInLondon(),
        })
        let id: string
        try {
          id = await entries.insert(trx, {
            ...valid,
            partnershipId: actor.partnershipId,
            recordedBy: actor.userId,
          })
        } catch (error) {
          if ((error as { code?: unknown }).code === FK_VIOLATION) {
            throw new ValidationError([{ field: 'subjects', message: MESSAGES.subject }])
          }
          throw error
        }
        await access.changed(trx, actor, ctx, { type: 'intelligence', id }, decision, {
          action: 'record.create',
          details: {
            via,
            grading: `${valid.sourceEvaluation}/${valid.intelligenceAssessment}/${valid.handlingCode}`,
            subjects: valid.subjects.length,
          },
        })
        // Attaching reaches each subject's identity: audited on the subject, as the policy's named decision.
        for (const subject of valid.subjects) {
          const attach = decideIntelligenceSubject(actor, {
            kind: subject.kind,
            partnershipId: actor.partnershipId,
          })
          await access.changed(trx, actor, ctx, { type: subject.kind, id: subject.id }, attach, {
            action: 'intelligence.attach',
            details: { intelligenceId: id },
          })
        }
        return id
      })
    },

    /**
     * The entry of a graded link, recorded with the link in its transaction (`link` is the policy's decision to
     * record the link): handling P, the link's source as both texts, about both its ends.
     */
    async recordForLink(
      trx: Transaction<DB>,
      actor: Actor,
      link: Decision,
      graded: {
        source: string
        sourceAgencyId: string | null
        sourceEvaluation: '1' | '2' | '3'
        intelligenceAssessment: 'A' | 'B' | 'C' | 'D' | 'E'
        ends: Array<{ kind: EntityKind; id: string }>
      },
      ctx: RequestContext,
    ): Promise<string> {
      const decision = decideLinkIntelligence(actor, link)
      if (!decision.allowed) throw new NotFoundError()
      const id = await entries.insert(trx, {
        reportedOn: todayInLondon(),
        reportingAgencyId: graded.sourceAgencyId ?? actor.agencyId,
        sanitisedText: graded.source,
        fullText: graded.source,
        sourceReference: null,
        sourceEvaluation: graded.sourceEvaluation,
        intelligenceAssessment: graded.intelligenceAssessment,
        handlingCode: 'P',
        restriction: null,
        conditions: [],
        subjects: graded.ends,
        partnershipId: actor.partnershipId,
        recordedBy: actor.userId,
      })
      await access.changed(trx, actor, ctx, { type: 'intelligence', id }, decision, {
        action: 'record.create',
        details: {
          via: 'link',
          grading: `${graded.sourceEvaluation}/${graded.intelligenceAssessment}/P`,
          subjects: graded.ends.length,
        },
      })
      return id
    },

    /** One entry as the reader may see it (404 for anyone else). */
    async read(actor: Actor, id: string, ctx: RequestContext, via: 'page' | 'api' = 'page') {
      return access.read(actor, kind, id, ctx, { via }, async (trx, { row, decision }) => {
        const conditions = decision.fields.includes('intelligence-full')
          ? await entries.conditions(trx, id)
          : []
        return {
          entry: intelligenceView(row, decision, conditions),
          subjects: await entries.subjects(trx, id),
        }
      })
    },

    /** The newest entries the reader may see, each audited as read. */
    async list(actor: Actor, ctx: RequestContext, via: 'page' | 'api' = 'page'): Promise<IntelligenceView[]> {
      return access.within(actor, undefined, async (trx) => {
        const rows = await entries.list(trx, actor.userId, LIST_LIMIT)
        const shown = await access.shown(trx, actor, kind, rows, (r) => r.id, ctx, { via: `${via}:list` })
        return shown.map(({ row, decision }) => intelligenceView(row, decision, []))
      })
    },

    /** The entries about a record that the reader may see (each audited as read). */
    async concerning(
      trx: Transaction<DB>,
      actor: Actor,
      subject: { kind: EntityKind; id: string },
      ctx: RequestContext,
      via: string,
    ): Promise<IntelligenceView[]> {
      const rows = await entries.concerning(trx, subject.kind, subject.id, actor.userId)
      const shown = await access.shown(trx, actor, kind, rows, (r) => r.id, ctx, { via })
      return shown.map(({ row, decision }) => intelligenceView(row, decision, []))
    },

    /**
     * The reader's decisions on the entries that items derive from (a link's, a flag's), with each entry's view:
     * an entry missing from the answer is one the reader may not see, so neither may they see what derives from it.
     */
    async derivedDecisions(
      trx: Transaction<DB>,
      actor: Actor,
      ids: readonly string[],
    ): Promise<Map<string, { decision: Decision; entry: IntelligenceView }>> {
      const unique = [...new Set(ids)]
      const rows = await entries.findMany(trx, unique, actor.userId)
      const result = new Map<string, { decision: Decision; entry: IntelligenceView }>()
      for (const row of rows) {
        const decision = kind.decide(actor, 'read', row)
        if (decision.allowed) result.set(row.id, { decision, entry: intelligenceView(row, decision, []) })
      }
      return result
    },
  }
}

export type IntelligenceService = ReturnType<typeof intelligenceService>
export type { SubjectRow }
