import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import {
  can,
  decide,
  decideConcern,
  decideConcernChild,
  decideConcernNewChild,
  type Actor,
  type Decision,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ageInYears, todayInLondon } from '../../platform/calendar.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { FieldError } from '../../platform/errors.ts'
import type { PersonService } from '../people/person-service.ts'
import {
  findStreetTerms,
  type ChildFacts,
  type Guide,
  type ScreeningService,
  type Suggestion,
  type Tick,
} from '../screening/screening-service.ts'
import { makeConcernChild, type ChildBasics } from './concern-child.ts'
import type { ConcernRepository, ConcernRow } from './concern-repository.ts'
import {
  validateDanger,
  validateDetails,
  validateJudgement,
  validateNewChild,
  type DangerInput,
  type DetailsInput,
  type JudgementInput,
  type NewChildInput,
  type ValidJudgement,
} from './concern-validation.ts'

export type { DetailsInput, TickInput, JudgementInput } from './concern-validation.ts'

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

/** Where a call runs: in the caller's transaction (`trx`: the demo seed), or in its own. */
export interface InTransaction {
  trx?: Transaction<DB>
}

/** The people the concern feature reaches: through the person service (its record kind and caseload). */
export type ConcernPeople = Pick<PersonService, 'records' | 'caseload'>

/** A child as the person service's record kind loads them, with the facts of the actor's relationships. */
type ChildRecord = NonNullable<Awaited<ReturnType<ConcernPeople['records']['load']>>>

/** A concern with the child it is about (both needed for the policy's decision on the concern). */
interface ConcernRecord {
  row: NonNullable<Awaited<ReturnType<ConcernRepository['find']>>>
  child: ChildRecord
}

const MISSING = Symbol('missing')

function displayName(p: Pick<ChildBasics, 'givenName' | 'familyName'>): string {
  return [p.givenName, p.familyName].filter((n) => n !== null && n !== '').join(' ')
}

function summary(row: ChildBasics, today: string): ChildSummary {
  const estimated = row.dateOfBirth === null && row.estimatedAge !== null && row.estimatedAgeOn !== null
  const age =
    row.dateOfBirth !== null
      ? ageInYears(row.dateOfBirth, today)
      : estimated
        ? (row.estimatedAge ?? 0) + ageInYears(row.estimatedAgeOn ?? today, today)
        : null
  return { id: row.id, name: displayName(row), dateOfBirth: row.dateOfBirth, age, ageIsEstimate: estimated }
}

const learningDisabilityOnRecord = (row: ChildBasics) => /learning/i.test(row.disability ?? '')

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

function childFacts(
  row: ChildBasics,
  concern: Pick<ConcernRow, 'learningDisability'>,
  today: string,
): ChildFacts {
  return {
    ageYears: summary(row, today).age,
    learningDisability: learningDisabilityOnRecord(row) || concern.learningDisability === true,
  }
}

const suggestionFields = (s: Suggestion) => ({
  suggestedLevel: s.level,
  suggestedScore: s.score,
  suggestedReasons: s.reasons,
})

/**
 * Concerns (issue 4): a practitioner's three pages (the child and immediate danger, what was seen or heard with
 * the screening, then their judgement beside the suggested level), or the whole concern in one API body. A draft
 * is its recorder's alone; a recorded concern is read by its recorder and by whoever may read the child
 * (decideConcern). The child named is one the actor may name (decideConcernChild), or a new child whose minimal
 * record the concern makes (decideConcernNewChild, concern-child.ts). Records are reached through the
 * record-access kit, so every read, denial and change is audited, break-glass marked.
 */
