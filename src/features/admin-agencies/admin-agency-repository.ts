import { sql } from 'kysely'
import { updateAtVersion } from '../../db/versioned-update.ts'
import type { Executor } from '../../db/database.ts'
import { changedBy } from '../../db/query-helpers.ts'

export interface AgencySummary {
  id: string
  name: string
  agencyType: string
  typeLabel: string
  disabled: boolean
  activeUsers: number
  teams: number
  version: number
}

export interface TeamSummary {
  id: string
  name: string
  activeUsers: number
}

/** A partnership's agencies and their teams, as the system administrator manages them (no case data). */
export function adminAgencyRepository() {
  const base = (db: Executor, partnershipId: string) =>
    db
      .selectFrom('agency as a')
      .innerJoin('agency_type as t', 't.code', 'a.agency_type')
      .select([
        'a.id',
        'a.name',
        'a.agency_type',
        't.label',
        'a.disabled_at',
        'a.version',
        sql<string>`(SELECT count(*) FROM app_user u WHERE u.agency_id = a.id AND u.disabled_at IS NULL)`.as(
          'active_users',
        ),
        sql<string>`(SELECT count(*) FROM team WHERE team.agency_id = a.id)`.as('teams'),
      ])
      .where('a.partnership_id', '=', partnershipId)

  const toSummary = (r: {
    id: string
    name: string
    agency_type: string
    label: string
    disabled_at: Date | null
    version: number
    active_users: string
    teams: string
  }): AgencySummary => ({
    id: r.id,
    name: r.name,
    agencyType: r.agency_type,
    typeLabel: r.label,
    disabled: r.disabled_at !== null,
    activeUsers: Number(r.active_users),
    teams: Number(r.teams),
    version: r.version,
  })

  return {
    /** Agency types (reference data), code → label in the table's order. */
    async types(db: Executor): Promise<Array<{ code: string; label: string }>> {
      return db.selectFrom('agency_type').select(['code', 'label']).orderBy('sort_order').execute()
    },

    async list(db: Executor, partnershipId: string): Promise<AgencySummary[]> {
      const rows = await base(db, partnershipId).orderBy('t.sort_order').orderBy('a.name').execute()
      return rows.map(toSummary)
    },

    async find(db: Executor, partnershipId: string, id: string): Promise<AgencySummary | undefined> {
      const row = await base(db, partnershipId).where('a.id', '=', id).executeTakeFirst()
      return row && toSummary(row)
    },

    async teams(db: Executor, agencyId: string): Promise<TeamSummary[]> {
      const rows = await db
        .selectFrom('team')
        .select([
          'id',
          'name',
          sql<string>`(SELECT count(*) FROM app_user u WHERE u.team_id = team.id AND u.disabled_at IS NULL)`.as(
            'active_users',
          ),
        ])
        .where('agency_id', '=', agencyId)
        .orderBy('name')
        .execute()
      return rows.map((r) => ({ id: r.id, name: r.name, activeUsers: Number(r.active_users) }))
    },

    /** Names are unique in a partnership regardless of case ("Police" and "police" would confuse everyone). */
    async nameTaken(db: Executor, partnershipId: string, name: string, exceptId?: string): Promise<boolean> {
      let query = db
        .selectFrom('agency')
        .select('id')
        .where('partnership_id', '=', partnershipId)
        .where(sql<string>`lower(name)`, '=', name.toLowerCase())
      if (exceptId !== undefined) query = query.where('id', '<>', exceptId)
      return (await query.executeTakeFirst()) !== undefined
    },

    async create(
      db: Executor,
      agency: { partnershipId: string; name: string; agencyType: string; by: string },
    ): Promise<string> {
      const row = await db
        .insertInto('agency')
        .values({
          partnership_id: agency.partnershipId,
          name: agency.name,
          agency_type: agency.agencyType,
          created_by: agency.by,
          updated_by: agency.by,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },

    /** Renames if the agency is still at `version`; false when someone changed it meanwhile. */
    async rename(db: Executor, id: string, version: number, name: string, by: string): Promise<boolean> {
      return updateAtVersion(db.updateTable('agency').set({ name, ...changedBy(by) }), id, version)
    },

    async setDisabled(db: Executor, id: string, disabled: boolean, by: string): Promise<void> {
      await db
        .updateTable('agency')
        .set({ disabled_at: disabled ? sql<string>`now()` : null, ...changedBy(by) })
        .where('id', '=', id)
        .execute()
    },

    /** Ends the sessions of everyone in the agency; returns how many. */
    async endSessions(db: Executor, agencyId: string): Promise<number> {
      const result = await db
        .deleteFrom('session')
        .where('user_id', 'in', (eb) =>
          eb.selectFrom('app_user').select('id').where('agency_id', '=', agencyId),
        )
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },

    async teamNameTaken(db: Executor, agencyId: string, name: string): Promise<boolean> {
      const row = await db
        .selectFrom('team')
        .select('id')
        .where('agency_id', '=', agencyId)
        .where(sql<string>`lower(name)`, '=', name.toLowerCase())
        .executeTakeFirst()
      return row !== undefined
    },

    async createTeam(
      db: Executor,
      team: { partnershipId: string; agencyId: string; name: string; by: string },
    ): Promise<string> {
      const row = await db
        .insertInto('team')
        .values({
          partnership_id: team.partnershipId,
          agency_id: team.agencyId,
          name: team.name,
          created_by: team.by,
          updated_by: team.by,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
      return row.id
    },
  }
}

export type AdminAgencyRepository = ReturnType<typeof adminAgencyRepository>
