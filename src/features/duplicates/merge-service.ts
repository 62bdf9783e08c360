import { withTransaction, type Database } from '../../db/database.ts'
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
import { findSubject, type SubjectRow } from './duplicate-repository.ts'
import type { MergeRepository, MergeRow, Moved } from './merge-repository.ts'

export interface MergeInput {
  /** The record merged into the survivor (it stops being live). */
  mergedId: string
  reason: string
  /** The versions the user saw: a change since answers 409. */
  survivorVersion: number
  mergedVersion: number
}

export interface UnmergeInput {
  mergeId: string
  reason: string
  version: number
}

const REASON_MAX = 1000
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

const counts = (moved: Moved) => ({
  aliases: moved.aliases.length,
  statuses: moved.statuses.length,
  links: moved.linksFrom.length + moved.linksTo.length,
  flags: moved.flags.length,
  agencies: moved.agencies.length,
  identifiers: moved.identifiers.join(' '),
})

function reasonErrors(reason: string, field: string, what: string): FieldError[] {
  if (reason === '') return [{ field, message: `Enter why ${what}` }]
  if (reason.length > REASON_MAX) {
    return [{ field, message: `Reason must be ${String(REASON_MAX)} characters or fewer` }]
  }
  return []
}

/**
 * Merging two records of one person, and undoing it. Both records must be ones the actor may change (the
 * policy's write decision); a record they may not see answers 404, like one that does not exist. A merge keeps
 * both records and both histories: the merged record stops being live and points at the survivor, and
 * person_merge records exactly what moved, so un-merging moves exactly that back.
 *
 * Identifiers: the merged record keeps its own (it is no longer live, so the unique indexes over live records do
 * not count it). The survivor takes each identifier it lacks from the merged record; where both have one and
 * they differ, the survivor keeps its own and the merged record's stays on the merged record. Un-merging clears
 * what the survivor took before the merged record is live again.
 */