export function concernService(
  concerns: ConcernRepository,
  screening: ScreeningService,
  people: ConcernPeople,
  access: RecordAccess,
) {
  /** How the kit reaches a child named in a concern: the person service's record, and whether the actor referred them. */
  const childKind: RecordKind<ChildRecord> = {
    type: 'person',
    load: async (trx, id, actor, options) => {
      const found = await people.records.load(trx, id, actor, options)
      if (found === undefined || !(await concerns.referredBy(trx, id, actor.userId))) return found
      return { ...found, facts: { ...found.facts, referrerIds: [actor.userId] } }
    },
    decide: (actor, _action, found) => decideConcernChild(actor, found.facts),
  }

  /** How the kit reaches a concern: with its child, decided by the policy's concern rule (drafts: the recorder's). */
  const concernKind: RecordKind<ConcernRecord> = {
    type: 'concern',
    load: async (trx, id, actor) => {
      const row = await concerns.find(trx, id)
      if (row === undefined) return undefined
      const child = await childKind.load(trx, row.personId, actor, { lock: false, details: false })
      return child === undefined ? undefined : { row, child }
    },
    decide: (actor, action, { row, child }) =>
      decideConcern(actor, action, row.facts, decide(actor, 'read', child.facts)),
  }

  /** `work` in the caller's transaction or a new one; MISSING (after a denial's audit row) is NotFoundError. */
  async function run<T>(
    actor: Actor,
    trx: Transaction<DB> | undefined,
    work: (trx: Transaction<DB>) => Promise<T | typeof MISSING>,
  ): Promise<T> {
    const result = await access.within(actor, trx, work)
    if (result === MISSING) throw new NotFoundError()
    return result
  }

  function view(row: ConcernRow, child: ChildBasics, guide: Guide): ConcernView {
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

  function suggestFor(guide: Guide, ticks: readonly Tick[], child: ChildFacts): SuggestionView {
    const s = screening.suggest(guide, ticks, child)
    return { ...s, levelLabel: guide.levels.find((l) => l.code === s.level)?.label ?? s.level }
  }

  /**
   * Validates page 1 and makes the draft (and, for a new child, their minimal record) in `trx`. A child the actor
   * may not name answers MISSING (its denial audited), exactly as one that does not exist.
   */
  async function begin(
    trx: Transaction<DB>,
    actor: Actor,
    input: StartInput,
    ctx: RequestContext,
    errors: FieldError[],
  ): Promise<{ concernId: string; child: ChildBasics; decision: Decision } | undefined | typeof MISSING> {
    const today = todayInLondon()
    const danger = validateDanger(input, new Date(), today, errors)
    const choice = (input.child ?? '').trim()
    let existing: { child: ChildBasics; decision: Decision } | undefined
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
      // Reached to change (a concern about them): no read row; the concern's own row is marked on break-glass.
      const reached = await access.reach(trx, actor, childKind, choice, 'read', ctx, {
        whole: false,
        quiet: true,
      })
      if (reached === undefined) return MISSING
      existing = { child: reached.row.person, decision: reached.decision }
    }
    if (errors.length > 0) return undefined
    let made: { child: ChildBasics; decision: Decision }
    if (existing !== undefined) made = existing
    else {
      const decision = decideConcernNewChild(actor)
      if (!decision.allowed) throw new ForbiddenError()
      const { child, home } = await makeConcernChild(
        trx,
        actor,
        newChild as NonNullable<typeof newChild>,
        today,
      )
      const records = [
        { type: 'person', id: child.id },
        ...(home === undefined
          ? []
          : [
              { type: 'location', id: home.locationId },
              { type: 'link', id: home.linkId },
            ]),
      ]
      for (const record of records) {
        await access.changed(trx, actor, ctx, record, decision, {
          action: 'record.create',
          details: { via: 'concern' },
        })
      }
      made = { child, decision }
    }
    const concernId = await concerns.insertDraft(trx, {
      partnershipId: actor.partnershipId,
      personId: made.child.id,
      recordedBy: actor.userId,
      agencyId: actor.agencyId,
      ...danger,
    })
    await access.changed(trx, actor, ctx, { type: 'concern', id: concernId }, made.decision, {
      action: 'record.create',
      details: { status: 'draft', immediateDanger: danger.immediateDanger, newChild: existing === undefined },
    })
    return { concernId, ...made }
  }

  /** Validates page 2 against the guide and saves it on the draft (version checked), with the suggestion. */
  async function saveDetailsOn(
    trx: Transaction<DB>,
    row: Pick<ConcernRow, 'id' | 'partnershipId' | 'version'>,
    child: ChildBasics,
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
      { ...details, guideId: guide.id, ...suggestionFields(suggestion) },
      details.ticks,
    )
    if (!saved) throw new ConflictError(STALE)
    return true
  }

  async function recordOn(
    trx: Transaction<DB>,
    actor: Actor,
    row: ConcernRow,
    child: ChildBasics,
    version: number,
    judgement: ValidJudgement,
    guide: Guide,
    ctx: RequestContext,
    decision: Decision,
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
    await access.changed(trx, actor, ctx, { type: 'concern', id: row.id }, decision, {
      action: 'record.create',
      details: {
        status: 'recorded',
        suggestedLevel: suggestion.level,
        judgedLevel: judgement.judgedLevel,
        indicators: row.indicators.length,
        immediateDanger: row.immediateDanger,
      },
    })
  }

  /** The recorder's draft, reached to change it (no read row; a denial audited and answered NotFoundError). */
  function change<T>(
    actor: Actor,
    id: string,
    ctx: RequestContext,
    work: (trx: Transaction<DB>, concern: ConcernRecord, decision: Decision) => Promise<T>,
  ): Promise<T> {
    return access.write(actor, concernKind, id, ctx, { via: 'page' }, (trx, { row, decision }) =>
      work(trx, row, decision),
    )
  }

  return {
    /** The screening guide in force: items, the risk scale and the street terms. */
    async guide(actor: Actor): Promise<Guide> {
      return screening.guide(actor)
    },

    /** A suggestion for ticks and child facts, stored nowhere. Unknown items are field errors. */
    async suggest(actor: Actor, ticks: readonly Tick[], child: ChildFacts): Promise<SuggestionView> {
      const guide = await screening.guide(actor)
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
     * and for roles who read records, their caseload (through the person service, its reads audited there); plus
     * the partnership's schools for a new child. A child given by id (from search or their page) is offered when
     * the actor may name them; otherwise NotFoundError. Each child offered is audited as read, break-glass marked.
     */
    async startForm(actor: Actor, ctx: RequestContext, childId?: string) {
      const caseload = can(actor, 'person:read') ? await people.caseload(actor, ctx, { limit: 50 }) : []
      return run(actor, undefined, async (trx) => {
        const today = todayInLondon()
        const referred = await concerns.referredChildIds(trx, actor.userId)
        const onCaseload = new Map(caseload.map((read) => [read.person.id, read]))
        const others = referred.filter((id) => !onCaseload.has(id) && id !== childId)
        // The children the actor referred: each a referrer of theirs, reached as one list.
        const loaded = await people.records.loadMany(trx, others, actor)
        const rows = [...loaded.values()].map((found) => ({
          ...found,
          facts: { ...found.facts, referrerIds: [actor.userId] },
        }))
        const shown = await access.shown(trx, actor, childKind, rows, (r) => r.person.id, ctx, {
          via: 'concern-form',
        })
        const named = new Map(shown.map(({ row }) => [row.person.id, summary(row.person, today)]))
        for (const read of caseload) {
          const p = read.person
          named.set(p.id, {
            id: p.id,
            name: displayName({ givenName: p.givenName ?? '', familyName: p.familyName ?? null }),
            dateOfBirth: p.dateOfBirth ?? null,
            age: p.age ?? null,
            ageIsEstimate: p.ageIsEstimate ?? false,
          })
        }
        if (childId !== undefined && !named.has(childId)) {
          const reached = await access.reach(trx, actor, childKind, childId, 'read', ctx, {
            via: 'concern-form',
            whole: false,
          })
          if (reached === undefined) return MISSING
          named.set(childId, summary(reached.row.person, today))
        }
        const order = [...new Set([...referred, ...caseload.map((r) => r.person.id), childId])]
        const children = order.flatMap((id) => {
          const child = id === undefined ? undefined : named.get(id)
          return child === undefined ? [] : [child]
        })
        return { children, schools: await concerns.schools(trx, actor.partnershipId) }
      })
    },

    /** Page 1: makes the draft; bad input is a ValidationError with nothing written. */
    async start(
      actor: Actor,
      input: StartInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<string> {
      const errors: FieldError[] = []
      const result = await run(actor, options.trx, (trx) => begin(trx, actor, input, ctx, errors))
      if (result === undefined) throw new ValidationError(errors)
      return result.concernId
    },

    /** The recorder's draft (or a concern they may read), with the guide, for a page. */
    async draft(actor: Actor, id: string, ctx: RequestContext, action: 'read' | 'write' = 'write') {
      return access[action](
        actor,
        concernKind,
        id,
        ctx,
        { via: 'page' },
        async (trx, { row: { row, child } }) => {
          const guide = await screening.guide(actor, {
            trx,
            ...(row.guideId === null ? {} : { id: row.guideId }),
          })
          return { concern: view(row, child.person, guide), guide }
        },
      )
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
      const ok = await change(actor, id, ctx, async (trx, { row, child }, decision) => {
        if (row.version !== version) throw new ConflictError(STALE)
        const guide = await screening.guide(actor, { trx })
        const saved = await saveDetailsOn(trx, row, child.person, input, guide, errors)
        if (saved) {
          await access.changed(trx, actor, ctx, { type: 'concern', id }, decision, {
            action: 'record.update',
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
      await change(actor, id, ctx, async (trx, { row }, decision) => {
        if (errors.length > 0) return
        if (row.version !== version) throw new ConflictError(STALE)
        if (!(await concerns.saveDanger(trx, { id, version }, danger))) throw new ConflictError(STALE)
        await access.changed(trx, actor, ctx, { type: 'concern', id }, decision, {
          action: 'record.update',
          details: { status: 'draft', page: 'danger', immediateDanger: danger.immediateDanger },
        })
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
      return change(actor, id, ctx, async (trx, { row, child }, decision) => {
        const guide = await screening.guide(actor, {
          trx,
          ...(row.guideId === null ? {} : { id: row.guideId }),
        })
        const judgement = validateJudgement(input, guide.levels, errors)
        if (errors.length > 0) throw new ValidationError(errors)
        if (row.version !== version) throw new ConflictError(STALE)
        await recordOn(trx, actor, row, child.person, version, judgement, guide, ctx, decision)
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

    /**
     * The whole concern in one body (the API; the demo seed, in its transaction), recorded in one transaction, or
     * nothing written: page 1's checks, then page 2's and 3's. A child the actor may not name is NotFoundError.
     */
    async create(
      actor: Actor,
      input: WholeConcernInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<string> {
      return run(actor, options.trx, async (trx) => {
        const errors: FieldError[] = []
        const guide = await screening.guide(actor, { trx })
        const started = await begin(trx, actor, input.start, ctx, errors)
        if (started === MISSING) return MISSING
        const today = todayInLondon()
        if (started === undefined) {
          validateDetails(input.details, today, guide, true, errors)
          validateJudgement(input.judgement, guide.levels, errors)
          throw new ValidationError(errors)
        }
        const judgement = validateJudgement(input.judgement, guide.levels, errors)
        await saveDetailsOn(
          trx,
          { id: started.concernId, partnershipId: actor.partnershipId, version: 1 },
          started.child,
          input.details,
          guide,
          errors,
        )
        if (errors.length > 0) throw new ValidationError(errors)
        // Any error above throws, and the transaction (the caller's, or this one) writes nothing.
        const row = await concerns.find(trx, started.concernId)
        if (row === undefined) throw new Error('the draft just made is missing')
        await recordOn(trx, actor, row, started.child, row.version, judgement, guide, ctx, started.decision)
        return started.concernId
      })
    },

    /** One concern for a reader (the recorder, or someone who may read the child), audited. */
    async read(actor: Actor, id: string, ctx: RequestContext, via = 'api'): Promise<ConcernView> {
      return access.read(actor, concernKind, id, ctx, { via }, async (trx, { row: { row, child } }) => {
        const guide = await screening.guide(actor, {
          trx,
          ...(row.guideId === null ? {} : { id: row.guideId }),
        })
        return view(row, child.person, guide)
      })
    },
  }
}

export type ConcernService = ReturnType<typeof concernService>
