import { withTransaction, type Database } from '../../db/database.ts'
import { actorEvent, rlsContextOf } from './actor.ts'
import type { AuditWriter } from '../audit/audit-writer.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import type { Actor } from './policy.ts'
import { can } from './policy.ts'
import type { Capability } from './roles.ts'

/** Function-level checks for services and pages; every denial is written to the audit trail. */
export function accessService(database: Database, audit: AuditWriter) {
  return {
    /** True when allowed; otherwise records the denial and returns false. */
    async check(actor: Actor, capability: Capability, ctx: RequestContext): Promise<boolean> {
      if (can(actor, capability)) return true
      await withTransaction(database, rlsContextOf(actor), (trx) =>
        audit.write(
          trx,
          actorEvent(actor, ctx, {
            action: 'access.denied',
            outcome: 'denied',
            reason: `missing capability ${capability}`,
          }),
        ),
      )
      return false
    },
  }
}

export type AccessService = ReturnType<typeof accessService>
