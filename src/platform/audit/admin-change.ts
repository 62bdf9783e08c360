import type { Transaction } from 'kysely'
import type { DB } from '../../db/schema.ts'
import { actorEvent } from '../access/actor.ts'
import type { Actor } from '../access/policy.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import type { AuditAction, AuditWriter } from './audit-writer.ts'

/**
 * The administrator's changes to accounts and agencies: each is audited, in the transaction that makes it, as
 * `action` on the changed record with what changed (codes and counts, never names).
 */
export function adminChangeRecorder(audit: AuditWriter, action: AuditAction, recordType: string) {
  return (
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    ctx: RequestContext,
    details: Record<string, string | number>,
  ) =>
    audit.write(
      trx,
      actorEvent(actor, ctx, { action, outcome: 'succeeded', record: { type: recordType, id }, details }),
    )
}
