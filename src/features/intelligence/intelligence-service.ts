import type { Transaction } from 'kysely'
import { partnershipAgencies } from '../../db/agency-lists.ts'
import type { DB, EntityKind } from '../../db/schema.ts'
import {
  decide,
  decideDerived,
  decideIntelligenceBasis,
  decideIntelligenceSubject,
  decideLinkIntelligence,
  decideSupersededIntelligence,
  missingRecord,
  type Actor,
  type Decision,
  type RecordFacts,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
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
import {
  MESSAGES,
  parseIntelligence,
  type IntelligenceInput,
  type ValidIntelligence,
} from './intelligence-validation.ts'

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
  /** Handlers and its author only: the version that replaced this one, and the one it replaced (else null). */
  supersededBy: string | null
  supersedes: string | null
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
    supersededBy: full ? row.supersededBy : null,
    supersedes: full ? row.supersedes : null,
  }
}

/** A new version of an entry as the caller gave it: an entry's fields but its subjects (the old version's). */
export type VersionInput = Omit<IntelligenceInput, 'subjects'>

/** A place's or thing's description from intelligence, as its reader may see it (sanitised for a MACE member). */
export interface DerivedDescription {
  text: string
  intelligenceId: string
  grading: string
  full: boolean
}

export const STALE_VERSION =
  'This entry has a newer version (or changed while you were looking at it): open the current version and try again.'
