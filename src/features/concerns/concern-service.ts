import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import {
  can,
  decide,
  decideConcern,
  decideSearchMatch,
  type Actor,
  type Decision,
  missingRecord,
} from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { personRepository, type PersonRow, type PersonWithFacts } from '../people/person-repository.ts'
import type { Guide, ScreeningRepository } from '../screening/screening-repository.ts'
import {
  findStreetTerms,
  suggestLevel,
  type ChildFacts,
  type Suggestion,
  type Tick,
} from '../screening/screening-rules.ts'
import type { ConcernRepository, ConcernRow } from './concern-repository.ts'
import {
  UUID,
  validateDanger,
  validateDetails,
  validateJudgement,
  validateNewChild,
  yearsBetween,
  type DangerInput,
  type DetailsInput,
  type JudgementInput,
  type NewChildInput,
  type ValidJudgement,
} from './concern-validation.ts'

export const STALE =
  'Someone else changed this record while you were editing it. Check your answers and try again.'

/** The child as the concern's pages show them: who they are, and only that. */
export interface ChildSummary {
  id: string
  name: string
  dateOfBirth: string | null
  age: number | null
  ageIsEstimate: boolean
}

export interface SuggestionView extends Suggestion {
  levelLabel: string
}

/** A concern with what its pages and the API show about it. */
export interface ConcernView extends ConcernRow {
  child: ChildSummary
  /** Whether the record says the child has a learning disability (then the question is not asked). */
  learningDisabilityKnown: boolean
  suggestion: SuggestionView | null
  /** Street terms found in the narrative and the child's words, with their meanings. */
  streetTerms: Array<{ code: string; term: string; meaning: string; indicators: string[]; found: string[] }>
  /** The narrative cut into plain and highlighted parts, for showing the terms in place. */
  narrativeParts: Array<{ text: string; term?: string }>
  /** Labels of the guide's items and of the judged level, for pages. */
  itemLabels: Record<string, string>
  judgedLevelLabel: string | null
}

export interface StartInput extends DangerInput {
  /** An existing child's id, or 'new' for a new child record. */
  child?: string
  newChild?: NewChildInput
}

export interface WholeConcernInput {
  start: StartInput
  details: DetailsInput
  judgement: JudgementInput
}

/** The referral service: the concern is referred in the transaction that records it (both or neither). */
export interface Referrer {
  submit(
    actor: Actor,
    input: { concernId: string; discussedWith: string | null; discussionNote: string | null },
    ctx: RequestContext,
    options: { trx: Transaction<DB> },
  ): Promise<{ id: string }>
}

const people = personRepository()
const MISSING = Symbol('missing')

function displayName(p: Pick<PersonRow, 'givenName' | 'familyName'>): string {
  return [p.givenName, p.familyName].filter((n) => n !== null && n !== '').join(' ')
}

function summary(row: PersonRow, today: string): ChildSummary {
  const estimated = row.dateOfBirth === null && row.estimatedAge !== null && row.estimatedAgeOn !== null
  const age =
    row.dateOfBirth !== null
      ? yearsBetween(row.dateOfBirth, today)
      : estimated
        ? (row.estimatedAge ?? 0) + yearsBetween(row.estimatedAgeOn ?? today, today)
        : null
  return { id: row.id, name: displayName(row), dateOfBirth: row.dateOfBirth, age, ageIsEstimate: estimated }
}

const learningDisabilityOnRecord = (row: PersonRow) => /learning/i.test(row.disability ?? '')

/** The narrative with the street terms found in it marked, as parts a template escapes one by one. */
function highlight(text: string, guide: Guide): ConcernView['narrativeParts'] {
  const parts: ConcernView['narrativeParts'] = []
  let at = 0
  for (const m of findStreetTerms(text, guide.streetTerms)) {
    if (m.start > at) parts.push({ text: text.slice(at, m.start) })
    parts.push({ text: m.text, term: guide.streetTerms.find((t) => t.code === m.code)?.term ?? m.code })
    at = m.start + m.length
  }
  if (at < text.length) parts.push({ text: text.slice(at) })
  return parts
}

