import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import {
  decideDerived,
  decideFlag,
  decideFlagBecause,
  decideFlagReason,
  missingRecord,
  type Actor,
  type Decision,
  type RecordAction,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { AuditEvent } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { todayInLondon } from '../../platform/calendar.ts'
import { ConflictError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { locationTitle, type LocationRow, type LocationService } from '../locations/location-service.ts'
import type { IntelligenceService } from '../intelligence/intelligence-service.ts'
import type { TaskService } from '../tasks/task-service.ts'
import { fromLondonWallTime } from '../../platform/working-days.ts'
import type { PersonService } from '../people/person-service.ts'
import type { FlagRepository, FlagRow, FlagSubjectKind, FlagType } from './flag-repository.ts'
import {
  addDays,
  checkReason,
  checkReviewDate,
  parseNewFlag,
  type DateParts,
  type NewFlagForm,
} from './flag-validation.ts'

export type { FlagSubjectKind, FlagType } from './flag-repository.ts'
export { partsOf, type DateParts, type NewFlagForm } from './flag-validation.ts'

/** A flag as pages and the API show it, with who set it, when, and (once removed) who removed it and why. */
export interface FlagView {
  id: string
  flagType: string
  flagTypeLabel: string
  subjectKind: FlagSubjectKind
  subjectId: string
  /** Why it was set: null when another agency wrote it and the policy hides it from this reader (decideFlagReason). */
  reason: string | null
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
  /** The intelligence entry it is based on (only ever shown to someone who may see the entry), and its grading. */
  intelligenceId: string | null
  intelligenceGrading: string | null
}

/** A flag whose review date has passed, on a subject the user may see. */
export interface DueReview {
  flag: FlagView
  subjectTitle: string
}

/** The flags a record's page shows, and whether the policy lets its reader set, review and remove them there. */
export interface SubjectFlags {
  flags: FlagView[]
  canWrite: boolean
}

/** Where a flag was set: its pages, the API, or a front-door decision on exploitation grounds. */
export type FlagChannel = 'page' | 'api' | 'referral-decision'

/** A person as the person service's record kind loads them (with the facts of the actor's relationships). */
export type PersonRecord = Parameters<PersonService['records']['decide']>[2]

/** The record a flag is on, as its own kind loads it. */
export interface Subjects {
  person: PersonRecord
  location: LocationRow
}

/**
 * A flag as its reader may see it: `flag` is the reader's decision on it (decideFlag); the reasons (why it was set,
 * why it was removed) only where decideFlagReason allows them.
 */
export function flagView(
  actor: Actor,
  flag: Decision,
  row: FlagRow,
  today: string,
  entry?: DerivedEntry,
): FlagView {
  const current = row.removedAt === null
  const reasons = decideFlagReason(actor, flag, { setByAgencyId: row.setByAgencyId }).allowed
  // A flag based on intelligence gives the entry's words as its reason, as far as the reader may see the entry.
  const reason =
    entry === undefined
      ? reasons
        ? row.reason
        : null
      : entry.entry.full
        ? entry.entry.fullText
        : entry.entry.sanitisedText
  return {
    id: row.id,
    flagType: row.flagType,
    flagTypeLabel: row.flagTypeLabel,
    subjectKind: row.subjectKind,
    subjectId: row.subjectId,
    reason,
    setByName: row.setByName,
    setByTeamName: row.setByTeamName,
    setAt: row.setAt.toISOString(),
    reviewDate: row.reviewDate,
    reviewOverdue: current && row.reviewDate < today,
    current,
    removedAt: row.removedAt?.toISOString() ?? null,
    removedByName: row.removedByName,
    removedReason: reasons ? row.removedReason : null,
    version: row.version,
    intelligenceId: entry === undefined ? null : entry.entry.id,
    intelligenceGrading: entry === undefined ? null : entry.entry.grading,
  }
}

/** The reader's decision on the entry a flag is based on, and the entry as they may see it. */
type DerivedEntry =
  Awaited<ReturnType<IntelligenceService['derivedDecisions']>> extends Map<string, infer E> ? E : never

/** What the flag service asks of intelligence: the entries flags are based on, and a new flag's basis. */
export type FlagIntelligence = Pick<IntelligenceService, 'derivedDecisions' | 'flagBasis'>

/** How a kind of subject is reached (its own record kind), told apart and named. */
interface SubjectKind {
  records: RecordKind<object>
  idOf(row: object): string
  title(row: object): string
}

function subjectKind<Row extends object>(
  records: RecordKind<Row>,
  idOf: (row: Row) => string,
  title: (row: Row) => string,
): SubjectKind {
  // Each kind is only ever given rows its own `records` loaded.
  return {
    records: records,
    idOf: idOf,
    title: title,
  }
}

/** A flag with the record it is on (undefined: no such record in the actor's partnership). */
interface FlagRecord {
  row: FlagRow
  subject: object | undefined
  /** A flag based on intelligence: the reader's sight of its entry (undefined: they may not see it). */
  entry?: DerivedEntry | undefined
}

/**
 * Flags (markers) on people and locations. A flag is read with its subject and set, reviewed or removed by
 * someone with `flag:write` who may see the subject (decideFlag on the policy's decision on the subject); anything
 * else answers NotFoundError, as for a subject that does not exist. The subject is reached through the
 * record-access kit, by its own kind: people through the person service's `records`, locations through the
 * location service's. Removing keeps the flag with who removed it and why: nothing is deleted.
 */
export function flagService(
  database: Database,
  flags: FlagRepository,
  people: PersonService['records'],
  locations: LocationService['records'],
  access: RecordAccess,
  intelligence: FlagIntelligence,
  tasks: TaskService,
) {
  const subjects: Record<FlagSubjectKind, SubjectKind> = {
    person: subjectKind(
      people,
      (found) => found.person.id,
      ({ person }) => [person.givenName, person.familyName].filter((n) => n !== null).join(' '),
    ),
    location: subjectKind(locations, (location) => location.id, locationTitle),
  }

  /** The policy's read decision on a flag's subject (one that is not there: as for any missing record). */
  const subjectDecision = (actor: Actor, kind: FlagSubjectKind, subject: object | undefined): Decision =>
    subject === undefined ? missingRecord() : subjects[kind].records.decide(actor, 'read', subject)

  /** The reader's sight of the entries that these flags are based on (by entry id). */
  const entriesOf = async (trx: Transaction<DB>, actor: Actor, rows: readonly FlagRow[]) =>
    intelligence.derivedDecisions(
      trx,
      actor,
      rows.flatMap((r) => (r.intelligenceId === null ? [] : [r.intelligenceId])),
    )

  /**
   * The decision on a flag: decideFlag on its subject's decision; for a flag based on intelligence, also only with
   * its entry (decideDerived), as for a flag that is not there otherwise.
   */
  const decideOn = (actor: Actor, flag: Decision, row: FlagRow, entry: DerivedEntry | undefined) =>
    row.intelligenceId === null
      ? flag
      : entry === undefined
        ? missingRecord()
        : decideDerived(actor, flag, entry.decision)

  /** How the kit reaches a flag: with its subject (and entry), decided by decideFlag on the subject's decision. */
  const flagKind: RecordKind<FlagRecord> = {
    type: 'flag',
    load: async (trx, id, actor, { lock }) => {
      const row = await flags.find(trx, id, { forUpdate: lock })
      if (row === undefined) return undefined
      const { records } = subjects[row.subjectKind]
      const subject = await records.load(trx, row.subjectId, actor, { lock: false, details: false })
      const entry =
        row.intelligenceId === null ? undefined : (await entriesOf(trx, actor, [row])).get(row.intelligenceId)
      return { row, subject, entry }
    },
    decide: (actor: Actor, action: RecordAction, { row, subject, entry }: FlagRecord) =>
      decideOn(
        actor,
        decideFlag(actor, action, subjectDecision(actor, row.subjectKind, subject)),
        row,
        entry,
      ),
  }

  /** A subject's flags as a reader whose decision on the flags there is `seen` may see them (the others left out). */
  async function visible(
    trx: Transaction<DB>,
    actor: Actor,
    seen: Decision,
    rows: FlagRow[],
  ): Promise<FlagView[]> {
    const today = todayInLondon()
    const entries = await entriesOf(trx, actor, rows)
    return rows.flatMap((row) => {
      const entry = row.intelligenceId === null ? undefined : entries.get(row.intelligenceId)
      const decision = decideOn(actor, seen, row, entry)
      return decision.allowed ? [flagView(actor, decision, row, today, entry)] : []
    })
  }

  /**
   * A flag's review is a task (kind 'flag-review') for whoever set or last reviewed it and their team, due at the
   * end of its review date; reviewing it completes the task and raises the next, removing it cancels it.
   */
  const reviewKey = (flagId: string) => `flag-review:${flagId}`
  const raiseReview = (
    trx: Transaction<DB>,
    actor: Actor,
    ctx: RequestContext,
    flag: { id: string; label: string; subjectKind: FlagSubjectKind; subjectId: string; reviewDate: string },
  ) =>
    tasks.raise(
      trx,
      { actor, ctx },
      {
        kind: 'flag-review',
        subject: { kind: flag.subjectKind, id: flag.subjectId },
        assignee: { userId: actor.userId, teamId: actor.teamIds[0] ?? null },
        reason: `Review the ${flag.label} flag: set a new review date, or remove it if it no longer applies`,
        dueAt: fromLondonWallTime({
          date: addDays(flag.reviewDate, 1),
          hour: 0,
          minute: 0,
          second: 0,
          millisecond: 0,
        }),
        dedupKey: reviewKey(flag.id),
        source: { kind: 'flag', id: flag.id },
      },
    )

  const titleOf = ({ row, subject }: FlagRecord) =>
    subject === undefined ? '' : subjects[row.subjectKind].title(subject)

  /** Runs one change on a flag the actor may write: NotFoundError if not, ConflictError if stale or removed. */
  async function change(
    actor: Actor,
    id: string,
    version: number,
    ctx: RequestContext,
    apply: (trx: Transaction<DB>, row: FlagRow, decision: Decision) => Promise<boolean>,
  ): Promise<{ subjectKind: FlagSubjectKind; subjectId: string }> {
    return access.write(actor, flagKind, id, ctx, async (trx, { row: { row }, decision }) => {
      if (row.removedAt !== null || row.version !== version) throw new ConflictError()
      if (!(await apply(trx, row, decision))) throw new ConflictError()
      return { subjectKind: row.subjectKind, subjectId: row.subjectId }
    })
  }

  return {
    /** The flag types (with their policy definitions) for a kind of subject. */
    async types(kind: FlagSubjectKind): Promise<FlagType[]> {
      return withTransaction(database, {}, (trx) => flags.types(trx, kind))
    },

    /**
     * The flags on a record whose page the actor is reading (the page audits that read), and whether the policy
     * lets them set, review and remove flags there; none when it does not let them see flags there. The subject is
     * reached here through the kit (without a read row; a denial is audited), in the caller's transaction (`trx`)
     * or its own: unless the caller's page has already reached it and passes its record (`row`, as its own kind
     * loads it), which is checked to be this subject and decided again by the policy.
     */
    async onSubject<K extends FlagSubjectKind>(
      actor: Actor,
      kind: K,
      id: string,
      ctx: RequestContext,
      options: { trx?: Transaction<DB>; row?: Subjects[K] } = {},
    ): Promise<SubjectFlags> {
      const subject = subjects[kind]
      const given = options.row
      if (given !== undefined && subject.idOf(given) !== id) {
        throw new Error(`flags.onSubject: the record given is not ${kind} ${id}`)
      }
      return access.within(actor, options.trx, async (trx) => {
        const decision =
          given !== undefined
            ? subject.records.decide(actor, 'read', given)
            : (
                await access.reach(trx, actor, subject.records, id, 'read', ctx, {
                  quiet: true,
                  whole: false,
                })
              )?.decision
        const seen = decision === undefined ? undefined : decideFlag(actor, 'read', decision)
        if (decision === undefined || seen === undefined || !seen.allowed) {
          return { flags: [], canWrite: false }
        }
        return {
          flags: await visible(trx, actor, seen, await flags.onSubject(trx, kind, id)),
          canWrite: decideFlag(actor, 'write', decision).allowed,
        }
      })
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
      action: RecordAction,
      via: string,
    ): Promise<{ subjectTitle: string; flags: FlagView[]; types: FlagType[] }> {
      const subject = subjects[kind]
      return access.read(
        actor,
        subject.records,
        id,
        ctx,
        {
          via,
          whole: false,
          decide: (a: Actor, row: object) => decideFlag(a, action, subject.records.decide(a, 'read', row)),
        },
        async (trx, { row, decision }) => ({
          subjectTitle: subject.title(row),
          flags: await visible(trx, actor, decision, await flags.onSubject(trx, kind, id)),
          types: await flags.types(trx, kind),
        }),
      )
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
         * decided on exploitation grounds: decideReferralFlag, bound to this one child): checked here with
         * decideFlagBecause, so a forged one, or one about another record, is refused.
         */
        because?: Decision
      } = {},
    ): Promise<FlagView> {
      const types = await (options.trx !== undefined
        ? flags.types(options.trx, kind)
        : withTransaction(database, {}, (trx) => flags.types(trx, kind)))
      // A flag based on an entry takes the entry's words as its reason (checked against the entry below).
      const basedOn = (form.intelligenceId ?? '').trim()
      const input = parseNewFlag(
        basedOn === '' ? form : { ...form, reason: 'from intelligence' },
        types.map((t) => t.code),
        todayInLondon(),
      )
      const { records } = subjects[kind]
      const because = options.because
      const decideSet =
        because === undefined
          ? (a: Actor, row: object) => decideFlag(a, 'write', records.decide(a, 'read', row))
          : (a: Actor) => decideFlagBecause(a, because, `${kind}:${subjectId}`)
      return access.read(
        actor,
        records,
        subjectId,
        ctx,
        // The subject is reached to flag it: no read row (the flag's own audit row says what was done).
        { quiet: true, whole: false, decide: decideSet, trx: options.trx },
        async (trx, { decision: subjectWrite }) => {
          const based =
            basedOn === ''
              ? undefined
              : await intelligence.flagBasis(trx, actor, basedOn, { kind, id: subjectId })
          const decision =
            based === undefined ? subjectWrite : decideDerived(actor, subjectWrite, based.decision)
          const flagId = await flags.create(trx, {
            partnershipId: actor.partnershipId,
            flagType: input.flagType,
            subjectKind: kind,
            subjectId,
            reason: based?.reason ?? input.reason,
            setBy: actor.userId,
            setByTeamId: actor.teamIds[0] ?? null,
            reviewDate: input.reviewDate,
            intelligenceId: based === undefined ? null : basedOn,
          })
          await access.changed(trx, actor, ctx, { type: 'flag', id: flagId }, decision, {
            action: 'record.create',
            details: {
              via,
              flagType: input.flagType,
              subjectKind: kind,
              subjectId,
              ...(based === undefined ? {} : { intelligenceId: basedOn }),
            },
          })
          const row = await flags.find(trx, flagId)
          if (row === undefined) throw new Error('flag written but not found')
          await raiseReview(trx, actor, ctx, {
            id: flagId,
            label: row.flagTypeLabel,
            subjectKind: kind,
            subjectId,
            reviewDate: input.reviewDate,
          })
          // Set by the actor: its reason is their agency's (decideFlagReason), or its entry's.
          const [shown] = await visible(trx, actor, decideFlag(actor, 'read', subjectWrite), [row])
          if (shown === undefined) throw new Error('flag written but not shown to its setter')
          return shown
        },
      )
    },

    /**
     * A flag with its subject's title, for its review and remove pages (`action` 'write') and the API: a read of
     * the flag, audited with its subject; NotFoundError unless the actor may see (or change) it.
     */
    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      action: RecordAction,
      via: string,
    ): Promise<{ flag: FlagView; subjectTitle: string }> {
      const events: AuditEvent[] = []
      return access.read(
        actor,
        flagKind,
        id,
        ctx,
        { via, events, decide: (a: Actor, record: FlagRecord) => flagKind.decide(a, action, record) },
        async (trx, { row: record, decision }) => {
          // The read's audit row also says what the flag is on.
          for (const event of events) {
            event.details = {
              ...event.details,
              subjectKind: record.row.subjectKind,
              subjectId: record.row.subjectId,
            }
          }
          await access.writeAtCommit(trx, events)
          return {
            flag: flagView(actor, decision, record.row, todayInLondon(), record.entry),
            subjectTitle: titleOf(record),
          }
        },
      )
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
      return change(actor, id, version, ctx, async (trx, row, decision) => {
        if (!(await flags.review(trx, id, version, date, actor.userId))) return false
        await tasks.closeByKey(trx, { actor, ctx }, reviewKey(id), 'done', 'Flag reviewed')
        await raiseReview(trx, actor, ctx, { ...row, id, label: row.flagTypeLabel, reviewDate: date })
        await access.changed(trx, actor, ctx, { type: 'flag', id }, decision, {
          action: 'record.update',
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
      return change(actor, id, version, ctx, async (trx, row, decision) => {
        if (!(await flags.remove(trx, id, version, reason, actor.userId))) return false
        await tasks.closeByKey(trx, { actor, ctx }, reviewKey(id), 'cancelled', 'Flag removed')
        await access.changed(trx, actor, ctx, { type: 'flag', id }, decision, {
          action: 'record.update',
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
     * on subjects the actor may see. Each subject shown is a read, audited like any other (in one statement).
     */
    async reviewsDue(actor: Actor, ctx: RequestContext, via: string): Promise<DueReview[]> {
      const today = todayInLondon()
      return access.within(actor, undefined, async (trx) => {
        const teamIds = [...new Set([...actor.teamIds, ...actor.managedTeamIds])]
        const rows = await flags.reviewsDue(trx, { userId: actor.userId, teamIds }, today)
        const ids = (kind: FlagSubjectKind) => [
          ...new Set(rows.filter((r) => r.subjectKind === kind).map((r) => r.subjectId)),
        ]
        const found = new Map<string, object>()
        for (const [id, person] of await people.loadMany(trx, ids('person'), actor))
          found.set(`person:${id}`, person)
        for (const id of ids('location')) {
          const location = await locations.load(trx, id, actor, { lock: false, details: false })
          if (location !== undefined) found.set(`location:${id}`, location)
        }
        const entries = await entriesOf(trx, actor, rows)
        const records = rows.map((row) => ({
          row,
          subject: found.get(`${row.subjectKind}:${row.subjectId}`),
          entry: row.intelligenceId === null ? undefined : entries.get(row.intelligenceId),
        }))
        const shown = await access.shown(trx, actor, flagKind, records, (r) => r.row.id, ctx, {
          via,
          records: ({ row }) => [{ type: row.subjectKind, id: row.subjectId }],
        })
        return shown.map(({ row: record, decision }) => ({
          flag: flagView(actor, decision, record.row, today, record.entry),
          subjectTitle: titleOf(record),
        }))
      })
    },
  }
}

export type FlagService = ReturnType<typeof flagService>