export function mergeService(database: Database, merges: MergeRepository, audit: AuditWriter) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })

  return {
    /** The two records about to be merged, as the confirmation page shows them (both audited as reads). */
    async preview(
      actor: Actor,
      survivorId: string,
      mergedId: string,
      ctx: RequestContext,
    ): Promise<{ survivor: SubjectRow; merged: SubjectRow }> {
      const found = await withTransaction(database, context(actor), async (trx) => {
        const pair: SubjectRow[] = []
        for (const id of [survivorId, mergedId]) {
          const row = UUID.test(id) ? await findSubject(trx, id, actor.userId) : undefined
          const decision = row === undefined ? undefined : decide(actor, 'read', row.facts)
          const allowed = decision?.allowed === true
          await audit.write(trx, {
            action: allowed ? 'record.read' : 'access.denied',
            outcome: allowed ? 'allowed' : 'denied',
            partnershipId: actor.partnershipId,
            actor: auditActorOf(actor),
            record: UUID.test(id) ? { type: 'person', id } : null,
            reason: allowed ? null : row === undefined ? 'no such record' : 'merge preview denied',
            requestId: ctx.requestId,
            ip: ctx.ip,
            details: { via: 'merge', breakGlass: decision?.breakGlass ?? false },
          })
          if (row === undefined || !allowed) return undefined
          pair.push(row)
        }
        return pair
      })
      if (found === undefined || found[0] === undefined || found[1] === undefined) throw new NotFoundError()
      return { survivor: found[0], merged: found[1] }
    },

    /**
     * Merges `input.mergedId` into `survivorId`. Refuses a merge into itself (a message on the field), a record
     * the actor may not see (404), one they may see but not change (403), and a stale version (409); in each
     * case nothing is written but the audit row of a refusal.
     */
    async merge(
      actor: Actor,
      survivorId: string,
      input: MergeInput,
      ctx: RequestContext,
    ): Promise<{ mergeId: string; moved: Moved }> {
      const reason = input.reason.trim()
      const errors: FieldError[] = []
      if (input.mergedId === survivorId) {
        errors.push({
          field: 'mergedId',
          message: 'Choose a different record: a record cannot be merged into itself',
        })
      } else if (!UUID.test(input.mergedId)) {
        errors.push({ field: 'mergedId', message: 'Choose the record to merge into this one' })
      }
      errors.push(...reasonErrors(reason, 'reason', 'these are the same person'))
      if (!can(actor, 'person:merge')) throw new ForbiddenError()

      const outcome = await withTransaction(database, context(actor), async (trx) => {
        // Lock both in a fixed order so that two merges of the same pair cannot deadlock.
        const ids = [survivorId, input.mergedId].filter((id) => UUID.test(id)).sort()
        const rows = new Map<string, SubjectRow>()
        for (const id of ids) {
          const row = await findSubject(trx, id, actor.userId, { forUpdate: true })
          if (row !== undefined) rows.set(id, row)
        }
        const base = {
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          requestId: ctx.requestId,
          ip: ctx.ip,
        }
        // A record the actor may not change is refused like one they may not see (the policy's denials all
        // answer 404), and the denial is audited.
        const check = async (id: string): Promise<'ok' | 'not-found'> => {
          const row = rows.get(id)
          if (row === undefined || !decide(actor, 'read', row.facts).allowed) {
            await audit.write(trx, {
              ...base,
              action: 'access.denied',
              outcome: 'denied',
              record: UUID.test(id) ? { type: 'person', id } : null,
              reason: row === undefined ? 'no such record' : 'merge: record not visible',
            })
            return 'not-found'
          }
          if (!decide(actor, 'write', row.facts).allowed) {
            await audit.write(trx, {
              ...base,
              action: 'access.denied',
              outcome: 'denied',
              record: { type: 'person', id },
              reason: 'merge: record not changeable',
            })
            return 'not-found'
          }
          return 'ok'
        }
        // The survivor first: a bad form about a record the actor may not see still answers 404.
        const survivorAccess = await check(survivorId)
        if (survivorAccess !== 'ok') return survivorAccess
        if (errors.length > 0) return 'invalid' as const
        const mergedAccess = await check(input.mergedId)
        if (mergedAccess !== 'ok') return mergedAccess
        const survivor = rows.get(survivorId)
        const merged = rows.get(input.mergedId)
        if (survivor === undefined || merged === undefined) return 'not-found' as const
        if (survivor.version !== input.survivorVersion || merged.version !== input.mergedVersion) {
          return 'stale' as const
        }
        const moved = await merges.merge(trx, {
          partnershipId: actor.partnershipId,
          survivorId,
          mergedId: merged.id,
          actorId: actor.userId,
        })
        const mergeId = await merges.record(trx, {
          partnershipId: actor.partnershipId,
          survivorId,
          mergedId: merged.id,
          reason,
          moved,
          actorId: actor.userId,
        })
        for (const [id, other] of [
          [survivorId, merged.id],
          [merged.id, survivorId],
        ] as const) {
          await audit.write(trx, {
            ...base,
            action: 'record.merge',
            outcome: 'succeeded',
            record: { type: 'person', id },
            reason,
            details: {
              mergeId,
              role: id === survivorId ? 'survivor' : 'merged',
              other,
              ...counts(moved),
            },
          })
        }
        return { mergeId, moved }
      })
      if (outcome === 'not-found') throw new NotFoundError()
      if (outcome === 'invalid') throw new ValidationError(errors)
      if (outcome === 'stale') throw new ConflictError()
      return outcome
    },

    /** Merges into a record the actor may read, newest first (for the merged records page). */
    async mergesInto(
      actor: Actor,
      survivorId: string,
      ctx: RequestContext,
    ): Promise<{ survivor: SubjectRow; merges: MergeRow[] }> {
      const found = await withTransaction(database, context(actor), async (trx) => {
        const row = UUID.test(survivorId) ? await findSubject(trx, survivorId, actor.userId) : undefined
        const decision = row === undefined ? undefined : decide(actor, 'read', row.facts)
        const allowed = decision?.allowed === true
        await audit.write(trx, {
          action: allowed ? 'record.read' : 'access.denied',
          outcome: allowed ? 'allowed' : 'denied',
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          record: UUID.test(survivorId) ? { type: 'person', id: survivorId } : null,
          reason: allowed ? null : row === undefined ? 'no such record' : 'merges list denied',
          requestId: ctx.requestId,
          ip: ctx.ip,
          details: { via: 'merges', breakGlass: decision?.breakGlass ?? false },
        })
        if (row === undefined || !allowed) return undefined
        return { survivor: row, merges: await merges.intoSurvivor(trx, survivorId) }
      })
      if (found === undefined) throw new NotFoundError()
      return found
    },

    /**
     * Reverses a merge into `survivorId`: moves back exactly what moved, gives back identifiers, makes the merged
     * record live again. The survivor must be one the actor may change; the merge's version must be current.
     */
    async unmerge(
      actor: Actor,
      survivorId: string,
      input: UnmergeInput,
      ctx: RequestContext,
    ): Promise<{ mergedId: string }> {
      const reason = input.reason.trim()
      const errors = reasonErrors(reason, 'reason', 'the merge is being reversed')
      if (!UUID.test(input.mergeId))
        errors.unshift({ field: 'mergeId', message: 'Choose the merge to reverse' })
      if (!can(actor, 'person:merge')) throw new ForbiddenError()
      const outcome = await withTransaction(database, context(actor), async (trx) => {
        const base = {
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          requestId: ctx.requestId,
          ip: ctx.ip,
        }
        const survivor = UUID.test(survivorId)
          ? await findSubject(trx, survivorId, actor.userId, { forUpdate: true })
          : undefined
        const readable = survivor !== undefined && decide(actor, 'read', survivor.facts).allowed
        const writable = readable && decide(actor, 'write', survivor.facts).allowed
        if (survivor === undefined || !writable) {
          await audit.write(trx, {
            ...base,
            action: 'access.denied',
            outcome: 'denied',
            record: UUID.test(survivorId) ? { type: 'person', id: survivorId } : null,
            reason:
              survivor === undefined
                ? 'no such record'
                : readable
                  ? 'unmerge: record not changeable'
                  : 'unmerge: record not visible',
          })
          return 'not-found' as const
        }
        if (errors.length > 0) return 'invalid' as const
        const merge = await merges.find(trx, input.mergeId, { forUpdate: true })
        if (merge?.survivorId !== survivorId) {
          await audit.write(trx, {
            ...base,
            action: 'access.denied',
            outcome: 'denied',
            record: { type: 'person', id: survivorId },
            reason: 'no such merge',
          })
          return 'not-found' as const
        }
        if (merge.unmergedAt !== null || merge.version !== input.version) return 'stale' as const
        await merges.unmerge(trx, {
          survivorId,
          mergedId: merge.mergedId,
          moved: merge.moved,
          actorId: actor.userId,
        })
        const marked = await merges.markUnmerged(trx, {
          id: merge.id,
          actorId: actor.userId,
          reason,
          version: input.version,
        })
        if (!marked) return 'stale' as const
        for (const id of [survivorId, merge.mergedId]) {
          await audit.write(trx, {
            ...base,
            action: 'record.unmerge',
            outcome: 'succeeded',
            record: { type: 'person', id },
            reason,
            details: {
              mergeId: merge.id,
              role: id === survivorId ? 'survivor' : 'merged',
              ...counts(merge.moved),
            },
          })
        }
        return { mergedId: merge.mergedId }
      })
      if (outcome === 'not-found') throw new NotFoundError()
      if (outcome === 'invalid') throw new ValidationError(errors)
      if (outcome === 'stale')
        throw new ConflictError('Someone else changed or reversed this merge: look at it again')
      return outcome
    },
  }
}

export type MergeService = ReturnType<typeof mergeService>
