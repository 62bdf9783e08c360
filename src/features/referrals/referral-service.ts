import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB, ReferralStatus } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import { can, decide, type Actor, type Decision, type FieldGroup } from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type FieldError,
} from '../../platform/errors.ts'
import { addWorkingDays } from '../../platform/working-days.ts'
import { todayInLondon } from '../people/age.ts'
import type { FlagRepository } from '../flags/flag-repository.ts'
import {
  referralFacts,
  type ReferenceOption,
  type ReferralRepository,
  type ReferralRow,
  type ReferralTransitionRow,
} from './referral-repository.ts'

/**
 * Referrals to children's services (issue 5): submitted by anyone from their recorded concern without anyone's
 * approval (a discussion with a manager or DSL is recorded, never a gate), due for a front-door decision one
 * working day after receipt, reviewed and decided by the front door, or withdrawn. The state machine is
 * submitted → in-review → decided, submitted | in-review → withdrawn; the application refuses an illegal move with
 * a ConflictError (409) and the database trigger (0010, 0012) refuses it again: a conflict (409) as well.
 *
 * What a caller sees of a referral follows the policy's field groups (decideReferral):
 * - identity: the referral's id, status, when it was sent and by which agency, and the child's name (the referrer
 *   named the child);
 * - referral-outcome: the outcome — the decision's label, when it was made and its reasons; or when and why the
 *   referral was withdrawn; and when a decision is due. The referrer and a DSL for their organisation's
 *   referrals get identity + referral-outcome only: nothing else about the child.
 * - details: who reviews and decided, the discussion record, immediate danger, the suggested and judged levels,
 *   the child's date of birth, the history of transitions (full sight also includes the outcome);
 * - sensitive: exploitation grounds and Children in Need census factors.
 */

export type ExploitationGround = 'cce' | 'cse'
export const EXPLOITATION_GROUNDS: readonly ExploitationGround[] = ['cce', 'cse']

export interface ReferralView {
  id: string
  personId: string
  childName: string
  status: ReferralStatus
  statusLabel: string
  submittedAt: string
  referrerName?: string | null
  referrerAgencyName?: string | null
  decisionDueAt?: string
  /** Submitted or in review past its decision deadline. */
  overdue?: boolean
  decision?: string | null
  decisionLabel?: string | null
  decidedAt?: string | null
  decisionReasons?: string | null
  withdrawnAt?: string | null
  withdrawnReason?: string | null
  dateOfBirth?: string | null
  concernId?: string | null
  reviewerName?: string | null
  reviewStartedAt?: string | null
  decidedByName?: string | null
  discussedWith?: string | null
  discussionNote?: string | null
  immediateDanger?: boolean | null
  suggestedLevel?: string | null
  suggestedLevelLabel?: string | null
  judgedLevel?: string | null
  judgedLevelLabel?: string | null
  exploitationGrounds?: string[]
  cinFactors?: string[]
  version?: number
}

export interface ReferralRead {
  referral: ReferralView
  decision: Decision
  transitions: Array<{
    fromStatus: string | null
    toStatus: string
    byName: string | null
    at: string
    reason: string | null
  }>
  /** May this actor review, decide and notify on it (the front door). */
  canDecide: boolean
  /** May this actor withdraw it (the referrer or the front door, while it is open). */
  canWithdraw: boolean
}

export const STATUS_LABELS: Readonly<Record<ReferralStatus, string>> = {
  submitted: 'Submitted',
  'in-review': 'In review',
  decided: 'Decided',
  withdrawn: 'Withdrawn',
}

export interface SubmitInput {
  concernId: string
  discussedWith?: string | null
  discussionNote?: string | null
}

export interface SubmittedReferral {
  id: string
  status: ReferralStatus
  submittedAt: Date
  decisionDueAt: Date
}

export interface DecisionInput {
  decision?: string
  reasons?: string
  exploitationGrounds?: string[]
  cinFactors?: string[]
  version?: number
}

export interface ReferralServiceOptions {
  /** The clock (tests inject one to check deadlines across weekends and bank holidays). */
  now?: () => Date
}

/** Referrals per page of the front door's queue. */
export const QUEUE_PAGE_SIZE = 50
const MINE_LIMIT = 200

function has(fields: readonly FieldGroup[], group: FieldGroup): boolean {
  // Full sight (details) includes the outcome.
  return fields.includes(group) || (group === 'referral-outcome' && fields.includes('details'))
}

