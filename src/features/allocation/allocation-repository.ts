import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { camelRow } from '../../db/rows.ts'
import type { AllocationStatus } from '../../db/schema.ts'
import type { AllocationFacts } from '../../platform/access/policy.ts'

/** A child's allocation as stored, with the names pages and the API show (issue 13, migration 0021). */
export interface AllocationRow {
  id: string
  partnershipId: string
  personId: string
  referralId: string | null
  teamId: string
  teamName: string
  status: AllocationStatus
  urgent: boolean
  queuedAt: Date
  queuedByName: string | null
  workerId: string | null
  workerName: string | null
  allocatedAt: Date | null
  /** The front-door decision that asked for it. */
  decisionLabel: string | null
  givenName: string | null
  familyName: string | null
  dateOfBirth: string | null
  version: number
}

/** One allocation or re-allocation: who made it, from whom, to whom, when and why. */
export interface AllocationHistoryRow {
  id: string
  allocationId: string
  teamName: string
  fromWorkerName: string | null
  toWorkerName: string | null
  byName: string | null
  at: Date
  reason: string | null
}

/** A member of a team who may be allocated a child (a social worker or a team manager, not disabled). */
export interface TeamWorker {
  id: string
  displayName: string
}

export interface TeamOption {
  id: string
  name: string
  agencyName: string
}

/** Who may hold a child's case: the roles that do case work. */
const CASE_ROLES = ['social-worker', 'team-manager']

/** A user's display name, as a scalar subquery on `column`. */
const nameOf = (
  column: 'al.queued_by' | 'al.worker_id' | 'h.from_worker_id' | 'h.to_worker_id' | 'h.by_user',
) => sql<string | null>`(SELECT u.display_name FROM app_user u WHERE u.id = ${sql.ref(column)})`

// The child and the team joined; people's names and the decision's label as scalar subqueries.
const allocationColumns = (db: Executor) =>
  db
    .selectFrom('allocation as al')
    .innerJoin('team as t', 't.id', 'al.team_id')
    .innerJoin('person as p', 'p.id', 'al.person_id')
    .select([
      nameOf('al.queued_by').as('queued_by_name'),
      'al.id',
      'al.partnership_id',
      'al.person_id',
      'al.referral_id',
      nameOf('al.worker_id').as('worker_name'),
      'al.team_id',
      't.name as team_name',
      'al.status',
      'al.urgent',
      sql<
        string | null
      >`(SELECT dt.label FROM referral r JOIN referral_decision_type dt ON dt.code = r.decision
                           WHERE r.id = al.referral_id)`.as('decision_label'),
      'al.queued_at',
      'al.worker_id',
      'al.allocated_at',
      sql<string | null>`p.date_of_birth::text`.as('date_of_birth'),
      'p.given_name',
      'p.family_name',
      'al.version',
    ])

/** What the access policy needs to decide on an allocation (decideAllocation). */
export function allocationFacts(row: AllocationRow): AllocationFacts {
  return { partnershipId: row.partnershipId, teamId: row.teamId, workerId: row.workerId }
}

