import { isIP } from 'node:net'
import type { Transaction } from 'kysely'
import pg from 'pg'
import { deferUntilCommit, type Executor } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'

/**
 * The one audit writer. Every audited action (a read of a person's record, a change, a denial, sign-in, export,
 * break-glass) calls `write` with the transaction that performs the action, so the audit row commits or rolls back
 * with it: no action without its record, no record of an action that did not happen.
 *
 * The database gives each event its id (the sequence the seals follow) and its time; the runtime role can only
 * insert and read audit rows (migration 0002).
 */

export type AuditOutcome = 'allowed' | 'denied' | 'succeeded' | 'failed'

/** Known actions. Dotted lower-case words; the database checks the shape, not the list. */
export const AUDIT_ACTIONS = [
  'record.read',
  'record.create',
  'record.update',
  'record.delete',
  'access.denied',
  'auth.sign-in',
  'auth.sign-in-failed',
  'auth.sign-out',
  'auth.locked-out',
  'auth.mfa-enrolled',
  'auth.sso-linked',
  'auth.token-failed',
  'auth.account-set-up',
  'token.create',
  'token.revoke',
  'admin.user-change',
  'admin.agency-change',
  'export',
  'break-glass',
  'break-glass.reviewed',
  'record.read-views',
  'record.search',
  'record.merge',
  'record.unmerge',
  'intelligence.attach',
  // Street terms (issue 12, slice i12-terms)
  'admin.reference-change',
] as const
export type AuditAction = (typeof AUDIT_ACTIONS)[number]

/** Codes, counts and flags only: never names, dates of birth or free text about a person. */
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>

export interface AuditEvent {
  action: AuditAction
  outcome: AuditOutcome
  /** Absent for system events and sign-in before a partnership is known. */
  partnershipId?: string | null
  actor?: { id: string; role?: string | null; agencyId?: string | null } | null
  record?: { type: string; id: string } | null
  /** Why: the break-glass reason, the denial rule, the sign-in failure code. */
  reason?: string | null
  requestId?: string | null
  ip?: string | null
  details?: AuditDetails
}

export class AuditError extends Error {
  override name = 'AuditError'
}

function auditRow(event: AuditEvent) {
  const ip = event.ip ?? null
  if (ip !== null && isIP(ip) === 0) throw new AuditError('audit event ip is not an IP address')
  return {
    partnership_id: event.partnershipId ?? null,
    actor_id: event.actor?.id ?? null,
    actor_role: event.actor?.role ?? null,
    actor_agency_id: event.actor?.agencyId ?? null,
    action: event.action,
    record_type: event.record?.type ?? null,
    record_id: event.record?.id ?? null,
    outcome: event.outcome,
    reason: event.reason ?? null,
    request_id: event.requestId ?? null,
    ip,
    details: JSON.stringify(event.details ?? {}),
  }
}

/** INSERT of `rows` with every value an escaped literal (pg's escapeLiteral), for deferUntilCommit. */
function insertStatement(rows: ReadonlyArray<ReturnType<typeof auditRow>>): string {
  const first = rows[0]
  if (first === undefined) throw new AuditError('no audit rows to insert')
  const columns = Object.keys(first) as Array<keyof typeof first>
  const literal = (value: string | null) => (value === null ? 'NULL' : pg.escapeLiteral(value))
  const values = rows.map((row) => `(${columns.map((column) => literal(row[column])).join(', ')})`)
  return `INSERT INTO audit_event (${columns.join(', ')}) VALUES ${values.join(', ')}`
}

