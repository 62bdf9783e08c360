import { createHash, randomBytes } from 'node:crypto'
import { withTransaction, type Database } from '../../db/database.ts'
import type { Actor } from '../../platform/access/policy.ts'
import { isRole, ROLES, type Role } from '../../platform/access/roles.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import type { UserRepository } from '../../platform/auth/user-repository.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { SessionRepository } from '../../platform/session/session-repository.ts'
import { rlsContextOf } from '../../platform/access/actor.ts'
import { adminChangeRecorder } from '../../platform/audit/admin-change.ts'
import type {
  AccountDetails,
  AccountOptions,
  AdminUserRepository,
  AdminUserSummary,
} from './admin-user-repository.ts'

export type { AccountOptions, AdminUserSummary } from './admin-user-repository.ts'

/** A set-up link works once, for this many days. */
export const SET_UP_LINK_DAYS = 7

/** What the account forms send, as typed (trimmed here). */
export interface AccountInput {
  displayName: string
  email: string
  agencyId: string
  teamId: string
}

/** What a stale form is told: someone else saved first, so check `what` and save again. */
const stale = (what: string) =>
  `Someone else changed this account while you were editing it. Check ${what} below and save again.`

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/
export const EMAIL_TAKEN = 'An account already has this email address'

/** Checks the details against the partnership's agencies and teams; `current` may keep a now-disabled agency. */
function checkDetails(
  input: AccountInput,
  options: AccountOptions,
  current?: { agencyId: string; teamId: string | null },
): { details: AccountDetails; errors: Array<{ field: string; message: string }> } {
  const errors: Array<{ field: string; message: string }> = []
  const displayName = input.displayName.trim()
  const email = input.email.trim()
  const agencyId = input.agencyId.trim()
  const teamId = input.teamId.trim()
  if (displayName === '') errors.push({ field: 'displayName', message: 'Enter a name' })
  else if (displayName.length > 200)
    errors.push({ field: 'displayName', message: 'Name must be 200 characters or fewer' })
  if (email === '') errors.push({ field: 'email', message: 'Enter an email address' })
  else if (email.length > 254 || !EMAIL.test(email)) {
    errors.push({
      field: 'email',
      message: 'Enter an email address in the correct format, like name@example.org',
    })
  }
  const agencyKnown = options.agencies.some((a) => a.id === agencyId) || agencyId === current?.agencyId
  if (agencyId === '') errors.push({ field: 'agency', message: 'Choose an agency' })
  else if (!agencyKnown) errors.push({ field: 'agency', message: 'Choose an agency from the list' })
  if (teamId !== '' && agencyKnown) {
    const inAgency =
      options.teams.some((t) => t.id === teamId && t.agencyId === agencyId) ||
      (teamId === current?.teamId && agencyId === current.agencyId)
    if (!inAgency) {
      errors.push({ field: 'team', message: 'Choose a team of the chosen agency, or no team' })
    }
  }
  return { details: { displayName, email, agencyId, teamId: teamId === '' ? null : teamId }, errors }
}

const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'

function newSetUpToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: createHash('sha256').update(token).digest('hex') }
}

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
  const recordChange = adminChangeRecorder(audit, 'admin.user-change', 'user')

  const checkRoles = (roles: string[]): Role[] => {
    if (roles.some((r) => !isRole(r))) {
      throw new ValidationError([{ field: 'roles', message: 'Choose roles from the list' }])
    }
    return ROLES.filter((r): r is Role => roles.includes(r))
  }

  return {
    async roleLabels(): Promise<Record<string, string>> {
      return withTransaction(database, {}, (trx) => repository.roleLabels(trx))
    },

    async list(actor: Actor): Promise<AdminUserSummary[]> {
      return withTransaction(database, rlsContextOf(actor), (trx) =>
        repository.list(trx, actor.partnershipId),
      )
    },

    /** Another partnership's account is "not found", exactly like an id that does not exist. */
    async find(actor: Actor, id: string): Promise<AdminUserSummary> {
      const found = await withTransaction(database, rlsContextOf(actor), (trx) =>
        repository.find(trx, actor.partnershipId, id),
      )
      if (found === undefined) throw new NotFoundError()
      return found
    },

    async options(actor: Actor): Promise<AccountOptions> {
      return withTransaction(database, rlsContextOf(actor), (trx) =>
        repository.options(trx, actor.partnershipId),
      )
    },

    /** When the account's unused set-up link expires, if it has one. */
    async pendingSetUp(actor: Actor, id: string): Promise<Date | undefined> {
      return withTransaction(database, rlsContextOf(actor), (trx) => repository.pendingSetUp(trx, id))
    },

    /**
     * A new account with no password. A person's account comes with a one-time set-up link (returned once: only
     * its hash is kept); a service account has none and can only be given API tokens.
     */
    async create(
      actor: Actor,
      input: AccountInput & { roles: string[]; serviceAccount: boolean },
      ctx: RequestContext,
    ): Promise<{ id: string; setUp?: { token: string; expiresAt: Date } }> {
      const unknownRoles = input.roles.some((r) => !isRole(r))
      try {
        return await withTransaction(database, rlsContextOf(actor), async (trx) => {
          const { details, errors } = checkDetails(input, await repository.options(trx, actor.partnershipId))
          if (errors.every((e) => e.field !== 'email') && (await repository.emailTaken(trx, details.email))) {
            errors.push({ field: 'email', message: EMAIL_TAKEN })
          }
          if (unknownRoles) errors.push({ field: 'roles', message: 'Choose roles from the list' })
          else if (input.roles.length === 0)
            errors.push({ field: 'roles', message: 'Choose at least one role' })
          if (errors.length > 0) throw new ValidationError(errors)
          const roles = checkRoles(input.roles)
          const id = await repository.create(trx, {
            ...details,
            partnershipId: actor.partnershipId,
            roles,
            serviceAccount: input.serviceAccount,
            by: actor.userId,
          })
          await recordChange(trx, actor, id, ctx, {
            change: 'created',
            kind: input.serviceAccount ? 'service' : 'person',
            roles: roles.join(' '),
            agencyId: details.agencyId,
            teamId: details.teamId ?? '',
          })
          if (input.serviceAccount) return { id }
          const link = newSetUpToken()
          const made = await repository.createSetUpLink(trx, id, link.hash, SET_UP_LINK_DAYS, actor.userId)
          await recordChange(trx, actor, id, ctx, { change: 'set-up-link', days: SET_UP_LINK_DAYS })
          return { id, setUp: { token: link.token, expiresAt: made.expiresAt } }
        })
      } catch (error) {
        // Two administrators adding the same address at once: the unique index decides.
        if (isUniqueViolation(error)) throw new ValidationError([{ field: 'email', message: EMAIL_TAKEN }])
        throw error
      }
    },

    /** Name, email, agency and team, if nobody changed the account since `version` was read. */
    async updateDetails(
      actor: Actor,
      id: string,
      version: number,
      input: AccountInput,
      ctx: RequestContext,
    ): Promise<void> {
      try {
        await withTransaction(database, rlsContextOf(actor), async (trx) => {
          const before = await repository.find(trx, actor.partnershipId, id)
          if (before === undefined) throw new NotFoundError()
          const { details, errors } = checkDetails(
            input,
            await repository.options(trx, actor.partnershipId),
            before,
          )
          if (
            errors.every((e) => e.field !== 'email') &&
            (await repository.emailTaken(trx, details.email, id))
          ) {
            errors.push({ field: 'email', message: EMAIL_TAKEN })
          }
          if (errors.length > 0) throw new ValidationError(errors)
          if (!(await repository.updateDetails(trx, id, version, details, actor.userId))) {
            throw new ConflictError(stale('the account'))
          }
          const changed = [
            details.displayName !== before.displayName ? 'name' : '',
            details.email !== before.email ? 'email' : '',
            details.agencyId !== before.agencyId ? 'agency' : '',
            details.teamId !== before.teamId ? 'team' : '',
          ].filter((f) => f !== '')
          await recordChange(trx, actor, id, ctx, {
            change: 'details',
            fields: changed.join(' '),
            agencyId: details.agencyId,
            teamId: details.teamId ?? '',
          })
        })
      } catch (error) {
        if (isUniqueViolation(error)) throw new ValidationError([{ field: 'email', message: EMAIL_TAKEN }])
        throw error
      }
    },

    /** Lets a disabled account sign in again (a fresh start: no lockout carried over). */
    async enable(actor: Actor, id: string, ctx: RequestContext): Promise<void> {
      await withTransaction(database, rlsContextOf(actor), async (trx) => {
        const found = await repository.find(trx, actor.partnershipId, id)
        if (found === undefined) throw new NotFoundError()
        if (!found.disabled) return
        await repository.enable(trx, id, actor.userId)
        await recordChange(trx, actor, id, ctx, { change: 'enabled' })
      })
    },

    /** A new one-time set-up link for a person's active account (the old unused one stops working). */
    async issueSetUpLink(
      actor: Actor,
      id: string,
      ctx: RequestContext,
    ): Promise<{ token: string; expiresAt: Date }> {
      return withTransaction(database, rlsContextOf(actor), async (trx) => {
        const found = await repository.find(trx, actor.partnershipId, id)
        if (found === undefined) throw new NotFoundError()
        if (found.serviceAccount || found.disabled) {
          throw new ValidationError([
            {
              field: 'setUpLink',
              message: found.serviceAccount
                ? 'A service account cannot sign in, so it has no set-up link'
                : 'Enable the account before giving it a set-up link',
            },
          ])
        }
        const link = newSetUpToken()
        const made = await repository.createSetUpLink(trx, id, link.hash, SET_UP_LINK_DAYS, actor.userId)
        await recordChange(trx, actor, id, ctx, { change: 'set-up-link', days: SET_UP_LINK_DAYS })
        return { token: link.token, expiresAt: made.expiresAt }
      })
    },

    async setRoles(
      actor: Actor,
      id: string,
      version: number,
      roles: string[],
      ctx: RequestContext,
    ): Promise<void> {
      const chosen = checkRoles(roles)
      await withTransaction(database, rlsContextOf(actor), async (trx) => {
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
        if (!(await repository.setRoles(trx, id, version, chosen, actor.userId))) {
          throw new ConflictError(stale('the roles'))
        }
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
      return withTransaction(database, rlsContextOf(actor), async (trx) => {
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
