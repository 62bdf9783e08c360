import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB } from '../../db/schema.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import type { AdminAgencyRepository, AgencySummary, TeamSummary } from './admin-agency-repository.ts'
import { rlsContextOf } from '../../platform/access/actor.ts'
import { adminChangeRecorder } from '../../platform/audit/admin-change.ts'

type Errors = Array<{ field: string; message: string }>

const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505'

function checkName(value: string, field: string, what: string, errors: Errors): string {
  const name = value.trim()
  if (name === '') errors.push({ field, message: `Enter the ${what}'s name` })
  else if (name.length > 200)
    errors.push({ field, message: `The ${what}'s name must be 200 characters or fewer` })
  return name
}

/**
 * The system administrator's work on their partnership's agencies and teams. Disabling an agency stops all its
 * people signing in (sign-in and every request re-read the agency) and ends their sessions at once. Every change
 * is audited in its transaction. Callers hold `agency:manage`.
 */
export function adminAgencyService(
  database: Database,
  repository: AdminAgencyRepository,
  audit: AuditWriter,
) {
  const recordChange = adminChangeRecorder(audit, 'admin.agency-change', 'agency')
  const found = async (trx: Transaction<DB>, actor: Actor, id: string) => {
    const agency = await repository.find(trx, actor.partnershipId, id)
    if (agency === undefined) throw new NotFoundError()
    return agency
  }
  const nameTaken = { field: 'name', message: 'Your partnership already has an agency with this name' }
  const teamTaken = { field: 'teamName', message: 'This agency already has a team with this name' }

  return {
    async types(): Promise<Array<{ code: string; label: string }>> {
      return withTransaction(database, {}, (trx) => repository.types(trx))
    },

    async list(actor: Actor): Promise<AgencySummary[]> {
      return withTransaction(database, rlsContextOf(actor), (trx) =>
        repository.list(trx, actor.partnershipId),
      )
    },

    /** Another partnership's agency is "not found", like an id that does not exist. */
    async find(actor: Actor, id: string): Promise<AgencySummary & { teamList: TeamSummary[] }> {
      return withTransaction(database, rlsContextOf(actor), async (trx) => {
        const agency = await found(trx, actor, id)
        return { ...agency, teamList: await repository.teams(trx, id) }
      })
    },

    async create(
      actor: Actor,
      input: { name: string; agencyType: string },
      ctx: RequestContext,
    ): Promise<string> {
      try {
        return await withTransaction(database, rlsContextOf(actor), async (trx) => {
          const errors: Errors = []
          const name = checkName(input.name, 'name', 'agency', errors)
          const types = await repository.types(trx)
          if (input.agencyType === '')
            errors.push({ field: 'agencyType', message: 'Choose the type of agency' })
          else if (!types.some((t) => t.code === input.agencyType)) {
            errors.push({ field: 'agencyType', message: 'Choose a type of agency from the list' })
          }
          if (errors.length === 0 && (await repository.nameTaken(trx, actor.partnershipId, name))) {
            errors.push(nameTaken)
          }
          if (errors.length > 0) throw new ValidationError(errors)
          const id = await repository.create(trx, {
            partnershipId: actor.partnershipId,
            name,
            agencyType: input.agencyType,
            by: actor.userId,
          })
          await recordChange(trx, actor, id, ctx, { change: 'created', type: input.agencyType })
          return id
        })
      } catch (error) {
        if (isUniqueViolation(error)) throw new ValidationError([nameTaken])
        throw error
      }
    },

    /** Renames if nobody changed the agency since `version` was read. */
    async rename(
      actor: Actor,
      id: string,
      version: number,
      input: string,
      ctx: RequestContext,
    ): Promise<void> {
      try {
        await withTransaction(database, rlsContextOf(actor), async (trx) => {
          await found(trx, actor, id)
          const errors: Errors = []
          const name = checkName(input, 'name', 'agency', errors)
          if (errors.length === 0 && (await repository.nameTaken(trx, actor.partnershipId, name, id))) {
            errors.push(nameTaken)
          }
          if (errors.length > 0) throw new ValidationError(errors)
          if (!(await repository.rename(trx, id, version, name, actor.userId))) {
            throw new ConflictError(
              'Someone else changed this agency while you were editing it. Check its name below and save again.',
            )
          }
          await recordChange(trx, actor, id, ctx, { change: 'renamed' })
        })
      } catch (error) {
        if (isUniqueViolation(error)) throw new ValidationError([nameTaken])
        throw error
      }
    },

    /** Nobody in a disabled agency can sign in; everyone signed in from it is signed out now. */
    async disable(actor: Actor, id: string, ctx: RequestContext): Promise<number> {
      if (id === actor.agencyId) {
        throw new ValidationError([
          { field: 'disable', message: 'You cannot disable your own agency: you would be signed out too' },
        ])
      }
      return withTransaction(database, rlsContextOf(actor), async (trx) => {
        const agency = await found(trx, actor, id)
        if (agency.disabled) return 0
        await repository.setDisabled(trx, id, true, actor.userId)
        const ended = await repository.endSessions(trx, id)
        await recordChange(trx, actor, id, ctx, { change: 'disabled', sessionsEnded: ended })
        return ended
      })
    },

    async enable(actor: Actor, id: string, ctx: RequestContext): Promise<void> {
      await withTransaction(database, rlsContextOf(actor), async (trx) => {
        const agency = await found(trx, actor, id)
        if (!agency.disabled) return
        await repository.setDisabled(trx, id, false, actor.userId)
        await recordChange(trx, actor, id, ctx, { change: 'enabled' })
      })
    },

    async createTeam(actor: Actor, agencyId: string, input: string, ctx: RequestContext): Promise<string> {
      try {
        return await withTransaction(database, rlsContextOf(actor), async (trx) => {
          await found(trx, actor, agencyId)
          const errors: Errors = []
          const name = checkName(input, 'teamName', 'team', errors)
          if (errors.length === 0 && (await repository.teamNameTaken(trx, agencyId, name)))
            errors.push(teamTaken)
          if (errors.length > 0) throw new ValidationError(errors)
          const teamId = await repository.createTeam(trx, {
            partnershipId: actor.partnershipId,
            agencyId,
            name,
            by: actor.userId,
          })
          await recordChange(trx, actor, agencyId, ctx, { change: 'team-created', teamId })
          return teamId
        })
      } catch (error) {
        if (isUniqueViolation(error)) throw new ValidationError([teamTaken])
        throw error
      }
    },
  }
}

export type AdminAgencyService = ReturnType<typeof adminAgencyService>
