import { randomBytes } from 'node:crypto'
import { fakerEN_GB as faker } from '@faker-js/faker'
import { sql } from 'kysely'
import pg from 'pg'
import { withTransaction, type Database } from '../../db/database.ts'
import type { AuthService } from '../../platform/auth/auth-service.ts'
import { hashPassword } from '../../platform/auth/passwords.ts'
import { AppError } from '../../platform/errors.ts'
import type { PartnershipService } from '../partnerships/partnership-service.ts'
import type { Actor } from '../../platform/access/policy.ts'
import { isRole } from '../../platform/access/roles.ts'
import { seedDemoPeople } from './demo-people.ts'
import { seedDemoDerived, seedDemoIntelligence, type DemoDerivedServices } from './demo-intelligence.ts'
import { seedDemoReferrals, type DemoReferralCast, type DemoSeedServices } from './demo-referrals.ts'
import {
  checkLinkEnds,
  seedScale,
  type Progress,
  type Scale,
  type ScaleCast,
  type ScaleCounts,
} from './demo-scale.ts'
import { DEMO_AGENCIES, DEMO_EMAIL_DOMAIN, DEMO_PARTNERSHIP, DEMO_USERS } from './demo-data.ts'
// Suggested links (issue 12, i12-suggest).
import type { TaskService } from '../tasks/task-service.ts'
import type { SuggestionService } from '../suggestions/suggestion-service.ts'
import { seedDemoSuggestions } from './demo-suggestions.ts'
// a13: allocation (issue 13)
import { seedDemoAllocations, type DemoAllocationServices } from './demo-allocations.ts'

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
  partnerships: PartnershipService,
  auth: AuthService,
  /** The app's services the seed's cases go through (src/services.ts builds the demo service last). */
  services: DemoSeedServices & {
    suggestions: Pick<SuggestionService, 'refreshFor'>
    // a13: allocation (issue 13)
    allocations: DemoAllocationServices
    // t13: the task engine.
    tasks: Pick<TaskService, 'escalateWithin'>
  } & DemoDerivedServices,
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
        const inSeed = { trx }
        if ((await partnerships.countReal(inSeed)) > 0) {
          throw new DemoRefusedError('This database holds real records: demo data is never mixed with them.')
        }
        const existing = await partnerships.findByCode(DEMO_PARTNERSHIP.code, inSeed)
        if (existing !== undefined) {
          const agencies = await partnerships.agencies(existing.id, inSeed)
          return { created: false, partnershipName: existing.name, agencies: agencies.length }
        }
        const id = await partnerships.create({ ...DEMO_PARTNERSHIP, isDemo: true }, DEMO_AGENCIES, inSeed)
        const agencyIds = new Map((await partnerships.agencies(id, inSeed)).map((a) => [a.name, a.id]))
        const teams = new Map<string, string>()
        const taken = new Set<string>()
        const users: DemoUser[] = []
        const userIds = new Map<string, string>()
        const actors: Array<{ role: string; agency: string; actor: Actor }> = []
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
          const teamIds = teamId === null ? [] : [teamId]
          actors.push({
            role: spec.role,
            agency: spec.agency,
            actor: {
              userId,
              partnershipId: id,
              agencyId,
              teamIds,
              managedTeamIds: spec.role === 'team-manager' ? teamIds : [],
              roles: isRole(spec.role) ? [spec.role] : [],
            },
          })
        }
        const cast = await seedDemoPeople(trx, { partnershipId: id, agencyIds, teamIds: teams, userIds })
        const actor = (role: string, agency?: string): Actor => {
          const found = actors.find((a) => a.role === role && (agency === undefined || a.agency === agency))
          if (found === undefined) throw new Error(`demo user missing: ${role} ${agency ?? ''}`)
          return found.actor
        }
        const referralCast: DemoReferralCast = {
          partnershipId: id,
          children: cast.children,
          actors: {
            dsl: actor('dsl'),
            health: actor('practitioner', 'Northshire and Wendover NHS Foundation Trust'),
            youthJustice: actor('practitioner', 'Northshire Youth Justice Service'),
            police: actor('police-intelligence'),
            socialWorker: actor('social-worker'),
            frontDoor: actor('front-door'),
          },
          // a13: allocation (issue 13)
          allocationTeamId: teams.get('Exploitation Team'),
        }
        const cases = await seedDemoReferrals(trx, services, referralCast)
        await seedDemoIntelligence(trx, services.intelligence, {
          police: referralCast.actors.police,
          policeAgencyId: referralCast.actors.police.agencyId,
          children: cast.children,
        })
        // Suggested links (i12-suggest): planted duplicates from different agencies, pending review.
        const planted = await seedDemoSuggestions(trx, services.suggestions, {
          partnershipId: id,
          police: referralCast.actors.police,
          dsl: referralCast.actors.dsl,
          socialWorker: referralCast.actors.socialWorker,
          youthJustice: referralCast.actors.youthJustice,
        })
        // a13: allocation (issue 13): the decided children waiting, allocated and re-allocated with a reason.
        await seedDemoAllocations(trx, services.allocations, {
          manager: actor('team-manager'),
          socialWorker: referralCast.actors.socialWorker,
        })
        // i12d: a flag and a description derived from intelligence.
        await seedDemoDerived(trx, services, {
          partnershipId: id,
          police: referralCast.actors.police,
          policeAgencyId: referralCast.actors.police.agencyId,
          children: cast.children,
          phoneValue: '+441134960456',
        })
        // t13: the seed's tasks (flag reviews, notifications to chase) overdue by now go to their managers.
        await services.tasks.escalateWithin(trx, id)
        const people = cast.people + cases.newChildren + planted.people
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

    /**
     * The demo partnership (seeded first, with the same refusals) filled with a county's, region's or nation's
     * worth of fictional people, places, things, links and flags (demo-scale.ts), in one transaction. Refused
     * when the demo partnership already holds more than the demo's own cast: nothing is added twice.
     *
     * With `ownerUrl` (the CLI), it runs as the owner role, still inside the demo partnership (row-level security
     * is forced on the owner too), and loads links with the per-row end-check trigger off: the same checks then
     * run once over all the partnership's links before commit (checkLinkEnds), eight times faster. The link
     * table is locked against other writers until the seed commits. Without it (tests), the runtime role, with
     * the trigger on every row.
     */
    async seedScale(
      scale: Scale,
      progress?: Progress,
      options: { ownerUrl?: string } = {},
    ): Promise<{
      base: SeedResult
      created: boolean
      people: number
      counts?: ScaleCounts
      seconds: number
    }> {
      const started = performance.now()
      const base = await this.seed()
      const owner = options.ownerUrl
      let client: pg.PoolClient | pg.Client
      if (owner === undefined) client = await database.pool.connect()
      else {
        client = new pg.Client({ connectionString: owner, application_name: 'openmace-demo-seed' })
        await client.connect()
      }
      try {
        await client.query('BEGIN')
        await client.query('SELECT pg_advisory_xact_lock(7246310004)')
        const partnership = await client.query<{ id: string }>(
          'SELECT id FROM partnership WHERE code = $1 AND is_demo',
          [DEMO_PARTNERSHIP.code],
        )
        const partnershipId = partnership.rows[0]?.id
        if (partnershipId === undefined) throw new Error('the demo partnership is missing after seeding it')
        await client.query(
          `SELECT set_config('app.partnership_id', $1, true), set_config('statement_timeout', '0', true),
                  set_config('synchronous_commit', 'off', true)`,
          [partnershipId],
        )
        const existing = await client.query<{ n: string }>('SELECT count(*) AS n FROM person')
        const people = Number(existing.rows[0]?.n ?? 0)
        if (people > (base.people ?? DEMO_CAST_PEOPLE)) {
          await client.query('ROLLBACK')
          return { base, created: false, people, seconds: (performance.now() - started) / 1000 }
        }
        const cast = await scaleCast(client, partnershipId)
        if (owner !== undefined) await client.query('ALTER TABLE link DISABLE TRIGGER link_check_ends')
        const counts = await seedScale(client, cast, scale, progress)
        if (owner !== undefined) {
          const checkStarted = performance.now()
          const bad = await checkLinkEnds(client, partnershipId)
          if (bad > 0)
            throw new Error(`${String(bad)} generated links failed the end checks; nothing was written`)
          await client.query('ALTER TABLE link ENABLE TRIGGER link_check_ends')
          counts.seconds['link checks'] = (performance.now() - checkStarted) / 1000
        }
        // Graded links are intelligence: each becomes an entry (migration 0015), seen only where it may be.
        const entriesStarted = performance.now()
        // As the demo's police intelligence officer, who may see every entry (the links' new rows must be visible).
        await client.query("SELECT set_config('app.actor_id', $1, true)", [cast.policeUserId])
        await client.query('SELECT intelligence_from_graded_links()')
        counts.seconds['intelligence entries'] = (performance.now() - entriesStarted) / 1000
        await client.query('COMMIT')
        return {
          base,
          created: true,
          people: people + counts.persons,
          counts,
          seconds: (performance.now() - started) / 1000,
        }
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {})
        throw error
      } finally {
        if ('release' in client) client.release()
        else await client.end()
      }
    },

    /** True when the database has no partnership at all: a fresh install. */
    async isEmpty(): Promise<boolean> {
      return (await partnerships.list()).length === 0
    },
  }
}

