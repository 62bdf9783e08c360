import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import { can, decide, type Actor } from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type FieldError,
} from '../../platform/errors.ts'
import { fromLondonWallTime, londonWallTime } from '../../platform/working-days.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { referralFacts, type ReferralRepository } from '../referrals/referral-repository.ts'
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
 * `referral:queue` and full sight of the referral; the outstanding list shows the front door every
 * unacknowledged notification, oldest first.
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

function orNotFound<T>(result: T | undefined): T {
  if (result === undefined) throw new NotFoundError()
  return result
}

export function notificationService(
  database: Database,
  notifications: NotificationRepository,
  referrals: ReferralRepository,
  audit: AuditWriter,
  options: { now?: () => Date } = {},
) {
  const clock = options.now ?? (() => new Date())
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })
  const base = (actor: Actor, ctx: RequestContext) => ({
    partnershipId: actor.partnershipId,
    actor: auditActorOf(actor),
    requestId: ctx.requestId,
    ip: ctx.ip,
  })

  /** The referral, when the actor is the front door with full sight of it; the denial audited otherwise. */
  async function referralFor(trx: Transaction<DB>, actor: Actor, referralId: string, ctx: RequestContext) {
    if (!can(actor, 'referral:queue')) throw new ForbiddenError()
    const row = /^[0-9a-f-]{36}$/i.test(referralId) ? await referrals.find(trx, referralId) : undefined
    const decision = row === undefined ? undefined : decide(actor, 'read', referralFacts(row))
    if (row === undefined || decision === undefined || !decision.fields.includes('details')) {
      await audit.write(trx, {
        ...base(actor, ctx),
        action: 'access.denied',
        outcome: 'denied',
        record: { type: 'referral', id: referralId },
        reason: row === undefined ? 'no such record' : `denied: ${decision?.denial ?? 'relationship'}`,
      })
      return undefined
    }
    return row
  }

  /** A notification, when the actor may see its referral in full; the denial audited otherwise. */
  async function notificationFor(trx: Transaction<DB>, actor: Actor, id: string, ctx: RequestContext) {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await notifications.find(trx, id) : undefined
    if (row?.referralId == null) {
      await audit.write(trx, {
        ...base(actor, ctx),
        action: 'access.denied',
        outcome: 'denied',
        record: { type: 'cross-authority-notification', id },
        reason: 'no such record',
      })
      return undefined
    }
    return (await referralFor(trx, actor, row.referralId, ctx)) === undefined ? undefined : row
  }

  /** The notification as stored after a change (undefined: the change was refused as not found). */
  async function viewOf(trx: Transaction<DB>, id: string | undefined): Promise<NotificationView | undefined> {
    if (id === undefined) return undefined
    const row = await notifications.find(trx, id)
    return row === undefined ? undefined : notificationView(row)
  }

  async function sendIn(
    trx: Transaction<DB>,
    actor: Actor,
    referralId: string,
    input: NotificationInput,
    ctx: RequestContext,
  ): Promise<string | undefined> {
    const referral = await referralFor(trx, actor, referralId, ctx)
    if (referral === undefined) return undefined
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
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.create',
      outcome: 'succeeded',
      record: { type: 'cross-authority-notification', id },
      details: { referralId: referral.id, reason: input.reason ?? null },
    })
    return id
  }

  async function acknowledgeIn(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    input: AcknowledgementInput,
    ctx: RequestContext,
  ): Promise<string | undefined> {
    const row = await notificationFor(trx, actor, id, ctx)
    if (row === undefined) return undefined
    if (row.acknowledgedAt !== null)
      throw new ConflictError('This notification has already been acknowledged')
    if (input.version !== undefined && input.version !== row.version) throw new ConflictError()
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
    const done = await notifications.acknowledge(trx, id, row.version, {
      acknowledgedBy: who,
      acknowledgedAt: at,
      recordedBy: actor.userId,
    })
    if (!done) throw new ConflictError()
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.update',
      outcome: 'succeeded',
      record: { type: 'cross-authority-notification', id },
      details: { acknowledged: true },
    })
    return id
  }

  return {
    reasons: NOTIFICATION_REASONS,

    /** Records a notification sent about a referred child to another authority and its police force. */
    async send(
      actor: Actor,
      referralId: string,
      input: NotificationInput,
      ctx: RequestContext,
    ): Promise<NotificationView> {
      return orNotFound(
        await withTransaction(database, context(actor), async (trx) =>
          viewOf(trx, await sendIn(trx, actor, referralId, input, ctx)),
        ),
      )
    },

    /** The same within the caller's transaction (the demo seed): answers the new notification's id. */
    async sendIn(
      trx: Transaction<DB>,
      actor: Actor,
      referralId: string,
      input: NotificationInput,
      ctx: RequestContext,
    ): Promise<string> {
      return orNotFound(await sendIn(trx, actor, referralId, input, ctx))
    },

    /** The notifications recorded for a referral the actor (front door) may see in full. */
    async forReferral(actor: Actor, referralId: string, ctx: RequestContext): Promise<NotificationView[]> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const referral = await referralFor(trx, actor, referralId, ctx)
        if (referral === undefined) return undefined
        const rows = await notifications.forReferral(trx, referral.id)
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.read',
          outcome: 'allowed',
          record: { type: 'referral', id: referral.id },
          details: { via: 'notifications', count: rows.length },
        })
        return rows.map(notificationView)
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    async read(actor: Actor, id: string, ctx: RequestContext): Promise<NotificationView> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const row = await notificationFor(trx, actor, id, ctx)
        if (row === undefined) return undefined
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.read',
          outcome: 'allowed',
          record: { type: 'cross-authority-notification', id },
        })
        return notificationView(row)
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** Unacknowledged notifications, oldest first (the front door's list). */
    async outstanding(actor: Actor, ctx: RequestContext): Promise<NotificationView[]> {
      if (!can(actor, 'referral:queue')) throw new ForbiddenError()
      return withTransaction(database, context(actor), async (trx) => {
        const rows = await notifications.outstanding(trx, OUTSTANDING_LIMIT)
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.read',
          outcome: 'allowed',
          record: { type: 'cross-authority-notifications', id: actor.partnershipId },
          details: { count: rows.length },
        })
        return rows.map(notificationView)
      })
    },

    /** Records the other authority's acknowledgement: who acknowledged it, and on which day. */
    async acknowledge(
      actor: Actor,
      id: string,
      input: AcknowledgementInput,
      ctx: RequestContext,
    ): Promise<NotificationView> {
      return orNotFound(
        await withTransaction(database, context(actor), async (trx) =>
          viewOf(trx, await acknowledgeIn(trx, actor, id, input, ctx)),
        ),
      )
    },

    /** The same within the caller's transaction (the demo seed), without reading the result back. */
    async acknowledgeIn(
      trx: Transaction<DB>,
      actor: Actor,
      id: string,
      input: AcknowledgementInput,
      ctx: RequestContext,
    ): Promise<void> {
      orNotFound(await acknowledgeIn(trx, actor, id, input, ctx))
    },
  }
}

export type NotificationService = ReturnType<typeof notificationService>
