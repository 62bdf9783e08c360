import type { Transaction } from 'kysely'
import type { DB, EntityKind } from '../../db/schema.ts'
import {
  decideDerived,
  decideLink,
  decideThing,
  KNOWN_TO_PARTNERSHIP,
  missingRecord,
  type Actor,
  type Decision,
  type RecordAction,
  type ThingFacts,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind, Reached } from '../../platform/access/record-access.ts'
import { thingFacts, thingFactsOf } from '../../platform/access/thing-facts.ts'
import type { AuditEvent } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { ConflictError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { normaliseNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { normalisePhone } from '../../platform/identifiers/phone.ts'
import { normalisePostcode } from '../../platform/identifiers/postcode.ts'
import { normaliseRegistration } from '../../platform/identifiers/vehicle.ts'
import { paths } from '../../platform/paths.ts'
import type { IntelligenceService, IntelligenceView } from '../intelligence/intelligence-service.ts'
import type { PersonService } from '../people/person-service.ts'
import type { LinkHistory, LinkRepository, LinkRow, LinkTypeRow, ThingRow } from './link-repository.ts'
import {
  INTELLIGENCE_ASSESSMENTS,
  MESSAGES,
  parseDate,
  SOURCE_EVALUATIONS,
  validateLinkFields,
  type DateInput,
  type LinkInput,
} from './link-validation.ts'

/** One end of a link, as far as the caller may see it (a link is only shown when both ends are visible). */
export interface EndView {
  kind: EntityKind
  id: string
  name: string
  href: string | null
}

/** A link with its provenance: type, dates, source, reliability and confidence, who recorded and ended it. */
export interface LinkView extends LinkHistory {
  id: string
  linkType: string
  label: string
  inverseLabel: string
  from: EndView
  to: EndView
  fromDate: string | null
  toDate: string | null
  source: string
  sourceType: 'record' | 'intelligence'
  sourceAgencyName: string | null
  sourceEvaluation: string | null
  sourceEvaluationLabel: string | null
  intelligenceAssessment: string | null
  intelligenceAssessmentLabel: string | null
  confidence: 'confirmed' | 'suspected'
  current: boolean
}

/** A link seen from one end: how it reads from there ("exploited by", or "exploits" from the other end). */
export interface LinkFromHere extends LinkView {
  relation: string
  other: EndView
}

export interface LinkForm {
  person: EndView
  types: Array<{ value: string; text: string }>
  agencies: Array<{ id: string; name: string }>
}

/** A link as its page shows it, and whether the policy lets this reader end it. */
export interface LinkRead {
  link: LinkView
  canEnd: boolean
}

/** How the kit reaches a person: the person service's `records` (with `loadMany` for a list's other ends). */
export type PersonRecords = PersonService['records']
/** A person as the person service's record kind loads them, with the policy facts of the actor's relationships. */
export type PersonRecord = Parameters<PersonRecords['decide']>[2]

/** A place or thing at an end, with the policy's facts about it (who recorded it, who it is linked to). */
type ThingEnd = ThingRow & { facts: ThingFacts }

/** An end's record as loaded: a person (with policy facts) or a place or thing (with its display name). */
type EndRow = { kind: 'person'; row: PersonRecord } | { kind: 'location' | 'object'; row: ThingEnd }

/** A link with the records at its two ends (undefined: no such record, in the actor's partnership). */
interface LinkRecord {
  row: LinkRow
  from: EndRow | undefined
  to: EndRow | undefined
  /** The link's intelligence entry as the reader may see it; undefined when the reader may not (or none). */
  entry: { decision: Decision; entry: IntelligenceView } | undefined
}

/** Options of a record's list of links: the caller's transaction, and its page's audit events. */
export interface LinksOptions {
  trx?: Transaction<DB>
  /** The reads of the people named on the list are added here, for the caller to write with its own. */
  events?: AuditEvent[]
}

/** Which entity kinds a link type allows at the far end, from the named end's kind (and an asked-for kind). */
function kindsFor(type: LinkTypeRow | undefined, input: LinkInput): EntityKind[] {
  if (type === undefined) return []
  const [near, far] = input.reverse === true ? [type.toKinds, type.fromKinds] : [type.fromKinds, type.toKinds]
  if (!near.includes(input.fromKind as EntityKind)) return []
  return input.toKind === undefined || input.toKind === '' ? far : far.filter((kind) => kind === input.toKind)
}

/** A type option read from the other end: the person is the link's "to" end. */
const REVERSE = '~'

/** On a person's page: each type that can start at a person, and each one-way type that can end at one. */
export function typeOptions(types: readonly LinkTypeRow[]): Array<{ value: string; text: string }> {
  const options: Array<{ value: string; text: string }> = []
  for (const type of types) {
    if (type.fromKinds.includes('person')) {
      options.push({ value: type.code, text: `${type.label} (a ${type.toKinds.join(' or ')})` })
    }
    if (type.toKinds.includes('person') && type.label !== type.inverseLabel) {
      options.push({
        value: `${REVERSE}${type.code}`,
        text: `${type.inverseLabel} (a ${type.fromKinds.join(' or ')})`,
      })
    }
  }
  return options
}

/**
 * A link as the reader sees it. One derived from intelligence shows its entry's sanitised text as its source to a
 * reader who sees only that (a MACE member), never the handlers' source.
 */
function view(row: LinkRow, from: EndView, to: EndView, entry?: IntelligenceView): LinkView {
  const sanitised = entry !== undefined && !entry.full
  return {
    id: row.id,
    linkType: row.linkType,
    label: row.label,
    inverseLabel: row.inverseLabel,
    from,
    to,
    fromDate: row.fromDate,
    toDate: row.toDate,
    source: sanitised ? entry.sanitisedText : row.source,
    sourceType: row.sourceEvaluation === null && row.intelligenceId === null ? 'record' : 'intelligence',
    sourceAgencyName: sanitised ? entry.reportingAgencyName : row.sourceAgencyName,
    sourceEvaluation: row.sourceEvaluation,
    sourceEvaluationLabel: row.sourceEvaluation === null ? null : SOURCE_EVALUATIONS[row.sourceEvaluation],
    intelligenceAssessment: row.intelligenceAssessment,
    intelligenceAssessmentLabel:
      row.intelligenceAssessment === null ? null : INTELLIGENCE_ASSESSMENTS[row.intelligenceAssessment],
    confidence: row.confidence,
    current: row.endedAt === null,
    endedAt: row.endedAt,
    endedByName: row.endedByName,
    endReason: row.endReason,
    createdAt: row.createdAt,
    createdByName: row.createdByName,
    version: row.version,
  }
}

/** How a link shows an end (its name and page). */
function endView(end: EndRow): EndView {
  if (end.kind === 'person') {
    const { person } = end.row
    const name = [person.givenName, person.familyName].filter((n) => n !== null).join(' ')
    return { kind: 'person', id: person.id, name, href: paths.people.show(person.id) }
  }
  const { id, name } = end.row
  return {
    kind: end.kind,
    id,
    name,
    href: end.kind === 'location' ? paths.locations.show(id) : paths.objects.show(id),
  }
}

/**
 * Links between people, places and things (issue 4). A link reveals something about both its ends, so it is
 * reached through the record-access kit as a record whose decision is decideLink on the policy's read decisions
 * on both ends: people through the person service's record kind, places and things on the place/thing rule.
 * Every read (the link, and each person a page names) and every denial is audited.
 */
export function linkService(
  links: LinkRepository,
  people: PersonRecords,
  access: RecordAccess,
  intelligence: IntelligenceService,
) {
  /** A place or thing at the end of a link: its name for the link's pages, decided by the place/thing rule. */
  const thingKind = (kind: 'location' | 'object'): RecordKind<ThingEnd> => ({
    type: kind,
    load: (trx, id, actor) => loadThing(trx, actor, kind, id),
    decide: (actor, action, row) => decideThing(actor, action, row.facts),
  })

  /** A place or thing with the policy's facts about it. */
  async function loadThing(
    trx: Transaction<DB>,
    actor: Actor,
    kind: 'location' | 'object',
    id: string,
  ): Promise<ThingEnd | undefined> {
    const row = await links.thing(trx, kind, id)
    if (row === undefined) return undefined
    const facts = await thingFacts(trx, kind, id, actor.userId)
    return { ...row, facts: facts ?? { kind, partnershipId: row.partnershipId } }
  }
  const things = { location: thingKind('location'), object: thingKind('object') }

  /** The policy's read decision on an end (an end that is not there: as for any record that does not exist). */
  function endDecision(actor: Actor, end: EndRow | undefined): Decision {
    if (end === undefined) return missingRecord()
    return end.kind === 'person'
      ? people.decide(actor, 'read', end.row)
      : things[end.kind].decide(actor, 'read', end.row)
  }

  async function loadEnd(
    trx: Transaction<DB>,
    actor: Actor,
    kind: EntityKind,
    id: string,
  ): Promise<EndRow | undefined> {
    if (kind === 'person') {
      const row = await people.load(trx, id, actor, { lock: false, details: false })
      return row === undefined ? undefined : { kind, row }
    }
    const row = await loadThing(trx, actor, kind, id)
    return row === undefined ? undefined : { kind, row }
  }

  /** How the kit reaches a link: with both its ends, decided by decideLink on the ends' own decisions. */
  const linkKind: RecordKind<LinkRecord> = {
    type: 'link',
    load: async (trx, id, actor, { lock }) => {
      const row = await links.find(trx, id, { forUpdate: lock })
      if (row === undefined) return undefined
      const from = await loadEnd(trx, actor, row.fromKind, row.fromId)
      const to = await loadEnd(trx, actor, row.toKind, row.toId)
      const entry =
        row.intelligenceId === null
          ? undefined
          : (await intelligence.derivedDecisions(trx, actor, [row.intelligenceId])).get(row.intelligenceId)
      return { row, from, to, entry }
    },
    decide: (actor: Actor, action: RecordAction, record: LinkRecord) => {
      const link = decideLink(actor, action, [endDecision(actor, record.from), endDecision(actor, record.to)])
      if (record.row.intelligenceId === null) return link
      return record.entry === undefined ? missingRecord() : decideDerived(actor, link, record.entry.decision)
    },
  }

  /** An end the caller names, reached through the kit (no read row: a denial is audited). */
  async function reachEnd(
    trx: Transaction<DB>,
    actor: Actor,
    kind: EntityKind,
    id: string,
    ctx: RequestContext,
  ): Promise<{ end: EndView; decision: Decision } | undefined> {
    const reached =
      kind === 'person'
        ? await access.reach(trx, actor, people, id, 'read', ctx, { quiet: true, whole: false })
        : await access.reach(trx, actor, things[kind], id, 'read', ctx, { quiet: true })
    if (reached === undefined) return undefined
    const end =
      kind === 'person'
        ? endView({ kind, row: reached.row as PersonRecord })
        : endView({ kind, row: reached.row as ThingEnd })
    return { end, decision: reached.decision }
  }

  /** The other end from what the user typed: a record id, or an exact identifier of the kinds the type allows. */
  async function lookUp(
    trx: Transaction<DB>,
    actor: Actor,
    kinds: readonly EntityKind[],
    typed: string,
  ): Promise<{ kind: EntityKind; id: string } | undefined> {
    const value = typed.trim()
    for (const kind of kinds) {
      if (UUID.test(value)) {
        const id = value.toLowerCase()
        if ((await loadEnd(trx, actor, kind, id)) !== undefined) return { kind, id }
        continue
      }
      let id: string | undefined
      if (kind === 'person') {
        id = await links.findPersonByIdentifier(trx, normaliseNhsNumber(value) ?? value)
      } else if (kind === 'location') {
        const postcode = normalisePostcode(value)
        id = postcode === undefined ? undefined : await links.findThingByValue(trx, kind, [postcode])
      } else {
        const candidates = [normalisePhone(value), normaliseRegistration(value), value].filter(
          (v): v is string => v !== undefined,
        )
        id = await links.findThingByValue(trx, kind, candidates)
      }
      if (id !== undefined) return { kind, id }
    }
    return undefined
  }

  /**
   * The links of an entity the caller may see, from there (both ends visible, decideLink on the policy's
   * decisions); each person named at an other end is audited as a read of their own, in one statement.
   */
  async function fromHere(
    trx: Transaction<DB>,
    actor: Actor,
    here: EndView,
    hereDecision: Decision,
    ctx: RequestContext,
    events: AuditEvent[] | undefined,
  ): Promise<LinkFromHere[]> {
    const { links: rows, things: namedThings } = await links.forEntity(trx, here.kind, here.id)
    // The places and things at the other ends, with the policy's facts about each (one query a kind).
    const ends = new Map<string, ThingEnd>()
    for (const kind of ['location', 'object'] as const) {
      const ids = [...namedThings.values()].filter((t) => t.kind === kind).map((t) => t.id)
      const facts = await thingFactsOf(trx, kind, ids, actor.userId)
      for (const id of ids) {
        const thing = namedThings.get(`${kind}:${id}`)
        const known = facts.get(id)
        if (thing !== undefined && known !== undefined) ends.set(`${kind}:${id}`, { ...thing, facts: known })
      }
    }
    const otherOf = (row: LinkRow) => {
      const atFrom = row.fromKind === here.kind && row.fromId === here.id
      return { atFrom, kind: atFrom ? row.toKind : row.fromKind, id: atFrom ? row.toId : row.fromId }
    }
    // People at the other ends are read with their policy facts in one query; places and things came with the links.
    const otherPeople = await people.loadMany(
      trx,
      [
        ...new Set(
          rows
            .map(otherOf)
            .filter((o) => o.kind === 'person')
            .map((o) => o.id),
        ),
      ],
      actor,
    )
    // Links derived from intelligence: only those whose entry the reader may see, as far as they may see it.
    const entries = await intelligence.derivedDecisions(
      trx,
      actor,
      rows.flatMap((r) => (r.intelligenceId === null ? [] : [r.intelligenceId])),
    )
    const shown: LinkFromHere[] = []
    const named: PersonRecord[] = []
    for (const row of rows) {
      const entry = row.intelligenceId === null ? undefined : entries.get(row.intelligenceId)
      if (row.intelligenceId !== null && entry === undefined) continue
      const other = otherOf(row)
      const found =
        other.kind === 'person' ? otherPeople.get(other.id) : ends.get(`${other.kind}:${other.id}`)
      if (found === undefined) continue
      const end = (
        other.kind === 'person' ? { kind: 'person', row: found } : { kind: other.kind, row: found }
      ) as EndRow
      const link = decideLink(actor, 'read', [hereDecision, endDecision(actor, end)])
      if (!(entry === undefined ? link : decideDerived(actor, link, entry.decision)).allowed) continue
      if (end.kind === 'person') named.push(end.row)
      const there = endView(end)
      const linkView = other.atFrom
        ? view(row, here, there, entry?.entry)
        : view(row, there, here, entry?.entry)
      shown.push({ ...linkView, relation: other.atFrom ? row.label : row.inverseLabel, other: there })
    }
    await access.shown(trx, actor, people, named, (p) => p.person.id, ctx, {
      via: 'link',
      ...(events === undefined ? {} : { events }),
    })
    return shown
  }

  /** Checks the fields and both ends of a new link and writes it with its audit row; returns its id or the errors. */
  async function createIn(
    trx: Transaction<DB>,
    actor: Actor,
    input: LinkInput,
    ctx: RequestContext,
    from: { end: EndView; decision: Decision } | undefined,
  ): Promise<{ id: string } | { errors: FieldError[] }> {
    const types = await links.types(trx)
    const agencies = await links.agencies(trx, actor.partnershipId)
    const checked = validateLinkFields(
      input,
      types,
      agencies.map((a) => a.id),
      todayInLondon(),
    )
    const errors = [...checked.errors]
    const fromId = input.fromId.trim().toLowerCase()
    const fromEnd =
      from ??
      (UUID.test(fromId) ? await reachEnd(trx, actor, input.fromKind as EntityKind, fromId, ctx) : undefined)
    if (fromEnd === undefined) errors.push({ field: 'fromId', message: MESSAGES.from })
    const kinds = kindsFor(checked.value?.type ?? types.find((t) => t.code === input.linkType), input)
    let toEnd: { end: EndView; decision: Decision } | undefined
    if (input.to.trim() === '') errors.push({ field: 'to', message: MESSAGES.to })
    else if (kinds.length > 0) {
      const found = await lookUp(trx, actor, kinds, input.to)
      // A record the user may not see is audited as a refused read and gets the same answer as one that does not
      // exist; so is a record id that names nothing.
      toEnd = found === undefined ? undefined : await reachEnd(trx, actor, found.kind, found.id, ctx)
      const typed = input.to.trim().toLowerCase()
      if (found === undefined && UUID.test(typed)) {
        await access.denied(trx, actor, ctx, kinds[0] ?? 'person', typed, 'no such record')
      }
      // A phone, vehicle or postcode the partnership holds as a place or thing this user may not see: known, no more.
      const known = found !== undefined && found.kind !== 'person' && !UUID.test(typed)
      if (toEnd === undefined) {
        errors.push({ field: 'to', message: known ? KNOWN_TO_PARTNERSHIP : MESSAGES.notVisible })
      } else if (
        fromEnd !== undefined &&
        toEnd.end.kind === fromEnd.end.kind &&
        toEnd.end.id === fromEnd.end.id
      ) {
        errors.push({ field: 'to', message: MESSAGES.self })
      }
    }
    if (errors.length > 0 || checked.value === undefined || fromEnd === undefined || toEnd === undefined) {
      return { errors }
    }
    const decision = decideLink(actor, 'write', [fromEnd.decision, toEnd.decision])
    if (!decision.allowed) return { errors: [{ field: 'to', message: MESSAGES.notVisible }] }
    const value = checked.value
    const [start, finish] = input.reverse === true ? [toEnd.end, fromEnd.end] : [fromEnd.end, toEnd.end]
    // A graded link is intelligence: its entry is recorded with it, and the link is seen only with the entry.
    const intelligenceId =
      value.sourceEvaluation === null || value.intelligenceAssessment === null
        ? null
        : await intelligence.recordForLink(
            trx,
            actor,
            decision,
            {
              source: value.source,
              sourceAgencyId: value.sourceAgencyId,
              sourceEvaluation: value.sourceEvaluation,
              intelligenceAssessment: value.intelligenceAssessment,
              ends: [
                { kind: start.kind, id: start.id },
                { kind: finish.kind, id: finish.id },
              ],
            },
            ctx,
          )
    const id = await links.create(trx, {
      partnershipId: actor.partnershipId,
      linkType: value.type.code,
      fromKind: start.kind,
      fromId: start.id,
      toKind: finish.kind,
      toId: finish.id,
      fromDate: value.fromDate,
      toDate: value.toDate,
      source: value.source,
      sourceAgencyId: value.sourceAgencyId,
      sourceEvaluation: value.sourceEvaluation,
      intelligenceAssessment: value.intelligenceAssessment,
      intelligenceId,
      confidence: value.confidence,
      createdBy: actor.userId,
    })
    await access.changed(trx, actor, ctx, { type: 'link', id }, decision, {
      action: 'record.create',
      details: {
        linkType: value.type.code,
        fromKind: start.kind,
        toKind: finish.kind,
        confidence: value.confidence,
        intelligence: value.sourceEvaluation !== null,
      },
    })
    return { id }
  }

  /** A link's view from its reached record (both ends are there: the kit allowed it). */
  function linkOf({ row, from, to, entry }: LinkRecord): LinkView {
    if (from === undefined || to === undefined) throw new Error('a link allowed without both ends')
    return view(row, endView(from), endView(to), entry?.entry)
  }

  const personEnd = (reached: Reached<PersonRecord>) => ({
    end: endView({ kind: 'person', row: reached.row }),
    decision: reached.decision,
  })

  /**
   * The person whose page a link is added from: a read audited as the link form's, or (`quiet`, when the form is
   * posted) reached without a read row: the link it records, or the form shown again, is audited instead.
   */
  const withFormPerson = <T>(
    actor: Actor,
    personId: string,
    ctx: RequestContext,
    work: (trx: Transaction<DB>, person: { end: EndView; decision: Decision }) => Promise<T>,
    quiet = false,
  ) =>
    access.read(
      actor,
      people,
      personId,
      ctx,
      {
        via: 'link-form',
        whole: false,
        quiet,
      },
      (trx, reached) => work(trx, personEnd(reached)),
    )

  return {
    /** The person a link is being added to (an audited read; NotFoundError when they may not see them). */
    async form(actor: Actor, personId: string, ctx: RequestContext): Promise<LinkForm> {
      return withFormPerson(actor, personId, ctx, async (trx, person) => ({
        person: person.end,
        types: typeOptions(await links.types(trx)),
        agencies: await links.agencies(trx, actor.partnershipId),
      }))
    },

    /**
     * Records a link from the person whose page it was added on: NotFoundError when they may not see that person,
     * ValidationError (nothing written) for any problem with the fields or the other end.
     */
    async createForPerson(
      actor: Actor,
      personId: string,
      input: Omit<LinkInput, 'fromKind' | 'fromId'>,
      ctx: RequestContext,
    ): Promise<string> {
      const outcome = await withFormPerson(
        actor,
        personId,
        ctx,
        (trx, person) => {
          const reverse = input.linkType.startsWith(REVERSE)
          const linkType = reverse ? input.linkType.slice(REVERSE.length) : input.linkType
          const given = { ...input, linkType, reverse, fromKind: 'person', fromId: personId }
          return createIn(trx, actor, given, ctx, person)
        },
        true,
      )
      // The refusals' audit rows have committed; nothing else was written.
      if ('errors' in outcome) throw new ValidationError(outcome.errors)
      return outcome.id
    },

    /**
     * Records a link between any two entities (API, and an accepted suggestion in its own transaction, `trx`);
     * an end the caller may not see is a field error.
     */
    async create(
      actor: Actor,
      input: LinkInput,
      ctx: RequestContext,
      options: { trx?: Transaction<DB> } = {},
    ): Promise<string> {
      const outcome = await access.within(actor, options.trx, (trx) =>
        createIn(trx, actor, input, ctx, undefined),
      )
      if ('errors' in outcome) throw new ValidationError(outcome.errors)
      return outcome.id
    },

    /**
     * One link with its provenance, audited (and each person it names, as a read of their record); NotFoundError
     * when it does not exist or either end is hidden. `canEnd`: the policy lets this reader end it, and it is current.
     */
    async read(actor: Actor, id: string, ctx: RequestContext, via: 'page' | 'api'): Promise<LinkRead> {
      const linkRead: AuditEvent[] = []
      return access.read(
        actor,
        linkKind,
        id,
        ctx,
        { via, events: linkRead },
        async (trx, { row: record }) => {
          const named = [record.from, record.to].flatMap((end) => (end?.kind === 'person' ? [end.row] : []))
          const events: AuditEvent[] = []
          await access.shown(trx, actor, people, named, (p) => p.person.id, ctx, { via: 'link', events })
          // One statement: the people it names, then the link's own read.
          await access.writeAtCommit(trx, [...events, ...linkRead])
          const link = linkOf(record)
          return { link, canEnd: link.current && linkKind.decide(actor, 'write', record).allowed }
        },
      )
    },

    /**
     * The links of a person the caller may see, whose other end they may see too; each person named at an other
     * end is audited as a read, in one statement (or into `events`). The person is reached here through the kit,
     * their read audited (`via`): unless the caller's page has already reached them and passes their record
     * (`person`, as the person service's `records` loads it), which is checked to be that person and decided again.
     */
    async forPerson(
      actor: Actor,
      personId: string,
      ctx: RequestContext,
      options: LinksOptions & { person?: PersonRecord; via?: string } = {},
    ): Promise<LinkFromHere[]> {
      const given = options.person
      if (given !== undefined) {
        if (given.person.id !== personId) throw new Error('forPerson: the record given is not this person')
        const decision = people.decide(actor, 'read', given)
        if (!decision.allowed) return []
        const here = endView({ kind: 'person', row: given })
        return access.within(actor, options.trx, (trx) =>
          fromHere(trx, actor, here, decision, ctx, options.events),
        )
      }
      return access.read(
        actor,
        people,
        personId,
        ctx,
        {
          via: options.via ?? 'links',
          whole: false,
          trx: options.trx,
          ...(options.events === undefined ? {} : { events: options.events }),
        },
        (trx, reached) => {
          const { end, decision } = personEnd(reached)
          return fromHere(trx, actor, end, decision, ctx, options.events)
        },
      )
    },

    /**
     * The links of a place or thing the caller may see (its page audits reading it: it is reached here without a
     * read row, a denial audited); only links whose other end they may see, each person named audited as a read.
     */
    async forThing(
      actor: Actor,
      kind: 'location' | 'object',
      id: string,
      ctx: RequestContext,
      options: LinksOptions = {},
    ): Promise<LinkFromHere[]> {
      return access.read(
        actor,
        things[kind],
        id,
        ctx,
        { quiet: true, trx: options.trx },
        (trx, { row, decision }) =>
          fromHere(trx, actor, endView({ kind, row }), decision, ctx, options.events),
      )
    },

    /**
     * Ends a current link (it is kept, with when, who and why): NotFoundError when the caller may not see it or may
     * not change it, ConflictError when `version` is stale or it has already ended, ValidationError for the reason
     * or date. Nothing is written on any error but the denial's audit row.
     */
    async end(
      actor: Actor,
      id: string,
      input: { version: number; reason: string; endedOn: DateInput },
      ctx: RequestContext,
    ): Promise<LinkView> {
      return access.write(actor, linkKind, id, ctx, async (trx, { row: record, decision }) => {
        const found = linkOf(record)
        const errors: FieldError[] = []
        const reason = input.reason.trim()
        if (reason === '') errors.push({ field: 'endReason', message: MESSAGES.endReason })
        else if (reason.length > 500) errors.push({ field: 'endReason', message: MESSAGES.endReasonLong })
        const endedOn = parseDate(input.endedOn, 'Date the link ended', todayInLondon())
        if ('error' in endedOn) errors.push({ field: 'endedOn', message: endedOn.error })
        else if (endedOn.date !== null && found.fromDate !== null && endedOn.date < found.fromDate) {
          errors.push({
            field: 'endedOn',
            message: 'Date the link ended must be the same as or after the date it started',
          })
        }
        if (errors.length > 0 || 'error' in endedOn) throw new ValidationError(errors)
        const stale = () =>
          new ConflictError(
            found.current
              ? 'Someone else changed this record while you were editing it'
              : 'This link has already ended',
          )
        if (input.version !== found.version || !found.current) throw stale()
        const toDate = endedOn.date ?? found.toDate ?? todayInLondon()
        if (!(await links.end(trx, id, input.version, { endedBy: actor.userId, reason, toDate })))
          throw stale()
        await access.changed(trx, actor, ctx, { type: 'link', id }, decision, {
          action: 'record.update',
          details: { change: 'end', linkType: found.linkType },
        })
        const after = await links.find(trx, id)
        return after === undefined ? found : view(after, found.from, found.to, record.entry?.entry)
      })
    },
  }
}

export type LinkService = ReturnType<typeof linkService>
