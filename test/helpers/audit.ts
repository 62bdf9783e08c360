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
