import { actorEvent } from '../../platform/access/actor.ts'
import {
  decideSearchMatch,
  decideThing,
  decideThingKnown,
  isIntelligenceUnit,
  KNOWN_TO_PARTNERSHIP,
  visibleFields,
  type Actor,
  type FieldGroup,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import { thingFactsOf } from '../../platform/access/thing-facts.ts'
import type { AuditEvent } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ValidationError } from '../../platform/errors.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { ageOf, summaryOf, SUMMARY_FIELD_GROUPS, type PersonSummary } from '../people/person-service.ts'
import { criteriaNames, encodeCursor, parseSearch, type SearchInput } from './search-input.ts'
import type { SearchCriteria, SearchCursor, SearchRepository, SearchRow } from './search-repository.ts'

/** One match, with only the fields the policy lets the searcher see. */
export interface SearchResult extends PersonSummary {
  id: string
  age?: number | null
  /** What the match was found by: the criteria given, and "alias" when a name matched an alias. */
  matchedOn: string[]
}

const RESULT_FIELD_GROUPS: Readonly<Record<string, FieldGroup>> = { ...SUMMARY_FIELD_GROUPS, age: 'identity' }

/** The bare identifier answer: what someone who may not see a place or thing is told about it. */
export { KNOWN_TO_PARTNERSHIP }

export interface SearchPage {
  criteria: SearchCriteria
  results: SearchResult[]
  /**
   * A phone, vehicle or postcode searched for that the partnership holds as a place or thing the searcher may
   * not see: KNOWN_TO_PARTNERSHIP, and nothing of the record (null otherwise).
   */
  knownToPartnership: string | null
  /** Give as `after` for the next page; null when there are no more. */
  next: string | null
}

function matchedOn(criteria: SearchCriteria, row: SearchRow): string[] {
  return criteriaNames(criteria)
    .filter((c) => c !== 'kind')
    .map((c) => (c === 'name' && row.nameMatch === 'alias' ? 'alias' : c))
}

/**
 * How search reaches a match: the policy's search decision (a practitioner sees only children they referred; the
 * police intelligence unit finds anyone by identifiers).
 */
const matches = (byIdentifier: boolean): Pick<RecordKind<SearchRow>, 'type' | 'decide'> => ({
  type: 'person',
  decide: (actor, _action, row) => decideSearchMatch(actor, row.facts, { byIdentifier }),
})

/** Does the search name a person by an identifier (their own, or a phone, vehicle or address linked to them)? */
function byIdentifier(criteria: SearchCriteria): boolean {
  return (
    criteria.identifier !== undefined ||
    criteria.phone !== undefined ||
    criteria.vehicle !== undefined ||
    criteria.postcode !== undefined
  )
}

export function searchService(repository: SearchRepository, access: RecordAccess) {
  return {
    /**
     * People matching the search that the actor may see, best match first, at most `limit` (≤ 50) a page.
     * Each result shown is audited as a read (via search) through the record-access kit, and the page's reads and
     * the search event itself (which criteria were used, never their values, and how many were shown) are written
     * in one statement with the transaction.
     */
    async search(actor: Actor, input: SearchInput, ctx: RequestContext): Promise<SearchPage> {
      const parsed = parseSearch(input)
      if ('errors' in parsed) throw new ValidationError(parsed.errors)
      const { criteria, limit } = parsed.ok
      const MATCHES = matches(byIdentifier(criteria))
      const unitLookup = byIdentifier(criteria) && isIntelligenceUnit(actor)
      return access.within(actor, undefined, async (trx) => {
        const results: SearchResult[] = []
        const events: AuditEvent[] = []
        let after: SearchCursor | null = parsed.ok.after
        let more = true
        const today = todayInLondon()
        // The scope narrows to rows the actor has some relationship with; the policy may still refuse some,
        // so read a little ahead, a few times at most.
        for (let round = 0; round < 3 && results.length < limit && more; round++) {
          const batch = limit * 2 + 1
          const rows = await repository.search(trx, {
            partnershipId: actor.partnershipId,
            actorId: actor.userId,
            criteria,
            // The intelligence unit may find anyone by identifiers: the policy decides on every row it looks at.
            scope: unitLookup
              ? null
              : {
                  userId: actor.userId,
                  agencyId: actor.agencyId,
                  teamIds: [...new Set([...actor.teamIds, ...actor.managedTeamIds])],
                  byAgency: actor.roles.includes('dsl'),
                },
            after,
            limit: batch,
          })
          more = rows.length === batch
          for (const row of rows) {
            if (results.length === limit) {
              more = true
              break
            }
            after = { score: row.score, id: row.id }
            // One row at a time, so that the cursor stops at the last match shown; the reads are collected.
            const [shown] = await access.shown(trx, actor, MATCHES, [row], (r) => r.id, ctx, {
              via: 'search',
              events,
            })
            if (shown === undefined) continue
            const full = { ...summaryOf(row), age: ageOf(row, today).age }
            results.push({
              ...visibleFields(shown.decision, full, RESULT_FIELD_GROUPS),
              id: row.id,
              matchedOn: matchedOn(criteria, row),
            })
          }
        }
        // A phone, vehicle or postcode the partnership knows as a place or thing this searcher may not see: they are
        // told only that it is known (decideThingKnown), never the record.
        let known = false
        const named = await repository.thingsNamed(trx, criteria)
        for (const kind of ['location', 'object'] as const) {
          const ids = named.filter((t) => t.kind === kind).map((t) => t.id)
          for (const facts of (await thingFactsOf(trx, kind, ids, actor.userId)).values()) {
            if (!decideThing(actor, 'read', facts).allowed && decideThingKnown(actor, facts).allowed)
              known = true
          }
        }
        events.push(
          actorEvent(actor, ctx, {
            action: 'record.search',
            outcome: 'allowed',
            details: {
              criteria: criteriaNames(criteria).join(' '),
              results: results.length,
              ...(known ? { knownToPartnership: true } : {}),
            },
          }),
        )
        await access.writeAtCommit(trx, events)
        return {
          criteria,
          results,
          knownToPartnership: known ? KNOWN_TO_PARTNERSHIP : null,
          next: more && after !== null ? encodeCursor(after) : null,
        }
      })
    },
  }
}

export type SearchService = ReturnType<typeof searchService>
