import { sql } from 'kysely'
import type { Executor } from '../../db/database.ts'
import { changedBy } from '../../db/query-helpers.ts'
import { camelRow } from '../../db/rows.ts'
import type { TaskStatus, TaskSubjectKind } from '../../db/schema.ts'

/** A task as stored, with the names of its assignee, their team and the team it was escalated to. */
export interface TaskRow {
  id: string
  partnershipId: string
  kind: string
  subjectKind: TaskSubjectKind
  subjectId: string
  assignedUserId: string | null
  assignedUserName: string | null
  assignedTeamId: string | null
  assignedTeamName: string | null
  reason: string
  dueAt: Date
  status: TaskStatus
  sourceKind: string | null
  sourceId: string | null
  closedAt: Date | null
  closedByName: string | null
  outcome: string | null
  escalatedAt: Date | null
  escalatedToTeamId: string | null
  escalatedToTeamName: string | null
  escalationReason: string | null
  createdAt: Date
  version: number
  dedupKey: string
  intelligenceId: string | null
  closedBy: string | null
  isDemo: boolean
  createdBy: string | null
  updatedAt: Date
  updatedBy: string | null
}

export interface NewTask {
  partnershipId: string
  kind: string
  subjectKind: TaskSubjectKind
  subjectId: string
  assignedUserId: string | null
  assignedTeamId: string | null
  reason: string
  dueAt: Date
  dedupKey: string
  sourceKind: string | null
  sourceId: string | null
  createdBy: string | null
  isDemo?: boolean
}

/** Whose open tasks: assigned to the user or escalated to a team they manage ('mine'), or to their teams. */
export interface TaskScope {
  list: 'mine' | 'team'
  userId: string
  teamIds: readonly string[]
  managedTeamIds: readonly string[]
}

/** A name from another table by its id (null when the id is). */
const nameOf = (
  table: 'app_user' | 'team',
  id: 'k.assigned_user_id' | 'k.assigned_team_id' | 'k.escalated_to_team_id' | 'k.closed_by',
) =>
  sql<
    string | null
  >`(SELECT ${sql.ref(table === 'team' ? 'name' : 'display_name')} FROM ${sql.table(table)} WHERE id = ${sql.ref(id)})`

const taskColumns = (db: Executor) =>
  db
    .selectFrom('task as k')
    .selectAll('k')
    .select([
      nameOf('app_user', 'k.assigned_user_id').as('assigned_user_name'),
      nameOf('team', 'k.assigned_team_id').as('assigned_team_name'),
      nameOf('team', 'k.escalated_to_team_id').as('escalated_to_team_name'),
      nameOf('app_user', 'k.closed_by').as('closed_by_name'),
    ])

type TaskSelection = Awaited<ReturnType<ReturnType<typeof taskColumns>['executeTakeFirstOrThrow']>>

const toRow = (r: TaskSelection): TaskRow => camelRow(r)

/** The one row a query finds (locked for a change when `lock`), as a TaskRow. */
async function one(query: ReturnType<typeof taskColumns>, lock: boolean): Promise<TaskRow | undefined> {
  const row = await (lock ? query.forUpdate('k') : query).executeTakeFirst()
  return row === undefined ? undefined : toRow(row)
}

/** A uuid[] literal that matches nothing when empty. */
const ids = (values: readonly string[]) => (values.length === 0 ? [null] : [...values])

