import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { actorEvent } from '../../platform/access/actor.ts'
import type { RecordAccess, RecordKind, Reached } from '../../platform/access/record-access.ts'
import type { BreakGlassRepository } from '../../platform/access/break-glass-repository.ts'
import {
  allowsAbout,
  can,
  canBreakGlass,
  decide,
  decidePersonDetail,
  decideRecordViews,
  missingRecord,
  visibleFields,
  type Actor,
  type Decision,
  type FieldGroup,
  type RecordAction,
} from '../../platform/access/policy.ts'
import type {
  AuditDetails,
  AuditEvent,
  AuditRepository,
  AuditWriter,
  RecordViewEntry,
} from '../../platform/audit/audit-writer.ts'
import { paths } from '../../platform/paths.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import type { UserRepository } from '../../platform/auth/user-repository.ts'
import { confirmPassword } from '../../platform/auth/reauthenticate.ts'
import { NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { ageInYears, todayInLondon } from '../../platform/calendar.ts'
import type { PersonRepository, PersonRow, PersonWithFacts } from './person-repository.ts'

/** What a caller may see of a person: only the fields their decision allows (ASVS 15.3.1). */
export interface PersonView {
  id: string
  kind?: string
  kindLabel?: string
  givenName?: string
  familyName?: string | null
  dateOfBirth?: string | null
  /** Whole years, from the date of birth or an estimate; null when neither is known. */
  age?: number | null
  ageIsEstimate?: boolean
  gender?: string | null
  nhsNumber?: string | null
  ethnicityLabel?: string | null
  language?: string | null
  disability?: string | null
  upn?: string | null
  laChildId?: string | null
  policeId?: string | null
  schoolName?: string | null
  allocatedWorkerName?: string | null
  allocatedTeamName?: string | null
  /** Aliases, street names and previous names; only on a single record's read. */
  aliases?: Array<{ kind: string; name: string }>
  /** Statutory statuses with their dates, latest first; only on a single record's read. */
  statuses?: Array<{ status: string; label: string; fromDate: string; toDate: string | null }>
  version?: number
}

/** Which field group each field of a person belongs to; a field missing here is never shown. */
export const PERSON_FIELD_GROUPS: Readonly<Record<keyof PersonView, FieldGroup>> = {
  id: 'identity',
  kind: 'identity',
  kindLabel: 'identity',
  givenName: 'identity',
  familyName: 'identity',
  dateOfBirth: 'identity',
  age: 'identity',
  ageIsEstimate: 'identity',
  gender: 'details',
  allocatedWorkerName: 'details',
  allocatedTeamName: 'details',
  version: 'details',
  aliases: 'identity',
  language: 'details',
  schoolName: 'details',
  statuses: 'details',
  nhsNumber: 'sensitive',
  upn: 'sensitive',
  laChildId: 'sensitive',
  policeId: 'sensitive',
  // Special category data (UK GDPR art. 9): only for those with full sight of the record.
  ethnicityLabel: 'sensitive',
  disability: 'sensitive',
}

export interface PersonRead {
  person: PersonView
  decision: Decision
  /** Set when the read was allowed through the actor's break-glass grant. */
  breakGlassUntil: Date | null
  /** Whether the policy would let the actor change this record (to offer the edit links). */
  mayWrite: boolean
}

/** One read of the record, for "who has viewed this record". */
export type RecordView = RecordViewEntry

/** How a read reached us: the record page, its links page, the API, or a list. Recorded with each read. */
export type ReadChannel = 'page' | 'links' | 'api' | 'list'

export interface InTransaction {
  trx?: Transaction<DB>
}

/**
 * The sections of a child's record: its sub-navigation. A later issue adds its section here (assessments, missing
 * episodes, meetings, network) rather than lengthening the overview.
 */
export type RecordSection = 'overview' | 'chronology' | 'links' | 'views'

/**
 * What every page of a child's record shows above its own content (features/people/views/record-layout.njk): the
 * identity bar (name, age, statutory status, allocated worker, current flags) and the sub-navigation, with only
 * the sections the reader may open.
 */
export interface RecordHub {
  person: PersonView
  /** Statutory statuses in force today (labels); only when the reader may see statuses. */
  currentStatuses?: string[]
  /** The labels of the record's current flags. */
  flags: string[]
  breakGlassUntil: Date | null
  section: RecordSection
  sections: Array<{ key: RecordSection; text: string; href: string; active: boolean }>
}

/** A flag as the identity bar needs it (the flag service's FlagView has these). */
export interface HubFlag {
  flagTypeLabel: string
  current: boolean
}

const BREAK_GLASS_REASON_MIN = 10
const BREAK_GLASS_REASON_MAX = 1000

/** Who a person is, as a list of people shows them (search results, possible duplicates). */
export type PersonSummary = Pick<
  PersonView,
  'kind' | 'kindLabel' | 'givenName' | 'familyName' | 'dateOfBirth'
>

/** The summary's fields are the identity field group. */
export const SUMMARY_FIELD_GROUPS = {
  kind: 'identity',
  kindLabel: 'identity',
  givenName: 'identity',
  familyName: 'identity',
  dateOfBirth: 'identity',
} as const satisfies Readonly<Record<keyof PersonSummary, FieldGroup>>

export function summaryOf(row: Required<PersonSummary>): Required<PersonSummary> {
  return {
    kind: row.kind,
    kindLabel: row.kindLabel,
    givenName: row.givenName,
    familyName: row.familyName,
    dateOfBirth: row.dateOfBirth,
  }
}

/** Whole years today, from the date of birth or else an estimate and when it was made; null when neither. */
export function ageOf(
  row: Pick<PersonRow, 'dateOfBirth' | 'estimatedAge' | 'estimatedAgeOn'>,
  today: string,
): { age: number | null; estimated: boolean } {
  if (row.dateOfBirth !== null) return { age: ageInYears(row.dateOfBirth, today), estimated: false }
  if (row.estimatedAge !== null && row.estimatedAgeOn !== null) {
    return { age: row.estimatedAge + ageInYears(row.estimatedAgeOn, today), estimated: true }
  }
  return { age: null, estimated: false }
}

function fullView(
  row: PersonRow,
  today: string,
  more: Pick<PersonView, 'aliases' | 'statuses'> = {},
): { [K in keyof PersonView]: PersonView[K] } {
  const { age, estimated } = ageOf(row, today)
  return {
    id: row.id,
    ...summaryOf(row),
    age,
    ageIsEstimate: estimated,
    gender: row.gender,
    nhsNumber: row.nhsNumber,
    ethnicityLabel: row.ethnicityLabel,
    language: row.language,
    disability: row.disability,
    upn: row.upn,
    laChildId: row.laChildId,
    policeId: row.policeId,
    schoolName: row.schoolName,
    allocatedWorkerName: row.allocatedWorkerName,
    allocatedTeamName: row.allocatedTeamName,
    version: row.version,
    ...more,
  }
}

/**
 * @deprecated Compatibility only, until the chronology reaches people through `services.people.records` and the
 * record-access kit (src/platform/access/record-access.ts); nothing in the people feature uses it. The policy's
 * decision on `actor` reading a person (denied when there is no such record) and the audit event that records it.
 */
export function personReadDecision(
  actor: Actor,
  recordId: string | null,
  record: PersonWithFacts | undefined,
  ctx: RequestContext,
  details: AuditDetails,
): { decision: Decision; event: AuditEvent } {
  const decision = record === undefined ? missingRecord() : decide(actor, 'read', record.facts)
  const event = actorEvent(actor, ctx, {
    action: decision.allowed ? 'record.read' : 'access.denied',
    outcome: decision.allowed ? 'allowed' : 'denied',
    record: recordId === null ? null : { type: 'person', id: recordId },
    reason: decision.allowed
      ? null
      : record === undefined
        ? 'no such record'
        : `denied: ${decision.denial ?? 'relationship'}`,
    details: {
      ...details,
      breakGlass: decision.breakGlass,
      relationships: decision.relationships.join(' '),
    },
  })
  return { decision, event }
}

/**
 * How the record-access kit reaches a person (for this feature and, through the person service's `records`, for
 * every other feature that shows or changes something about a person): with the facts of the actor's
 * relationships, decided by the policy's person rule.
 */
export function personRecords(people: PersonRepository): RecordKind<PersonWithFacts> & {
  /** Several people at once, keyed by id (a list's other ends). */
  loadMany(trx: Transaction<DB>, ids: readonly string[], actor: Actor): Promise<Map<string, PersonWithFacts>>
} {
  return {
    type: 'person',
    load: (trx, id, actor, { details }) => people.findWithFacts(trx, id, actor.userId, { details }),
    loadMany: (trx, ids, actor) => people.findManyWithFacts(trx, [...ids], actor.userId),
    decide: (actor, action, found) => decide(actor, action, found.facts),
  }
}

const SECTIONS: ReadonlyArray<{ key: RecordSection; text: string; href: (id: string) => string }> = [
  { key: 'overview', text: 'Overview', href: paths.people.show },
  { key: 'chronology', text: 'Chronology', href: paths.people.chronology },
  { key: 'links', text: 'Links', href: paths.people.links },
  { key: 'views', text: 'Views', href: paths.people.views },
]

export function personService(
  database: Database,
  people: PersonRepository,
  grants: BreakGlassRepository,
  users: UserRepository,
  audit: AuditWriter,
  auditTrail: AuditRepository,
  access: RecordAccess,
  options: { breakGlassHours: number },
) {
  const records = personRecords(people)

  /** What a read the policy allowed shows: only the fields its decision allows (a list: no other names). */
  function personRead(actor: Actor, { row, decision }: Reached<PersonWithFacts>): PersonRead {
    const more =
      row.details === undefined
        ? {}
        : {
            aliases: row.details.aliases.map((a) => ({ kind: a.kind, name: a.name })),
            statuses: row.details.statuses.map((st) => ({
              status: st.status,
              label: st.label,
              fromDate: st.fromDate,
              toDate: st.toDate,
            })),
          }
    const view = visibleFields(decision, fullView(row.person, todayInLondon(), more), PERSON_FIELD_GROUPS)
    return {
      person: { ...view, id: row.person.id },
      decision,
      breakGlassUntil: decision.breakGlass ? row.breakGlassUntil : null,
      mayWrite: records.decide(actor, 'write', row).allowed,
    }
  }

  /** May the reader of this record open its "who has viewed" section? */
  const mayOpenViews = (actor: Actor, found: PersonWithFacts) =>
    can(actor, 'record-views:read') && decideRecordViews(actor, found.facts).allowed

  /** The identity bar and sub-navigation of a record the actor has reached (see RecordHub). */
  function hub(
    actor: Actor,
    reached: Reached<PersonWithFacts>,
    section: RecordSection,
    flags: readonly HubFlag[] = [],
  ): RecordHub {
    const { person, breakGlassUntil } = personRead(actor, reached)
    const today = todayInLondon()
    const id = reached.row.person.id
    return {
      person,
      ...(person.statuses === undefined
        ? {}
        : {
            currentStatuses: person.statuses
              .filter((s) => s.fromDate <= today && (s.toDate === null || s.toDate >= today))
              .map((s) => s.label),
          }),
      flags: flags.filter((f) => f.current).map((f) => f.flagTypeLabel),
      breakGlassUntil,
      section,
      sections: SECTIONS.filter((s) => s.key !== 'views' || mayOpenViews(actor, reached.row)).map((s) => ({
        key: s.key,
        text: s.text,
        href: s.href(id),
        active: s.key === section,
      })),
    }
  }

  return {
    /** How other features reach a person through the record-access kit (src/platform/access/record-access.ts). */
    records,

    /**
     * The identity bar and sub-navigation of a child's record, for every page of the record (its chronology too):
     * from the person as the caller reached them through `records` and the kit, and their flags (the flag service's
     * views). Computes only: the caller's reach audited the read.
     */
    hub,

    /**
     * One person's record, as far as the policy lets this actor see it. Every attempt is audited (the read, or
     * the denial) in the transaction that reads; a denial and a missing record both answer NotFoundError.
     */
    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      options: InTransaction & { via?: ReadChannel } = {},
    ): Promise<PersonRead> {
      return access.read(
        actor,
        records,
        id,
        ctx,
        { via: options.via ?? 'page', trx: options.trx },
        async (_trx, reached) => personRead(actor, reached),
      )
    },

    /**
     * A page of the record: the person's read (as `read`) and, in the same transaction, whatever else the page
     * shows about them (links, flags), so the page is one transaction with one context, not one per panel. `more`
     * runs only when the read is allowed, and is given the record with its policy facts. The page's reads are
     * audited in one statement, sent with the COMMIT.
     */
    async readWith<T>(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      more: (
        trx: Transaction<DB>,
        read: PersonRead,
        found: PersonWithFacts,
        /** Audit events of the page's other reads, written with the record's own in one statement. */
        events: AuditEvent[],
      ) => Promise<T>,
      options: { via?: ReadChannel } = {},
    ): Promise<{
      read: PersonRead
      more: T
      hub: (section: RecordSection, flags?: readonly HubFlag[]) => RecordHub
    }> {
      // Lookups by key only (the record, its links' other ends, its flags): generic plans throughout.
      const lookups = { actorId: actor.userId, partnershipId: actor.partnershipId, genericPlans: true }
      const result = await withTransaction(database, lookups, async (trx) => {
        const events: AuditEvent[] = []
        const via = options.via ?? 'page'
        const reached = await access.reach(trx, actor, records, id, 'read', ctx, { via, events })
        if (reached === undefined) return undefined
        const read = personRead(actor, reached)
        const extra = await more(trx, read, reached.row, events)
        await access.writeAtCommit(trx, events)
        return { read, more: extra, reached }
      })
      if (result === undefined) throw new NotFoundError()
      const { read, more: extra, reached } = result
      return {
        read,
        more: extra,
        hub: (section, flags = []) => hub(actor, reached, section, flags),
      }
    },

    /** The people the actor works with (allocated, their teams, their agency's, current MACE, break-glass). */
    async caseload(
      actor: Actor,
      ctx: RequestContext,
      options: InTransaction & { limit?: number } = {},
    ): Promise<PersonRead[]> {
      return access.within(actor, options.trx, async (trx) => {
        const candidates = await people.caseload(trx, actor, options.limit ?? 100)
        // Only the policy's allowed reads are returned; each is audited like any other read (in one insert).
        // People they work with: not those the intelligence unit sees only who they are (decidePersonDetail).
        const worksWith = {
          type: records.type,
          decide: (a: Actor, action: RecordAction, row: PersonWithFacts) =>
            decidePersonDetail(a, records.decide(a, action, row)),
        }
        const shown = await access.shown(trx, actor, worksWith, candidates, (c) => c.person.id, ctx, {
          via: 'list',
        })
        return shown.map((reached) => personRead(actor, reached))
      })
    },

    /** May this actor ask for break-glass at all? (Shown on the not-found page for any record id.) */
    mayAskForBreakGlass(actor: Actor): boolean {
      return canBreakGlass(actor, { kind: 'person', partnershipId: actor.partnershipId })
    },

    /**
     * Opens a record outside the actor's relationships for `breakGlassHours`, after re-authentication (ASVS
     * 7.5.3) and a reason. The grant and its audit row (flagged, with the reason) commit together, and the
     * grant waits in the data protection officer's review queue. A record that does not exist, or one the actor
     * may not break glass into, answers NotFoundError only after the reason and password were given.
     */
    async breakGlass(
      actor: Actor,
      id: string,
      input: { reason: string; password: string },
      ctx: RequestContext,
    ): Promise<{ expiresAt: Date }> {
      const reason = input.reason.trim()
      const errors: FieldError[] = []
      if (reason === '') errors.push({ field: 'reason', message: 'Enter why you need to see this record' })
      else if (reason.length < BREAK_GLASS_REASON_MIN)
        errors.push({
          field: 'reason',
          message: `Reason must be at least ${String(BREAK_GLASS_REASON_MIN)} characters: say what safeguarding need makes this necessary`,
        })
      else if (reason.length > BREAK_GLASS_REASON_MAX)
        errors.push({
          field: 'reason',
          message: `Reason must be ${String(BREAK_GLASS_REASON_MAX)} characters or fewer`,
        })
      if (input.password === '') errors.push({ field: 'password', message: 'Enter your password' })
      if (errors.length > 0) throw new ValidationError(errors)

      const outcome = await access.within(actor, undefined, async (trx) => {
        const passwordOk = await confirmPassword(trx, users, actor.userId, input.password)
        const record = await records.load(trx, id, actor, { lock: false, details: false })
        const breakGlass = (outcome: 'failed' | 'denied' | 'allowed', why: string, details?: AuditDetails) =>
          audit.write(
            trx,
            actorEvent(actor, ctx, {
              action: 'break-glass',
              outcome,
              record: { type: 'person', id },
              reason: why,
              ...(details === undefined ? {} : { details }),
            }),
          )
        if (!passwordOk) {
          await breakGlass('failed', 'password not confirmed')
          return 'wrong-password' as const
        }
        if (record === undefined || !canBreakGlass(actor, record.facts)) {
          await breakGlass('denied', record === undefined ? 'no such record' : 'role may not break glass')
          return 'not-found' as const
        }
        const eventId = await breakGlass('allowed', reason, { hours: options.breakGlassHours })
        return grants.create(trx, {
          partnershipId: actor.partnershipId,
          userId: actor.userId,
          recordType: 'person',
          recordId: id,
          reason,
          hours: options.breakGlassHours,
          auditEventId: eventId,
        })
      })
      if (outcome === 'wrong-password') {
        throw new ValidationError([{ field: 'password', message: 'The password is not right' }])
      }
      if (outcome === 'not-found') throw new NotFoundError()
      return { expiresAt: outcome.expiresAt }
    },

    /**
     * Who has read this person's record (newest first), as the policy decides (decideRecordViews): for readers
     * with `record-views:read` who may read the record, and for the data protection officer, who sees the trail
     * and not the record (`person` is then its id only, and there is no `hub`). Itself audited
     * (record.read-views, or the denial), never as a read of the record. For a reader of the record, `hub` is the
     * record's identity bar and sub-navigation, with the flags `flagsOf` reads in the same transaction.
     */
    async views(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      flagsOf?: (trx: Transaction<DB>, read: PersonRead) => Promise<readonly HubFlag[]>,
    ): Promise<{ person: PersonView; views: RecordView[]; hub?: RecordHub }> {
      return access.read(
        actor,
        records,
        id,
        ctx,
        {
          // Reading the trail is its own audited action (in the work below), not a read of the record.
          via: 'views',
          quiet: true,
          decide: (a: Actor, row: PersonWithFacts) => decideRecordViews(a, row.facts),
        },
        async (trx, trail) => {
          await access.writeAtCommit(trx, [
            actorEvent(actor, ctx, {
              action: 'record.read-views',
              outcome: 'allowed',
              record: { type: 'person', id },
            }),
          ])
          const views = await auditTrail.recordViews(trx, actor.partnershipId, { type: 'person', id })
          const readDecision = records.decide(actor, 'read', trail.row)
          if (trail.decision.fields.length === 0 || !readDecision.allowed) return { person: { id }, views }
          const reached = { row: trail.row, decision: readDecision }
          const read = personRead(actor, reached)
          const flags = flagsOf === undefined ? [] : await flagsOf(trx, read)
          return { person: read.person, views, hub: hub(actor, reached, 'views', flags) }
        },
      )
    },

    // a13: allocation (issue 13)
    /**
     * Sets a child's allocated worker and team, in the caller's transaction: only because of an allocation the
     * policy let this actor make about this very child (`because`: decidePersonAllocation), which gives the worker,
     * the team and its manager their case relationship. Audited as a change of the record (via 'allocation').
     */
    async setAllocation(
      actor: Actor,
      id: string,
      to: { teamId: string; workerId: string },
      ctx: RequestContext,
      options: { trx: Transaction<DB>; because: Decision },
    ): Promise<void> {
      if (!allowsAbout(options.because, actor, `person:${id}`)) {
        await access.denied(options.trx, actor, ctx, 'person', id, 'denied: relationship')
        throw new NotFoundError()
      }
      if (!(await people.setAllocation(options.trx, id, to, actor.userId))) throw new NotFoundError()
      await access.changed(options.trx, actor, ctx, { type: 'person', id }, options.because, {
        action: 'record.update',
        details: { via: 'allocation', changed: 'allocatedWorker allocatedTeam' },
      })
    },
  }
}

export type PersonService = ReturnType<typeof personService>
