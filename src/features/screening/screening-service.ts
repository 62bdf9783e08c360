import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { StreetTermService } from '../street-terms/street-term-service.ts'
import type { Guide, ScreeningRepository } from './screening-repository.ts'
import {
  findStreetTerms,
  suggestLevel,
  type ChildFacts,
  type Suggestion,
  type Tick,
} from './screening-rules.ts'

/**
 * The screening guide (issue 4): its items, the risk scale and the street terms, and the rules that suggest a
 * level from a concern's ticks. The guide is reference data, the same for every partnership; its street terms are
 * the partnership's own glossary (the street-terms service, issue 12). What a concern records is the concern
 * feature's. Other features use the guide and the rules through this service only.
 */

export type { Guide } from './screening-repository.ts'
export type { ChildFacts, StreetTerm, Suggestion, Tick, TermMatch } from './screening-rules.ts'
export { findStreetTerms, suggestLevel }

/** Where a call runs: in the caller's transaction (`trx`), or in its own. */
export interface InTransaction {
  trx?: Transaction<DB>
}

export function screeningService(
  database: Database,
  screening: ScreeningRepository,
  streetTerms: Pick<StreetTermService, 'current'>,
) {
  const load = async (trx: Transaction<DB>, actor: Actor, id: number | undefined): Promise<Guide> => {
    const [guide, terms] = await Promise.all([screening.guide(trx, id), streetTerms.current(actor, { trx })])
    return { ...guide, streetTerms: terms }
  }
  return {
    /** The guide in force, or the version `id` a concern was screened with, with the partnership's street terms. */
    async guide(actor: Actor, options: InTransaction & { id?: number } = {}): Promise<Guide> {
      if (options.trx !== undefined) return load(options.trx, actor, options.id)
      const context = { actorId: actor.userId, partnershipId: actor.partnershipId }
      return withTransaction(database, context, (trx) => load(trx, actor, options.id))
    },

    /** The suggested level for these ticks and facts about the child, by the guide's rules. */
    suggest(guide: Guide, ticks: readonly Tick[], child: ChildFacts): Suggestion {
      return suggestLevel(guide.rules, guide.items, guide.levels, ticks, child)
    },
  }
}

export type ScreeningService = ReturnType<typeof screeningService>
