import { withTransaction, type Database } from '../../db/database.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import type {
  BreakGlassGrant,
  BreakGlassRepository,
  ReviewOutcome,
} from '../../platform/access/break-glass-repository.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'

const OUTCOMES: readonly ReviewOutcome[] = ['justified', 'not-justified']
const NOTE_MAX = 1000

/**
 * The data protection officer's review of break-glass access (a second person for every exceptional access,
 * ASVS 2.3.5). Callers check `break-glass:review` first (the route declares it). The reviewer sees who, which
 * record (by reference, not its content), when and why; each review is audited.
 */
export function breakGlassReviewService(
  database: Database,
  grants: BreakGlassRepository,
  audit: AuditWriter,
) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })
  return {
    async queue(actor: Actor): Promise<{ pending: BreakGlassGrant[]; reviewed: BreakGlassGrant[] }> {
      return withTransaction(database, context(actor), async (trx) => ({
        pending: await grants.pending(trx),
        reviewed: await grants.recentlyReviewed(trx),
      }))
    },

    async find(actor: Actor, id: string): Promise<BreakGlassGrant> {
      const grant = await withTransaction(database, context(actor), (trx) => grants.find(trx, id))
      if (grant === undefined) throw new NotFoundError()
      return grant
    },

    async review(
      actor: Actor,
      id: string,
      input: { outcome: string; note: string; version: number },
      ctx: RequestContext,
    ): Promise<void> {
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
      const result = await withTransaction(database, context(actor), async (trx) => {
        const grant = await grants.find(trx, id)
        if (grant === undefined) return 'not-found' as const
        if (grant.userId === actor.userId) {
          throw new ValidationError([
            { field: 'outcome', message: 'Someone else must review your own break-glass access' },
          ])
        }
        const done = await grants.review(trx, id, input.version, {
          reviewerId: actor.userId,
          outcome,
          note: note === '' ? null : note,
        })
        if (!done) return 'conflict' as const
        await audit.write(trx, {
          action: 'break-glass.reviewed',
          outcome: 'succeeded',
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          record: { type: grant.recordType, id: grant.recordId },
          reason: outcome,
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { grant: grant.id, holder: grant.userId },
        })
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
