import { sql } from 'kysely'
import { updateAtVersion } from '../../db/versioned-update.ts'
import { accountsWithOrganisation } from '../../db/account-joins.ts'
import type { Executor } from '../../db/database.ts'
import { changedBy } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'

export interface AdminUserSummary {
  id: string
  displayName: string
  email: string
  agencyId: string
  agencyName: string
  agencyDisabled: boolean
  teamId: string | null
  teamName: string | null
  roles: string[]
  disabled: boolean
  locked: boolean
  serviceAccount: boolean
  hasPassword: boolean
  version: number
}

/** What the account forms offer: the partnership's active agencies and teams. */
export interface AccountOptions {
  agencies: Array<{ id: string; name: string }>
  teams: Array<{ id: string; name: string; agencyId: string; agencyName: string }>
}

export interface AccountDetails {
  displayName: string
  email: string
  agencyId: string
  teamId: string | null
}

/** Accounts as the system administrator manages them: never any case data. */
export function adminUserRepository() {
  const base = (db: Executor, partnershipId: string) =>
    accountsWithOrganisation(db)
      .select([
        'u.id',
        'u.display_name',
        'u.email',
        'u.agency_id',
        'a.name as agency_name',
        'u.team_id',
        't.name as team_name',
        'u.service_account',
        sql<boolean>`a.disabled_at IS NOT NULL`.as('agency_disabled'),
        sql<boolean>`u.password_hash IS NOT NULL`.as('has_password'),
        sql<boolean>`u.disabled_at IS NOT NULL`.as('disabled'),
        'u.version',
        sql<
          string[]
        >`coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}')`.as(
          'roles',
        ),
        sql<boolean>`coalesce(u.locked_until > now(), false)`.as('locked'),
      ])
      .where('u.partnership_id', '=', partnershipId)

  return {
    /** Role reference data: code → label, in the table's order. */
    async roleLabels(db: Executor): Promise<Record<string, string>> {
      const rows = await db.selectFrom('role').select(['code', 'label']).orderBy('sort_order').execute()
      return Object.fromEntries(rows.map((r) => [r.code, r.label]))
    },

    async list(db: Executor, partnershipId: string): Promise<AdminUserSummary[]> {
      const rows = await base(db, partnershipId).orderBy('u.display_name').execute()
      return rows.map((row) => camelRow(row))
    },

    async find(db: Executor, partnershipId: string, id: string): Promise<AdminUserSummary | undefined> {
      const row = await base(db, partnershipId).where('u.id', '=', id).executeTakeFirst()
      return row && camelRow(row)
    },

    /** The partnership's active agencies and their active teams, for the account forms. */
    async options(db: Executor, partnershipId: string): Promise<AccountOptions> {
      const agencies = await db
        .selectFrom('agency')
        .select(['id', 'name'])
        .where('partnership_id', '=', partnershipId)
        .where('disabled_at', 'is', null)
        .orderBy('name')
        .execute()
      const teams = await db
        .selectFrom('team as t')
        .innerJoin('agency as a', 'a.id', 't.agency_id')
        .select(['t.id', 't.name', 't.agency_id', 'a.name as agency_name'])
        .where('t.partnership_id', '=', partnershipId)
        .where('t.disabled_at', 'is', null)
        .where('a.disabled_at', 'is', null)
        .orderBy('a.name')
        .orderBy('t.name')
        .execute()
      return {
        agencies,
        teams: teams.map((t) => ({
          id: t.id,
          name: t.name,
          agencyId: t.agency_id,
          agencyName: t.agency_name,
        })),
      }
    },

    /** Whether another account (in any partnership: addresses are unique across the deployment) has this email. */
    async emailTaken(db: Executor, email: string, exceptId?: string): Promise<boolean> {
      let query = db
        .selectFrom('app_user')
        .select('id')
        .where(sql<string>`lower(email)`, '=', email.toLowerCase())
      if (exceptId !== undefined) query = query.where('id', '<>', exceptId)
      return (await query.executeTakeFirst()) !== undefined
    },

    /** A new account without a password: a person sets one through a set-up link; a service account never does. */
    async create(
      db: Executor,
      account: AccountDetails & {
        partnershipId: string
        roles: readonly string[]
        serviceAccount: boolean
        by: string
      },
    ): Promise<string> {
      const row = await db
        .insertInto('app_user')
        .values({
          partnership_id: account.partnershipId,
          agency_id: account.agencyId,
          team_id: account.teamId,
          email: account.email,
          display_name: account.displayName,
          password_hash: null,
          service_account: account.serviceAccount,
          created_by: account.by,
          updated_by: account.by,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      if (account.roles.length > 0) {
        await db
          .insertInto('user_role')
          .values(account.roles.map((role) => ({ user_id: row.id, role, created_by: account.by })))
          .execute()
      }
      return row.id
    },

    /** Changes name, email, agency and team if the account is still at `version`; false when it was changed. */
    async updateDetails(
      db: Executor,
      id: string,
      version: number,
      details: AccountDetails,
      by: string,
    ): Promise<boolean> {
      const change = db.updateTable('app_user').set({
        display_name: details.displayName,
        email: details.email,
        agency_id: details.agencyId,
        team_id: details.teamId,
        ...changedBy(by),
      })
      return updateAtVersion(change, id, version)
    },

    async enable(db: Executor, id: string, by: string): Promise<void> {
      await db
        .updateTable('app_user')
        .set({ disabled_at: null, failed_attempts: 0, locked_until: null, ...changedBy(by) })
        .where('id', '=', id)
        .execute()
    },

    /** A new set-up link for the account; its unused links stop working. */
    async createSetUpLink(db: Executor, userId: string, tokenHash: string, days: number, by: string) {
      await db
        .deleteFrom('account_set_up')
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .execute()
      const row = await db
        .insertInto('account_set_up')
        .values({
          user_id: userId,
          token_hash: tokenHash,
          expires_at: sql<Date>`now() + make_interval(days => ${days})`,
          created_by: by,
        })
        .returning(['id', 'expires_at'])
        .executeTakeFirstOrThrow()
      return { id: row.id, expiresAt: row.expires_at }
    },

    /** When the account's newest unused set-up link expires (undefined if it has none). */
    async pendingSetUp(db: Executor, userId: string): Promise<Date | undefined> {
      const row = await db
        .selectFrom('account_set_up')
        .select('expires_at')
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', sql<Date>`now()`)
        .orderBy('expires_at', 'desc')
        .executeTakeFirst()
      return row?.expires_at
    },

    /** Replaces the roles if the account is still at `version`; returns false when someone changed it meanwhile. */
    async setRoles(db: Executor, id: string, version: number, roles: string[], by: string): Promise<boolean> {
      if (!(await updateAtVersion(db.updateTable('app_user').set(changedBy(by)), id, version))) return false
      await db.deleteFrom('user_role').where('user_id', '=', id).execute()
      if (roles.length > 0) {
        await db
          .insertInto('user_role')
          .values(roles.map((role) => ({ user_id: id, role, created_by: by })))
          .execute()
      }
      return true
    },
  }
}

export type AdminUserRepository = ReturnType<typeof adminUserRepository>
