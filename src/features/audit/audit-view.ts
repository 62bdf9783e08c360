import type { AuditEntry } from '../../platform/audit/audit-writer.ts'

/** Shaping audit entries for the DPO's table and CSV: small pure functions, tested on their own. */

export interface AuditRowView {
  id: string
  time: string
  who: string
  role: string
  action: string
  record: string
  outcome: string
  reason: string
  reference: string
}

const LONDON = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

export function auditRowView(entry: AuditEntry, names: ReadonlyMap<string, string>): AuditRowView {
  const who =
    entry.actorId === null
      ? 'System or unknown account'
      : (names.get(entry.actorId) ?? `Account ${entry.actorId}`)
  return {
    id: entry.id,
    time: LONDON.format(entry.occurredAt),
    who,
    role: entry.actorRole ?? '',
    action: entry.action,
    record: entry.recordType === null ? '' : `${entry.recordType} ${entry.recordId ?? ''}`.trim(),
    outcome: entry.outcome,
    reason: entry.reason ?? '',
    reference: entry.requestId ?? '',
  }
}

export const CSV_HEADER = [
  'Event',
  'Time (UTC)',
  'Who',
  'Account id',
  'Role',
  'Action',
  'Record type',
  'Record id',
  'Outcome',
  'Reason',
  'Request id',
  'IP address',
]

export function auditCsvValues(entry: AuditEntry, names: ReadonlyMap<string, string>): Array<string | null> {
  return [
    entry.id,
    entry.occurredAt.toISOString(),
    entry.actorId === null ? null : (names.get(entry.actorId) ?? null),
    entry.actorId,
    entry.actorRole,
    entry.action,
    entry.recordType,
    entry.recordId,
    entry.outcome,
    entry.reason,
    entry.requestId,
    entry.ip,
  ]
}
