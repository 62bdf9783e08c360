import { withTransaction, type Database } from '../../db/database.ts'
import { decide, decideLink, missingRecord, type Actor, type Decision } from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { PersonRepository } from '../people/person-repository.ts'
import { personReadDecision } from '../people/person-service.ts'
import { describeEvent, type ChronologyEvent, type OtherEnd } from './chronology-events.ts'
import { CHRONOLOGY_LIMIT, type ChronologyRepository, type RawEvent } from './chronology-repository.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export interface ChronologyFilter {
  types: string[]
  agencyIds: string[]
}

export interface Chronology {
  person: { id: string; name: string; kindLabel: string | null }
  events: ChronologyEvent[]
  /** True when there were more events than CHRONOLOGY_LIMIT (the newest are shown). */
  truncated: boolean
  /** Allowed only through the actor's break-glass grant. */
  breakGlass: boolean
}

/** How the chronology was read, recorded with the audited read. */
export type ChronologyChannel = 'chronology' | 'chronology-api'

const list = (value: string | string[] | undefined): string[] =>
  (value === undefined ? [] : Array.isArray(value) ? value : [value])
    .map((v) => v.trim())
    .filter((v) => v !== '')

export function chronologyService(
  database: Database,
  people: PersonRepository,
  chronology: ChronologyRepository,
  audit: AuditWriter,
) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })
  const typeLabels = new Map(chronology.sources.map((s) => [s.type, s.label]))

  return {
    /** The event types a chronology can be filtered by, in order. */
    types(): Array<{ value: string; text: string }> {
      return chronology.sources.map((s) => ({ value: s.type, text: s.label }))
    },

    /** The partnership's agencies, for the agency filter (not a read of anyone's record). */
    async agencies(actor: Actor): Promise<Array<{ id: string; name: string }>> {
      return withTransaction(database, context(actor), (trx) => chronology.agencies(trx, actor.partnershipId))
    },

    /**
     * Checks the filter (event types from the registered sources; agencies of the actor's partnership). Throws
     * ValidationError with a message on the `type` or `agency` field; nothing is read or audited then.
     */
    async parseFilter(
      actor: Actor,
      raw: { type?: string | string[]; agency?: string | string[] },
    ): Promise<ChronologyFilter> {
      const types = [...new Set(list(raw.type))]
      const agencyIds = [...new Set(list(raw.agency).map((a) => a.toLowerCase()))]
      const errors: FieldError[] = []
      if (types.some((t) => !typeLabels.has(t))) {
        errors.push({ field: 'type', message: 'Select types of event from the list' })
      }
      if (agencyIds.length > 0) {
        const known = new Set((await this.agencies(actor)).map((a) => a.id))
        if (agencyIds.some((a) => !UUID.test(a) || !known.has(a))) {
          errors.push({ field: 'agency', message: 'Select agencies from the list' })
        }
      }
      if (errors.length > 0) throw new ValidationError(errors)
      return { types, agencyIds }
    },

    /**
     * A child's chronology: a read of their record, so the policy decides on the child and the read (or the
     * denial) is audited in the same transaction. Denied and missing both answer NotFoundError. The other end
     * of a link is shown only when the policy lets the reader see the link (both ends); the other record of a
     * merge is named only when the reader may read it.
     */
    async read(
      actor: Actor,
      personId: string,
      filter: ChronologyFilter,
      ctx: RequestContext,
      via: ChronologyChannel = 'chronology',
    ): Promise<Chronology> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const record = UUID.test(personId)
          ? await people.findWithFacts(trx, personId, actor.userId)
          : undefined
        const { decision, event } = personReadDecision(
          actor,
          UUID.test(personId) ? personId : null,
          record,
          ctx,
          { via, types: filter.types.join(' '), agencies: filter.agencyIds.length },
        )
        await audit.writeAtCommit(trx, [event])
        if (record === undefined || !decision.allowed) return undefined

        const raw = await chronology.events(trx, personId, filter)
        const truncated = raw.length > CHRONOLOGY_LIMIT
        const rows = raw.slice(0, CHRONOLOGY_LIMIT)

        // The other ends of links and merges: decided one by one by the policy.
        const personEnds = new Map<string, { decision: Decision; name: string }>()
        const otherPeople = await people.findManyWithFacts(
          trx,
          [...new Set(rows.filter((r) => r.otherKind === 'person').map((r) => r.otherId ?? ''))].filter(
            (id) => id !== '',
          ),
          actor.userId,
        )
        for (const [id, other] of otherPeople) {
          const otherDecision = decide(actor, 'read', other.facts)
          const name = [other.person.givenName, other.person.familyName].filter((p) => p !== null).join(' ')
          personEnds.set(id, { decision: otherDecision, name })
        }
        const placeDecision = (kind: 'location' | 'object') =>
          decide(actor, 'read', { kind, partnershipId: actor.partnershipId })
        const names = await chronology.entityNames(trx, {
          locations: [...new Set(rows.filter((r) => r.otherKind === 'location').map((r) => r.otherId ?? ''))],
          objects: [...new Set(rows.filter((r) => r.otherKind === 'object').map((r) => r.otherId ?? ''))],
        })

        const otherEnd = (row: RawEvent): { visible: boolean; end: OtherEnd | null } => {
          if (row.otherKind === null || row.otherId === null) return { visible: true, end: null }
          let endDecision: Decision | undefined
          let end: OtherEnd | null = null
          if (row.otherKind === 'person') {
            const found = personEnds.get(row.otherId)
            endDecision = found?.decision
            if (found !== undefined && found.decision.allowed) {
              end = { name: found.name, href: paths.people.show(row.otherId) }
            }
          } else if (row.otherKind === 'location' || row.otherKind === 'object') {
            endDecision = placeDecision(row.otherKind)
            const named = names.get(row.otherId)
            if (endDecision.allowed && named !== undefined) end = { name: named.name, href: null }
          }
          if (row.type === 'link') {
            return {
              visible: decideLink(actor, 'read', [decision, endDecision ?? missingRecord()]).allowed,
              end,
            }
          }
          return { visible: true, end }
        }

        const events: ChronologyEvent[] = []
        for (const row of rows) {
          const { visible, end } = otherEnd(row)
          if (visible) events.push(describeEvent(row, end, typeLabels))
        }
        const person = record.person
        return {
          person: {
            id: person.id,
            name: [person.givenName, person.familyName].filter((p) => p !== null).join(' '),
            kindLabel: person.kindLabel,
          },
          events,
          truncated,
          breakGlass: decision.breakGlass,
        }
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },
  }
}

export type ChronologyService = ReturnType<typeof chronologyService>
