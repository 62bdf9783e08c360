import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { can, decideNotification, type Actor, type Decision } from '../../platform/access/policy.ts'
import type { TaskService } from '../tasks/task-service.ts'
import type { RecordAccess, RecordKind, RecordWork } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ForbiddenError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { fromLondonWallTime, londonWallTime } from '../../platform/working-days.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import type { ReferralService } from '../referrals/referral-service.ts'
import {
  NOTIFICATION_REASONS,
  type NotificationReason,
  type NotificationRepository,
  type NotificationRow,
} from './notification-repository.ts'

/**
 * Cross-authority notifications (issue 5): when a referred child lives in, moved from or to, or was found in
 * another local authority's area, the front door records what it sent to that authority and its police force,
 * when and by whom, and later the acknowledgement (who at the other end, and when). Recording one needs
 * `referral:queue` and full sight of the referral (decideNotification); the outstanding list shows the front door
 * every unacknowledged notification, oldest first, each one shown (and its child) audited as read. Referrals are
 * reached through the referral service's record kind, notifications through the record-access kit.
 */

export interface NotificationView {
  id: string
  personId: string
  childName: string
  referralId: string | null
  reason: NotificationReason
  reasonLabel: string
  localAuthority: string
  policeForce: string
  content: string
  sentByName: string | null
  sentAt: string
  acknowledged: boolean
  acknowledgedAt: string | null
  acknowledgedBy: string | null
  recordedByName: string | null
  version: number
}

export interface NotificationInput {
  reason?: string
  localAuthority?: string
  policeForce?: string
  content?: string
}

export interface AcknowledgementInput {
  acknowledgedBy?: string
  /** YYYY-MM-DD; today when absent. */
  acknowledgedOn?: string
  version?: number
}

const REASON_LABELS = new Map(NOTIFICATION_REASONS.map((r) => [r.code, r.label]))
const OUTSTANDING_LIMIT = 200

/** Where a call runs: in the caller's transaction (`trx`: the demo seed), or in its own. */
export interface InTransaction {
  trx?: Transaction<DB>
}

/** The referrals a notification is about: reached through the referral service's record kind. */
export type NotificationReferrals = Pick<ReferralService, 'records'>
type ReferralRecord = NonNullable<Awaited<ReturnType<NotificationReferrals['records']['load']>>>

/** A notification with the referral it is about (the policy decides on the two together). */
interface NotificationRecord {
  row: NotificationRow
  referral: ReferralRecord
}

export function notificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    personId: row.personId,
    childName: row.childName,
    referralId: row.referralId,
    reason: row.reason,
    reasonLabel: REASON_LABELS.get(row.reason) ?? row.reason,
    localAuthority: row.localAuthority,
    policeForce: row.policeForce,
    content: row.content,
    sentByName: row.sentByName,
    sentAt: row.sentAt.toISOString(),
    acknowledged: row.acknowledgedAt !== null,
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: row.acknowledgedBy,
    recordedByName: row.recordedByName,
    version: row.version,
  }
}

const trimmed = (value: unknown) => (typeof value === 'string' ? value.trim() : '')

export function checkNotification(input: NotificationInput): FieldError[] {
  const errors: FieldError[] = []
  if (!NOTIFICATION_REASONS.some((r) => r.code === input.reason)) {
    errors.push({ field: 'reason', message: 'Select why the other authority needs to know' })
  }
  const la = trimmed(input.localAuthority)
  if (la === '') errors.push({ field: 'localAuthority', message: 'Enter the local authority' })
  else if (la.length > 200) {
    errors.push({ field: 'localAuthority', message: 'The local authority must be 200 characters or fewer' })
  }
  const force = trimmed(input.policeForce)
  if (force === '') errors.push({ field: 'policeForce', message: 'Enter the police force' })
  else if (force.length > 200) {
    errors.push({ field: 'policeForce', message: 'The police force must be 200 characters or fewer' })
  }
  const content = trimmed(input.content)
  if (content === '') errors.push({ field: 'content', message: 'Enter what was sent' })
  else if (content.length > 10_000) {
    errors.push({ field: 'content', message: 'What was sent must be 10000 characters or fewer' })
  }
  return errors
}

function validDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const d = new Date(`${value}T12:00:00Z`)
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value
}

