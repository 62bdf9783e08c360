import { withTransaction, type Database } from '../../db/database.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type {
  AuditEntry,
  AuditFilter,
  AuditOutcome,
  AuditRepository,
  AuditWriter,
} from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import type { UserRepository } from '../../platform/auth/user-repository.ts'
import { auditCsvValues, CSV_HEADER } from './audit-view.ts'
import { csvRow } from './csv.ts'
import { confirmPassword } from '../../platform/auth/reauthenticate.ts'
import { ValidationError } from '../../platform/errors.ts'
import { actorEvent, rlsContextOf } from '../../platform/access/actor.ts'

/** What the data protection officer filters by. */
export interface AuditQuery {
  actorId?: string
  action?: string
  outcome?: AuditOutcome
  recordType?: string
  recordId?: string
  from?: Date
  to?: Date
}

/** The most rows one CSV export holds; narrow the filters for more. */
export const EXPORT_MAX_ROWS = 50_000
const CSV_EXPORT = { type: 'audit-trail', id: 'csv' }

function toFilter(actor: Actor, query: AuditQuery): AuditFilter {
  return {
    partnershipId: actor.partnershipId,
    includeUnattributed: true,
    ...(query.actorId !== undefined ? { actorId: query.actorId } : {}),
    ...(query.action !== undefined ? { action: query.action } : {}),
    ...(query.outcome !== undefined ? { outcome: query.outcome } : {}),
    ...(query.recordType !== undefined
      ? {
          record: { type: query.recordType, ...(query.recordId !== undefined ? { id: query.recordId } : {}) },
        }
      : {}),
    ...(query.from !== undefined ? { from: query.from } : {}),
    ...(query.to !== undefined ? { to: query.to } : {}),
  }
}

/**
 * The audit trail as the data protection officer reads it: their partnership's events (and events not tied to
 * any partnership, such as sign-in attempts with unknown addresses), newest first. Callers check `audit:read` /
 * `audit:export` first; every export is itself audited, in the transaction that reads it.
 */
export function auditTrailService(
  database: Database,
  repository: AuditRepository,
  users: UserRepository,
  writer: AuditWriter,
) {
  return {
    async page(actor: Actor, query: AuditQuery, before?: string) {
      return withTransaction(database, rlsContextOf(actor), async (trx) => {
        const people = await users.names(trx, actor.partnershipId)
        const page = await repository.list(trx, toFilter(actor, query), {
          limit: 50,
          ...(before ? { before } : {}),
        })
        return { ...page, people, names: new Map(people.map((p) => [p.id, p.displayName])) }
      })
    },

    /**
     * The filtered events as CSV, after the person confirms their password (ASVS 7.5.3: re-authenticate before
     * a bulk export). A wrong password is audited as a failed export and answers a field error.
     */
    async exportCsv(
      actor: Actor,
      query: AuditQuery,
      password: string,
      ctx: RequestContext,
    ): Promise<{ csv: string; rows: number }> {
      if (password === '') throw new ValidationError([{ field: 'password', message: 'Enter your password' }])
      const result = await withTransaction(database, rlsContextOf(actor), async (trx) => {
        if (!(await confirmPassword(trx, users, actor.userId, password))) {
          await writer.write(
            trx,
            actorEvent(actor, ctx, {
              action: 'export',
              outcome: 'failed',
              record: CSV_EXPORT,
              reason: 'password not confirmed',
            }),
          )
          return undefined
        }
        const names = new Map((await users.names(trx, actor.partnershipId)).map((p) => [p.id, p.displayName]))
        const filter = toFilter(actor, query)
        const entries: AuditEntry[] = []
        let before: string | undefined
        do {
          const page = await repository.list(trx, filter, { limit: 500, ...(before ? { before } : {}) })
          entries.push(...page.entries)
          before = page.nextBefore
        } while (before !== undefined && entries.length < EXPORT_MAX_ROWS)
        const kept = entries.slice(0, EXPORT_MAX_ROWS)
        await writer.write(
          trx,
          actorEvent(actor, ctx, {
            action: 'export',
            outcome: 'succeeded',
            record: CSV_EXPORT,
            details: { rows: kept.length, truncated: entries.length > EXPORT_MAX_ROWS },
          }),
        )
        const csv = csvRow(CSV_HEADER) + kept.map((e) => csvRow(auditCsvValues(e, names))).join('')
        return { csv, rows: kept.length }
      })
      if (result === undefined) {
        throw new ValidationError([{ field: 'password', message: 'The password is not right' }])
      }
      return result
    },
  }
}

export type AuditTrailService = ReturnType<typeof auditTrailService>
