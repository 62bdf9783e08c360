import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import {
  decide,
  decideFlag,
  decideFlagBecause,
  type Actor,
  type Decision,
  missingRecord,
} from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import type { PersonRepository } from '../people/person-repository.ts'
import type { LocationRepository } from '../locations/location-repository.ts'
import { locationTitle } from '../locations/location-service.ts'
import type { FlagRepository, FlagRow, FlagSubjectKind, FlagType } from './flag-repository.ts'
import {
  checkReason,
  checkReviewDate,
  parseNewFlag,
  type DateParts,
  type NewFlagForm,
} from './flag-validation.ts'

/** A flag as pages and the API show it, with who set it, when, and (once removed) who removed it and why. */
export interface FlagView {
  id: string
  flagType: string
  flagTypeLabel: string
  subjectKind: FlagSubjectKind
  subjectId: string
  reason: string
  setByName: string | null
  setByTeamName: string | null
  setAt: string
  reviewDate: string
  /** The review date has passed and the flag is still current. */
  reviewOverdue: boolean
  current: boolean
  removedAt: string | null
  removedByName: string | null
  removedReason: string | null
  version: number
}

/** A flag whose review date has passed, on a subject the user may see. */
export interface DueReview {
  flag: FlagView
  subjectTitle: string
}

/** Where a flag was set: its pages, the API, or a front-door decision on exploitation grounds. */
export type FlagChannel = 'page' | 'api' | 'referral-decision'

export function flagView(row: FlagRow, today: string): FlagView {
  const current = row.removedAt === null
  return {
    id: row.id,
    flagType: row.flagType,
    flagTypeLabel: row.flagTypeLabel,
    subjectKind: row.subjectKind,
    subjectId: row.subjectId,
    reason: row.reason,
    setByName: row.setByName,
    setByTeamName: row.setByTeamName,
    setAt: row.setAt.toISOString(),
    reviewDate: row.reviewDate,
    reviewOverdue: current && row.reviewDate < today,
    current,
    removedAt: row.removedAt?.toISOString() ?? null,
    removedByName: row.removedByName,
    removedReason: row.removedReason,
    version: row.version,
  }
}

const DENIED: Decision = missingRecord()

/**
 * Flags (markers) on people and locations. A flag is read with its subject and set, reviewed or removed by
 * someone with `flag:write` who may see the subject (decideFlag); anything else answers NotFoundError, as for a
 * subject that does not exist. Removing keeps the flag with who removed it and why: nothing is deleted.
 */
