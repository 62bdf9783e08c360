import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { NewAgency, PartnershipRepository, PartnershipSummary } from './partnership-repository.ts'

export type { NewAgency, PartnershipSummary } from './partnership-repository.ts'

/** Where a call runs: in the caller's transaction (`trx`: the demo seed), or in its own. */
export interface InTransaction {
  trx?: Transaction<DB>
}

/**
 * Partnerships served by this deployment, and their agencies. Public facts (names), shown on the start page; a
 * partnership and its agencies are made by the operator (and the demo seed), never by a user.
 */
export function partnershipService(database: Database, repository: PartnershipRepository) {
  const run = <T>(options: InTransaction, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> =>
    options.trx === undefined ? withTransaction(database, {}, work) : work(options.trx)

  return {
    async list(options: InTransaction = {}): Promise<PartnershipSummary[]> {
      return run(options, (trx) => repository.list(trx))
    },

    /** How many partnerships hold real records (not demo ones). */
    async countReal(options: InTransaction = {}): Promise<number> {
      return run(options, (trx) => repository.countReal(trx))
    },

    async findByCode(code: string, options: InTransaction = {}): Promise<PartnershipSummary | undefined> {
      return run(options, (trx) => repository.findByCode(trx, code))
    },

    /** A new partnership with its agencies; answers its id. */
    async create(
      partnership: { code: string; name: string; laCode?: string; isDemo: boolean },
      agencies: NewAgency[],
      options: InTransaction = {},
    ): Promise<string> {
      return run(options, async (trx) => {
        const id = await repository.create(trx, partnership)
        await repository.addAgencies(trx, id, agencies)
        return id
      })
    },

    async agencies(
      partnershipId: string,
      options: InTransaction = {},
    ): Promise<Array<NewAgency & { id: string }>> {
      return run(options, (trx) => repository.agencies(trx, partnershipId))
    },
  }
}

export type PartnershipService = ReturnType<typeof partnershipService>
