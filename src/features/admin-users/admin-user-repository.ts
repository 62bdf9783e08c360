import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'

export interface AdminUserSummary {
  id: string
  displayName: string
  email: string
  agencyName: string
  roles: string[]
  disabled: boolean
  locked: boolean
  version: number
}

/** Accounts as the system administrator manages them: never any case data. */
export function adminUserRepository() {
  const base = (db: Executor, partnershipId: string) =>
    db
      .selectFrom('app_user as u')
      .innerJoin('agency as a', 'a.id', 'u.agency_id')
      .select([
        'u.id',
        'u.display_name',
        'u.email',
        'a.name as agency_name',
        'u.disabled_at',
        'u.locked_until',
        'u.version',
        sql<
          string[]
        >`coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM user_role r WHERE r.user_id = u.id), '{}')`.as(
          'roles',
        ),
        sql<boolean>`coalesce(u.locked_until > now(), false)`.as('locked'),
      ])
      .where('u.partnership_id', '=', partnershipId)

  const toSummary = (row: {
    id: string
    display_name: string
    email: string
    agency_name: string
    disabled_at: Date | null
    version: number
    roles: string[]
    locked: boolean
  }): AdminUserSummary => ({
    id: row.id,
    displayName: row.display_name,
    email: row.email,
    agencyName: row.agency_name,
    roles: row.roles,
    disabled: row.disabled_at !== null,
    locked: row.locked,
    version: row.version,
  })

  return {
    /** Role reference data: code → label, in the table's order. */
    async roleLabels(db: Executor): Promise<Record<string, string>> {
      const rows = await db.selectFrom('role').select(['code', 'label']).orderBy('sort_order').execute()
      return Object.fromEntries(rows.map((r) => [r.code, r.label]))
    },

    async list(db: Executor, partnershipId: string): Promise<AdminUserSummary[]> {
      const rows = await base(db, partnershipId).orderBy('u.display_name').execute()
      return rows.map(toSummary)
    },

    async find(db: Executor, partnershipId: string, id: string): Promise<AdminUserSummary | undefined> {
      const row = await base(db, partnershipId).where('u.id', '=', id).executeTakeFirst()
      return row && toSummary(row)
    },

    /** Replaces the roles if the account is still at `version`; returns false when someone changed it meanwhile. */
    async setRoles(db: Executor, id: string, version: number, roles: string[], by: string): Promise<boolean> {
      const bumped = await db
        .updateTable('app_user')
        .set({ version: sql<number>`version + 1`, updated_at: sql<Date>`now()`, updated_by: by })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst()
      if (bumped.numUpdatedRows === 0n) return false
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
