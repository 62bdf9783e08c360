import { ownerQuery } from './database.ts'

/** One row of the audit trail, as the tests read it (the address as text). */
export interface AuditRow {
  action: string
  outcome: string
  actor_id: string | null
  partnership_id: string | null
  reason: string | null
  request_id: string | null
  ip: string | null
  details: Record<string, unknown>
}

/** The whole audit trail of a test database, oldest first. */
export const auditTrail = (ownerUrl: string): Promise<AuditRow[]> =>
  ownerQuery<AuditRow>(
    ownerUrl,
    'SELECT action, outcome, actor_id, partnership_id, reason, request_id, ip::text AS ip, details FROM audit_event ORDER BY id',
  )

/** The reasons of the access denials audited for one actor, oldest first. */
export async function deniedReasons(ownerUrl: string, actorId: string): Promise<string[]> {
  const rows = await ownerQuery<{ reason: string }>(
    ownerUrl,
    "SELECT reason FROM audit_event WHERE action = 'access.denied' AND actor_id = $1 ORDER BY id",
    [actorId],
  )
  return rows.map((row) => row.reason)
}

/** An audit event with the record it is about. */
export interface AuditEvent extends AuditRow {
  record_type: string | null
  record_id: string | null
}

/** The audit events matching every filter given (record type, record id, action), oldest first. */
export function auditEvents(
  ownerUrl: string,
  filter: { recordType?: string; recordId?: string; action?: string } = {},
): Promise<AuditEvent[]> {
  const columns = { record_type: filter.recordType, record_id: filter.recordId, action: filter.action }
  const given = Object.entries(columns).filter(([, value]) => value !== undefined)
  const where = given.map(([column], i) => `${column} = $${String(i + 1)}`).join(' AND ')
  return ownerQuery<AuditEvent>(
    ownerUrl,
    `SELECT action, outcome, actor_id, partnership_id, reason, request_id, ip::text AS ip, details, record_type,
            record_id FROM audit_event${where === '' ? '' : ` WHERE ${where}`} ORDER BY id`,
    given.map(([, value]) => value),
  )
}

/** The audit events of one action about one person's record, oldest first. */
export const personAudit = (ownerUrl: string, personId: string, action: string): Promise<AuditEvent[]> =>
  auditEvents(ownerUrl, { recordType: 'person', recordId: personId, action })

/** How each audited read of a person's record came (its `details.via`: 'api', 'list', 'chronology'…), oldest first. */
export async function readsVia(ownerUrl: string, personId: string): Promise<unknown[]> {
  return (await personAudit(ownerUrl, personId, 'record.read')).map((row) => row.details.via)
}

/** How many audited reads came by `via` (a page or list's name), by one actor or of one record. */
export async function readsCounted(
  ownerUrl: string,
  via: string,
  by: { actorId: string } | { recordId: string },
): Promise<number> {
  const [column, id] = 'actorId' in by ? ['actor_id', by.actorId] : ['record_id', by.recordId]
  const [row] = await ownerQuery<{ n: string }>(
    ownerUrl,
    `SELECT count(*) AS n FROM audit_event WHERE action = 'record.read' AND ${column} = $1 AND details->>'via' = $2`,
    [id, via],
  )
  return Number(row!.n)
}