export function flagService(
  database: Database,
  flags: FlagRepository,
  people: PersonRepository,
  locations: LocationRepository,
  audit: AuditWriter,
) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })

  /** The actor's read decision on a flag's subject, and what to call the subject. */
  async function subjectOf(
    trx: Transaction<DB>,
    actor: Actor,
    kind: FlagSubjectKind,
    id: string,
  ): Promise<{ decision: Decision; title: string }> {
    if (kind === 'person') {
      const found = await people.findWithFacts(trx, id, actor.userId)
      if (found === undefined) return { decision: DENIED, title: '' }
      const title = [found.person.givenName, found.person.familyName].filter((n) => n !== null).join(' ')
      return { decision: decide(actor, 'read', found.facts), title }
    }
    const location = await locations.find(trx, id)
    if (location === undefined) return { decision: DENIED, title: '' }
    return {
      decision: decide(actor, 'read', { kind: 'location', partnershipId: location.partnershipId }),
      title: locationTitle(location),
    }
  }

  const base = (actor: Actor, ctx: RequestContext) => ({
    partnershipId: actor.partnershipId,
    actor: auditActorOf(actor),
    requestId: ctx.requestId,
    ip: ctx.ip,
  })

  async function denied(
    trx: Transaction<DB>,
    actor: Actor,
    ctx: RequestContext,
    record: { type: string; id: string },
    reason: string,
  ): Promise<undefined> {
    await audit.write(trx, {
      ...base(actor, ctx),
      action: 'access.denied',
      outcome: 'denied',
      record,
      reason,
    })
    return undefined
  }

  /** A flag and its subject, when the actor may do `action` to it (the denial audited otherwise). */
  async function flagFor(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    action: 'read' | 'write',
    ctx: RequestContext,
  ): Promise<{ row: FlagRow; subjectTitle: string } | undefined> {
    const row = await flags.find(trx, id)
    if (row === undefined) return denied(trx, actor, ctx, { type: 'flag', id }, 'no such record')
    const subject = await subjectOf(trx, actor, row.subjectKind, row.subjectId)
    const decision = decideFlag(actor, action, subject.decision)
    if (!decision.allowed) {
      return denied(trx, actor, ctx, { type: 'flag', id }, `denied: ${decision.denial ?? 'relationship'}`)
    }
    return { row, subjectTitle: subject.title }
  }

  /** Runs one change on a flag the actor may write: NotFoundError if not, ConflictError if stale or removed. */
  async function change(
    actor: Actor,
    id: string,
    version: number,
    ctx: RequestContext,
    apply: (trx: Transaction<DB>, row: FlagRow) => Promise<boolean>,
  ): Promise<{ subjectKind: FlagSubjectKind; subjectId: string }> {
    const outcome = await withTransaction(database, context(actor), async (trx) => {
      const found = await flagFor(trx, actor, id, 'write', ctx)
      if (found === undefined) return 'not-found' as const
      if (found.row.removedAt !== null || found.row.version !== version) return 'stale' as const
      return (await apply(trx, found.row)) ? found.row : ('stale' as const)
    })
    if (outcome === 'not-found') throw new NotFoundError()
    if (outcome === 'stale') throw new ConflictError()
    return { subjectKind: outcome.subjectKind, subjectId: outcome.subjectId }
  }

  return {
    /** The flag types (with their policy definitions) for a kind of subject. */
    async types(kind: FlagSubjectKind): Promise<FlagType[]> {
      return withTransaction(database, {}, (trx) => flags.types(trx, kind))
    },

    /**
     * The flags on a subject whose page the actor has just read (`subject` is that read's decision, already
     * audited): none when the policy does not let them see flags there.
     */
    async onSubject(actor: Actor, kind: FlagSubjectKind, id: string, subject: Decision): Promise<FlagView[]> {
      if (!decideFlag(actor, 'read', subject).allowed) return []
      return withTransaction(database, context(actor), (trx) =>
        this.onSubjectIn(trx, actor, kind, id, subject),
      )
    },

    /** onSubject inside a caller's transaction (a record page that reads everything in one). */
    async onSubjectIn(
      trx: Transaction<DB>,
      actor: Actor,
      kind: FlagSubjectKind,
      id: string,
      subject: Decision,
    ): Promise<FlagView[]> {
      if (!decideFlag(actor, 'read', subject).allowed) return []
      const today = todayInLondon()
      return (await flags.onSubject(trx, kind, id)).map((row) => flagView(row, today))
    },

    /**
     * The subject (its title) and its flags, for the "set a flag" page and the API: a read of the subject,
     * audited; NotFoundError when the actor may not see it (or, with `action` 'write', may not flag it).
     */
    async forSubject(
      actor: Actor,
      kind: FlagSubjectKind,
      id: string,
      ctx: RequestContext,
      action: 'read' | 'write',
      via: string,
    ): Promise<{ subjectTitle: string; flags: FlagView[]; types: FlagType[] }> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const subject = await subjectOf(trx, actor, kind, id)
        const decision = decideFlag(actor, action, subject.decision)
        if (!decision.allowed) {
          const why = subject.title === '' ? 'no such record' : `denied: ${decision.denial ?? 'relationship'}`
          return denied(trx, actor, ctx, { type: kind, id }, why)
        }
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.read',
          outcome: 'allowed',
          record: { type: kind, id },
          details: { via, breakGlass: decision.breakGlass },
        })
        const today = todayInLondon()
        const rows = await flags.onSubject(trx, kind, id)
        return {
          subjectTitle: subject.title,
          flags: rows.map((row) => flagView(row, today)),
          types: await flags.types(trx, kind),
        }
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /**
     * Sets a flag on a person or location. The input is checked first (type from the reference table for this
     * kind of subject, a reason, a review date in the future): ValidationError, nothing written. The flag and its
     * record.create audit row commit together; returns the flag as set.
     */
    async set(
      actor: Actor,
      kind: FlagSubjectKind,
      subjectId: string,
      form: NewFlagForm,
      ctx: RequestContext,
      via: FlagChannel = 'page',
      options: {
        /** The caller's transaction (a referral decision flags its child in its own), or a new one. */
        trx?: Transaction<DB>
        /**
         * The policy's decision that entitles the caller to flag this subject without sight of it (a referral
         * decided on exploitation grounds: decideReferralFlag, bound to this one child).
         */
        because?: Decision
      } = {},
    ): Promise<FlagView> {
      const outer = options.trx
      const types = await (outer !== undefined
        ? flags.types(outer, kind)
        : withTransaction(database, {}, (trx) => flags.types(trx, kind)))
      const input = parseNewFlag(
        form,
        types.map((t) => t.code),
        todayInLondon(),
      )
      const within = <T>(work: (trx: Transaction<DB>) => Promise<T>) =>
        outer !== undefined ? work(outer) : withTransaction(database, context(actor), work)
      const flag = await within(async (trx) => {
        const subject = await subjectOf(trx, actor, kind, subjectId)
        const decision =
          options.because === undefined
            ? decideFlag(actor, 'write', subject.decision)
            : decideFlagBecause(actor, options.because, `${kind}:${subjectId}`)
        if (!decision.allowed) {
          const why = subject.title === '' ? 'no such record' : `denied: ${decision.denial ?? 'relationship'}`
          return denied(trx, actor, ctx, { type: kind, id: subjectId }, why)
        }
        const flagId = await flags.create(trx, {
          partnershipId: actor.partnershipId,
          flagType: input.flagType,
          subjectKind: kind,
          subjectId,
          reason: input.reason,
          setBy: actor.userId,
          setByTeamId: actor.teamIds[0] ?? null,
          reviewDate: input.reviewDate,
        })
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.create',
          outcome: 'succeeded',
          record: { type: 'flag', id: flagId },
          details: {
            via,
            flagType: input.flagType,
            subjectKind: kind,
            subjectId,
            breakGlass: decision.breakGlass,
          },
        })
        const row = await flags.find(trx, flagId)
        return row === undefined ? undefined : flagView(row, todayInLondon())
      })
      if (flag === undefined) throw new NotFoundError()
      return flag
    },

    /** A flag with its subject's title, for the review and remove pages (a read of the flag, audited). */
    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      action: 'read' | 'write',
      via: string,
    ): Promise<{ flag: FlagView; subjectTitle: string }> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const found = await flagFor(trx, actor, id, action, ctx)
        if (found === undefined) return undefined
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.read',
          outcome: 'allowed',
          record: { type: 'flag', id },
          details: { via, subjectKind: found.row.subjectKind, subjectId: found.row.subjectId },
        })
        return { flag: flagView(found.row, todayInLondon()), subjectTitle: found.subjectTitle }
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** A new review date (in the future) for a current flag; ConflictError when stale or already removed. */
    async review(
      actor: Actor,
      id: string,
      version: number,
      reviewDate: DateParts,
      ctx: RequestContext,
      via: FlagChannel = 'page',
    ): Promise<{ subjectKind: FlagSubjectKind; subjectId: string }> {
      const errors: FieldError[] = []
      const date = checkReviewDate(reviewDate, todayInLondon(), errors)
      if (date === undefined) throw new ValidationError(errors)
      return change(actor, id, version, ctx, async (trx, row) => {
        if (!(await flags.review(trx, id, version, date, actor.userId))) return false
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.update',
          outcome: 'succeeded',
          record: { type: 'flag', id },
          details: { via, change: 'review', subjectKind: row.subjectKind, subjectId: row.subjectId },
        })
        return true
      })
    },

    /** Removes a current flag, with a reason; it stays in the history. ConflictError when stale or removed. */
    async remove(
      actor: Actor,
      id: string,
      version: number,
      reasonRaw: string | undefined,
      ctx: RequestContext,
      via: FlagChannel = 'page',
    ): Promise<{ subjectKind: FlagSubjectKind; subjectId: string }> {
      const errors: FieldError[] = []
      const reason = checkReason(reasonRaw, 'reason', 'Enter why the flag is being removed', errors)
      if (errors.length > 0) throw new ValidationError(errors)
      return change(actor, id, version, ctx, async (trx, row) => {
        if (!(await flags.remove(trx, id, version, reason, actor.userId))) return false
        await audit.write(trx, {
          ...base(actor, ctx),
          action: 'record.update',
          outcome: 'succeeded',
          record: { type: 'flag', id },
          details: {
            via,
            change: 'remove',
            flagType: row.flagType,
            subjectKind: row.subjectKind,
            subjectId: row.subjectId,
          },
        })
        return true
      })
    },

    /**
     * The task list: current flags whose review date has passed, set by the actor or by someone in their teams,
     * on subjects the actor may see. Each subject shown is a read, audited like any other.
     */
    async reviewsDue(actor: Actor, ctx: RequestContext, via: string): Promise<DueReview[]> {
      const today = todayInLondon()
      return withTransaction(database, context(actor), async (trx) => {
        const teamIds = [...new Set([...actor.teamIds, ...actor.managedTeamIds])]
        const rows = await flags.reviewsDue(trx, { userId: actor.userId, teamIds }, today)
        const due: DueReview[] = []
        for (const row of rows) {
          const subject = await subjectOf(trx, actor, row.subjectKind, row.subjectId)
          if (!decideFlag(actor, 'read', subject.decision).allowed) continue
          await audit.write(trx, {
            ...base(actor, ctx),
            action: 'record.read',
            outcome: 'allowed',
            record: { type: row.subjectKind, id: row.subjectId },
            details: { via, flagId: row.id, breakGlass: subject.decision.breakGlass },
          })
          due.push({ flag: flagView(row, today), subjectTitle: subject.title })
        }
        return due
      })
    },
  }
}

export type FlagService = ReturnType<typeof flagService>
