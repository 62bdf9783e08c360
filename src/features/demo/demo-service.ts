import { randomBytes } from 'node:crypto'
import { fakerEN_GB as faker } from '@faker-js/faker'
import { sql } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { AuthService } from '../../platform/auth/auth-service.ts'
import { hashPassword } from '../../platform/auth/passwords.ts'
import { AppError } from '../../platform/errors.ts'
import type { PartnershipRepository } from '../partnerships/partnership-repository.ts'
import { seedDemoPeople } from './demo-people.ts'
import { DEMO_AGENCIES, DEMO_EMAIL_DOMAIN, DEMO_PARTNERSHIP, DEMO_USERS } from './demo-data.ts'

export class DemoRefusedError extends AppError {
  constructor(message: string) {
    super(409, 'Demo data refused', message)
  }
}

export interface DemoUser {
  email: string
  displayName: string
  role: string
  agency: string
}

export interface SeedResult {
  created: boolean
  partnershipName: string
  agencies: number
  /** Fictional children and adults created (only when created). */
  people?: number
  /** Only when created: the users and their one shared password, shown once at first start. */
  users?: DemoUser[]
  password?: string
}

/** e.g. "northshire-demo-Xk3v9QmT2pLw": generated per seed, never a fixed demo password. */
function demoPassword(): string {
  return `northshire-demo-${randomBytes(9).toString('base64url')}`
}

function emailFor(displayName: string, taken: Set<string>): string {
  const base = displayName
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z\s-]/g, '')
    .trim()
    .split(/\s+/)
    .join('.')
  let email = `${base}@${DEMO_EMAIL_DOMAIN}`
  for (let n = 2; taken.has(email); n++) email = `${base}${n}@${DEMO_EMAIL_DOMAIN}`
  taken.add(email)
  return email
}

/**
 * Fictional demonstration data. Seeded only when demo mode is on (outside production, or OPENMACE_DEMO=true),
 * marked is_demo in the database, and never added to a database that already holds a real partnership.
 */
export function demoService(
  database: Database,
  repository: PartnershipRepository,
  auth: AuthService,
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
      const password = demoPassword()
      const passwordHash = await hashPassword(password)
      return withTransaction(database, {}, async (trx) => {
        // Serialise concurrent seeders (two instances starting together) on this transaction.
        await sql`SELECT pg_advisory_xact_lock(7246310003)`.execute(trx)
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
        const agencyIds = new Map((await repository.agencies(trx, id)).map((a) => [a.name, a.id]))
        const teams = new Map<string, string>()
        const taken = new Set<string>()
        const users: DemoUser[] = []
        const userIds = new Map<string, string>()
        for (const spec of DEMO_USERS) {
          const agencyId = agencyIds.get(spec.agency)
          if (agencyId === undefined) throw new Error(`demo agency missing: ${spec.agency}`)
          let teamId: string | null = null
          if (spec.team !== undefined) {
            teamId = teams.get(spec.team) ?? null
            if (teamId === null) {
              teamId = await auth.createTeamIn(trx, { partnershipId: id, agencyId, name: spec.team })
              teams.set(spec.team, teamId)
            }
          }
          const displayName = `${faker.person.firstName()} ${faker.person.lastName()}`
          const email = emailFor(displayName, taken)
          const userId = await auth.createUserIn(trx, {
            partnershipId: id,
            agencyId,
            teamId,
            email,
            displayName,
            passwordHash,
            roles: [spec.role],
            isDemo: true,
          })
          users.push({ email, displayName, role: spec.role, agency: spec.agency })
          if (!userIds.has(spec.role)) userIds.set(spec.role, userId)
        }
        const people = await seedDemoPeople(trx, { partnershipId: id, agencyIds, teamIds: teams, userIds })
        return {
          created: true,
          partnershipName: DEMO_PARTNERSHIP.name,
          agencies: DEMO_AGENCIES.length,
          users,
          people,
          password,
        }
      })
    },

    /** True when the database has no partnership at all: a fresh install. */
    async isEmpty(): Promise<boolean> {
      return withTransaction(database, {}, async (trx) => (await repository.list(trx)).length === 0)
    },
  }
}

export type DemoService = ReturnType<typeof demoService>
