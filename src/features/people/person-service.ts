import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import { auditActorOf } from '../../platform/access/actor.ts'
import type { RecordKind } from '../../platform/access/record-access.ts'
import type { BreakGlassRepository } from '../../platform/access/break-glass-repository.ts'
import {
  canBreakGlass,
  decide,
  missingRecord,
  visibleFields,
  type Actor,
  type Decision,
  type FieldGroup,
} from '../../platform/access/policy.ts'
import type { AuditDetails, AuditEvent, AuditWriter } from '../../platform/audit/audit-writer.ts'
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

export interface RecordView {
  occurredAt: Date
  actorName: string | null
  actorRole: string | null
  agencyName: string | null
  breakGlass: boolean
  via: string | null
}

/** How a read reached us: the record page, the API, or a list. Recorded with each read. */
export type ReadChannel = 'page' | 'api' | 'list'

const BREAK_GLASS_REASON_MIN = 10
const BREAK_GLASS_REASON_MAX = 1000

function fullView(
  row: PersonRow,
  today: string,
  more: Pick<PersonView, 'aliases' | 'statuses'> = {},
): { [K in keyof PersonView]: PersonView[K] } {
  const estimated = row.dateOfBirth === null && row.estimatedAge !== null && row.estimatedAgeOn !== null
  const age =
    row.dateOfBirth !== null
      ? ageInYears(row.dateOfBirth, today)
      : estimated
        ? (row.estimatedAge ?? 0) + ageInYears(row.estimatedAgeOn ?? today, today)
        : null
  return {
    id: row.id,
    kind: row.kind,
    kindLabel: row.kindLabel,
    givenName: row.givenName,
    familyName: row.familyName,
    dateOfBirth: row.dateOfBirth,
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
 * The policy's decision on `actor` reading a person (denied when there is no such record) and the audit event that
 * records it: a read, or a denial with its rule. Every read of a person (record, chronology, lists) goes through here.
 */
export function personReadDecision(
  actor: Actor,
  recordId: string | null,
  record: PersonWithFacts | undefined,
  ctx: RequestContext,
  details: AuditDetails,
): { decision: Decision; event: AuditEvent } {
  const decision = record === undefined ? missingRecord() : decide(actor, 'read', record.facts)
  const event: AuditEvent = {
    action: decision.allowed ? 'record.read' : 'access.denied',
    outcome: decision.allowed ? 'allowed' : 'denied',
    partnershipId: actor.partnershipId,
    actor: auditActorOf(actor),
    record: recordId === null ? null : { type: 'person', id: recordId },
    reason: decision.allowed
      ? null
      : record === undefined
        ? 'no such record'
        : `denied: ${decision.denial ?? 'relationship'}`,
    requestId: ctx.requestId,
    ip: ctx.ip,
    details: {
      ...details,
      breakGlass: decision.breakGlass,
      relationships: decision.relationships.join(' '),
    },
  }
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

export function personService(
  database: Database,
  people: PersonRepository,
  grants: BreakGlassRepository,
  users: UserRepository,
  audit: AuditWriter,
  options: { breakGlassHours: number },
) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })
  const records = personRecords(people)

  /** The audited outcome of one read inside the caller's transaction; denials and misses look the same. */
  async function readIn(
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    ctx: RequestContext,
    via: ReadChannel,
    /** The record if already read (null: looked up and not found). */
    found?: PersonWithFacts | null,
    /** For a list: the audit events are collected here and written together by the caller. */
    batch?: AuditEvent[],
  ): Promise<PersonRead | undefined> {
    const record =
      found === null
        ? undefined
        : (found ?? (await people.findWithFacts(trx, id, actor.userId, { details: via !== 'list' })))
    const { decision, event } = personReadDecision(actor, id, record, ctx, { via })
    if (batch === undefined) await audit.writeAtCommit(trx, [event])
    else batch.push(event)
    if (record === undefined || !decision.allowed) return undefined
    // A list shows names only; a single record also shows aliases and statuses (when its fields allow).
    const more =
      via === 'list'
        ? {}
        : {
            aliases: (record.details?.aliases ?? (await people.aliases(trx, id))).map((a) => ({
              kind: a.kind,
              name: a.name,
            })),
            statuses: (record.details?.statuses ?? (await people.statuses(trx, id))).map((st) => ({
              status: st.status,
              label: st.label,
              fromDate: st.fromDate,
              toDate: st.toDate,
            })),
          }
    const view = visibleFields(decision, fullView(record.person, todayInLondon(), more), PERSON_FIELD_GROUPS)
    return {
      person: { ...view, id: record.person.id },
      decision,
      breakGlassUntil: decision.breakGlass ? record.breakGlassUntil : null,
      mayWrite: decide(actor, 'write', record.facts).allowed,
    }
  }

  return {
    /** How other features reach a person through the record-access kit (src/platform/access/record-access.ts). */
    records,

    /**
     * One person's record, as far as the policy lets this actor see it. Every attempt is audited (the read, or
     * the denial) in the transaction that reads; a denial and a missing record both answer NotFoundError.
     */
    async read(
      actor: Actor,
      id: string,
      ctx: RequestContext,
      via: ReadChannel = 'page',
    ): Promise<PersonRead> {
      const result = await withTransaction(database, context(actor), (trx) =>
        readIn(trx, actor, id, ctx, via),
      )
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /**
     * A record page: the person's read (as `read`) and, in the same transaction, whatever else the page shows
     * about them (links, flags), so the page is one transaction with one context, not one per panel. `more`
     * runs only when the read is allowed, and is given the record with its policy facts.
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
    ): Promise<{ read: PersonRead; more: T }> {
      // Lookups by key only (the record, its links' other ends, its flags): generic plans throughout.
      const lookups = { ...context(actor), genericPlans: true }
      const result = await withTransaction(database, lookups, async (trx) => {
        const events: AuditEvent[] = []
        const found = await people.findWithFacts(trx, id, actor.userId, { details: true })
        const read = await readIn(trx, actor, id, ctx, 'page', found ?? null, events)
        const extra =
          read === undefined || found === undefined ? undefined : await more(trx, read, found, events)
        await audit.writeAtCommit(trx, events)
        return read === undefined || extra === undefined ? undefined : { read, more: extra }
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },

    /** The people the actor works with (allocated, their teams, their agency's, current MACE, break-glass). */
    async caseload(actor: Actor, ctx: RequestContext, limit = 100): Promise<PersonRead[]> {
      return withTransaction(database, context(actor), async (trx) => {
        const candidates = await people.caseload(trx, actor, limit)
        const reads: PersonRead[] = []
        const events: AuditEvent[] = []
        for (const candidate of candidates) {
          // Only the policy's allowed reads are returned; each is audited like any other read (in one insert).
          if (!decide(actor, 'read', candidate.facts).allowed) continue
          const read = await readIn(trx, actor, candidate.person.id, ctx, 'list', candidate, events)
          if (read !== undefined) reads.push(read)
        }
        await audit.writeAtCommit(trx, events)
        return reads
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

      const outcome = await withTransaction(database, context(actor), async (trx) => {
        const passwordOk = await confirmPassword(trx, users, actor.userId, input.password)
        const record = await people.findWithFacts(trx, id, actor.userId)
        const base = {
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          record: { type: 'person', id },
          requestId: ctx.requestId,
          ip: ctx.ip,
        }
        if (!passwordOk) {
          await audit.write(trx, {
            ...base,
            action: 'break-glass',
            outcome: 'failed',
            reason: 'password not confirmed',
          })
          return 'wrong-password' as const
        }
        if (record === undefined || !canBreakGlass(actor, record.facts)) {
          await audit.write(trx, {
            ...base,
            action: 'break-glass',
            outcome: 'denied',
            reason: record === undefined ? 'no such record' : 'role may not break glass',
          })
          return 'not-found' as const
        }
        const eventId = await audit.write(trx, {
          ...base,
          action: 'break-glass',
          outcome: 'allowed',
          reason,
          details: { hours: options.breakGlassHours },
        })
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
     * Who has read this person's record (newest first), for roles with `record-views:read` who may read the
     * record, and for the data protection officer (who sees the trail, not the record). Itself audited.
     */
    async views(
      actor: Actor,
      id: string,
      ctx: RequestContext,
    ): Promise<{ person: PersonView; views: RecordView[] }> {
      const result = await withTransaction(database, context(actor), async (trx) => {
        const record = await people.findWithFacts(trx, id, actor.userId)
        const decision = record === undefined ? undefined : decide(actor, 'read', record.facts)
        const auditor = actor.roles.includes('dpo')
        const allowed = record !== undefined && (auditor || decision?.allowed === true)
        await audit.write(trx, {
          action: allowed ? 'record.read-views' : 'access.denied',
          outcome: allowed ? 'allowed' : 'denied',
          partnershipId: actor.partnershipId,
          actor: auditActorOf(actor),
          record: { type: 'person', id },
          reason: allowed ? null : 'who-viewed list denied',
          requestId: ctx.requestId,
          ip: ctx.ip,
        })
        if (!allowed) return undefined
        const person: PersonView =
          decision?.allowed === true
            ? {
                ...visibleFields(decision, fullView(record.person, todayInLondon()), PERSON_FIELD_GROUPS),
                id,
              }
            : { id }
        const rows = await trx
          .selectFrom('audit_event as e')
          .leftJoin('app_user as u', 'u.id', 'e.actor_id')
          .leftJoin('agency as a', 'a.id', 'e.actor_agency_id')
          .select(['e.occurred_at', 'u.display_name', 'e.actor_role', 'a.name as agency_name', 'e.details'])
          .where('e.record_type', '=', 'person')
          .where('e.record_id', '=', id)
          .where('e.action', '=', 'record.read')
          .where('e.partnership_id', '=', actor.partnershipId)
          .orderBy('e.id', 'desc')
          .limit(200)
          .execute()
        const views = rows.map((r): RecordView => ({
          occurredAt: r.occurred_at,
          actorName: r.display_name,
          actorRole: r.actor_role,
          agencyName: r.agency_name,
          breakGlass: r.details.breakGlass === true,
          via: typeof r.details.via === 'string' ? r.details.via : null,
        }))
        return { person, views }
      })
      if (result === undefined) throw new NotFoundError()
      return result
    },
  }
}

export type PersonService = ReturnType<typeof personService>
