import { fakerEN_GB as faker } from '@faker-js/faker'
import { withTransaction, type Database } from '../../src/db/database.ts'
import {
  partnershipRepository,
  type NewAgency,
} from '../../src/features/partnerships/partnership-repository.ts'

/** Fictional partnerships and agencies for tests: generated names, never real bodies. */

export function buildPartnership(overrides: Partial<{ code: string; name: string; isDemo: boolean }> = {}) {
  const county = faker.location.county().replace(/[^A-Za-z ]/g, '')
  return {
    code:
      overrides.code ??
      `${county.toLowerCase().replace(/\s+/g, '-').slice(0, 24)}-${faker.string.alphanumeric(6).toLowerCase()}`,
    name: overrides.name ?? `${county} Safeguarding Partnership`,
    isDemo: overrides.isDemo ?? false,
  }
}

export function buildAgencies(count = 3): NewAgency[] {
  const types = [
    'police',
    'childrens-services',
    'health',
    'education',
    'youth-justice',
    'voluntary',
    'housing',
  ]
  return Array.from({ length: count }, (_, i) => ({
    name: `${faker.company.name()} ${i + 1}`,
    agencyType: types[i % types.length] ?? 'police',
  }))
}

/** Inserts a partnership with agencies through the repository, as the app's runtime role. */
export async function createPartnership(
  database: Database,
  overrides: Parameters<typeof buildPartnership>[0] = {},
  agencies = 3,
): Promise<{ id: string; code: string; name: string }> {
  const repository = partnershipRepository()
  const partnership = buildPartnership(overrides)
  return withTransaction(database, {}, async (trx) => {
    const id = await repository.create(trx, partnership)
    await repository.addAgencies(trx, id, buildAgencies(agencies))
    return { id, code: partnership.code, name: partnership.name }
  })
}
