import { actorEvent } from '../../platform/access/actor.ts'
import type {
  BreakGlassGrant,
  BreakGlassRepository,
  ReviewOutcome,
} from '../../platform/access/break-glass-repository.ts'
import { decideBreakGlassReview, type Actor } from '../../platform/access/policy.ts'
import type { RecordAccess } from '../../platform/access/record-access.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { FieldError } from '../../platform/errors.ts'

const OUTCOMES: readonly ReviewOutcome[] = ['justified', 'not-justified']
const NOTE_MAX = 1000

export interface ReviewInput {
  outcome: string
  note: string
  /** The grant's version the review was made on; undefined (or stale) is a conflict. */
  version: number | undefined
}

function checkReview(input: ReviewInput): { outcome: ReviewOutcome; note: string } {
  const errors: FieldError[] = []
  const outcome = OUTCOMES.find((o) => o === input.outcome)
  const note = input.note.trim()
  if (outcome === undefined) {
    errors.push({ field: 'outcome', message: 'Select whether the access was justified' })
  }
  if (outcome === 'not-justified' && note === '') {
    errors.push({ field: 'note', message: 'Enter what was wrong with this access and what happens next' })
  }
  if (note.length > NOTE_MAX) {
    errors.push({ field: 'note', message: `Note must be ${String(NOTE_MAX)} characters or fewer` })
  }
  if (errors.length > 0 || outcome === undefined) throw new ValidationError(errors)
  return { outcome, note }
}

/**
 * The data protection officer's review of break-glass access (a second person for every exceptional access,
 * ASVS 2.3.5), decided by the policy (decideBreakGlassReview: `break-glass:review`, never one's own). The reviewer
 * sees who, which record (by reference: this service never reads the child's record), when and why; each review
 * is audited. Transactions come from the record-access kit (`access.within`), with the actor's context, so
 * row-level security keeps every grant to the reviewer's partnership.
 */
export function breakGlassReviewService(
  grants: BreakGlassRepository,
  audit: AuditWriter,
  access: RecordAccess,
) {
  const mayReview = (actor: Actor) => decideBreakGlassReview(actor, 'read', { holderId: '' }).allowed

  return {
    async queue(actor: Actor): Promise<{ pending: BreakGlassGrant[]; reviewed: BreakGlassGrant[] }> {
      if (!mayReview(actor)) throw new ForbiddenError()
      return access.within(actor, undefined, async (trx) => ({
        pending: await grants.pending(trx),
        reviewed: await grants.recentlyReviewed(trx),
      }))
    },

    async find(actor: Actor, id: string): Promise<BreakGlassGrant> {
      const grant = await access.within(actor, undefined, (trx) => grants.find(trx, id))
      if (grant === undefined || !decideBreakGlassReview(actor, 'read', { holderId: grant.userId }).allowed) {
        throw new NotFoundError()
      }
      return grant
    },

    async review(actor: Actor, id: string, input: ReviewInput, ctx: RequestContext): Promise<void> {
      const { outcome, note } = checkReview(input)
      const version = input.version
      if (version === undefined) throw new ConflictError()
      const result = await access.within(actor, undefined, async (trx) => {
        const grant = await grants.find(trx, id)
        if (grant === undefined) return 'not-found' as const
        const decision = decideBreakGlassReview(actor, 'write', { holderId: grant.userId })
        if (!decision.allowed) {
          if (decision.denial === 'capability') return 'not-found' as const
          throw new ValidationError([
            { field: 'outcome', message: 'Someone else must review your own break-glass access' },
          ])
        }
        const done = await grants.review(trx, id, version, {
          reviewerId: actor.userId,
          outcome,
          note: note === '' ? null : note,
        })
        if (!done) return 'conflict' as const
        await audit.write(
          trx,
          actorEvent(actor, ctx, {
            action: 'break-glass.reviewed',
            outcome: 'succeeded',
            record: { type: grant.recordType, id: grant.recordId },
            reason: outcome,
            details: { grant: grant.id, holder: grant.userId },
          }),
        )
        return 'done' as const
      })
      if (result === 'not-found') throw new NotFoundError()
      if (result === 'conflict') {
        throw new ConflictError('Someone else reviewed this access while you were looking at it')
      }
    },
  }
}

export type BreakGlassReviewService = ReturnType<typeof breakGlassReviewService>