export type DemoService = ReturnType<typeof demoService>

/**
 * People in the demo's own cast (demo-people.ts, and the two children its practitioners' concerns made records for
 * in demo-referrals.ts): more than this means a scale seed is already there.
 */
const DEMO_CAST_PEOPLE = 17

/** The demo agencies, team and users the scale seed files its records under. */
async function scaleCast(client: pg.ClientBase, partnershipId: string): Promise<ScaleCast> {
  const agencies = new Map(
    (
      await client.query<{ id: string; name: string }>(
        'SELECT id, name FROM agency WHERE partnership_id = $1',
        [partnershipId],
      )
    ).rows.map((a) => [a.name, a.id]),
  )
  const agency = (name: string) => {
    const found = agencies.get(name)
    if (found === undefined) throw new Error(`demo agency missing: ${name}`)
    return found
  }
  const userWith = async (role: string) => {
    const { rows } = await client.query<{ id: string; team_id: string | null }>(
      `SELECT u.id, u.team_id FROM app_user u JOIN user_role r ON r.user_id = u.id
        WHERE u.partnership_id = $1 AND r.role = $2 ORDER BY u.created_at LIMIT 1`,
      [partnershipId, role],
    )
    const user = rows[0]
    if (user === undefined) throw new Error(`demo user missing: ${role}`)
    return user
  }
  const worker = await userWith('social-worker')
  const police = await userWith('police-intelligence')
  if (worker.team_id === null) throw new Error('the demo social worker has no team')
  return {
    partnershipId,
    agencies: {
      police: agency('Northshire Police'),
      childrensServices: agency("Northshire County Council Children's Services"),
      school: agency('Castlegate Academy'),
      health: agency('Northshire and Wendover NHS Foundation Trust'),
      youthJustice: agency('Northshire Youth Justice Service'),
      housing: agency('Northshire Homes'),
    },
    teamId: worker.team_id,
    socialWorkerId: worker.id,
    policeUserId: police.id,
  }
}