export function isOverdue(row: { status: ReferralStatus; decisionDueAt: Date }, now: Date): boolean {
  return (
    (row.status === 'submitted' || row.status === 'in-review') && now.getTime() > row.decisionDueAt.getTime()
  )
}

/** The fields of `row` that `fields` allow. */
export function referralView(row: ReferralRow, fields: readonly FieldGroup[], now: Date): ReferralView {
  const view: ReferralView = {
    id: row.id,
    personId: row.personId,
    childName: [row.givenName, row.familyName].filter((n) => n !== null && n !== '').join(' '),
    status: row.status,
    statusLabel: STATUS_LABELS[row.status],
    submittedAt: row.submittedAt.toISOString(),
    referrerName: row.referrerName,
    referrerAgencyName: row.referrerAgencyName,
  }
  if (has(fields, 'referral-outcome')) {
    Object.assign(view, {
      decisionDueAt: row.decisionDueAt.toISOString(),
      overdue: isOverdue(row, now),
      decision: row.decision,
      decisionLabel: row.decisionLabel,
      decidedAt: row.decidedAt?.toISOString() ?? null,
      decisionReasons: row.decisionReasons,
      withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
      withdrawnReason: row.withdrawnReason,
    })
  }
  if (has(fields, 'details')) {
    Object.assign(view, {
      dateOfBirth: row.dateOfBirth,
      concernId: row.concernId,
      reviewerName: row.reviewerName,
      reviewStartedAt: row.reviewStartedAt?.toISOString() ?? null,
      decidedByName: row.decidedByName,
      discussedWith: row.discussedWith,
      discussionNote: row.discussionNote,
      immediateDanger: row.immediateDanger,
      suggestedLevel: row.suggestedLevel,
      suggestedLevelLabel: row.suggestedLevelLabel,
      judgedLevel: row.judgedLevel,
      judgedLevelLabel: row.judgedLevelLabel,
      version: row.version,
    })
  }
  if (has(fields, 'sensitive')) {
    Object.assign(view, { exploitationGrounds: row.exploitationGrounds, cinFactors: row.cinFactors })
  }
  return view
}

/** `date` (YYYY-MM-DD) plus `months`, on the last day of the month when it has fewer days (31 Jan + 1 = 28 Feb). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const lastDay = new Date(Date.UTC(y, m - 1 + months + 1, 0)).getUTCDate()
  return new Date(Date.UTC(y, m - 1 + months, Math.min(d, lastDay))).toISOString().slice(0, 10)
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : ''
}

export function checkSubmit(input: SubmitInput): FieldError[] {
  const errors: FieldError[] = []
  if (text(input.discussedWith).length > 200) {
    errors.push({
      field: 'discussedWith',
      message: 'Who you discussed it with must be 200 characters or fewer',
    })
  }
  if (text(input.discussionNote).length > 5000) {
    errors.push({ field: 'discussionNote', message: 'The discussion note must be 5000 characters or fewer' })
  }
  return errors
}

const ILLEGAL: Readonly<Record<string, string>> = {
  'decided:review': 'This referral has already been decided',
  'withdrawn:review': 'This referral has been withdrawn',
  'in-review:review': 'Someone has already started reviewing this referral',
  'decided:decide': 'This referral has already been decided',
  'withdrawn:decide': 'This referral has been withdrawn and cannot be decided',
  'submitted:decide': 'Start the review before recording a decision',
  'decided:withdraw': 'This referral has been decided and cannot be withdrawn',
  'withdrawn:withdraw': 'This referral has already been withdrawn',
}

const CHANGED_MEANWHILE = 'Someone else changed this referral while you were looking at it. Check it again.'

/**
 * The SQLSTATE the database's referral state-machine trigger raises when it refuses a move (migration 0012). The
 * service checks the move first, on the row it has locked, so the trigger refuses only a change that slipped past
 * that check (one made directly in the database, or a stale read): it is answered as a conflict, not a fault.
 */
export const REFERRAL_MOVE_REFUSED = 'OM409'

/** Rethrows the trigger's refusal as a ConflictError (409, "someone else changed this"); anything else as it is. */
export function conflictIfMoveRefused(error: unknown): never {
  if (
    typeof error === 'object' &&
    error !== null &&
    (error as { code?: unknown }).code === REFERRAL_MOVE_REFUSED
  ) {
    throw new ConflictError(CHANGED_MEANWHILE)
  }
  throw error
}