export function allocationRepository() {
  return {
    async insert(
      db: Executor,
      a: {
        partnershipId: string
        personId: string
        referralId: string | null
        teamId: string
        urgent: boolean
        queuedAt: Date
        queuedBy: string
      },
    ): Promise<string> {
      const row = await db
        .insertInto('allocation')
        .values({
          partnership_id: a.partnershipId,
          person_id: a.personId,
          referral_id: a.referralId,
          team_id: a.teamId,
          urgent: a.urgent,
          queued_at: a.queuedAt,
          queued_by: a.queuedBy,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    /** One allocation (locked for a change with `forUpdate`). */
    async find(db: Executor, id: string, options: { forUpdate?: boolean } = {}) {
      const one = allocationColumns(db).where('al.id', '=', id)
      const row = await (options.forUpdate === true ? one.forUpdate('al') : one).executeTakeFirst()
      return row && (camelRow(row) satisfies AllocationRow)
    },

    /**
     * Children waiting in these teams' queues: the urgent (immediate danger) first, then the oldest; with how many
     * wait in all.
     */
    async waiting(
      db: Executor,
      teamIds: readonly string[],
      limit: number,
    ): Promise<{ rows: AllocationRow[]; total: number }> {
      if (teamIds.length === 0) return { rows: [], total: 0 }
      const [rows, count] = await Promise.all([
        allocationColumns(db)
          .where('al.team_id', 'in', [...teamIds])
          .where('al.status', '=', 'waiting')
          .orderBy('al.urgent', 'desc')
          .orderBy('al.queued_at')
          .orderBy('al.id')
          .limit(limit)
          .execute(),
        db
          .selectFrom('allocation')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('team_id', 'in', [...teamIds])
          .where('status', '=', 'waiting')
          .executeTakeFirstOrThrow(),
      ])
      return { rows: rows.map((r) => camelRow(r)), total: Number(count.n) }
    },

    /** Children allocated to this worker, latest first. */
    async allocatedTo(db: Executor, workerId: string, limit: number): Promise<AllocationRow[]> {
      const rows = await allocationColumns(db)
        .where('al.worker_id', '=', workerId)
        .where('al.status', '=', 'allocated')
        .orderBy('al.allocated_at', 'desc')
        .orderBy('al.id')
        .limit(limit)
        .execute()
      return rows.map((r) => camelRow(r))
    },

    /** The allocation's history (or a child's, across their allocations), oldest first. */
    async history(
      db: Executor,
      of: { allocationId: string } | { personId: string },
    ): Promise<AllocationHistoryRow[]> {
      const rows = await db
        .selectFrom('allocation_history as h')
        .innerJoin('team as t', 't.id', 'h.team_id')
        .select([
          'h.id',
          'h.allocation_id',
          't.name as team_name',
          nameOf('h.from_worker_id').as('from_worker_name'),
          nameOf('h.to_worker_id').as('to_worker_name'),
          nameOf('h.by_user').as('by_name'),
          'h.at',
          'h.reason',
        ])
        .where(
          'allocationId' in of ? 'h.allocation_id' : 'h.person_id',
          '=',
          'allocationId' in of ? of.allocationId : of.personId,
        )
        .orderBy('h.at')
        .orderBy('h.id')
        .execute()
      return rows.map((r) => camelRow(r))
    },

    /** Allocates (or re-allocates) a locked allocation to a worker, with the version moved on. */
    async allocate(db: Executor, id: string, workerId: string, at: Date): Promise<void> {
      await db
        .updateTable('allocation')
        .set({
          status: 'allocated',
          worker_id: workerId,
          allocated_at: at,
          updated_at: at,
          version: sql<number>`version + 1`,
        })
        .where('id', '=', id)
        .execute()
    },

    async addHistory(
      db: Executor,
      h: {
        partnershipId: string
        allocationId: string
        personId: string
        teamId: string
        fromWorkerId: string | null
        toWorkerId: string
        by: string
        at: Date
        reason: string | null
      },
    ): Promise<void> {
      await db
        .insertInto('allocation_history')
        .values({
          partnership_id: h.partnershipId,
          allocation_id: h.allocationId,
          person_id: h.personId,
          team_id: h.teamId,
          from_worker_id: h.fromWorkerId,
          to_worker_id: h.toWorkerId,
          by_user: h.by,
          at: h.at,
          reason: h.reason,
        })
        .execute()
    },

    /** The team's members who may hold a case (CASE_ROLES, not disabled), by name. */
    async workers(db: Executor, teamId: string): Promise<TeamWorker[]> {
      return db
        .selectFrom('app_user as u')
        .select(['u.id', 'u.display_name as displayName'])
        .where('u.team_id', '=', teamId)
        .where('u.disabled_at', 'is', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('user_role as ur')
              .select(sql`1`.as('one'))
              .whereRef('ur.user_id', '=', 'u.id')
              .where('ur.role', 'in', CASE_ROLES),
          ),
        )
        .orderBy('u.display_name')
        .orderBy('u.id')
        .execute()
    },

    /** Teams of the partnership with a manager to allocate their queue (a team manager, not disabled). */
    async teams(db: Executor, partnershipId: string): Promise<TeamOption[]> {
      return db
        .selectFrom('team as t')
        .innerJoin('agency as a', 'a.id', 't.agency_id')
        .select(['t.id', 't.name', 'a.name as agencyName'])
        .where('t.partnership_id', '=', partnershipId)
        .where('t.disabled_at', 'is', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('app_user as u')
              .innerJoin('user_role as ur', 'ur.user_id', 'u.id')
              .select(sql`1`.as('one'))
              .whereRef('u.team_id', '=', 't.id')
              .where('u.disabled_at', 'is', null)
              .where('ur.role', '=', 'team-manager'),
          ),
        )
        .orderBy('t.name')
        .orderBy('t.id')
        .execute()
    },

    /** Whether the child was in immediate danger when the referral's concern was raised. */
    async urgent(db: Executor, referralId: string): Promise<boolean> {
      const row = await db
        .selectFrom('referral as r')
        .leftJoin('concern as c', 'c.id', 'r.concern_id')
        .select('c.immediate_danger')
        .where('r.id', '=', referralId)
        .executeTakeFirst()
      return row?.immediate_danger === true
    },
  }
}

export type AllocationRepository = ReturnType<typeof allocationRepository>