export function suggestFor(guide: Guide, ticks: readonly Tick[], child: ChildFacts): SuggestionView {
  const s = suggestLevel(guide.rules, guide.items, guide.levels, ticks, child)
  return { ...s, levelLabel: guide.levels.find((l) => l.code === s.level)?.label ?? s.level }
}

export function concernService(
  database: Database,
  concerns: ConcernRepository,
  screening: ScreeningRepository,
  audit: AuditWriter,
) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })
  /** A transaction whose denial audit rows commit: MISSING is answered NotFoundError after the commit. */
  async function tx<T>(actor: Actor, fn: (trx: Transaction<DB>) => Promise<T | typeof MISSING>): Promise<T> {
    const result = await withTransaction(database, context(actor), fn)
    if (result === MISSING) throw new NotFoundError()
    return result
  }
  const denied: Decision = missingRecord()

  /** May the actor raise a concern about this child: they may read them, or they referred them before. */
  const maySee = (actor: Actor, child: PersonWithFacts) =>
    decide(actor, 'read', child.facts).allowed || decideSearchMatch(actor, child.facts).allowed

  const base = (actor: Actor, ctx: RequestContext) => ({
    partnershipId: actor.partnershipId,
    actor: auditActorOf(actor),
    requestId: ctx.requestId,
    ip: ctx.ip,
  })

  async function deny(
    trx: Transaction<DB>,
    actor: Actor,
    type: string,
    id: string,
    reason: string,
    ctx: RequestContext,
  ) {
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'access.denied',
      outcome: 'denied',
      record: { type, id },
      reason,
    })
  }

  function childFacts(
    row: PersonRow,
    concern: Pick<ConcernRow, 'learningDisability'>,
    today: string,
  ): ChildFacts {
    return {
      ageYears: summary(row, today).age,
      learningDisability: learningDisabilityOnRecord(row) || concern.learningDisability === true,
    }
  }

  function view(row: ConcernRow, child: PersonRow, guide: Guide): ConcernView {
    const today = todayInLondon()
    const words = [row.narrative ?? '', row.childWords ?? ''].join('\n')
    const found = findStreetTerms(words, guide.streetTerms)
    const labels = new Map(guide.items.map((i) => [i.code, i.label]))
    const streetTerms = guide.streetTerms
      .filter((t) => found.some((m) => m.code === t.code))
      .map((t) => ({
        code: t.code,
        term: t.term,
        meaning: t.meaning,
        indicators: t.indicatorCodes.map((c) => labels.get(c) ?? c),
        found: [...new Set(found.filter((m) => m.code === t.code).map((m) => m.text))],
      }))
    const suggestion =
      row.guideId === null ? null : suggestFor(guide, row.indicators, childFacts(child, row, today))
    return {
      ...row,
      child: summary(child, today),
      learningDisabilityKnown: learningDisabilityOnRecord(child),
      suggestion,
      streetTerms,
      narrativeParts: highlight(row.narrative ?? '', guide),
      itemLabels: Object.fromEntries(labels),
      judgedLevelLabel: guide.levels.find((l) => l.code === row.judgedLevel)?.label ?? null,
    }
  }

  /**
   * One concern for `action` (read, or write: the recorder's own draft). Denied and missing answer the same
   * NotFoundError; every attempt is audited in the caller's transaction (a read of the concern, or a denial).
   */
  async function load(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    action: 'read' | 'write',
    ctx: RequestContext,
    via: string,
  ): Promise<{ row: ConcernRow; child: PersonWithFacts } | typeof MISSING> {
    const row = UUID.test(id) ? await concerns.find(trx, id) : undefined
    const child =
      row === undefined ? undefined : await concerns.childWithFacts(trx, row.personId, actor.userId)
    const childRead = child === undefined ? denied : decide(actor, 'read', child.facts)
    const decision =
      row === undefined || child === undefined ? denied : decideConcern(actor, action, row.facts, childRead)
    if (row === undefined || child === undefined || !decision.allowed) {
      await deny(
        trx,
        actor,
        'concern',
        id,
        row === undefined ? 'no such record' : `denied: ${decision.denial ?? ''}`,
        ctx,
      )
      return MISSING
    }
    if (action === 'read') {
      await audit.write(trx, {
        ...base(actor, ctx),
        action: 'record.read',
        outcome: 'allowed',
        record: { type: 'concern', id },
        details: { via, status: row.status, breakGlass: decision.breakGlass },
      })
    }
    return { row, child }
  }

  /** Validates page 1 and makes the draft (and, for a new child, their minimal record) in `trx`. */
  async function startIn(
    trx: Transaction<DB>,
    actor: Actor,
    input: StartInput,
    ctx: RequestContext,
    errors: FieldError[],
  ): Promise<{ concernId: string; child: PersonWithFacts } | undefined | typeof MISSING> {
    const today = todayInLondon()
    const danger = validateDanger(input, new Date(), today, errors)
    const choice = (input.child ?? '').trim()
    let existing: PersonWithFacts | undefined
    let newChild: ReturnType<typeof validateNewChild> | undefined
    if (choice === '') {
      errors.push({ field: 'child', message: 'Select the child, or add a new child' })
    } else if (choice === 'new') {
      const schools = await concerns.schools(trx, actor.partnershipId)
      newChild = validateNewChild(
        input.newChild ?? {},
        today,
        schools.map((s) => s.id),
        errors,
      )
    } else {
      // A child the actor may not see answers exactly as one that does not exist.
      existing = UUID.test(choice) ? await concerns.childWithFacts(trx, choice, actor.userId) : undefined
      if (existing === undefined || !maySee(actor, existing)) {
        await deny(
          trx,
          actor,
          'person',
          choice,
          existing === undefined ? 'no such record' : 'denied: relationship',
          ctx,
        )
        return MISSING
      }
    }
    if (errors.length > 0) return undefined
    let personId: string
    if (existing !== undefined) personId = existing.person.id
    else {
      const c = newChild as NonNullable<typeof newChild>
      // A practitioner has no person:write: the concern makes the child's minimal record itself, with the
      // practitioner's agency involved, and the practitioner as its referrer (identity and outcome only).
      personId = await people.create(trx, {
        partnershipId: actor.partnershipId,
        kind: 'child',
        givenName: c.givenName,
        familyName: c.familyName,
        dateOfBirth: c.dateOfBirth,
        estimatedAge: c.estimatedAge,
        estimatedAgeOn: c.estimatedAge === null ? null : today,
        schoolAgencyId: c.schoolAgencyId,
        involvedAgencyIds: [actor.agencyId],
        createdBy: actor.userId,
      })
      await audit.write(trx, {
        ...base(actor, ctx),
        action: 'record.create',
        outcome: 'succeeded',
        record: { type: 'person', id: personId },
        details: { via: 'concern' },
      })
      if (c.addressLine1 !== null) {
        const home = await concerns.addHome(trx, {
          partnershipId: actor.partnershipId,
          personId,
          addressLine1: c.addressLine1,
          postcode: c.postcode,
          by: actor.userId,
        })
        for (const [type, id] of [
          ['location', home.locationId],
          ['link', home.linkId],
        ] as const) {
          await audit.write(trx, {
            ...base(actor, ctx),
            action: 'record.create',
            outcome: 'succeeded',
            record: { type, id },
            details: { via: 'concern' },
          })
        }
      }
    }
    const concernId = await concerns.insertDraft(trx, {
      partnershipId: actor.partnershipId,
      personId,
      recordedBy: actor.userId,
      agencyId: actor.agencyId,
      ...danger,
    })
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.create',
      outcome: 'succeeded',
      record: { type: 'concern', id: concernId },
      details: { status: 'draft', immediateDanger: danger.immediateDanger, newChild: existing === undefined },
    })
    // A known child was read above; only a new one is read back.
    const child = existing ?? (await concerns.childWithFacts(trx, personId, actor.userId))
    if (child === undefined) throw new Error('the child just recorded is missing')
    return { concernId, child }
  }

  /** Validates page 2 against the guide and saves it on the draft (version checked), with the suggestion. */
  async function saveDetailsIn(
    trx: Transaction<DB>,
    row: Pick<ConcernRow, 'id' | 'partnershipId' | 'version'>,
    child: PersonRow,
    input: DetailsInput,
    guide: Guide,
    errors: FieldError[],
  ): Promise<boolean> {
    const today = todayInLondon()
    const details = validateDetails(input, today, guide, !learningDisabilityOnRecord(child), errors)
    if (errors.length > 0) return false
    const suggestion = suggestFor(guide, details.ticks, childFacts(child, details, today))
    const saved = await concerns.saveDetails(
      trx,
      row,
      {
        ...details,
        guideId: guide.id,
        suggestedLevel: suggestion.level,
        suggestedScore: suggestion.score,
        suggestedReasons: suggestion.reasons,
      },
      details.ticks,
    )
    if (!saved) throw new ConflictError(STALE)
    return true
  }

  async function recordIn(
    trx: Transaction<DB>,
    actor: Actor,
    row: ConcernRow,
    child: PersonRow,
    version: number,
    judgement: ValidJudgement,
    guide: Guide,
    ctx: RequestContext,
  ) {
    if (row.narrative === null || row.guideId === null) {
      throw new ValidationError([
        { field: 'narrative', message: 'Say what you saw or heard before recording the concern' },
      ])
    }
    const suggestion = suggestFor(guide, row.indicators, childFacts(child, row, todayInLondon()))
    const done = await concerns.record(
      trx,
      { id: row.id, version },
      { ...judgement, ...suggestionFields(suggestion) },
    )
    if (!done) throw new ConflictError(STALE)
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.create',
      outcome: 'succeeded',
      record: { type: 'concern', id: row.id },
      details: {
        status: 'recorded',
        suggestedLevel: suggestion.level,
        judgedLevel: judgement.judgedLevel,
        indicators: row.indicators.length,
        immediateDanger: row.immediateDanger,
      },
    })
  }

  /** The whole concern (page 1's checks, then page 2's and 3's), recorded in `trx`; bad input throws. */
  async function createIn(
    trx: Transaction<DB>,
    actor: Actor,
    input: WholeConcernInput,
    ctx: RequestContext,
  ): Promise<string | typeof MISSING> {
    const errors: FieldError[] = []
    const guide = await screening.guide(trx)
    // Page 1's checks, then page 2's and 3's (on a savepoint-free path: any error throws and rolls back).
    const started = await startIn(trx, actor, input.start, ctx, errors)
    if (started === MISSING) return MISSING
    const today = todayInLondon()
    if (started === undefined) {
      validateDetails(input.details, today, guide, true, errors)
      validateJudgement(input.judgement, guide.levels, errors)
      throw new ValidationError(errors)
    }
    const judgement = validateJudgement(input.judgement, guide.levels, errors)
    await saveDetailsIn(
      trx,
      { id: started.concernId, partnershipId: actor.partnershipId, version: 1 },
      started.child.person,
      input.details,
      guide,
      errors,
    )
    if (errors.length > 0) throw new ValidationError(errors)
    const row = await concerns.find(trx, started.concernId)
    if (row === undefined) throw new Error('the draft just made is missing')
    await recordIn(trx, actor, row, started.child.person, row.version, judgement, guide, ctx)
    return started.concernId
  }

  const suggestionFields = (s: Suggestion) => ({
    suggestedLevel: s.level,
    suggestedScore: s.score,
    suggestedReasons: s.reasons,
  })

  return {
    /** The screening guide in force: items, the risk scale and the street terms. */
    async guide(actor: Actor): Promise<Guide> {
      return withTransaction(database, context(actor), (trx) => screening.guide(trx))
    },

    /** A suggestion for ticks and child facts, stored nowhere. Unknown items are field errors. */
    async suggest(actor: Actor, ticks: readonly Tick[], child: ChildFacts): Promise<SuggestionView> {
      const guide = await this.guide(actor)
      const codes = new Set(guide.items.map((i) => i.code))
      const errors: FieldError[] = ticks
        .map((t, n) => ({ t, n }))
        .filter(({ t }) => !codes.has(t.itemCode))
        .map(({ n }) => ({
          field: `/body/ticks/${String(n)}/itemCode`,
          message: 'Select an item of the current guide',
        }))
      if (errors.length > 0) throw new ValidationError(errors)
      return suggestFor(guide, ticks, child)
    },

    /**
     * Page 1's choices: children the actor has raised concerns about or referred (who they are, nothing more),
     * and for roles who read records, their caseload; plus the partnership's schools for a new child. A child
     * given by id (from search or their page) is offered when the actor may see them; otherwise NotFoundError.
     */
    async startForm(actor: Actor, ctx: RequestContext, childId?: string) {
      return tx(actor, async (trx) => {
        const ids = new Set(await concerns.referredChildIds(trx, actor.userId))
        if (can(actor, 'person:read')) {
          for (const c of await people.caseload(trx, actor, 50)) ids.add(c.person.id)
        }
        if (childId !== undefined) ids.add(childId)
        const today = todayInLondon()
        const children: ChildSummary[] = []
        for (const id of ids) {
          const child = UUID.test(id) ? await concerns.childWithFacts(trx, id, actor.userId) : undefined
          if (child === undefined || !maySee(actor, child)) {
            if (id === childId) {
              await deny(
                trx,
                actor,
                'person',
                id,
                child === undefined ? 'no such record' : 'denied: relationship',
                ctx,
              )
              return MISSING
            }
            continue
          }
          await audit.write(trx, {
            ...base(actor, ctx),
            action: 'record.read',
            outcome: 'allowed',
            record: { type: 'person', id },
            details: { via: 'concern-form' },
          })
          children.push(summary(child.person, today))
        }
        return { children, schools: await concerns.schools(trx, actor.partnershipId) }
      })
    },

    /** Page 1: makes the draft; bad input is a ValidationError with nothing written. */
    async start(actor: Actor, input: StartInput, ctx: RequestContext): Promise<string> {
      const errors: FieldError[] = []
      const result = await tx(actor, (trx) => startIn(trx, actor, input, ctx, errors))
      if (result === undefined) throw new ValidationError(errors)
      return result.concernId
    },

    /**
     * The same within the caller's transaction (the demo seed); a child the actor may not see throws NotFoundError.
     */
    async startIn(
      trx: Transaction<DB>,
      actor: Actor,
      input: StartInput,
      ctx: RequestContext,
    ): Promise<string> {
      const errors: FieldError[] = []
      const result = await startIn(trx, actor, input, ctx, errors)
      if (result === MISSING) throw new NotFoundError()
      if (result === undefined) throw new ValidationError(errors)
      return result.concernId
    },

    /** The recorder's draft (or a concern they may read), with the guide, for a page. */
    async draft(actor: Actor, id: string, ctx: RequestContext, action: 'read' | 'write' = 'write') {
      return tx(actor, async (trx) => {
        const loaded = await load(trx, actor, id, action, ctx, 'page')
        if (loaded === MISSING) return MISSING
        const { row, child } = loaded
        const guide = await screening.guide(trx, row.guideId ?? undefined)
        return { concern: view(row, child.person, guide), guide }
      })
    },

    /** Page 2: saves what was seen or heard and the screening on the draft. */
    async saveDetails(
      actor: Actor,
      id: string,
      version: number,
      input: DetailsInput,
      ctx: RequestContext,
    ): Promise<void> {
      const errors: FieldError[] = []
      const ok = await tx(actor, async (trx) => {
        const loaded = await load(trx, actor, id, 'write', ctx, 'page')
        if (loaded === MISSING) return MISSING
        const { row, child } = loaded
        if (row.version !== version) throw new ConflictError(STALE)
        const guide = await screening.guide(trx)
        const saved = await saveDetailsIn(trx, row, child.person, input, guide, errors)
        if (saved) {
          await audit.write(trx, {
            ...base(actor, ctx),
            action: 'record.update',
            outcome: 'succeeded',
            record: { type: 'concern', id },
            details: { status: 'draft', page: 'details', indicators: input.ticks.length },
          })
        }
        return saved
      })
      if (!ok) throw new ValidationError(errors)
    },

    /** Changes the immediate-danger answers of the recorder's draft (from check answers). */
    async changeDanger(
      actor: Actor,
      id: string,
      version: number,
      input: DangerInput,
      ctx: RequestContext,
    ): Promise<void> {
      const errors: FieldError[] = []
      const danger = validateDanger(input, new Date(), todayInLondon(), errors)
      await tx(actor, async (trx) => {
        const loaded = await load(trx, actor, id, 'write', ctx, 'page')
        if (loaded === MISSING) return MISSING
        if (errors.length > 0) return undefined
        if (loaded.row.version !== version) throw new ConflictError(STALE)
        if (!(await concerns.saveDanger(trx, { id, version }, danger))) throw new ConflictError(STALE)
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.update',
          outcome: 'succeeded',
          record: { type: 'concern', id },
          details: { status: 'draft', page: 'danger', immediateDanger: danger.immediateDanger },
        })
        return undefined
      })
      if (errors.length > 0) throw new ValidationError(errors)
    },

    /**
     * Page 3: records the concern (status, judgement and the suggestion beside it) in one transaction, then
     * refers it when a referral service is given. A discussion with a manager is passed on, never required.
     */
    async record(
      actor: Actor,
      id: string,
      version: number,
      input: JudgementInput,
      ctx: RequestContext,
      referrer?: Referrer,
    ): Promise<{ referralId: string | null }> {
      const errors: FieldError[] = []
      return tx(actor, async (trx) => {
        const loaded = await load(trx, actor, id, 'write', ctx, 'page')
        if (loaded === MISSING) return MISSING
        const { row, child } = loaded
        const guide = await screening.guide(trx, row.guideId ?? undefined)
        const judgement = validateJudgement(input, guide.levels, errors)
        if (errors.length > 0) throw new ValidationError(errors)
        if (row.version !== version) throw new ConflictError(STALE)
        await recordIn(trx, actor, row, child.person, version, judgement, guide, ctx)
        if (referrer === undefined || !can(actor, 'referral:create')) return { referralId: null }
        const referral = await referrer.submit(
          actor,
          { concernId: id, discussedWith: judgement.discussedWith, discussionNote: judgement.discussionNote },
          ctx,
          { trx },
        )
        return { referralId: referral.id }
      })
    },

    /** The API: the whole concern in one body, recorded in one transaction, or nothing written. */
    async create(actor: Actor, input: WholeConcernInput, ctx: RequestContext): Promise<string> {
      return tx(actor, (trx) => createIn(trx, actor, input, ctx))
    },

    /**
     * The same within the caller's transaction (the demo seed); a child the actor may not see throws NotFoundError.
     */
    async createIn(
      trx: Transaction<DB>,
      actor: Actor,
      input: WholeConcernInput,
      ctx: RequestContext,
    ): Promise<string> {
      const id = await createIn(trx, actor, input, ctx)
      if (id === MISSING) throw new NotFoundError()
      return id
    },

    /** One concern for a reader (the recorder, or someone who may read the child), audited. */
    async read(actor: Actor, id: string, ctx: RequestContext, via = 'api'): Promise<ConcernView> {
      return tx(actor, async (trx) => {
        const loaded = await load(trx, actor, id, 'read', ctx, via)
        if (loaded === MISSING) return MISSING
        const { row, child } = loaded
        const guide = await screening.guide(trx, row.guideId ?? undefined)
        return view(row, child.person, guide)
      })
    },
  }
}

export type ConcernService = ReturnType<typeof concernService>
