import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import { isRole, ROLES, type Role } from '../../platform/access/roles.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import type { UserRepository } from '../../platform/auth/user-repository.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { SessionRepository } from '../../platform/session/session-repository.ts'
import type { AdminUserRepository, AdminUserSummary } from './admin-user-repository.ts'

/**
 * The system administrator's work on accounts in their own partnership: list, change roles, disable (which ends
 * every session of the account at once). Every change is audited in its transaction. Callers hold `user:manage`.
 */
export function adminUserService(
  database: Database,
  repository: AdminUserRepository,
  users: UserRepository,
  sessions: SessionRepository,
  audit: AuditWriter,
) {
  const context = (actor: Actor) => ({ actorId: actor.userId, partnershipId: actor.partnershipId })
  /** Every change to an account is audited in the transaction that makes it. */
  const recordChange = (
    trx: Transaction<DB>,
    actor: Actor,
    id: string,
    ctx: RequestContext,
    details: Record<string, string | number>,
  ) =>
    audit.write(trx, {
      action: 'admin.user-change',
      outcome: 'succeeded',
      partnershipId: actor.partnershipId,
      actor: { id: actor.userId, role: actor.roles.join(' '), agencyId: actor.agencyId },
      record: { type: 'user', id },
      requestId: ctx.requestId,
      ip: ctx.ip,
      details,
    })

  return {
    async roleLabels(): Promise<Record<string, string>> {
      return withTransaction(database, {}, (trx) => repository.roleLabels(trx))
    },

    async list(actor: Actor): Promise<AdminUserSummary[]> {
      return withTransaction(database, context(actor), (trx) => repository.list(trx, actor.partnershipId))
    },

    /** Another partnership's account is "not found", exactly like an id that does not exist. */
    async find(actor: Actor, id: string): Promise<AdminUserSummary> {
      const found = await withTransaction(database, context(actor), (trx) =>
        repository.find(trx, actor.partnershipId, id),
      )
      if (found === undefined) throw new NotFoundError()
      return found
    },

    async setRoles(
      actor: Actor,
      id: string,
      version: number,
      roles: string[],
      ctx: RequestContext,
    ): Promise<void> {
      const unknown = roles.filter((r) => !isRole(r))
      if (unknown.length > 0)
        throw new ValidationError([{ field: 'roles', message: 'Choose roles from the list' }])
      const chosen = ROLES.filter((r): r is Role => roles.includes(r))
      await withTransaction(database, context(actor), async (trx) => {
        const before = await repository.find(trx, actor.partnershipId, id)
        if (before === undefined) throw new NotFoundError()
        if (
          id === actor.userId &&
          before.roles.includes('system-admin') &&
          !chosen.includes('system-admin')
        ) {
          throw new ValidationError([
            {
              field: 'roles',
              message: 'You cannot remove your own system administrator role: ask another administrator',
            },
          ])
        }
        if (!(await repository.setRoles(trx, id, version, chosen, actor.userId))) throw new ConflictError()
        await recordChange(trx, actor, id, ctx, {
          change: 'roles',
          added: chosen.filter((r) => !before.roles.includes(r)).join(' '),
          removed: before.roles.filter((r) => !(chosen as string[]).includes(r)).join(' '),
        })
      })
    },

    /** Disables the account and ends all its sessions in the same transaction (ASVS 7.4.2). */
    async disable(actor: Actor, id: string, ctx: RequestContext): Promise<number> {
      if (id === actor.userId) {
        throw new ValidationError([{ field: 'disable', message: 'You cannot disable your own account' }])
      }
      return withTransaction(database, context(actor), async (trx) => {
        const found = await repository.find(trx, actor.partnershipId, id)
        if (found === undefined) throw new NotFoundError()
        if (found.disabled) return 0
        await users.disable(trx, id)
        const ended = await sessions.deleteForUser(trx, id)
        await recordChange(trx, actor, id, ctx, { change: 'disabled', sessionsEnded: ended })
        return ended
      })
    },
  }
}

export type AdminUserService = ReturnType<typeof adminUserService>
