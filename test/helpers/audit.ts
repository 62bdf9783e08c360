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
