import type { Transaction } from 'kysely'
import type { Database } from '../../db/database.ts'
import type { DB, ReferralStatus } from '../../db/schema.ts'
import {
  can,
  decide,
  decideReferralFlag,
  decideReferralSubmit,
  type Actor,
  type Decision,
  type FieldGroup,
} from '../../platform/access/policy.ts'
import {
  itemAndChild,
  type RecordAccess,
  type RecordKind,
  type Reached,
} from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { FieldError } from '../../platform/errors.ts'
import { addWorkingDays } from '../../platform/working-days.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import type { FlagService } from '../flags/flag-service.ts'
import type { PersonService } from '../people/person-service.ts'
import { partsOf } from '../flags/flag-service.ts'
import {
  referralFacts,
  type ReferenceOption,
  type ReferralMoveColumns,
  type ReferralRepository,
  type ReferralRow,
  type ReferralTransitionRow,
} from './referral-repository.ts'
import { referralWorkflow, type ReferralMove } from './referral-workflow.ts'

/**
 * Referrals to children's services (issue 5): submitted by anyone from their recorded concern without anyone's
 * approval (a discussion with a manager or DSL is recorded, never a gate), due for a front-door decision one
 * working day after receipt, reviewed and decided by the front door, or withdrawn. The moves are declared in
 * referral-workflow.ts; the service refuses an illegal move with a ConflictError (409) and the database trigger
 * (0010, 0012) refuses it again: a conflict (409) as well. Records are reached through the record-access kit.
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
  /** May this actor open the child's record (the page links to it only then). */
  canReadChild: boolean
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
  /** a13: the team whose allocation queue the child joins (a decision for an assessment or a strategy meeting). */
  allocationTeamId?: string
}

// a13: what a front-door decision does next (the allocation queue, issue 13), registered by the feature that does it
/**
 * A follow-up of a front-door decision: its part of the decision form (options, and the form's default), its part of
 * the input checked with the rest (nothing is written when any part is wrong), and what it does once the referral
 * is decided, in the decision's transaction.
 */
export interface DecisionFollowUp {
  options(
    trx: Transaction<DB>,
    actor: Actor,
    child: { allocatedTeamId: string | null },
  ): Promise<{ options: Record<string, unknown>; values: Record<string, string> }>
  check(trx: Transaction<DB>, actor: Actor, input: DecisionInput, decision: string): Promise<FieldError[]>
  after(
    trx: Transaction<DB>,
    actor: Actor,
    input: DecisionInput & { decision: string },
    referral: { id: string; personId: string; decision: Decision },
    ctx: RequestContext,
    now: Date,
  ): Promise<void>
}

export interface ReferralServiceOptions {
  /** The clock (tests inject one to check deadlines across weekends and bank holidays). */
  now?: () => Date
}

/** Referrals per page of the front door's queue. */
export const QUEUE_PAGE_SIZE = 50
/** The furthest page of the queue (a million referrals open at once is far beyond any partnership). */
const MAX_QUEUE_PAGE = 20_000
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

/** What a move records: its columns, an optional reason on the transition, and codes for the audit row. */
interface MoveRecord {
  columns: ReferralMoveColumns
  reason?: string
  details?: Record<string, string | number | boolean>
  /** What else the move does once the referral has moved (in the same transaction). */
  after?: () => Promise<void>
}

/** A move its reader may not make: refused after the refusal's audit row has committed. */
const FORBIDDEN = Symbol('forbidden')

/** Where a call runs: in the caller's transaction (`trx`), or in its own. */
export interface InTransaction {
  trx?: Transaction<DB>
}

