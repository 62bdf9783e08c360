import type { Executor } from '../../db/database.ts'
import { camelRow } from '../../db/rows.ts'

export type NotificationReason = 'lives-in' | 'moved-from' | 'moved-to' | 'found-in'
export const NOTIFICATION_REASONS: ReadonlyArray<{ code: NotificationReason; label: string }> = [
  { code: 'lives-in', label: 'The child lives in their area' },
  { code: 'moved-from', label: 'The child moved from their area' },
  { code: 'moved-to', label: 'The child moved to their area' },
  { code: 'found-in', label: 'The child was found in their area' },
]

/** A notification as it is recorded: about whom, to which authority and force, what it said, who sent it and when. */
export interface NewNotification {
  partnershipId: string
  personId: string
  referralId: string | null
  reason: NotificationReason
  localAuthority: string
  policeForce: string
  content: string
  sentBy: string
  sentAt: Date
}

/** A notification to another local authority and its police force, with who sent it and its acknowledgement. */
export interface NotificationRow extends NewNotification {
  id: string
  sentByName: string | null
  acknowledgedAt: Date | null
  acknowledgedBy: string | null
  recordedByName: string | null
  childName: string
  version: number
}

const columns = (db: Executor) =>
  db
    .selectFrom('cross_authority_notification as n')
    .leftJoin('app_user as s', 's.id', 'n.sent_by')
    .leftJoin('app_user as a', 'a.id', 'n.recorded_by')
    .innerJoin('person as p', 'p.id', 'n.person_id')
    .select([
      'p.given_name',
      'p.family_name',
      'n.id',
      'n.partnership_id',
      'n.person_id',
      'n.referral_id',
      'n.reason',
      'n.local_authority',
      'n.police_force',
      'n.content',
      'n.sent_by',
      's.display_name as sent_by_name',
      'n.sent_at',
      'n.acknowledged_at',
      'n.acknowledged_by',
      'a.display_name as recorded_by_name',
      'n.version',
    ])

type Selection = Awaited<ReturnType<ReturnType<typeof columns>['executeTakeFirstOrThrow']>>

function toRow({ given_name, family_name, ...r }: Selection): NotificationRow {
  return {
    ...camelRow(r),
    childName: [given_name, family_name].filter((n) => n !== null && n !== '').join(' '),
  }
}

export function notificationRepository() {
  return {
    async insert(db: Executor, n: NewNotification): Promise<string> {
      const row = await db
        .insertInto('cross_authority_notification')
        .values({
          partnership_id: n.partnershipId,
          person_id: n.personId,
          referral_id: n.referralId,
          reason: n.reason,
          local_authority: n.localAuthority,
          police_force: n.policeForce,
          content: n.content,
          sent_by: n.sentBy,
          sent_at: n.sentAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    async find(db: Executor, id: string): Promise<NotificationRow | undefined> {
      const row = await columns(db).where('n.id', '=', id).executeTakeFirst()
      return row === undefined ? undefined : toRow(row)
    },

    async forReferral(db: Executor, referralId: string): Promise<NotificationRow[]> {
      const rows = await columns(db).where('n.referral_id', '=', referralId).orderBy('n.sent_at').execute()
      return rows.map(toRow)
    },

    /** Unacknowledged notifications, oldest first. */
    async outstanding(db: Executor, limit: number): Promise<NotificationRow[]> {
      const rows = await columns(db)
        .where('n.acknowledged_at', 'is', null)
        .orderBy('n.sent_at')
        .orderBy('n.id')
        .limit(limit)
        .execute()
      return rows.map(toRow)
    },

    /** Records the acknowledgement if the notification is still at `version` and unacknowledged. */
    async acknowledge(
      db: Executor,
      id: string,
      version: number,
      a: { acknowledgedBy: string; acknowledgedAt: Date; recordedBy: string },
    ): Promise<boolean> {
      const result = await db
        .updateTable('cross_authority_notification')
        .set((eb) => ({
          acknowledged_by: a.acknowledgedBy,
          acknowledged_at: a.acknowledgedAt,
          recorded_by: a.recordedBy,
          version: eb('version', '+', 1),
        }))
        .where('id', '=', id)
        .where('version', '=', version)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },
  }
}

export type NotificationRepository = ReturnType<typeof notificationRepository>