export function notificationService(
  notifications: NotificationRepository,
  referrals: NotificationReferrals,
  access: RecordAccess,
  options: {
    now?: () => Date
    /** t13: a notification sent raises a task to chase its acknowledgement; the acknowledgement completes it. */
    tasks?: Pick<TaskService, 'raise' | 'closeByKey'>
  } = {},
) {
  const clock = options.now ?? (() => new Date())
  const taskEngine = options.tasks
  const chaseKey = (id: string) => `notification-acknowledgement:${id}`

  /** The front door's decision on the referral: its read of it, in full (decideNotification). */
  const about = (actor: Actor, referral: ReferralRecord): Decision =>
    decideNotification(actor, referrals.records.decide(actor, 'read', referral))

  /** A referral, for its notifications. */
  const referralKind: RecordKind<ReferralRecord> = {
    type: 'referral',
    load: (trx, id, actor, loading) => referrals.records.load(trx, id, actor, loading),
    decide: (actor, _action, referral) => about(actor, referral),
  }

  /** A notification, with its referral (one recorded without a referral answers as one that does not exist). */
  const notificationKind: RecordKind<NotificationRecord> = {
    type: 'cross-authority-notification',
    load: async (trx, id, actor, loading) => {
      const row = await notifications.find(trx, id)
      if (row?.referralId == null) return undefined
      const referral = await referrals.records.load(trx, row.referralId, actor, loading)
      return referral === undefined ? undefined : { row, referral }
    },
    decide: (actor, _action, { referral }) => about(actor, referral),
  }

  const frontDoorOnly = (actor: Actor) => {
    if (!can(actor, 'referral:queue')) throw new ForbiddenError()
  }

  /**
   * A front-door change reached through the record it is about (the referral, or the notification itself): read
   * quietly, since the change's own audit row records it, in the caller's transaction when it has one.
   */
  function changeThrough<Row>(
    actor: Actor,
    kind: RecordKind<Row>,
    id: string,
    ctx: RequestContext,
    options: InTransaction,
    work: RecordWork<Row, NotificationView>,
  ): Promise<NotificationView> {
    frontDoorOnly(actor)
    return access.read(actor, kind, id, ctx, { quiet: true, trx: options.trx }, work)
  }

  /** The notification as stored after a change. */
  async function viewOf(trx: Transaction<DB>, id: string): Promise<NotificationView> {
    const row = await notifications.find(trx, id)
    if (row === undefined) throw new Error('the notification just written is missing')
    return notificationView(row)
  }

  function acknowledgementOf(row: NotificationRow, input: AcknowledgementInput) {
    const errors: FieldError[] = []
    const who = trimmed(input.acknowledgedBy)
    if (who === '') errors.push({ field: 'acknowledgedBy', message: 'Enter who acknowledged it' })
    else if (who.length > 200) {
      errors.push({
        field: 'acknowledgedBy',
        message: 'Who acknowledged it must be 200 characters or fewer',
      })
    }
    const now = clock()
    const today = todayInLondon(now)
    const sentOn = todayInLondon(row.sentAt)
    const on = trimmed(input.acknowledgedOn)
    if (on !== '' && !validDate(on)) {
      errors.push({ field: 'acknowledgedOn', message: 'Enter a real date for the acknowledgement' })
    } else if (on !== '' && on > today) {
      errors.push({
        field: 'acknowledgedOn',
        message: 'The date of the acknowledgement must be today or in the past',
      })
    } else if (on !== '' && on < sentOn) {
      errors.push({
        field: 'acknowledgedOn',
        message: 'The date of the acknowledgement must be on or after the day the notification was sent',
      })
    }
    if (errors.length > 0) throw new ValidationError(errors)
    const at =
      on === '' || on === today
        ? now
        : fromLondonWallTime({
            ...londonWallTime(now),
            date: on,
            hour: 12,
            minute: 0,
            second: 0,
            millisecond: 0,
          })
    return { who, at }
  }

  return {
    reasons: NOTIFICATION_REASONS,

    /** Records a notification sent about a referred child to another authority and its police force. */
    async send(
      actor: Actor,
      referralId: string,
      input: NotificationInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<NotificationView> {
      // Reached to record something about it: the notification's own row is the audit.
      return changeThrough(
        actor,
        referralKind,
        referralId,
        ctx,
        options,
        async (trx, { row: referral, decision }) => {
          const errors = checkNotification(input)
          if (errors.length > 0) throw new ValidationError(errors)
          const id = await notifications.insert(trx, {
            partnershipId: actor.partnershipId,
            personId: referral.personId,
            referralId: referral.id,
            reason: input.reason as NotificationReason,
            localAuthority: trimmed(input.localAuthority),
            policeForce: trimmed(input.policeForce),
            content: trimmed(input.content),
            sentBy: actor.userId,
            sentAt: clock(),
          })
          await access.changed(trx, actor, ctx, { type: 'cross-authority-notification', id }, decision, {
            action: 'record.create',
            details: { referralId: referral.id, reason: input.reason ?? null },
          })
          await taskEngine?.raise(
            trx,
            { actor, ctx },
            {
              kind: 'notification-acknowledgement',
              subject: { kind: 'person', id: referral.personId },
              assignee: { userId: actor.userId },
              reason: `Chase the acknowledgement of the notification to ${trimmed(input.localAuthority)}`,
              dedupKey: chaseKey(id),
              source: { kind: 'cross-authority-notification', id },
            },
          )
          return viewOf(trx, id)
        },
      )
    },

    /** The notifications recorded for a referral the actor (front door) may see in full, each audited. */
    /**
     * The notifications sent about a referral, each audited. `alreadyRead`: the caller's page has read (and
     * audited) the referral itself, so it is not audited twice.
     */
    async forReferral(
      actor: Actor,
      referralId: string,
      ctx: RequestContext,
      options: { alreadyRead?: boolean } = {},
    ): Promise<NotificationView[]> {
      frontDoorOnly(actor)
      return access.read(
        actor,
        referralKind,
        referralId,
        ctx,
        { via: 'notifications', quiet: options.alreadyRead === true },
        async (trx, { row: referral }) => {
          const rows = await notifications.forReferral(trx, referral.id)
          const shown = await access.shown(
            trx,
            actor,
            notificationKind,
            rows.map((row) => ({ row, referral })),
            (n) => n.row.id,
            ctx,
            { via: 'referral-notifications' },
          )
          return shown.map(({ row }) => notificationView(row.row))
        },
      )
    },

    async read(actor: Actor, id: string, ctx: RequestContext): Promise<NotificationView> {
      frontDoorOnly(actor)
      return access.read(actor, notificationKind, id, ctx, { via: 'notification' }, async (_trx, { row }) =>
        notificationView(row.row),
      )
    },

    /**
     * Unacknowledged notifications, oldest first (the front door's list): each one shown, and the child it names,
     * audited as a read of its own; one the actor may not see in full is left out.
     */
    async outstanding(actor: Actor, ctx: RequestContext): Promise<NotificationView[]> {
      frontDoorOnly(actor)
      return access.within(actor, undefined, async (trx) => {
        const rows = await notifications.outstanding(trx, OUTSTANDING_LIMIT)
        const records: NotificationRecord[] = []
        for (const row of rows) {
          const referral =
            row.referralId === null
              ? undefined
              : await referrals.records.load(trx, row.referralId, actor, { lock: false, details: false })
          if (referral !== undefined) records.push({ row, referral })
        }
        const shown = await access.shown(trx, actor, notificationKind, records, (n) => n.row.id, ctx, {
          via: 'outstanding-notifications',
          records: (n) => [
            { type: 'cross-authority-notification', id: n.row.id },
            { type: 'person', id: n.row.personId },
          ],
        })
        return shown.map(({ row }) => notificationView(row.row))
      })
    },

    /** Records the other authority's acknowledgement: who acknowledged it, and on which day. */
    async acknowledge(
      actor: Actor,
      id: string,
      input: AcknowledgementInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<NotificationView> {
      return changeThrough(
        actor,
        notificationKind,
        id,
        ctx,
        options,
        async (trx, { row: { row }, decision }) => {
          if (row.acknowledgedAt !== null) {
            throw new ConflictError('This notification has already been acknowledged')
          }
          if (input.version !== undefined && input.version !== row.version) throw new ConflictError()
          const { who, at } = acknowledgementOf(row, input)
          const done = await notifications.acknowledge(trx, id, row.version, {
            acknowledgedBy: who,
            acknowledgedAt: at,
            recordedBy: actor.userId,
          })
          if (!done) throw new ConflictError()
          await access.changed(trx, actor, ctx, { type: 'cross-authority-notification', id }, decision, {
            action: 'record.update',
            details: { acknowledged: true },
          })
          await taskEngine?.closeByKey(trx, { actor, ctx }, chaseKey(id), 'done', 'Acknowledged')
          return viewOf(trx, id)
        },
      )
    },
  }
}

export type NotificationService = ReturnType<typeof notificationService>
