import { withTransaction, type Database } from '../../db/database.ts'
import type { PartnershipRepository, PartnershipSummary } from './partnership-repository.ts'

/** Partnerships served by this deployment. Public facts (names), shown on the start page. */
export function partnershipService(database: Database, repository: PartnershipRepository) {
  return {
    async list(): Promise<PartnershipSummary[]> {
      return withTransaction(database, {}, (trx) => repository.list(trx))
    },
  }
}

export type PartnershipService = ReturnType<typeof partnershipService>
