import { sql, type Updateable } from 'kysely'
import { compiledQueries, queryBuilder, type Executor } from '../../db/database.ts'
import { findOne, type FindOptions } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'
import type { DB, ReferralStatus } from '../../db/schema.ts'
import type { RecordFacts } from '../../platform/access/policy.ts'

/** The concern a referral is made from: who recorded it and about whom. */
export interface ConcernForReferral {
  id: string
  partnershipId: string
  personId: string
  status: 'draft' | 'recorded'
  recordedBy: string
  hasReferral: boolean
}

/** A referral as stored, with the names and labels pages and the API show. */
export interface ReferralRow {
  id: string
  partnershipId: string
  personId: string
  concernId: string | null
  referrerId: string
  referrerName: string | null
  referrerAgencyId: string | null
  referrerAgencyName: string | null
  status: ReferralStatus
  submittedAt: Date
  decisionDueAt: Date
  discussedWith: string | null
  discussionNote: string | null
  reviewerId: string | null
  reviewerName: string | null
  reviewStartedAt: Date | null
  decision: string | null
  decisionLabel: string | null
  decisionReasons: string | null
  exploitationGrounds: string[]
  cinFactors: string[]
  decidedBy: string | null
  decidedByName: string | null
  decidedAt: Date | null
  withdrawnBy: string | null
  withdrawnAt: Date | null
  withdrawnReason: string | null
  immediateDanger: boolean | null
  suggestedLevel: string | null
  suggestedLevelLabel: string | null
  judgedLevel: string | null
  judgedLevelLabel: string | null
  /** The child's name as recorded (shown only as the policy allows). */
  givenName: string | null
  familyName: string | null
  dateOfBirth: string | null
  allocatedWorkerId: string | null
  allocatedTeamId: string | null
  version: number
}

/** What each move records besides its status. */
export type ReferralMoveColumns = Partial<
  Pick<
    Updateable<DB['referral']>,
    | 'reviewer_id'
    | 'review_started_at'
    | 'decision'
    | 'decision_reasons'
    | 'exploitation_grounds'
    | 'cin_factors'
    | 'decided_by'
    | 'decided_at'
    | 'withdrawn_by'
    | 'withdrawn_at'
    | 'withdrawn_reason'
  >
>

export interface ReferralTransitionRow {
  fromStatus: ReferralStatus | null
  toStatus: ReferralStatus
  byName: string | null
  at: Date
  reason: string | null
}

export interface NewReferral {
  partnershipId: string
  personId: string
  concernId: string
  referrerId: string
  referrerAgencyId: string | null
  submittedAt: Date
  decisionDueAt: Date
  discussedWith: string | null
  discussionNote: string | null
}

export interface ReferenceOption {
  code: string
  label: string
  hint?: string | null
}

// Names and labels come from scalar subqueries rather than joins: with ten relations in one join the planner
// spent ~45 ms searching join orders on every execution of the queue (bench front-door), for 1 ms of work.
const referralColumns = (db: Executor) =>
  db
    .selectFrom('referral as r')
    .innerJoin('person as p', 'p.id', 'r.person_id')
    .leftJoin('concern as c', 'c.id', 'r.concern_id')
    .select((eb) => {
      /** The display name of the account a referral column names. */
      const userName = (id: 'r.referrer_id' | 'r.reviewer_id' | 'r.decided_by') =>
        eb.selectFrom('app_user as u').select('u.display_name').whereRef('u.id', '=', id)
      /** The label of the risk level a concern column names. */
      const riskLabel = (code: 'c.suggested_level' | 'c.judged_level') =>
        eb.selectFrom('risk_level as l').select('l.label').whereRef('l.code', '=', code)
      return [
        'r.id',
        'r.partnership_id',
        'r.person_id',
        'r.concern_id',
        'r.referrer_id',
        userName('r.referrer_id').as('referrer_name'),
        'r.referrer_agency_id',
        eb
          .selectFrom('agency as a')
          .select('a.name')
          .whereRef('a.id', '=', 'r.referrer_agency_id')
          .as('referrer_agency_name'),
        'r.status',
        'r.submitted_at',
        'r.decision_due_at',
        'r.discussed_with',
        'r.discussion_note',
        'r.reviewer_id',
        userName('r.reviewer_id').as('reviewer_name'),
        'r.review_started_at',
        'r.decision',
        eb
          .selectFrom('referral_decision_type as dt')
          .select('dt.label')
          .whereRef('dt.code', '=', 'r.decision')
          .as('decision_label'),
        'r.decision_reasons',
        'r.exploitation_grounds',
        'r.cin_factors',
        'r.decided_by',
        userName('r.decided_by').as('decided_by_name'),
        'r.decided_at',
        'r.withdrawn_by',
        'r.withdrawn_at',
        'r.withdrawn_reason',
        'c.immediate_danger',
        'c.suggested_level',
        riskLabel('c.suggested_level').as('suggested_level_label'),
        'c.judged_level',
        riskLabel('c.judged_level').as('judged_level_label'),
        'p.given_name',
        'p.family_name',
        'p.date_of_birth',
        'p.allocated_worker_id',
        'p.allocated_team_id',
        'r.version',
      ]
    })

