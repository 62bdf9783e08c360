import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { can, decidePersonMerge, type Actor, type Decision } from '../../platform/access/policy.ts'
import type { RecordAccess } from '../../platform/access/record-access.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { FieldError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import type { PersonRecord, PersonRecords, StoredPerson } from './duplicate-service.ts'
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

/** The outcome of a change inside its transaction: the value, or why nothing was changed. */
type Outcome<T> = T | 'not-found' | 'invalid' | 'stale'

function settled<T>(outcome: Outcome<T>, errors: FieldError[], stale?: string): T {
  if (outcome === 'not-found') throw new NotFoundError()
  if (outcome === 'invalid') throw new ValidationError(errors)
  if (outcome === 'stale') throw new ConflictError(stale)
  return outcome
}

/**
 * Merging two records of one person, and undoing it. Both records are reached through the record-access kit with
 * the policy's merge decision (decidePersonMerge: `person:merge`, and the actor may read and change the record);
 * a record they may not see or change answers 404, like one that does not exist, and the denial is audited. A
 * merge keeps both records and both histories: the merged record stops being live and points at the survivor, and
 * person_merge records exactly what moved, so un-merging moves exactly that back.
 *
 * Identifiers: the merged record keeps its own (it is no longer live, so the unique indexes over live records do
 * not count it). The survivor takes each identifier it lacks from the merged record; where both have one and
 * they differ, the survivor keeps its own and the merged record's stays on the merged record. Un-merging clears
 * what the survivor took before the merged record is live again.
 */
export function mergeService(merges: MergeRepository, access: RecordAccess, people: PersonRecords) {
  /** One record for a merge, locked already (merges.lock), decided by the merge rule; undefined on a denial. */
  const forMerge = (trx: Transaction<DB>, actor: Actor, id: string, ctx: RequestContext, via: string) =>
    access.reach(trx, actor, people, id, 'write', ctx, {
      via,
      whole: false,
      decide: (a: Actor, row: PersonRecord) => decidePersonMerge(a, row.facts),
    })

  /** The audit rows of a merge or un-merge: one on each record, marked when allowed through break-glass. */
  const changedBoth = async (
    trx: Transaction<DB>,
    actor: Actor,
    ctx: RequestContext,
    ids: ReadonlyArray<{ id: string; decision: Decision; details: Record<string, string | number> }>,
    action: 'record.merge' | 'record.unmerge',
    reason: string,
  ) => {
    for (const { id, decision, details } of ids) {
      await access.changed(trx, actor, ctx, { type: 'person', id }, decision, { action, reason, details })
    }
  }

  return {
    /** The two records about to be merged, as the confirmation page shows them (both audited as reads). */
    async preview(
      actor: Actor,
      survivorId: string,
      mergedId: string,
      ctx: RequestContext,
    ): Promise<{ survivor: StoredPerson; merged: StoredPerson }> {
      return access
        .read(actor, people, survivorId, ctx, { via: 'merge', whole: false }, async (trx, survivor) => {
          const merged = await access.reach(trx, actor, people, mergedId, 'read', ctx, {
            via: 'merge',
            whole: false,
          })
          return merged === undefined
            ? undefined
            : { survivor: survivor.row.person, merged: merged.row.person }
        })
        .then((pair) => {
          if (pair === undefined) throw new NotFoundError()
          return pair
        })
    },

    /**
     * Merges `input.mergedId` into `survivorId`. Refuses a merge into itself (a message on the field), a record
     * the actor may not see or change (404), a role without `person:merge` (403), and a stale version (409); in
     * each case nothing is written but the audit row of a refusal.
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

      const outcome = await access.within(
        actor,
        undefined,
        async (trx): Promise<Outcome<{ mergeId: string; moved: Moved }>> => {
          // Lock both in a fixed order so that two merges of the same pair cannot deadlock.
          await merges.lock(trx, [survivorId, input.mergedId])
          // The survivor first: a bad form about a record the actor may not see still answers 404.
          const survivor = await forMerge(trx, actor, survivorId, ctx, 'merge')
          if (survivor === undefined) return 'not-found'
          if (errors.length > 0) return 'invalid'
          const merged = await forMerge(trx, actor, input.mergedId, ctx, 'merge')
          if (merged === undefined) return 'not-found'
          if (
            survivor.row.person.version !== input.survivorVersion ||
            merged.row.person.version !== input.mergedVersion
          ) {
            return 'stale'
          }
          const pair = { partnershipId: actor.partnershipId, survivorId, mergedId: merged.row.person.id }
          const moved = await merges.merge(trx, { ...pair, actorId: actor.userId })
          const mergeId = await merges.record(trx, { ...pair, reason, moved, actorId: actor.userId })
          await changedBoth(
            trx,
            actor,
            ctx,
            [
              {
                id: survivorId,
                decision: survivor.decision,
                details: { mergeId, role: 'survivor', other: pair.mergedId, ...counts(moved) },
              },
              {
                id: pair.mergedId,
                decision: merged.decision,
                details: { mergeId, role: 'merged', other: survivorId, ...counts(moved) },
              },
            ],
            'record.merge',
            reason,
          )
          return { mergeId, moved }
        },
      )
      return settled(outcome, errors)
    },

    /** Merges into a record the actor may read, newest first (for the merged records page). */
    async mergesInto(
      actor: Actor,
      survivorId: string,
      ctx: RequestContext,
    ): Promise<{ survivor: StoredPerson; merges: MergeRow[] }> {
      return access.read(
        actor,
        people,
        survivorId,
        ctx,
        { via: 'merges', whole: false },
        async (trx, { row }) => ({
          survivor: row.person,
          merges: await merges.intoSurvivor(trx, survivorId),
        }),
      )
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
      const outcome = await access.within(
        actor,
        undefined,
        async (trx): Promise<Outcome<{ mergedId: string }>> => {
          await merges.lock(trx, [survivorId])
          const survivor = await forMerge(trx, actor, survivorId, ctx, 'unmerge')
          if (survivor === undefined) return 'not-found'
          if (errors.length > 0) return 'invalid'
          const merge = await merges.find(trx, input.mergeId, { forUpdate: true })
          if (merge?.survivorId !== survivorId) {
            await access.denied(trx, actor, ctx, 'person', survivorId, 'no such merge')
            return 'not-found'
          }
          if (merge.unmergedAt !== null || merge.version !== input.version) return 'stale'
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
          if (!marked) return 'stale'
          const details = (role: string) => ({ mergeId: merge.id, role, ...counts(merge.moved) })
          await changedBoth(
            trx,
            actor,
            ctx,
            [
              { id: survivorId, decision: survivor.decision, details: details('survivor') },
              { id: merge.mergedId, decision: survivor.decision, details: details('merged') },
            ],
            'record.unmerge',
            reason,
          )
          return { mergedId: merge.mergedId }
        },
      )
      return settled(outcome, errors, 'Someone else changed or reversed this merge: look at it again')
    },
  }
}

export type MergeService = ReturnType<typeof mergeService>