/** What a change leaves for its answer: the actor's field groups, and when it happened. */
interface Changed {
  fields: FieldGroup[]
  at: Date
}

function orNotFound<T>(result: T | undefined): T {
  if (result === undefined) throw new NotFoundError()
  return result
}

function refuseIllegal(status: ReferralStatus, move: 'review' | 'decide' | 'withdraw'): void {
  const message = ILLEGAL[`${status}:${move}`]
  if (message !== undefined) throw new ConflictError(message)
}

export function referralService(
  database: Database,
  referrals: ReferralRepository,
  flags: FlagRepository,
  audit: AuditWriter,
  options: ReferralServiceOptions = {},
) {
  const clock = options.now ?? (() => new Date())
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })
  const base = (actor: Actor, ctx: RequestContext) => ({
    partnershipId: actor.partnershipId,
    actor: auditActorOf(actor),
    requestId: ctx.requestId,
    ip: ctx.ip,
  })

  async function denied(trx: Transaction<DB>, actor: Actor, ctx: RequestContext, id: string, reason: string) {
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'access.denied',
      outcome: 'denied',
      record: { type: 'referral', id },
      reason,
    })
  }

  /** The referral and the actor's decision on it; a missing or hidden one is audited and answers undefined. */
  async function load(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    action: 'read' | 'write',
    ctx: RequestContext,
    lock = action === 'write',
  ): Promise<{ row: ReferralRow; decision: Decision } | undefined> {
    // A change locks the row first, so two people deciding or withdrawing at once are answered one after the other.
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await referrals.find(trx, id, { forUpdate: lock }) : undefined
    if (row === undefined) {
      await denied(trx, actor, ctx, id, 'no such record')
      return undefined
    }
    const decision = decide(actor, action, referralFacts(row))
    if (!decision.allowed) {
      await denied(trx, actor, ctx, id, `denied: ${decision.denial ?? 'relationship'}`)
      return undefined
    }
    return { row, decision }
  }

  function checkVersion(row: ReferralRow, version: number | undefined): void {
    if (version !== undefined && version !== row.version) throw new ConflictError(CHANGED_MEANWHILE)
  }

  async function submitIn(
    trx: Transaction<DB>,
    actor: Actor,
    input: SubmitInput,
    ctx: RequestContext,
  ): Promise<SubmittedReferral> {
    if (!can(actor, 'referral:create')) throw new ForbiddenError()
    const errors = checkSubmit(input)
    if (errors.length > 0) throw new ValidationError(errors)
    const concern = /^[0-9a-f-]{36}$/i.test(input.concernId)
      ? await referrals.concernForReferral(trx, input.concernId)
      : undefined
    // Only the actor's own concern: anyone else's answers like one that does not exist.
    if (concern === undefined || concern.recordedBy !== actor.userId) {
      await audit.write(trx, {
        ...base(actor, ctx),
        action: 'access.denied',
        outcome: 'denied',
        record: { type: 'concern', id: input.concernId },
        reason: concern === undefined ? 'no such record' : 'not the referrer',
      })
      throw new NotFoundError()
    }
    if (concern.hasReferral) throw new ConflictError('This concern has already been referred')
    const now = clock()
    const decisionDueAt = addWorkingDays(now, 1)
    const discussedWith = text(input.discussedWith)
    const discussionNote = text(input.discussionNote)
    const id = await referrals.insert(trx, {
      partnershipId: actor.partnershipId,
      personId: concern.personId,
      concernId: concern.id,
      referrerId: actor.userId,
      referrerAgencyId: actor.agencyId,
      submittedAt: now,
      decisionDueAt,
      discussedWith: discussedWith === '' ? null : discussedWith,
      discussionNote: discussionNote === '' ? null : discussionNote,
    })
    await referrals.addTransition(trx, {
      partnershipId: actor.partnershipId,
      referralId: id,
      from: null,
      to: 'submitted',
      by: actor.userId,
      at: now,
    })
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.create',
      outcome: 'succeeded',
      record: { type: 'referral', id },
      details: { concernId: concern.id, discussed: discussedWith !== '' },
    })
    return { id, status: 'submitted', submittedAt: now, decisionDueAt }
  }

  function readOf(
    row: ReferralRow,
    decision: Decision,
    actor: Actor,
    transitions: ReferralTransitionRow[],
  ): ReferralRead {
    const write = decide(actor, 'write', referralFacts(row))
    const open = row.status === 'submitted' || row.status === 'in-review'
    return {
      referral: referralView(row, decision.fields, clock()),
      decision,
      transitions: has(decision.fields, 'details')
        ? transitions.map((t) => ({
            fromStatus: t.fromStatus,
            toStatus: t.toStatus,
            byName: t.byName,
            at: t.at.toISOString(),
            reason: t.reason,
          }))
        : [],
      canDecide: write.allowed,
      canWithdraw: open && (write.allowed || row.referrerId === actor.userId),
    }
  }

  /** The referral as the actor may see it after their change (re-read: names and labels come from the joins). */
  async function viewAfter(
    trx: Transaction<DB>,
    id: string,
    changed: Changed | undefined,
  ): Promise<ReferralView | undefined> {
    if (changed === undefined) return undefined
    const row = await referrals.find(trx, id)
    return row === undefined ? undefined : referralView(row, changed.fields, changed.at)
  }

  async function startReviewIn(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    version: number | undefined,
    ctx: RequestContext,
  ): Promise<Changed | undefined> {
    const found = await load(trx, actor, id, 'write', ctx)
    if (found === undefined) return undefined
    refuseIllegal(found.row.status, 'review')
    checkVersion(found.row, version)
    const now = clock()
    await referrals.startReview(trx, id, actor.userId, now).catch(conflictIfMoveRefused)
    await referrals.addTransition(trx, {
      partnershipId: actor.partnershipId,
      referralId: id,
      from: found.row.status,
      to: 'in-review',
      by: actor.userId,
      at: now,
    })
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.update',
      outcome: 'succeeded',
      record: { type: 'referral', id },
      details: { from: found.row.status, to: 'in-review' },
    })
    return { fields: found.decision.fields, at: now }
  }

  async function decideIn(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    input: DecisionInput,
    ctx: RequestContext,
  ): Promise<Changed | undefined> {
    const found = await load(trx, actor, id, 'write', ctx)
    if (found === undefined) return undefined
    refuseIllegal(found.row.status, 'decide')
    checkVersion(found.row, input.version)
    const [decisionTypes, cinFactors] = await Promise.all([
      referrals.decisionTypes(trx),
      referrals.cinFactors(trx),
    ])
    const errors: FieldError[] = []
    const decision = text(input.decision)
    if (!decisionTypes.some((t) => t.code === decision)) {
      errors.push({ field: 'decision', message: 'Select the decision' })
    }
    const reasons = text(input.reasons)
    if (reasons === '') errors.push({ field: 'reasons', message: 'Enter the reasons for the decision' })
    else if (reasons.length > 2000) {
      errors.push({ field: 'reasons', message: 'The reasons must be 2000 characters or fewer' })
    }
    const grounds = [...new Set(input.exploitationGrounds ?? [])]
    if (grounds.some((g) => !(EXPLOITATION_GROUNDS as readonly string[]).includes(g))) {
      errors.push({
        field: 'exploitationGrounds',
        message: 'Select child criminal or child sexual exploitation',
      })
    }
    const factors = [...new Set(input.cinFactors ?? [])]
    if (factors.some((f) => !cinFactors.some((c) => c.code === f))) {
      errors.push({ field: 'cinFactors', message: 'Select census factors from the list' })
    }
    if (errors.length > 0) throw new ValidationError(errors)
    const now = clock()
    await referrals
      .decide(trx, id, {
        decision,
        reasons,
        exploitationGrounds: grounds,
        cinFactors: factors,
        by: actor.userId,
        at: now,
      })
      .catch(conflictIfMoveRefused)
    await referrals.addTransition(trx, {
      partnershipId: actor.partnershipId,
      referralId: id,
      from: found.row.status,
      to: 'decided',
      by: actor.userId,
      at: now,
    })
    const reviewDate = addMonths(todayInLondon(now), 3)
    const flagIds: string[] = []
    for (const ground of grounds) {
      const flagId = await flags.create(trx, {
        partnershipId: actor.partnershipId,
        flagType: ground,
        subjectKind: 'person',
        subjectId: found.row.personId,
        reason: reasons,
        setBy: actor.userId,
        setByTeamId: actor.teamIds[0] ?? null,
        reviewDate,
      })
      flagIds.push(flagId)
      await audit.write(trx, {
        ...base(actor, ctx),
        action: 'record.create',
        outcome: 'succeeded',
        record: { type: 'flag', id: flagId },
        details: { flagType: ground, referralId: id },
      })
    }
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.update',
      outcome: 'succeeded',
      record: { type: 'referral', id },
      details: {
        from: found.row.status,
        to: 'decided',
        decision,
        exploitationGrounds: grounds.join(' '),
        cinFactors: factors.join(' '),
        flags: flagIds.length,
      },
    })
    return { fields: found.decision.fields, at: now }
  }

  async function withdrawIn(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    input: { reason?: string; version?: number },
    ctx: RequestContext,
  ): Promise<Changed | undefined> {
    const found = await load(trx, actor, id, 'read', ctx, true)
    if (found === undefined) return undefined
    const frontDoor = decide(actor, 'write', referralFacts(found.row)).allowed
    const referrer = found.row.referrerId === actor.userId && can(actor, 'referral:create')
    if (!frontDoor && !referrer) {
      throw new ForbiddenError('Only the referrer or the front door can withdraw a referral')
    }
    refuseIllegal(found.row.status, 'withdraw')
    checkVersion(found.row, input.version)
    const reason = text(input.reason)
    if (reason === '')
      throw new ValidationError([{ field: 'reason', message: 'Enter why the referral is withdrawn' }])
    if (reason.length > 2000) {
      throw new ValidationError([{ field: 'reason', message: 'The reason must be 2000 characters or fewer' }])
    }
    const now = clock()
    await referrals.withdraw(trx, id, actor.userId, reason, now).catch(conflictIfMoveRefused)
    await referrals.addTransition(trx, {
      partnershipId: actor.partnershipId,
      referralId: id,
      from: found.row.status,
      to: 'withdrawn',
      by: actor.userId,
      at: now,
      reason,
    })
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'record.update',
      outcome: 'succeeded',
      record: { type: 'referral', id },
      details: { from: found.row.status, to: 'withdrawn', by: frontDoor ? 'front-door' : 'referrer' },
    })
    return { fields: found.decision.fields, at: now }
  }

  return {
    /** The clock this service uses (pages show overdue against it). */
    now: clock,

    /**
     * Submits a referral from the actor's recorded concern, in its own transaction. Never waits for anyone's
     * approval. A concern that is not the actor's answers NotFoundError.
     */
    async submit(actor: Actor, input: SubmitInput, ctx: RequestContext): Promise<SubmittedReferral> {
      return withTransaction(database, context(actor), async (trx) => {
        const concern = /^[0-9a-f-]{36}$/i.test(input.concernId)
          ? await referrals.concernForReferral(trx, input.concernId)
          : undefined
        if (concern !== undefined && concern.recordedBy === actor.userId && concern.status !== 'recorded') {
          throw new ConflictError('Finish recording the concern before referring it')
        }
        return submitIn(trx, actor, input, ctx)
      })
    },

    /**
     * The same within the caller's transaction: the concern flow records the concern (draft → recorded) and
     * submits its referral in one transaction, so either both happen or neither.
     */
    submitIn,

    async read(actor: Actor, id: string, ctx: RequestContext): Promise<ReferralRead> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const found = await load(trx, actor, id, 'read', ctx)
        if (found === undefined) return undefined
        await audit.writeAtCommit(trx, [
          {
            ...base(actor, ctx),
            action: 'record.read',
            outcome: 'allowed',
            record: { type: 'referral', id },
            details: { via: 'referral' },
          },
        ])
        const transitions = await referrals.transitions(trx, id)
        return readOf(found.row, found.decision, actor, transitions)
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** The front door's queue: submitted and in-review referrals, oldest first, with overdue marked. */
    async queue(
      actor: Actor,
      ctx: RequestContext,
      page = 1,
    ): Promise<{ referrals: ReferralView[]; total: number; page: number; pageSize: number }> {
      if (!can(actor, 'referral:queue')) throw new ForbiddenError()
      const offset = (Math.max(1, Math.floor(page)) - 1) * QUEUE_PAGE_SIZE
      return withTransaction(database, context(actor), async (trx) => {
        const { rows, total: counted } = await referrals.queue(trx, QUEUE_PAGE_SIZE, offset)
        const total = counted ?? (offset === 0 ? 0 : await referrals.countQueue(trx))
        const now = clock()
        const views: ReferralView[] = []
        for (const row of rows) {
          const decision = decide(actor, 'read', referralFacts(row))
          if (decision.allowed) views.push(referralView(row, decision.fields, now))
        }
        await audit.writeAtCommit(trx, [
          {
            ...base(actor, ctx),
            action: 'record.read',
            outcome: 'allowed',
            record: { type: 'referral-queue', id: actor.partnershipId },
            details: { count: views.length, total, offset },
          },
        ])
        return { referrals: views, total, page: offset / QUEUE_PAGE_SIZE + 1, pageSize: QUEUE_PAGE_SIZE }
      })
    },

    /** The referrer's own referrals with their status and outcome (identity + referral-outcome only). */
    async mine(actor: Actor, ctx: RequestContext): Promise<ReferralView[]> {
      if (!can(actor, 'referral:read-own')) throw new ForbiddenError()
      return withTransaction(database, context(actor), async (trx) => {
        const rows = await referrals.mine(trx, actor.userId, MINE_LIMIT)
        const now = clock()
        const views: ReferralView[] = []
        for (const row of rows) {
          const decision = decide(actor, 'read', referralFacts(row))
          // Feedback: what happened to the referral, and nothing else about the child unless a relationship
          // (a case relationship, the front door) allows more.
          const fields: FieldGroup[] = decision.allowed ? decision.fields : ['identity', 'referral-outcome']
          views.push(referralView(row, fields, now))
        }
        await audit.writeAtCommit(trx, [
          {
            ...base(actor, ctx),
            action: 'record.read',
            outcome: 'allowed',
            record: { type: 'referral-list', id: actor.userId },
            details: { count: views.length },
          },
        ])
        return views
      })
    },

    async startReview(
      actor: Actor,
      id: string,
      version: number | undefined,
      ctx: RequestContext,
    ): Promise<ReferralView> {
      return orNotFound(
        await withTransaction(database, context(actor), async (trx) =>
          viewAfter(trx, id, await startReviewIn(trx, actor, id, version, ctx)),
        ),
      )
    },

    /**
     * The same within the caller's transaction (the demo seed), without reading the result back; a missing or
     * hidden referral throws NotFoundError.
     */
    async startReviewIn(
      trx: Transaction<DB>,
      actor: Actor,
      id: string,
      version: number | undefined,
      ctx: RequestContext,
    ): Promise<void> {
      orNotFound(await startReviewIn(trx, actor, id, version, ctx))
    },

    async decisionOptions(): Promise<{
      decisionTypes: ReferenceOption[]
      cinFactors: Array<ReferenceOption & { exploitation: boolean }>
    }> {
      const [decisionTypes, cinFactors] = await Promise.all([
        referrals.decisionTypes(database.db),
        referrals.cinFactors(database.db),
      ])
      return { decisionTypes, cinFactors }
    },

    /**
     * Records the front door's decision. On exploitation grounds (CCE, CSE) it also sets the matching flag on the
     * child, with the decision's reasons and a review date three months on: all in one transaction with the
     * transition and the audit.
     */
    async decide(actor: Actor, id: string, input: DecisionInput, ctx: RequestContext): Promise<ReferralView> {
      return orNotFound(
        await withTransaction(database, context(actor), async (trx) =>
          viewAfter(trx, id, await decideIn(trx, actor, id, input, ctx)),
        ),
      )
    },

    /**
     * The same within the caller's transaction (the demo seed), without reading the result back; a missing or
     * hidden referral throws NotFoundError.
     */
    async decideIn(
      trx: Transaction<DB>,
      actor: Actor,
      id: string,
      input: DecisionInput,
      ctx: RequestContext,
    ): Promise<void> {
      orNotFound(await decideIn(trx, actor, id, input, ctx))
    },

    /** Withdraws an open referral: its referrer, or the front door, with a reason. */
    async withdraw(
      actor: Actor,
      id: string,
      input: { reason?: string; version?: number },
      ctx: RequestContext,
    ): Promise<ReferralView> {
      return orNotFound(
        await withTransaction(database, context(actor), async (trx) =>
          viewAfter(trx, id, await withdrawIn(trx, actor, id, input, ctx)),
        ),
      )
    },

    /**
     * The same within the caller's transaction (the demo seed), without reading the result back; a missing or
     * hidden referral throws NotFoundError.
     */
    async withdrawIn(
      trx: Transaction<DB>,
      actor: Actor,
      id: string,
      input: { reason?: string; version?: number },
      ctx: RequestContext,
    ): Promise<void> {
      orNotFound(await withdrawIn(trx, actor, id, input, ctx))
    },
  }
}

export type ReferralService = ReturnType<typeof referralService>