export function taskRepository() {
  return {
    /**
     * Inserts the task unless an open one with its de-duplication key exists (the unique partial index decides,
     * so concurrent raises make one): its id and whether this call made it.
     */
    async raise(db: Executor, task: NewTask): Promise<{ id: string; created: boolean }> {
      const made = await db
        .insertInto('task')
        .values({
          partnership_id: task.partnershipId,
          kind: task.kind,
          subject_kind: task.subjectKind,
          subject_id: task.subjectId,
          assigned_user_id: task.assignedUserId,
          assigned_team_id: task.assignedTeamId,
          reason: task.reason,
          due_at: task.dueAt,
          dedup_key: task.dedupKey,
          source_kind: task.sourceKind,
          source_id: task.sourceId,
          is_demo: task.isDemo ?? false,
          created_by: task.createdBy,
          updated_by: task.createdBy,
        })
        // The index's predicate as a literal: PostgreSQL infers the arbiter index only from one.
        .onConflict((oc) =>
          oc
            .columns(['partnership_id', 'dedup_key'])
            .where(sql<boolean>`status = 'open'`)
            .doNothing(),
        )
        .returning('id')
        .executeTakeFirst()
      if (made !== undefined) return { id: made.id, created: true }
      const open = await db
        .selectFrom('task')
        .select('id')
        .where('partnership_id', '=', task.partnershipId)
        .where('dedup_key', '=', task.dedupKey)
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow()
      return { id: open.id, created: false }
    },

    find: (db: Executor, id: string, options: { forUpdate?: boolean } = {}) =>
      one(taskColumns(db).where('k.id', '=', id), options.forUpdate === true),

    /** The open task with this de-duplication key, if any (locked: it is about to be closed). */
    openByKey: (db: Executor, partnershipId: string, dedupKey: string) =>
      one(
        taskColumns(db)
          .where('k.partnership_id', '=', partnershipId)
          .where('k.dedup_key', '=', dedupKey)
          .where('k.status', '=', 'open'),
        true,
      ),

    /** Open tasks of a scope, the earliest due first (so the overdue come first, the most overdue at the top). */
    async open(db: Executor, partnershipId: string, scope: TaskScope, limit: number): Promise<TaskRow[]> {
      let query = taskColumns(db).where('k.partnership_id', '=', partnershipId).where('k.status', '=', 'open')
      // Without teams to manage, "mine" is the assignee's index alone (no OR for the planner to weigh).
      query =
        scope.list === 'team'
          ? query.where('k.assigned_team_id', 'in', ids([...scope.teamIds, ...scope.managedTeamIds]))
          : scope.managedTeamIds.length === 0
            ? query.where('k.assigned_user_id', '=', scope.userId)
            : query.where((eb) =>
                eb.or([
                  eb('k.assigned_user_id', '=', scope.userId),
                  eb('k.escalated_to_team_id', 'in', [...scope.managedTeamIds]),
                ]),
              )
      const rows = await query.orderBy('k.due_at').orderBy('k.id').limit(limit).execute()
      return rows.map(toRow)
    },

    /** Closes an open task at `version`: done or cancelled, by whom (null: the system) and why. */
    async close(
      db: Executor,
      id: string,
      version: number,
      close: { status: Exclude<TaskStatus, 'open'>; outcome: string; by: string | null },
    ): Promise<boolean> {
      const result = await db
        .updateTable('task')
        .set({
          status: close.status,
          outcome: close.outcome,
          closed_at: sql`now()`,
          closed_by: close.by,
          ...changedBy(close.by),
        })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('status', '=', 'open')
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    /** Gives an open task at `version` to another user (of the same team). */
    async reassign(db: Executor, id: string, version: number, userId: string, by: string): Promise<boolean> {
      const result = await db
        .updateTable('task')
        .set({ assigned_user_id: userId, ...changedBy(by) })
        .where('id', '=', id)
        .where('version', '=', version)
        .where('status', '=', 'open')
        .executeTakeFirst()
      return result.numUpdatedRows === 1n
    },

    /**
     * Escalates, in one statement, the open tasks of the transaction's partnership whose escalation time (due, plus
     * the kind's delay) is before `now` and which are not yet escalated: to the manager of the assignee's team
     * (the assigned team, else the assignee's own), with why. Each task is escalated once: the statement only
     * takes rows not yet escalated, and concurrent sweeps wait on each other's row locks.
     */
    async escalate(
      db: Executor,
      partnershipId: string,
      now: Date,
      delays: ReadonlyArray<{ kind: string; hours: number }>,
    ): Promise<Array<{ id: string; kind: string; teamId: string | null }>> {
      if (delays.length === 0) return []
      const kinds = sql.join(delays.map((d) => sql`(${d.kind}::text, ${d.hours}::integer)`))
      const result = await sql<{ id: string; kind: string; team_id: string | null }>`
        WITH rule (kind, hours) AS (VALUES ${kinds}),
        due AS (
          SELECT k.id, coalesce(k.assigned_team_id, u.team_id) AS team_id
            FROM task k
            JOIN rule r ON r.kind = k.kind
            LEFT JOIN app_user u ON u.id = k.assigned_user_id
           WHERE k.partnership_id = ${partnershipId} AND k.status = 'open' AND k.escalated_at IS NULL
             AND k.due_at + make_interval(hours => r.hours) < ${now}::timestamptz
           ORDER BY k.due_at
           LIMIT 5000
             FOR UPDATE OF k SKIP LOCKED
        )
        UPDATE task t
           SET escalated_at = ${now}::timestamptz, escalated_to_team_id = due.team_id,
               escalation_reason = 'Overdue since ' || to_char(t.due_at AT TIME ZONE 'Europe/London', 'DD/MM/YYYY HH24:MI')
                 || CASE WHEN due.team_id IS NULL THEN ' (no team to escalate to)' ELSE '' END,
               updated_at = now(), version = t.version + 1
          FROM due
         WHERE t.id = due.id AND t.escalated_at IS NULL
        RETURNING t.id, t.kind, due.team_id`.execute(db)
      return result.rows.map((r) => ({ id: r.id, kind: r.kind, teamId: r.team_id }))
    },

    /** The active members of a team (to reassign a task to). */
    async teamMembers(db: Executor, teamId: string): Promise<Array<{ id: string; name: string }>> {
      const { rows } = await sql<{ id: string; name: string }>`SELECT id, display_name AS name FROM app_user
        WHERE team_id = ${teamId} AND disabled_at IS NULL ORDER BY display_name`.execute(db)
      return rows
    },

    /** The team of a user (null: none, or no such user in the partnership). */
    async teamOf(db: Executor, userId: string): Promise<string | null | undefined> {
      const row = await db
        .selectFrom('app_user')
        .select('team_id')
        .where('id', '=', userId)
        .executeTakeFirst()
      return row === undefined ? undefined : row.team_id
    },

    /** Partnerships with open tasks not yet escalated (the sweep visits each under its own context). */
    async partnershipsToSweep(db: Executor): Promise<string[]> {
      const rows = await db.selectFrom('partnership').select('id').execute()
      return rows.map((r) => r.id)
    },
  }
}

export type TaskRepository = ReturnType<typeof taskRepository>