export function auditWriter() {
  return {
    /**
     * Appends events that record reads, to be inserted with the transaction's COMMIT in the same message (still
     * in the transaction, so a failed insert commits nothing; one round trip fewer on every read). Outside a
     * transaction begun by withTransaction they are inserted at once. No id is returned: use write for that.
     */
    async writeAtCommit(trx: Transaction<DB>, events: readonly AuditEvent[]): Promise<void> {
      if (events.length === 0) return
      const rows = events.map(auditRow)
      if (deferUntilCommit(trx, insertStatement(rows))) return
      await trx.insertInto('audit_event').values(rows).execute()
    },

    /** Appends one event in `trx`; returns its id (a bigint, as a string). */
    async write(trx: Transaction<DB>, event: AuditEvent): Promise<string> {
      const row = await trx
        .insertInto('audit_event')
        .values(auditRow(event))
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    /**
     * Appends several events in one statement (a list or a page that shows many records, each read audited),
     * in the order given; returns their ids in that order.
     */
    async writeMany(trx: Transaction<DB>, events: readonly AuditEvent[]): Promise<string[]> {
      if (events.length === 0) return []
      const rows = await trx.insertInto('audit_event').values(events.map(auditRow)).returning('id').execute()
      return rows.map((r) => r.id).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
    },
  }
}

export type AuditWriter = ReturnType<typeof auditWriter>

/** An audit event as read back (for the data protection officer's page and "who has viewed this record"). */
export interface AuditEntry {
  id: string
  partnershipId: string | null
  occurredAt: Date
  actorId: string | null
  actorRole: string | null
  actorAgencyId: string | null
  action: string
  recordType: string | null
  recordId: string | null
  outcome: AuditOutcome
  reason: string | null
  requestId: string | null
  ip: string | null
  details: Record<string, unknown>
}

export interface AuditFilter {
  partnershipId?: string
  /** With partnershipId: also events not attributed to any partnership (e.g. sign-in with an unknown email). */
  includeUnattributed?: boolean
  actorId?: string
  /** Both together: one record's trail. */
  record?: { type: string; id?: string }
  action?: string
  outcome?: AuditOutcome
  /** Inclusive lower bound. */
  from?: Date
  /** Exclusive upper bound. */
  to?: Date
}

export interface AuditPage {
  entries: AuditEntry[]
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextBefore?: string
}

export const AUDIT_PAGE_MAX = 500

/** One read of a record, for "who has viewed this record". */
export interface RecordViewEntry {
  occurredAt: Date
  actorName: string | null
  actorRole: string | null
  agencyName: string | null
  breakGlass: boolean
  /** How the read reached the record (page, api, list, …), as recorded with it. */
  via: string | null
}

/** How many reads "who has viewed this record" shows at the most (the latest). */
export const RECORD_VIEWS_MAX = 200

export function auditRepository() {
  return {
    /**
     * Who has read one record (its `record.read` events in the partnership), newest first, with the reader's name
     * and agency: the latest RECORD_VIEWS_MAX.
     */
    async recordViews(
      db: Executor,
      partnershipId: string,
      record: { type: string; id: string },
    ): Promise<RecordViewEntry[]> {
      const rows = await db
        .selectFrom('audit_event as e')
        .leftJoin('app_user as u', 'u.id', 'e.actor_id')
        .leftJoin('agency as a', 'a.id', 'e.actor_agency_id')
        .select(['e.occurred_at', 'u.display_name', 'e.actor_role', 'a.name as agency_name', 'e.details'])
        .where('e.record_type', '=', record.type)
        .where('e.record_id', '=', record.id)
        .where('e.action', '=', 'record.read')
        .where('e.partnership_id', '=', partnershipId)
        .orderBy('e.id', 'desc')
        .limit(RECORD_VIEWS_MAX)
        .execute()
      return rows.map((r) => ({
        occurredAt: r.occurred_at,
        actorName: r.display_name,
        actorRole: r.actor_role,
        agencyName: r.agency_name,
        breakGlass: r.details.breakGlass === true,
        via: typeof r.details.via === 'string' ? r.details.via : null,
      }))
    },

    /** Newest first, keyset-paginated on id (stable while rows are appended). */
    async list(
      db: Executor,
      filter: AuditFilter,
      page: { limit?: number; before?: string } = {},
    ): Promise<AuditPage> {
      const limit = Math.min(Math.max(Math.trunc(page.limit ?? 50), 1), AUDIT_PAGE_MAX)
      if (page.before !== undefined && !/^[1-9][0-9]{0,18}$/.test(page.before)) {
        throw new AuditError('audit page cursor must be an event id')
      }
      let query = db.selectFrom('audit_event').selectAll()
      const partnershipId = filter.partnershipId
      if (partnershipId !== undefined) {
        query =
          filter.includeUnattributed === true
            ? query.where((eb) =>
                eb.or([eb('partnership_id', '=', partnershipId), eb('partnership_id', 'is', null)]),
              )
            : query.where('partnership_id', '=', partnershipId)
      }
      if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
      if (filter.record !== undefined) {
        query = query.where('record_type', '=', filter.record.type)
        if (filter.record.id !== undefined) query = query.where('record_id', '=', filter.record.id)
      }
      if (filter.action !== undefined) query = query.where('action', '=', filter.action)
      if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome)
      if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from)
      if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to)
      if (page.before !== undefined) query = query.where('id', '<', page.before)
      const rows = await query
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute()
      const entries = rows.slice(0, limit).map((r): AuditEntry => ({
        id: r.id,
        partnershipId: r.partnership_id,
        occurredAt: r.occurred_at,
        actorId: r.actor_id,
        actorRole: r.actor_role,
        actorAgencyId: r.actor_agency_id,
        action: r.action,
        recordType: r.record_type,
        recordId: r.record_id,
        outcome: r.outcome,
        reason: r.reason,
        requestId: r.request_id,
        ip: r.ip,
        details: r.details,
      }))
      const last = entries.at(-1)
      return rows.length > limit && last !== undefined ? { entries, nextBefore: last.id } : { entries }
    },
  }
}

export type AuditRepository = ReturnType<typeof auditRepository>
