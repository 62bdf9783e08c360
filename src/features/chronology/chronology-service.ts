import {
  decideLink,
  decidePersonDetail,
  decideThing,
  missingRecord,
  type Actor,
  type Decision,
  type ThingFacts,
} from '../../platform/access/policy.ts'
import { thingFactsOf } from '../../platform/access/thing-facts.ts'
import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import type { Reached, RecordAccess } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ValidationError, type FieldError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { paths } from '../../platform/paths.ts'
import type { PersonService } from '../people/person-service.ts'
import type { ReferralService } from '../referrals/referral-service.ts'
import { describeEvent, type ChronologyEvent, type OtherEnd } from './chronology-events.ts'
import { CHRONOLOGY_LIMIT, type ChronologyRepository } from './chronology-repository.ts'

/** How a chronology reaches its child and the people at the other ends of links: the person service's kind. */
type PersonRecords = PersonService['records']
type PersonRow = NonNullable<Awaited<ReturnType<PersonRecords['load']>>>

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
  chronology: ChronologyRepository,
  access: RecordAccess,
  people: PersonRecords,
  referrals: ReferralService['records'],
) {
  const typeLabels = new Map(chronology.sources.map((s) => [s.type, s.label]))

  return {
    /** The event types a chronology can be filtered by, in order. */
    types(): Array<{ value: string; text: string }> {
      return chronology.sources.map((s) => ({ value: s.type, text: s.label }))
    },

    /** The partnership's agencies, for the agency filter (not a read of anyone's record). */
    async agencies(actor: Actor): Promise<Array<{ id: string; name: string }>> {
      return access.within(actor, undefined, (trx) => chronology.agencies(trx, actor.partnershipId))
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
    async read<Hub = never>(
      actor: Actor,
      personId: string,
      filter: ChronologyFilter,
      ctx: RequestContext,
      via: ChronologyChannel = 'chronology',
      /** The page's record header (the person service's hub), made in the same transaction. */
      withHub?: (trx: Transaction<DB>, reached: Reached<PersonRow>) => Promise<Hub>,
    ): Promise<Chronology & { hub?: Hub }> {
      const auditDetails = { types: filter.types.join(' '), agencies: filter.agencyIds.length }
      return access.read(
        actor,
        people,
        personId,
        ctx,
        {
          via,
          whole: withHub !== undefined,
          auditDetails,
          // More than who the person is: not the intelligence unit's identity-only sight.
          decide: (a: Actor, row: PersonRow) => decidePersonDetail(a, people.decide(a, 'read', row)),
        },
        async (trx, reached) => {
          const { row: record, decision } = reached
          const raw = await chronology.events(trx, personId, filter)
          const truncated = raw.length > CHRONOLOGY_LIMIT
          const rows = raw.slice(0, CHRONOLOGY_LIMIT)
          const otherIds = (kind: string) => [
            ...new Set(
              rows.filter((r) => r.otherKind === kind && r.otherId !== null).map((r) => r.otherId ?? ''),
            ),
          ]

          // The other ends of links and merges, each decided by the policy on its own facts.
          const ends = new Map<string, { decision: Decision; end: OtherEnd | null }>()
          for (const [id, other] of await people.loadMany(trx, otherIds('person'), actor)) {
            const otherDecision = people.decide(actor, 'read', other)
            const name = [other.person.givenName, other.person.familyName].filter((p) => p !== null).join(' ')
            const end = otherDecision.allowed ? { name, href: paths.people.show(id) } : null
            ends.set(id, { decision: otherDecision, end })
          }
          const entities = await chronology.entityNames(trx, {
            locations: otherIds('location'),
            objects: otherIds('object'),
          })
          // Places and things on the place/thing rule, with the facts of who recorded them and who they are linked to.
          const thingFacts = new Map<string, ThingFacts>()
          for (const kind of ['location', 'object'] as const) {
            const ids = kind === 'location' ? otherIds('location') : otherIds('object')
            for (const [id, facts] of await thingFactsOf(trx, kind, ids, actor.userId))
              thingFacts.set(id, facts)
          }
          for (const [id, entity] of entities) {
            const entityDecision = decideThing(
              actor,
              'read',
              thingFacts.get(id) ?? { kind: entity.kind, partnershipId: entity.partnershipId },
            )
            ends.set(id, {
              decision: entityDecision,
              end: entityDecision.allowed ? { name: entity.name, href: null } : null,
            })
          }

          // A referral's entry links to the referral only for a reader the policy lets open it.
          const openable = new Set<string>()
          for (const id of new Set(rows.filter((r) => r.type === 'referral').map((r) => r.sourceId))) {
            const referral = await referrals.load(trx, id, actor, { lock: false, details: false })
            if (referral !== undefined && referrals.decide(actor, 'read', referral).allowed) openable.add(id)
          }

          const events: ChronologyEvent[] = []
          for (const row of rows) {
            const other = row.otherId === null ? undefined : ends.get(row.otherId)
            // A link shows something about both ends: only when the reader may see both (a missing end: not).
            if (row.type === 'link' && row.otherId !== null) {
              const visible = decideLink(actor, 'read', [
                decision,
                other?.decision ?? missingRecord(),
              ]).allowed
              if (!visible) continue
            }
            const event = describeEvent(row, other?.end ?? null, typeLabels)
            if (row.type === 'referral' && !openable.has(row.sourceId)) event.source.href = null
            events.push(event)
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
            ...(withHub === undefined ? {} : { hub: await withHub(trx, reached) }),
          }
        },
      )
    },
  }
}

export type ChronologyService = ReturnType<typeof chronologyService>
