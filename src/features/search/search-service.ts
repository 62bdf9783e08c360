import { actorEvent } from '../../platform/access/actor.ts'
import {
  decideSearchMatch,
  visibleFields,
  type Actor,
  type FieldGroup,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
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

export interface SearchPage {
  criteria: SearchCriteria
  results: SearchResult[]
  /** Give as `after` for the next page; null when there are no more. */
  next: string | null
}

function matchedOn(criteria: SearchCriteria, row: SearchRow): string[] {
  return criteriaNames(criteria)
    .filter((c) => c !== 'kind')
    .map((c) => (c === 'name' && row.nameMatch === 'alias' ? 'alias' : c))
}

/** How search reaches a match: the policy's search decision (a practitioner sees only children they referred). */
const MATCHES: Pick<RecordKind<SearchRow>, 'type' | 'decide'> = {
  type: 'person',
  decide: (actor, _action, row) => decideSearchMatch(actor, row.facts),
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
            scope: {
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
        events.push(
          actorEvent(actor, ctx, {
            action: 'record.search',
            outcome: 'allowed',
            details: { criteria: criteriaNames(criteria).join(' '), results: results.length },
          }),
        )
        await access.writeAtCommit(trx, events)
        return {
          criteria,
          results,
          next: more && after !== null ? encodeCursor(after) : null,
        }
      })
    },
  }
}

export type SearchService = ReturnType<typeof searchService>