export function referralService(
  database: Database,
  referrals: ReferralRepository,
  flags: FlagService,
  people: PersonService,
  access: RecordAccess,
  options: ReferralServiceOptions = {},
) {
  const clock = options.now ?? (() => new Date())
  // a13: the decision's follow-ups (the allocation queue).
  const followUps: DecisionFollowUp[] = []

  /** How the record-access kit reaches a referral: locked for a change, decided by the policy's referral rule. */
  const referralKind: RecordKind<ReferralRow> = {
    type: 'referral',
    load: (trx, id, _actor, { lock }) => referrals.find(trx, id, { forUpdate: lock }),
    decide: (actor, action, row) => decide(actor, action, referralFacts(row)),
  }

  /** A list's referrals the actor may see, each audited as a read of the referral and of its child. */
  async function shownReferrals(
    trx: Transaction<DB>,
    actor: Actor,
    rows: readonly ReferralRow[],
    ctx: RequestContext,
    via: string,
  ): Promise<ReferralView[]> {
    const now = clock()
    const records = itemAndChild('referral')
    const shown = await access.shown(trx, actor, referralKind, rows, (r) => r.id, ctx, { via, records })
    return shown.map(({ row, decision }) => referralView(row, decision.fields, now))
  }

  function checkVersion(row: ReferralRow, version: number | undefined): void {
    if (version !== undefined && version !== row.version) throw new ConflictError(CHANGED_MEANWHILE)
  }

  /**
   * One declared move on a referral the actor may see: the workflow says whether it may start from here, who may
   * make it (403 for a reader who may not) and what it is audited as; `record` validates the input and says what
   * the move writes (it runs on the locked row, before anything is written). Answers the referral as the actor may
   * see it afterwards, unless run in the caller's transaction.
   */
  async function move(
    actor: Actor,
    id: string,
    name: ReferralMove,
    version: number | undefined,
    ctx: RequestContext,
    options: InTransaction,
    record: (trx: Transaction<DB>, row: ReferralRow, now: Date) => Promise<MoveRecord>,
  ): Promise<ReferralView> {
    const refused = () => new ForbiddenError('Only the referrer or the front door can withdraw a referral')
    const result = await access.read(
      actor,
      referralKind,
      id,
      ctx,
      // Reached to change it (locked), so no read row: the move writes its own.
      { lock: true, quiet: true, trx: options.trx },
      async (trx, { row }) => {
        const checked = referralWorkflow.check(actor, name, row)
        if (!checked.decision.allowed) {
          // A reader who may not make this move: refused (403), and the refusal kept in the audit trail.
          const why = `denied: ${checked.decision.denial ?? 'relationship'}`
          await access.denied(trx, actor, ctx, 'referral', id, why)
          if (options.trx !== undefined) throw refused()
          return FORBIDDEN
        }
        checkVersion(row, version)
        const now = clock()
        const moved = await record(trx, row, now)
        await referrals.move(trx, id, checked.to, now, moved.columns).catch(conflictIfMoveRefused)
        await moved.after?.()
        await referrals.addTransition(trx, {
          partnershipId: actor.partnershipId,
          referralId: id,
          from: checked.from,
          to: checked.to,
          by: actor.userId,
          at: now,
          ...(moved.reason === undefined ? {} : { reason: moved.reason }),
        })
        await access.changed(trx, actor, ctx, { type: 'referral', id }, checked.decision, {
          action: referralWorkflow.moves[name].audit,
          details: { from: checked.from, to: checked.to, ...moved.details },
        })
        if (options.trx !== undefined) return referralView(row, checked.decision.fields, now)
        // Re-read: names and labels come from the joins.
        const after = await referrals.find(trx, id)
        return referralView(after ?? row, checked.decision.fields, now)
      },
    )
    if (result === FORBIDDEN) throw refused()
    return result
  }

  function readOf(
    row: ReferralRow,
    decision: Decision,
    actor: Actor,
    transitions: ReferralTransitionRow[],
    child: Awaited<ReturnType<PersonService['records']['load']>>,
  ): ReferralRead {
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
      canDecide: decide(actor, 'write', referralFacts(row)).allowed,
      canWithdraw: referralWorkflow.offers(actor, 'withdraw', row),
      canReadChild: child !== undefined && people.records.decide(actor, 'read', child).allowed,
    }
  }

  function decisionErrors(
    input: DecisionInput,
    decisionTypes: ReferenceOption[],
    cinFactors: ReferenceOption[],
  ): { errors: FieldError[]; decision: string; reasons: string; grounds: string[]; factors: string[] } {
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
    return { errors, decision, reasons, grounds, factors }
  }

  return {
    /** The clock this service uses (pages show overdue against it). */
    now: clock,

    /**
     * How other features reach a referral through the record-access kit (the cross-authority notifications do,
     * in their own transaction): loaded with its policy facts, decided by the policy's referral rule.
     */
    records: referralKind,

    /**
     * Submits a referral from the actor's recorded concern. Never waits for anyone's approval. A concern that is
     * not the actor's answers NotFoundError. In the caller's transaction (`trx`: the concern flow records the
     * concern and submits its referral in one, so either both happen or neither) the concern may still be a draft
     * that the same transaction records.
     */
    async submit(
      actor: Actor,
      input: SubmitInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<SubmittedReferral> {
      if (!can(actor, 'referral:create')) throw new ForbiddenError()
      const errors = checkSubmit(input)
      if (errors.length > 0) throw new ValidationError(errors)
      const outcome = await access.within(actor, options.trx, async (trx) => {
        const concern = /^[0-9a-f-]{36}$/i.test(input.concernId)
          ? await referrals.concernForReferral(trx, input.concernId)
          : undefined
        const decision = concern === undefined ? undefined : decideReferralSubmit(actor, concern)
        // Only the actor's own concern: anyone else's answers like one that does not exist.
        if (concern === undefined || decision?.allowed !== true) {
          const reason = concern === undefined ? 'no such record' : 'not the referrer'
          await access.denied(trx, actor, ctx, 'concern', input.concernId, reason)
          if (options.trx !== undefined) throw new NotFoundError()
          return undefined
        }
        if (options.trx === undefined && concern.status !== 'recorded') {
          throw new ConflictError('Finish recording the concern before referring it')
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
          to: referralWorkflow.initial,
          by: actor.userId,
          at: now,
        })
        await access.changed(trx, actor, ctx, { type: 'referral', id }, decision, {
          action: 'record.create',
          details: { concernId: concern.id, discussed: discussedWith !== '' },
        })
        return { id, status: referralWorkflow.initial, submittedAt: now, decisionDueAt }
      })
      if (outcome === undefined) throw new NotFoundError()
      return outcome
    },

    async read(actor: Actor, id: string, ctx: RequestContext): Promise<ReferralRead> {
      return access.read(
        actor,
        referralKind,
        id,
        ctx,
        { via: 'referral' },
        async (trx, { row, decision }: Reached<ReferralRow>) => {
          const child = await people.records.load(trx, row.personId, actor, { lock: false, details: false })
          return readOf(row, decision, actor, await referrals.transitions(trx, id), child)
        },
      )
    },

    /**
     * The front door's queue: submitted and in-review referrals, a child in immediate danger first, then those
     * overdue, then the oldest (a13), with overdue marked. Each referral
     * shown, and its child (named on the line), is audited as a read of its own.
     */
    async queue(
      actor: Actor,
      ctx: RequestContext,
      page = 1,
    ): Promise<{ referrals: ReferralView[]; total: number; page: number; pageSize: number }> {
      if (!can(actor, 'referral:queue')) throw new ForbiddenError()
      // A page past the last shows nothing; one that is not a page number is the first.
      const wanted = Number.isSafeInteger(page) && page >= 1 ? Math.min(page, MAX_QUEUE_PAGE) : 1
      const offset = (wanted - 1) * QUEUE_PAGE_SIZE
      return access.within(actor, undefined, async (trx) => {
        const { rows, total: counted } = await referrals.queue(trx, QUEUE_PAGE_SIZE, offset, clock())
        const total = counted ?? (offset === 0 ? 0 : await referrals.countQueue(trx))
        return {
          referrals: await shownReferrals(trx, actor, rows, ctx, 'front-door-queue'),
          total,
          page: offset / QUEUE_PAGE_SIZE + 1,
          pageSize: QUEUE_PAGE_SIZE,
        }
      })
    },

    /**
     * The referrer's own referrals with their status and outcome: what the policy lets them see of each (the
     * `identity` and `referral-outcome` field groups, or more where a relationship allows), each audited.
     */
    async mine(actor: Actor, ctx: RequestContext): Promise<ReferralView[]> {
      if (!can(actor, 'referral:read-own')) throw new ForbiddenError()
      return access.within(actor, undefined, async (trx) => {
        const rows = await referrals.mine(trx, actor.userId, MINE_LIMIT)
        return shownReferrals(trx, actor, rows, ctx, 'my-referrals')
      })
    },

    /** Starts the front door's review of a submitted referral. */
    async startReview(
      actor: Actor,
      id: string,
      version: number | undefined,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<ReferralView> {
      return move(actor, id, 'review', version, ctx, options, async (_trx, _row, now) => ({
        columns: { reviewer_id: actor.userId, review_started_at: now },
      }))
    },

    async decisionOptions(
      actor?: Actor,
      referralId?: string,
    ): Promise<{
      decisionTypes: ReferenceOption[]
      cinFactors: Array<ReferenceOption & { exploitation: boolean }>
      /** a13: the follow-ups' parts of the form, and their defaults. */
      followUpOptions: Record<string, unknown>
      followUpValues: Record<string, string>
    }> {
      const [decisionTypes, cinFactors] = await Promise.all([
        referrals.decisionTypes(database.db),
        referrals.cinFactors(database.db),
      ])
      const more = { followUpOptions: {}, followUpValues: {} }
      if (actor !== undefined && followUps.length > 0) {
        await access.within(actor, undefined, async (trx) => {
          const row = referralId === undefined ? undefined : await referrals.find(trx, referralId)
          for (const followUp of followUps) {
            const part = await followUp.options(trx, actor, { allocatedTeamId: row?.allocatedTeamId ?? null })
            Object.assign(more.followUpOptions, part.options)
            Object.assign(more.followUpValues, part.values)
          }
        })
      }
      return { decisionTypes, cinFactors, ...more }
    },

    /** a13: registers what a decision does next (the allocation queue registers itself, services.ts). */
    followDecisions(followUp: DecisionFollowUp): void {
      followUps.push(followUp)
    },

    /**
     * Records the front door's decision. On exploitation grounds (CCE, CSE) it also flags the child through the
     * flag service (its decision, its audit row), with the decision's reasons and a review date three months on:
     * all in one transaction with the transition and the audit.
     */
    async decide(
      actor: Actor,
      id: string,
      input: DecisionInput,
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<ReferralView> {
      return move(actor, id, 'decide', input.version, ctx, options, async (trx, row, now) => {
        const [decisionTypes, cinFactors] = await Promise.all([
          referrals.decisionTypes(trx),
          referrals.cinFactors(trx),
        ])
        const checked = decisionErrors(input, decisionTypes, cinFactors)
        // a13: the follow-ups' parts of the input, checked with the rest.
        for (const followUp of followUps) {
          checked.errors.push(...(await followUp.check(trx, actor, input, checked.decision)))
        }
        if (checked.errors.length > 0) throw new ValidationError(checked.errors)
        return {
          columns: {
            decision: checked.decision,
            decision_reasons: checked.reasons,
            exploitation_grounds: checked.grounds,
            cin_factors: checked.factors,
            decided_by: actor.userId,
            decided_at: now,
          },
          details: {
            decision: checked.decision,
            exploitationGrounds: checked.grounds.join(' '),
            cinFactors: checked.factors.join(' '),
            flags: checked.grounds.length,
          },
          // After the move (so that a refused move is answered first): the flags, through the flag service.
          after: async () => {
            const because = decideReferralFlag(actor, referralFacts(row), row.personId)
            const reviewDate = partsOf(addMonths(todayInLondon(now), 3))
            for (const ground of checked.grounds) {
              const flag = { flagType: ground, reason: checked.reasons, reviewDate }
              await flags.set(actor, 'person', row.personId, flag, ctx, 'referral-decision', {
                trx,
                because,
              })
            }
            // a13: what the decision does next (the allocation queue), with the front door's decision on it.
            const decided = {
              id: row.id,
              personId: row.personId,
              decision: decide(actor, 'write', referralFacts(row)),
            }
            for (const followUp of followUps) {
              await followUp.after(trx, actor, { ...input, decision: checked.decision }, decided, ctx, now)
            }
          },
        }
      })
    },

    /** Withdraws an open referral: its referrer, or the front door, with a reason. */
    async withdraw(
      actor: Actor,
      id: string,
      input: { reason?: string; version?: number },
      ctx: RequestContext,
      options: InTransaction = {},
    ): Promise<ReferralView> {
      return move(actor, id, 'withdraw', input.version, ctx, options, async (_trx, row, now) => {
        const reason = text(input.reason)
        if (reason === '')
          throw new ValidationError([{ field: 'reason', message: 'Enter why the referral is withdrawn' }])
        if (reason.length > 2000) {
          throw new ValidationError([
            { field: 'reason', message: 'The reason must be 2000 characters or fewer' },
          ])
        }
        const frontDoor = decide(actor, 'write', referralFacts(row)).allowed
        return {
          columns: { withdrawn_by: actor.userId, withdrawn_at: now, withdrawn_reason: reason },
          reason,
          details: { by: frontDoor ? 'front-door' : 'referrer' },
        }
      })
    },
  }
}

export type ReferralService = ReturnType<typeof referralService>