type ReferralSelection = Awaited<ReturnType<ReturnType<typeof referralColumns>['executeTakeFirstOrThrow']>>

/**
 * The front door's queue page (`key` is "limit:offset"): submitted and in-review referrals, with how many there are
 * in all (an uncorrelated subquery, run once, so the page and its count take one round trip). The order (a13, issue
 * 13): a child in immediate danger first, then referrals past their decision deadline at `now`, then the oldest.
 * Literals for the statuses and the page (the plan must see the partial index's statuses, referral_queue_idx, and
 * the page size); the clock is the one parameter. The partnership comes from row-level security. Compiled once per
 * page and prepared once per connection rather than on every page.
 */
const queueQuery = compiledQueries((key, now: Date) => {
  const [limit = 1, offset = 0] = key.split(':').map(Number)
  return referralColumns(queryBuilder)
    .select((eb) =>
      eb
        .selectFrom('referral as q')
        .select((q) => q.fn.countAll<string>().as('n'))
        .where('q.status', 'in', OPEN_STATUSES)
        .as('queue_total'),
    )
    .where('r.status', 'in', OPEN_STATUSES)
    .orderBy(sql`c.immediate_danger IS TRUE`, 'desc')
    .orderBy(sql`r.decision_due_at < ${now}`, 'desc')
    .orderBy('r.submitted_at')
    .orderBy('r.id')
    .limit(sql.lit(limit))
    .offset(sql.lit(offset))
})

function toRow(r: ReferralSelection & { queue_total?: string | null }): ReferralRow {
  return camelRow(r, ['queue_total'])
}

/** What the access policy needs to decide on a referral (decideReferral). */
export function referralFacts(row: ReferralRow): RecordFacts {
  return {
    kind: 'referral',
    partnershipId: row.partnershipId,
    allocatedWorkerId: row.allocatedWorkerId,
    allocatedTeamId: row.allocatedTeamId,
    referrerIds: [row.referrerId],
    // A DSL sees what happened to their organisation's referrals.
    involvedAgencyIds: row.referrerAgencyId === null ? [] : [row.referrerAgencyId],
  }
}

const OPEN_STATUSES = [sql.lit<ReferralStatus>('submitted'), sql.lit<ReferralStatus>('in-review')]

