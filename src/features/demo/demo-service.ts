import { sql } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import { AppError } from '../../platform/errors.ts'
import type { PartnershipRepository } from '../partnerships/partnership-repository.ts'
import { DEMO_AGENCIES, DEMO_PARTNERSHIP } from './demo-data.ts'

export class DemoRefusedError extends AppError {
  constructor(message: string) {
    super(409, 'Demo data refused', message)
  }
}

export interface SeedResult {
  created: boolean
  partnershipName: string
  agencies: number
}

/**
 * Fictional demonstration data. Seeded only when demo mode is on (outside production, or OPENMACE_DEMO=true),
 * marked is_demo in the database, and never added to a database that already holds a real partnership.
 */
export function demoService(
  database: Database,
  repository: PartnershipRepository,
  options: { enabled: boolean },
) {
  return {
    /** Seeds the demo partnership; does nothing if it is already there. One transaction: all or nothing. */
    async seed(): Promise<SeedResult> {
      if (!options.enabled) {
        throw new DemoRefusedError(
          'Demo data is off in production. Set OPENMACE_DEMO=true only on a database used for demonstrations.',
        )
      }
      return withTransaction(database, {}, async (trx) => {
        // Serialise concurrent seeders (two instances starting together) on this transaction.
        await sql`SELECT pg_advisory_xact_lock(7246310002)`.execute(trx)
        if ((await repository.countReal(trx)) > 0) {
          throw new DemoRefusedError('This database holds real records: demo data is never mixed with them.')
        }
        const existing = await repository.findByCode(trx, DEMO_PARTNERSHIP.code)
        if (existing !== undefined) {
          const agencies = await repository.agencies(trx, existing.id)
          return { created: false, partnershipName: existing.name, agencies: agencies.length }
        }
        const id = await repository.create(trx, { ...DEMO_PARTNERSHIP, isDemo: true })
        await repository.addAgencies(trx, id, DEMO_AGENCIES)
        return { created: true, partnershipName: DEMO_PARTNERSHIP.name, agencies: DEMO_AGENCIES.length }
      })
    },

    /** True when the database has no partnership at all: a fresh install. */
    async isEmpty(): Promise<boolean> {
      return withTransaction(database, {}, async (trx) => (await repository.list(trx)).length === 0)
    },
  }
}

export type DemoService = ReturnType<typeof demoService>