export const BASIS_MESSAGES = {
  entry: 'Choose an intelligence entry you may see that is about this record',
  subject: 'Select a place or thing this entry is about',
  description: 'Enter the description, as it may be shown with the entry',
  descriptionLong: 'Description must be 2000 characters or fewer',
} as const

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
    decide: (actor, action, row) =>
      row.supersededBy === null
        ? decide(actor, action, intelligenceFacts(row, actor.userId))
        : decideSupersededIntelligence(actor, action, intelligenceFacts(row, actor.userId)),
  }

  /** Building on an entry (a new version, a flag or a description from it): decideIntelligenceBasis. */
  const basis = (actor: Actor, row: IntelligenceRow) =>
    decideIntelligenceBasis(actor, kind.decide(actor, 'read', row))

  /** Checks an entry's fields against the partnership's agencies and agency types. */
  async function checked(
    trx: Transaction<DB>,
    actor: Actor,
    input: IntelligenceInput,
  ): Promise<ValidIntelligence> {
    const choices = await form(trx, actor)
    return parseIntelligence(input, {
      agencyIds: new Set(choices.agencies.map((a) => a.id)),
      agencyTypes: new Set(choices.agencyTypes.map((t) => t.code)),
      today: todayInLondon(),
    })
  }

  /**
   * Writes a checked entry by the actor and its record.create audit row (`decision`: the policy's to record it);
   * with `attach`, each subject's intelligence.attach row too. Returns its id.
   */
  async function insertAudited(
    trx: Transaction<DB>,
    actor: Actor,
    ctx: RequestContext,
    decision: Decision,
    valid: ValidIntelligence,
    details: { via: string; supersedes?: string; attach: boolean },
  ): Promise<string> {
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
    const { attach, ...audited } = details
    await access.changed(trx, actor, ctx, { type: 'intelligence', id }, decision, {
      action: 'record.create',
      details: {
        ...audited,
        grading: `${valid.sourceEvaluation}/${valid.intelligenceAssessment}/${valid.handlingCode}`,
        subjects: valid.subjects.length,
      },
    })
    // Attaching reaches each subject's identity: audited on the subject, as the policy's named decision.
    for (const subject of attach ? valid.subjects : []) {
      const reach = decideIntelligenceSubject(actor, {
        kind: subject.kind,
        partnershipId: actor.partnershipId,
      })
      await access.changed(trx, actor, ctx, { type: subject.kind, id: subject.id }, reach, {
        action: 'intelligence.attach',
        details: { intelligenceId: id },
      })
    }
    return id
  }

  /** The entry a flag or description is based on, if the actor may build on it: its row and the decision. */
  async function basisOf(trx: Transaction<DB>, actor: Actor, id: string) {
    const row = UUID.test(id) ? await entries.find(trx, id, actor.userId) : undefined
    const decision = row === undefined ? missingRecord() : basis(actor, row)
    return row === undefined || !decision.allowed ? undefined : { row, decision }
  }

  async function form(trx: Transaction<DB>, actor: Actor) {
    return {
      agencies: await partnershipAgencies(trx, actor.partnershipId),
      agencyTypes: await entries.agencyTypes(trx),
    }
  }

  /**
   * The reader's decisions on the entries that items derive from (a link's, a flag's, a description's), with
   * each entry's view: an entry missing from the answer is one the reader may not see, so neither may they see
   * what derives from it.
   */
  async function derivedDecisions(
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
        const valid = await checked(trx, actor, input)
        return insertAudited(trx, actor, ctx, decision, valid, { via, attach: true })
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
      const valid: ValidIntelligence = {
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
      }
      return insertAudited(trx, actor, ctx, decision, valid, { via: 'link', attach: false })
    },

    /**
     * An entry to build on (its new-version and describe forms): in full, with its conditions and subjects and the
     * form's choices; NotFoundError unless the actor may build on it (decideIntelligenceBasis), ConflictError when
     * it has been superseded. The read is audited.
     */
    async basisForm(actor: Actor, id: string, ctx: RequestContext, via: string) {
      return access.read(actor, kind, id, ctx, { via, decide: basis }, async (trx, { row, decision }) => {
        if (row.supersededBy !== null) throw new ConflictError(STALE_VERSION)
        const conditions = await entries.conditions(trx, id)
        return {
          entry: intelligenceView(row, decision, conditions),
          subjects: await entries.subjects(trx, id),
          ...(await form(trx, actor)),
        }
      })
    },

    /**
     * Records a new version of an entry (it is never edited): the same subjects, the fields as given, checked as a
     * new entry's. The old version is kept, superseded by the new one, and what derived from it (links, flags,
     * descriptions) now derives from the new one. ConflictError when `version` is not the entry's current one or a
     * newer version exists; ValidationError for bad input; nothing is written on any error. Returns the new id.
     */
    async newVersion(
      actor: Actor,
      id: string,
      version: number,
      input: VersionInput,
      ctx: RequestContext,
      via: 'page' | 'api' = 'page',
    ): Promise<string> {
      return access.write(actor, kind, id, ctx, { decide: basis }, async (trx, { row, decision }) => {
        if (row.supersededBy !== null || row.version !== version) throw new ConflictError(STALE_VERSION)
        const valid = await checked(trx, actor, { ...input, subjects: await entries.subjects(trx, id) })
        const successor = await insertAudited(trx, actor, ctx, decision, valid, {
          via,
          supersedes: id,
          attach: false,
        })
        if (!(await entries.supersede(trx, id, version, actor.userId, successor))) {
          throw new ConflictError(STALE_VERSION)
        }
        const moved = await entries.moveDerived(trx, id, successor)
        await access.changed(trx, actor, ctx, { type: 'intelligence', id }, decision, {
          action: 'record.update',
          details: { via, change: 'superseded', supersededBy: successor, ...moved },
        })
        return successor
      })
    },

    /**
     * Describes a place or thing the entry is about, from the entry: shown with the record only where the entry
     * may be seen (in its sanitised form to a MACE member), replacing any earlier description from intelligence.
     * ValidationError for a subject the entry is not about or a missing or long text; ConflictError on a superseded
     * entry; NotFoundError unless the actor may build on the entry. The change is audited on the record.
     */
    async describe(
      actor: Actor,
      id: string,
      input: { subject: string; description: string },
      ctx: RequestContext,
      via: 'page' | 'api' | 'demo' = 'page',
      options: { trx?: Transaction<DB> } = {},
    ): Promise<{ kind: 'location' | 'object'; id: string }> {
      const work = async (trx: Transaction<DB>, row: IntelligenceRow, decision: Decision) => {
        if (row.supersededBy !== null) throw new ConflictError(STALE_VERSION)
        const [kindOf = '', subjectId = ''] = input.subject.split(':')
        const about = (await entries.subjects(trx, id)).find(
          (s) => s.kind === kindOf && s.id === subjectId && s.kind !== 'person',
        )
        const text = input.description.trim()
        const errors = [
          ...(about === undefined ? [{ field: 'subject', message: BASIS_MESSAGES.subject }] : []),
          ...(text === '' ? [{ field: 'description', message: BASIS_MESSAGES.description }] : []),
          ...(text.length > 2000 ? [{ field: 'description', message: BASIS_MESSAGES.descriptionLong }] : []),
        ]
        if (about === undefined || errors.length > 0) throw new ValidationError(errors)
        const described = { kind: about.kind as 'location' | 'object', id: about.id }
        await entries.describe(trx, {
          entityKind: described.kind,
          entityId: described.id,
          intelligenceId: id,
          description: text,
          partnershipId: actor.partnershipId,
          writtenBy: actor.userId,
          isDemo: via === 'demo',
        })
        await access.changed(trx, actor, ctx, { type: described.kind, id: described.id }, decision, {
          action: 'record.update',
          details: { via, change: 'intelligence-description', intelligenceId: id },
        })
        return described
      }
      return access.write(
        actor,
        kind,
        id,
        ctx,
        { decide: basis, trx: options.trx },
        (trx, { row, decision }) => work(trx, row, decision),
      )
    },

    /**
     * A place's or thing's description from intelligence, for a reader whose decision on the record is `thing`:
     * null unless they may see its entry (decideDerived); the text as written for handlers, the entry's sanitised
     * text for a MACE member.
     */
    async descriptionOf(
      trx: Transaction<DB>,
      actor: Actor,
      record: { kind: 'location' | 'object'; id: string },
      thing: Decision,
    ): Promise<DerivedDescription | null> {
      const row = await entries.description(trx, record.kind, record.id)
      if (row === undefined) return null
      const found = (await derivedDecisions(trx, actor, [row.intelligenceId])).get(row.intelligenceId)
      if (found === undefined || !decideDerived(actor, thing, found.decision).allowed) return null
      return {
        text: found.entry.full ? row.description : found.entry.sanitisedText,
        intelligenceId: row.intelligenceId,
        grading: found.entry.grading,
        full: found.entry.full,
      }
    },

    /**
     * The entry a flag is based on (`id`), for an actor flagging `subject`: the policy's decision to build on it
     * and the entry's sanitised text (the flag's reason). ValidationError (on `intelligenceId`) when the actor may
     * not build on it, there is no such entry or it is not about the subject, alike; ConflictError when superseded.
     */
    async flagBasis(
      trx: Transaction<DB>,
      actor: Actor,
      id: string,
      subject: { kind: EntityKind; id: string },
    ): Promise<{ decision: Decision; reason: string }> {
      const found = await basisOf(trx, actor, id)
      const about =
        found !== undefined &&
        (await entries.subjects(trx, found.row.id)).some(
          (s) => s.kind === subject.kind && s.id === subject.id,
        )
      if (found === undefined || !about) {
        throw new ValidationError([{ field: 'intelligenceId', message: BASIS_MESSAGES.entry }])
      }
      if (found.row.supersededBy !== null) throw new ConflictError(STALE_VERSION)
      return { decision: found.decision, reason: found.row.sanitisedText }
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
          // A new version, flags and descriptions from it: its handlers and author, on the current version.
          canBuild: row.supersededBy === null && decideIntelligenceBasis(actor, decision).allowed,
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
    derivedDecisions,
  }
}

export type IntelligenceService = ReturnType<typeof intelligenceService>
export type { SubjectRow }