export function referralRepository() {
  return {
    async concernForReferral(db: Executor, concernId: string): Promise<ConcernForReferral | undefined> {
      const row = await db
        .selectFrom('concern as c')
        .select([
          'c.id',
          'c.partnership_id',
          'c.person_id',
          'c.status',
          'c.recorded_by',
          sql<boolean>`EXISTS (SELECT 1 FROM referral r WHERE r.concern_id = c.id)`.as('has_referral'),
        ])
        .where('c.id', '=', concernId)
        .executeTakeFirst()
      return row === undefined ? undefined : camelRow(row)
    },

    async insert(db: Executor, referral: NewReferral): Promise<string> {
      const row = await db
        .insertInto('referral')
        .values({
          partnership_id: referral.partnershipId,
          person_id: referral.personId,
          concern_id: referral.concernId,
          referrer_id: referral.referrerId,
          referrer_agency_id: referral.referrerAgencyId,
          submitted_at: referral.submittedAt,
          decision_due_at: referral.decisionDueAt,
          discussed_with: referral.discussedWith,
          discussion_note: referral.discussionNote,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    async addTransition(
      db: Executor,
      t: {
        partnershipId: string
        referralId: string
        from: ReferralStatus | null
        to: ReferralStatus
        by: string
        at: Date
        reason?: string | null
      },
    ): Promise<void> {
      await db
        .insertInto('referral_transition')
        .values({
          partnership_id: t.partnershipId,
          referral_id: t.referralId,
          from_status: t.from,
          to_status: t.to,
          by_user: t.by,
          at: t.at,
          reason: t.reason ?? null,
        })
        .execute()
    },

    async find(db: Executor, id: string, options: FindOptions = {}): Promise<ReferralRow | undefined> {
      return findOne(referralColumns(db).where('r.id', '=', id), 'r', options, toRow)
    },

    /**
     * The front door's queue: submitted and in-review referrals (immediate danger first, then overdue, then the
     * oldest), and how many there are in all
     * (an uncorrelated subquery, run once, so the page and its count take one round trip).
     */
    async queue(
      db: Executor,
      limit: number,
      offset = 0,
      now: Date = new Date(),
    ): Promise<{ rows: ReferralRow[]; total: number | undefined }> {
      const { rows } = await db.executeQuery(
        queueQuery(
          `${String(Math.max(1, Math.floor(limit)))}:${String(Math.max(0, Math.floor(offset)))}`,
          now,
        ),
      )
      const first = rows.at(0)
      return { rows: rows.map(toRow), total: first === undefined ? undefined : Number(first.queue_total) }
    },

    async countQueue(db: Executor): Promise<number> {
      const row = await db
        .selectFrom('referral')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('status', 'in', OPEN_STATUSES)
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** The referrer's own referrals, latest first. */
    async mine(db: Executor, referrerId: string, limit: number): Promise<ReferralRow[]> {
      const rows = await referralColumns(db)
        .where('r.referrer_id', '=', referrerId)
        .orderBy('r.submitted_at', 'desc')
        .orderBy('r.id')
        .limit(limit)
        .execute()
      return rows.map(toRow)
    },

    async transitions(db: Executor, referralId: string): Promise<ReferralTransitionRow[]> {
      const rows = await db
        .selectFrom('referral_transition as t')
        .leftJoin('app_user as u', 'u.id', 't.by_user')
        .select(['t.from_status', 't.to_status', 'u.display_name as by_name', 't.at', 't.reason'])
        .where('t.referral_id', '=', referralId)
        .orderBy('t.id')
        .execute()
      return rows.map((r) => camelRow(r))
    },

    /**
     * A declared move (referral-workflow.ts): the new status and the columns that record it, with the version
     * bumped. The database's trigger refuses a move the workflow does not allow (OM409).
     */
    async move(
      db: Executor,
      id: string,
      status: ReferralStatus,
      at: Date,
      columns: ReferralMoveColumns,
    ): Promise<void> {
      await db
        .updateTable('referral')
        .set({ ...columns, status, updated_at: at, version: sql<number>`version + 1` })
        .where('id', '=', id)
        .execute()
    },

    async decisionTypes(db: Executor): Promise<ReferenceOption[]> {
      return db
        .selectFrom('referral_decision_type')
        .select(['code', 'label', 'hint'])
        .orderBy('sort_order')
        .execute()
    },

    async cinFactors(db: Executor): Promise<Array<ReferenceOption & { exploitation: boolean }>> {
      return db
        .selectFrom('cin_factor')
        .select(['code', 'label', 'exploitation'])
        .orderBy('sort_order')
        .execute()
    },
  }
}

export type ReferralRepository = ReturnType<typeof referralRepository>
