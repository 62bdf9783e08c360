import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB, EntityKind } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import { decide, decideLink, type Actor, type Decision, missingRecord } from '../../platform/access/policy.ts'
import type { AuditEvent, AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { normaliseNhsNumber } from '../../platform/identifiers/nhs-number.ts'
import { normalisePhone } from '../../platform/identifiers/phone.ts'
import { normalisePostcode } from '../../platform/identifiers/postcode.ts'
import { normaliseRegistration } from '../../platform/identifiers/vehicle.ts'
import { paths } from '../../platform/paths.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import type { PersonRepository, PersonWithFacts } from '../people/person-repository.ts'
import type { LinkRepository, LinkRow, LinkTypeRow, ThingRow } from './link-repository.ts'
import {
  INTELLIGENCE_ASSESSMENTS,
  MESSAGES,
  parseDate,
  SOURCE_EVALUATIONS,
  UUID,
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
export interface LinkView {
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
  endedAt: Date | null
  endedByName: string | null
  endReason: string | null
  createdAt: Date
  createdByName: string | null
  version: number
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

/** `missing`: there is no such record (in the actor's partnership); otherwise `end` is set only when visible. */
type Resolved = { decision: Decision; end?: EndView; missing?: true }

const DENIED: Decision = missingRecord()

/** Which entity kinds a link type allows at the far end, from the named end's kind (and an asked-for kind). */
function kindsFor(type: LinkTypeRow | undefined, input: LinkInput): EntityKind[] {
  if (type === undefined) return []
  const [near, far] = input.reverse === true ? [type.toKinds, type.fromKinds] : [type.fromKinds, type.toKinds]
  if (!near.includes(input.fromKind as EntityKind)) return []
  return input.toKind === undefined || input.toKind === '' ? far : far.filter((kind) => kind === input.toKind)
}

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

/** A type option read from the other end: the person is the link's "to" end. */
const REVERSE = '~'

export function linkService(
  database: Database,
  links: LinkRepository,
  people: PersonRepository,
  audit: AuditWriter,
) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })

  /** The actor's read decision on one entity, and what to call it; undefined end when there is no such record. */
  function personResolved(actor: Actor, found: PersonWithFacts): Resolved {
    const decision = decide(actor, 'read', found.facts)
    if (!decision.allowed || !decision.fields.includes('identity')) return { decision }
    const id = found.person.id
    const name = [found.person.givenName, found.person.familyName].filter((n) => n !== null).join(' ')
    return { decision, end: { kind: 'person', id, name, href: paths.people.show(id) } }
  }

  async function resolve(
    trx: Transaction<DB>,
    actor: Actor,
    kind: EntityKind,
    id: string,
  ): Promise<Resolved> {
    if (!UUID.test(id)) return { decision: DENIED, missing: true }
    if (kind === 'person') {
      const found = await people.findWithFacts(trx, id, actor.userId)
      return found === undefined ? { decision: DENIED, missing: true } : personResolved(actor, found)
    }
    const thing = await links.thing(trx, kind, id)
    return thing === undefined ? { decision: DENIED, missing: true } : thingResolved(actor, thing)
  }

  /** A place or thing found: the policy's decision on it, and how a link shows it. */
  function thingResolved(actor: Actor, thing: ThingRow): Resolved {
    const { kind, id } = thing
    const decision = decide(actor, 'read', { kind, partnershipId: actor.partnershipId })
    const href = kind === 'location' ? paths.locations.show(id) : paths.objects.show(id)
    return decision.allowed ? { decision, end: { kind, id, name: thing.name, href } } : { decision }
  }

  /** The other end from what the user typed: a record id, or an exact identifier of the kinds the type allows. */
  async function lookUp(
    trx: Transaction<DB>,
    kinds: readonly EntityKind[],
    typed: string,
  ): Promise<{ kind: EntityKind; id: string } | undefined> {
    const value = typed.trim()
    for (const kind of kinds) {
      if (UUID.test(value)) {
        const exists =
          kind === 'person'
            ? await people.exists(trx, value.toLowerCase())
            : (await links.thing(trx, kind, value.toLowerCase())) !== undefined
        if (exists) return { kind, id: value.toLowerCase() }
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

  function view(row: LinkRow, from: EndView, to: EndView): LinkView {
    return {
      id: row.id,
      linkType: row.linkType,
      label: row.label,
      inverseLabel: row.inverseLabel,
      from,
      to,
      fromDate: row.fromDate,
      toDate: row.toDate,
      source: row.source,
      sourceType: row.sourceEvaluation === null ? 'record' : 'intelligence',
      sourceAgencyName: row.sourceAgencyName,
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

  /** A link and the policy's decision on it (both ends visible); undefined when there is no such link. */
  async function linkIn(trx: Transaction<DB>, actor: Actor, id: string, action: 'read' | 'write') {
    const row = UUID.test(id) ? await links.find(trx, id) : undefined
    if (row === undefined) return { row, decision: DENIED }
    const from = await resolve(trx, actor, row.fromKind, row.fromId)
    const to = await resolve(trx, actor, row.toKind, row.toId)
    const decision = decideLink(actor, action, [from.decision, to.decision])
    if (!decision.allowed || from.end === undefined || to.end === undefined) {
      return { row, decision: decision.allowed ? DENIED : decision }
    }
    return { row, decision, view: view(row, from.end, to.end) }
  }

  const base = (actor: Actor, ctx: RequestContext) => ({
    partnershipId: actor.partnershipId,
    actor: auditActorOf(actor),
    requestId: ctx.requestId,
    ip: ctx.ip,
  })

  async function denied(
    trx: Transaction<DB>,
    actor: Actor,
    ctx: RequestContext,
    record: { type: string; id: string } | null,
    reason: string,
  ) {
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'access.denied',
      outcome: 'denied',
      record,
      reason,
    })
  }

  /** A person the actor may see (audited read), or undefined after an audited denial. */
  async function personEnd(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    ctx: RequestContext,
    via: string,
  ): Promise<(Resolved & { end: EndView }) | undefined> {
    const person = await resolve(trx, actor, 'person', id)
    if (person.end === undefined) {
      await denied(
        trx,
        actor,
        ctx,
        { type: 'person', id },
        person.missing === true ? 'no such record' : `denied: ${person.decision.denial ?? 'relationship'}`,
      )
      return undefined
    }
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.read',
      outcome: 'allowed',
      record: { type: 'person', id },
      details: {
        via,
        breakGlass: person.decision.breakGlass,
        relationships: person.decision.relationships.join(' '),
      },
    })
    return { ...person, end: person.end }
  }

  /** Links of an entity the caller may see (both ends), each other-end person's read audited like a list. */
  async function fromHere(
    trx: Transaction<DB>,
    actor: Actor,
    here: EndView,
    /** The policy's read decision on `here`. */
    hereDecision: Decision,
    ctx: RequestContext,
    /** When given, the reads to audit are added here (the caller writes them); otherwise written here. */
    batch?: AuditEvent[],
  ): Promise<LinkFromHere[]> {
    const { links: rows, things } = await links.forEntity(trx, here.kind, here.id)
    const shown: LinkFromHere[] = []
    // Several links often share an other end (e.g. one adult, two types): decide on each end once. People at the
    // other ends are read with their policy facts in one query; places and things came with the links.
    const ends = new Map<string, Promise<Resolved>>()
    const otherPeopleIds = new Set<string>()
    for (const row of rows) {
      const atFrom = row.fromKind === here.kind && row.fromId === here.id
      if ((atFrom ? row.toKind : row.fromKind) === 'person')
        otherPeopleIds.add(atFrom ? row.toId : row.fromId)
    }
    const otherPeople = await people.findManyWithFacts(trx, [...otherPeopleIds], actor.userId)
    for (const [id, found] of otherPeople)
      ends.set(`person:${id}`, Promise.resolve(personResolved(actor, found)))
    for (const [key, thing] of things) ends.set(key, Promise.resolve(thingResolved(actor, thing)))
    const audited = new Set<string>()
    const reads: AuditEvent[] = []
    for (const row of rows) {
      const atFrom = row.fromKind === here.kind && row.fromId === here.id
      const otherKind = atFrom ? row.toKind : row.fromKind
      const otherId = atFrom ? row.toId : row.fromId
      const key = `${otherKind}:${otherId}`
      const pending = ends.get(key) ?? resolve(trx, actor, otherKind, otherId)
      ends.set(key, pending)
      const other = await pending
      if (other.end === undefined) continue
      if (!decideLink(actor, 'read', [hereDecision, other.decision]).allowed) continue
      if (otherKind === 'person' && !audited.has(otherId)) {
        audited.add(otherId)
        reads.push({
          ...base(actor, ctx),
          action: 'record.read',
          outcome: 'allowed',
          record: { type: 'person', id: otherId },
          details: {
            via: 'link',
            breakGlass: other.decision.breakGlass,
            relationships: other.decision.relationships.join(' '),
          },
        })
      }
      const linkView = atFrom ? view(row, here, other.end) : view(row, other.end, here)
      shown.push({ ...linkView, relation: atFrom ? row.label : row.inverseLabel, other: other.end })
    }
    // One statement for every person named on the list.
    if (batch === undefined) await audit.writeAtCommit(trx, reads)
    else batch.push(...reads)
    return shown
  }

  /** Checks the fields and both ends of a new link and writes it with its audit row; returns its id or the errors. */
  async function createIn(
    trx: Transaction<DB>,
    actor: Actor,
    input: LinkInput,
    ctx: RequestContext,
    from: Resolved | undefined,
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
    const fromKind = input.fromKind as EntityKind
    const fromEnd = from ?? (await resolve(trx, actor, fromKind, input.fromId.trim().toLowerCase()))
    if (fromEnd.end === undefined) {
      errors.push({ field: 'fromId', message: MESSAGES.from })
      if (UUID.test(input.fromId.trim()))
        await denied(
          trx,
          actor,
          ctx,
          { type: input.fromKind, id: input.fromId.trim() },
          'link end not visible',
        )
    }
    const kinds = kindsFor(checked.value?.type ?? types.find((t) => t.code === input.linkType), input)
    let toEnd: Resolved | undefined
    if (input.to.trim() === '') errors.push({ field: 'to', message: MESSAGES.to })
    else if (kinds.length > 0) {
      const found = await lookUp(trx, kinds, input.to)
      toEnd = found === undefined ? undefined : await resolve(trx, actor, found.kind, found.id)
      if (toEnd?.end === undefined) {
        // A record the user may not see gets the same answer as one that does not exist.
        errors.push({ field: 'to', message: MESSAGES.notVisible })
        // Audited like any refused read: one the actor may not see, or a record id that names nothing.
        const typed = input.to.trim().toLowerCase()
        if (found !== undefined)
          await denied(trx, actor, ctx, { type: found.kind, id: found.id }, 'link end not visible')
        else if (UUID.test(typed))
          await denied(trx, actor, ctx, { type: kinds[0] ?? 'person', id: typed }, 'no such record')
      } else if (
        fromEnd.end !== undefined &&
        toEnd.end.kind === fromEnd.end.kind &&
        toEnd.end.id === fromEnd.end.id
      ) {
        errors.push({ field: 'to', message: MESSAGES.self })
      }
    }
    if (
      errors.length > 0 ||
      checked.value === undefined ||
      fromEnd.end === undefined ||
      toEnd?.end === undefined
    ) {
      return { errors }
    }
    const decision = decideLink(actor, 'write', [fromEnd.decision, toEnd.decision])
    if (!decision.allowed) return { errors: [{ field: 'to', message: MESSAGES.notVisible }] }
    const value = checked.value
    const [start, finish] = input.reverse === true ? [toEnd.end, fromEnd.end] : [fromEnd.end, toEnd.end]
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
      confidence: value.confidence,
      createdBy: actor.userId,
    })
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.create',
      outcome: 'succeeded',
      record: { type: 'link', id },
      details: {
        linkType: value.type.code,
        fromKind: start.kind,
        toKind: finish.kind,
        confidence: value.confidence,
        intelligence: value.sourceEvaluation !== null,
        breakGlass: decision.breakGlass,
      },
    })
    return { id }
  }

  return {
    /** The person a link is being added to (an audited read; NotFoundError when they may not see them). */
    async form(actor: Actor, personId: string, ctx: RequestContext): Promise<LinkForm> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const person = await personEnd(trx, actor, personId, ctx, 'link-form')
        if (person === undefined) return undefined
        const types = typeOptions(await links.types(trx))
        return { person: person.end, types, agencies: await links.agencies(trx, actor.partnershipId) }
      })
      if (result === undefined) throw new NotFoundError()
      return result
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
      const outcome = await withTransaction(database, context(actor), async (trx) => {
        const person = await personEnd(trx, actor, personId, ctx, 'link-form')
        if (person === undefined) return 'not-found' as const
        const reverse = input.linkType.startsWith(REVERSE)
        const linkType = reverse ? input.linkType.slice(REVERSE.length) : input.linkType
        return createIn(
          trx,
          actor,
          { ...input, linkType, reverse, fromKind: 'person', fromId: personId },
          ctx,
          person,
        )
      })
      if (outcome === 'not-found') throw new NotFoundError()
      if ('errors' in outcome) throw new ValidationError(outcome.errors)
      return outcome.id
    },

    /** Records a link between any two entities (API); an end the caller may not see is a field error. */
    async create(actor: Actor, input: LinkInput, ctx: RequestContext): Promise<string> {
      const outcome = await withTransaction(database, context(actor), (trx) =>
        createIn(trx, actor, input, ctx, undefined),
      )
      if ('errors' in outcome) throw new ValidationError(outcome.errors)
      return outcome.id
    },

    /** One link with its provenance, audited; NotFoundError when it does not exist or either end is hidden. */
    async read(actor: Actor, id: string, ctx: RequestContext, via: 'page' | 'api'): Promise<LinkView> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const { row, decision, view: found } = await linkIn(trx, actor, id, 'read')
        if (found === undefined) {
          await denied(
            trx,
            actor,
            ctx,
            UUID.test(id) ? { type: 'link', id } : null,
            row === undefined ? 'no such record' : 'link end not visible',
          )
          return undefined
        }
        // The page names the people at both ends: each is a read of their record, as on any list.
        for (const end of [found.from, found.to]) {
          if (end.kind !== 'person') continue
          await audit.write(trx, {
            ...base(actor, ctx),
            action: 'record.read',
            outcome: 'allowed',
            record: { type: 'person', id: end.id },
            details: { via: 'link', breakGlass: decision.breakGlass },
          })
        }
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.read',
          outcome: 'allowed',
          record: { type: 'link', id },
          details: { via, breakGlass: decision.breakGlass },
        })
        return found
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /**
     * The links of a person the caller may see. With `auditSubject` (the API) the read of the person is audited
     * here; the person's page has already audited it.
     */
    async forPerson(
      actor: Actor,
      personId: string,
      ctx: RequestContext,
      options: { auditSubject: boolean },
    ): Promise<LinkFromHere[]> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const person = options.auditSubject
          ? await personEnd(trx, actor, personId, ctx, 'api-links')
          : await resolve(trx, actor, 'person', personId)
        if (person?.end === undefined) return undefined
        return fromHere(trx, actor, person.end, person.decision, ctx)
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** forPerson inside a caller's transaction, for a person already read and allowed (a record page). */
    async forPersonIn(
      trx: Transaction<DB>,
      actor: Actor,
      found: PersonWithFacts,
      ctx: RequestContext,
      /** The other-end people's reads are added here for the caller to write with its own. */
      events: AuditEvent[],
    ): Promise<LinkFromHere[]> {
      const person = personResolved(actor, found)
      return person.end === undefined ? [] : fromHere(trx, actor, person.end, person.decision, ctx, events)
    },

    /**
     * The links of a place or thing the caller may see (its page has already audited reading it); only links whose
     * other end they may see, each other-end person's read audited.
     */
    async forThing(
      actor: Actor,
      kind: 'location' | 'object',
      id: string,
      ctx: RequestContext,
    ): Promise<LinkFromHere[]> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const here = await resolve(trx, actor, kind, id)
        return here.end === undefined ? undefined : fromHere(trx, actor, here.end, here.decision, ctx)
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /**
     * Ends a current link (it is kept, with when, who and why): NotFoundError when the caller may not see it,
     * ConflictError when `version` is stale or it has already ended, ValidationError for the reason or date.
     */
    async end(
      actor: Actor,
      id: string,
      input: { version: number; reason: string; endedOn: DateInput },
      ctx: RequestContext,
    ): Promise<LinkView> {
      const outcome = await withTransaction(database, context(actor), async (trx) => {
        const { row, view: found } = await linkIn(trx, actor, id, 'write')
        if (found === undefined) {
          await denied(
            trx,
            actor,
            ctx,
            UUID.test(id) ? { type: 'link', id } : null,
            row === undefined ? 'no such record' : 'link not writable',
          )
          return { kind: 'not-found' as const }
        }
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
        if (errors.length > 0 || 'error' in endedOn) return { kind: 'invalid' as const, errors, link: found }
        if (input.version !== found.version || !found.current) return { kind: 'stale' as const, link: found }
        const ended = await links.end(trx, id, input.version, {
          endedBy: actor.userId,
          reason,
          toDate: endedOn.date ?? found.toDate ?? todayInLondon(),
        })
        if (!ended) return { kind: 'stale' as const, link: found }
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.update',
          outcome: 'succeeded',
          record: { type: 'link', id },
          details: { change: 'end', linkType: found.linkType },
        })
        const after = await linkIn(trx, actor, id, 'read')
        return { kind: 'ended' as const, link: after.view ?? found }
      })
      if (outcome.kind === 'not-found') throw new NotFoundError()
      if (outcome.kind === 'invalid') throw new ValidationError(outcome.errors)
      if (outcome.kind === 'stale') {
        throw new ConflictError(
          outcome.link.current
            ? 'Someone else changed this record while you were editing it'
            : 'This link has already ended',
        )
      }
      return outcome.link
    },
  }
}

export type LinkService = ReturnType<typeof linkService>
