import { sql } from 'kysely'
import { updateAtVersion } from '../../db/versioned-update.ts'
import { accountsWithAgency } from '../../db/account-joins.ts'
import type { Executor } from '../../db/database.ts'
import { camelRow } from '../../db/rows.ts'

export interface BreakGlassGrant {
  id: string
  userId: string
  userName: string
  userAgencyName: string
  recordType: 'person'
  recordId: string
  reason: string
  grantedAt: Date
  expiresAt: Date
  reviewedAt: Date | null
  reviewerName: string | null
  reviewOutcome: 'justified' | 'not-justified' | null
  reviewNote: string | null
  version: number
}

export type ReviewOutcome = 'justified' | 'not-justified'

const grants = (db: Executor) =>
  accountsWithAgency(db)
    .innerJoin('break_glass_grant as g', 'g.user_id', 'u.id')
    .leftJoin('app_user as r', 'r.id', 'g.reviewed_by')
    .select([
      'g.id',
      'g.user_id',
      'u.display_name as user_name',
      'a.name as user_agency_name',
      'g.record_type',
      'g.record_id',
      'g.reason',
      'g.granted_at',
      'g.expires_at',
      'g.reviewed_at',
      'r.display_name as reviewer_name',
      'g.review_outcome',
      'g.review_note',
      'g.version',
    ])

type GrantSelection = Awaited<ReturnType<ReturnType<typeof grants>['executeTakeFirstOrThrow']>>

function toGrant(r: GrantSelection): BreakGlassGrant {
  return camelRow(r)
}

/** Break-glass grants: time-limited access to one record outside the holder's relationships. */
export function breakGlassRepository() {
  return {
    async create(
      db: Executor,
      grant: {
        partnershipId: string
        userId: string
        recordType: 'person'
        recordId: string
        reason: string
        hours: number
        /** The audit row that records the grant. */
        auditEventId: string | null
      },
    ): Promise<{ id: string; expiresAt: Date }> {
      const row = await db
        .insertInto('break_glass_grant')
        .values({
          partnership_id: grant.partnershipId,
          user_id: grant.userId,
          record_type: grant.recordType,
          record_id: grant.recordId,
          reason: grant.reason,
          expires_at: sql<Date>`now() + make_interval(hours => ${grant.hours})`,
          audit_event_id: grant.auditEventId,
        })
        .returning(['id', 'expires_at'])
        .executeTakeFirstOrThrow()
      return { id: row.id, expiresAt: row.expires_at }
    },

    /** Grants not yet reviewed, oldest first (the data protection officer's queue). */
    async pending(db: Executor, limit = 200): Promise<BreakGlassGrant[]> {
      const rows = await grants(db)
        .where('g.reviewed_at', 'is', null)
        .orderBy('g.granted_at')
        .orderBy('g.id')
        .limit(limit)
        .execute()
      return rows.map(toGrant)
    },

    async recentlyReviewed(db: Executor, limit = 20): Promise<BreakGlassGrant[]> {
      const rows = await grants(db)
        .where('g.reviewed_at', 'is not', null)
        .orderBy('g.reviewed_at', 'desc')
        .limit(limit)
        .execute()
      return rows.map(toGrant)
    },

    async find(db: Executor, id: string): Promise<BreakGlassGrant | undefined> {
      const row = await grants(db).where('g.id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toGrant(row)
    },

    /** Records the review once; false when the grant was already reviewed or changed since it was read. */
    async review(
      db: Executor,
      id: string,
      version: number,
      review: { reviewerId: string; outcome: ReviewOutcome; note: string | null },
    ): Promise<boolean> {
      const unreviewed = db
        .updateTable('break_glass_grant')
        .set({
          reviewed_at: sql<Date>`now()`,
          reviewed_by: review.reviewerId,
          review_outcome: review.outcome,
          review_note: review.note,
          version: sql<number>`version + 1`,
        })
        .where('reviewed_at', 'is', null)
      return updateAtVersion(unreviewed, id, version)
    },
  }
}

export type BreakGlassRepository = ReturnType<typeof breakGlassRepository>
