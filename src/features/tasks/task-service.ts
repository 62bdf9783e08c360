import type { Transaction } from 'kysely'
import { withTransaction, type Database } from '../../db/database.ts'
import type { DB, TaskSubjectKind } from '../../db/schema.ts'
import { actorEvent } from '../../platform/access/actor.ts'
import {
  decideTask,
  decideTaskReassign,
  missingRecord,
  type Actor,
  type Decision,
  type RecordAction,
  type TaskFacts,
} from '../../platform/access/policy.ts'
import type { RecordAccess, RecordKind } from '../../platform/access/record-access.ts'
import type { AuditWriter } from '../../platform/audit/audit-writer.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { ConflictError, ValidationError } from '../../platform/errors.ts'
import { UUID } from '../../platform/views/form-fields.ts'
import { locationTitle, type LocationService } from '../locations/location-service.ts'
import type { PersonService } from '../people/person-service.ts'
import { TASK_KINDS, taskKind, type TaskKind, type TaskKindCode } from './task-kinds.ts'
import type { TaskRepository, TaskRow, TaskScope } from './task-repository.ts'

export { TASK_KINDS, type TaskKindCode } from './task-kinds.ts'

/** A task as pages and the API show it. */
export interface TaskView {
  id: string
  kind: string
  kindLabel: string
  subjectKind: TaskSubjectKind
  subjectId: string
  subjectTitle: string
  assignedUserId: string | null
  assignedUserName: string | null
  assignedTeamName: string | null
  reason: string
  dueAt: string
  overdue: boolean
  status: TaskRow['status']
  outcome: string | null
  closedAt: string | null
  closedByName: string | null
  escalatedAt: string | null
  escalatedToTeamName: string | null
  escalationReason: string | null
  sourceKind: string | null
  sourceId: string | null
  version: number
  /** The reader manages the task's team and may give it to someone else in it. */
  canReassign: boolean
}

/** What a feature asks for when something it records makes work. */
export interface RaiseTask {
  kind: TaskKindCode
  subject: { kind: TaskSubjectKind; id: string }
  /** A user (with their team, unless `teamId` is given) or a team. */
  assignee: { userId?: string | null; teamId?: string | null }
  reason: string
  /** Default: the kind's due period from now. */
  dueAt?: Date
  /** The same trigger (the same key) never makes two open tasks. */
  dedupKey: string
  source?: { kind: string; id: string }
  isDemo?: boolean
}

/** The work on a home page: counts, and the first few tasks without their subjects. */
export interface TaskSummary {
  overdue: number
  dueSoon: number
  open: number
  first: Array<{
    id: string
    kindLabel: string
    reason: string
    dueAt: string
    overdue: boolean
    escalated: boolean
  }>
}

const LIST_LIMIT = 100
const SOON_MS = 7 * 24 * 3_600_000

/** How a kind of subject is reached (its own record kind) and named. */
interface SubjectKind {
  records: RecordKind<object>
  loadMany?: (trx: Transaction<DB>, ids: readonly string[], actor: Actor) => Promise<Map<string, object>>
  title(row: object): string
}

function subjectKind<Row extends object>(
  records: RecordKind<Row>,
  title: (row: Row) => string,
  loadMany?: (trx: Transaction<DB>, ids: readonly string[], actor: Actor) => Promise<Map<string, Row>>,
): SubjectKind {
  // Each kind is only ever given rows its own `records` loaded.
  return {
    records: records,
    title: title,
    ...(loadMany === undefined ? {} : { loadMany }),
  }
}

/** A task with the record it is about (undefined: not there, or not in the actor's partnership). */
interface TaskRecord {
  row: TaskRow
  subject: object | undefined
}

const factsOf = (row: TaskRow): TaskFacts => ({
  partnershipId: row.partnershipId,
  assignedUserId: row.assignedUserId,
  assignedTeamId: row.assignedTeamId,
  escalatedToTeamId: row.escalatedToTeamId,
})

/** The fields of a task the views show as they are stored. */
const SHOWN = [
  'id',
  'kind',
  'subjectKind',
  'subjectId',
  'assignedUserId',
  'assignedUserName',
  'assignedTeamName',
  'reason',
  'status',
  'outcome',
  'closedByName',
  'escalatedToTeamName',
  'escalationReason',
  'sourceKind',
  'sourceId',
  'version',
] as const satisfies ReadonlyArray<keyof TaskRow & keyof TaskView>

function pick(row: TaskRow): Pick<TaskRow, (typeof SHOWN)[number]> {
  return Object.fromEntries(SHOWN.map((key) => [key, row[key]])) as Pick<TaskRow, (typeof SHOWN)[number]>
}

function checkOutcome(raw: string | undefined, field: string, message: string): string {
  const text = (raw ?? '').trim()
  if (text.length === 0) throw new ValidationError([{ field, message }])
  if (text.length > 2000) throw new ValidationError([{ field, message: 'Enter 2,000 characters or fewer' }])
  return text
}

/**
 * The task engine: work that is due about a record, for a user or a team, escalated to the team's manager when
 * overdue. Features raise tasks (`raise`, idempotent on the de-duplication key) and close them (`closeByKey`) in
 * their own transactions; people see theirs ("my tasks", "my team's tasks"), complete them and (managers) give
 * them to someone else in the team. A task is reached through the record-access kit with its subject, decided by
 * decideTask on the reader's decision on the subject, so a task about a child reaches only those who may see the
 * child, and each one listed is audited as a read of its subject.
 */
export function taskService(
  database: Database,
  tasks: TaskRepository,
  people: PersonService['records'],
  locations: LocationService['records'],
  access: RecordAccess,
  audit: AuditWriter,
  options: { now: () => Date },
) {
  const subjects: Partial<Record<TaskSubjectKind, SubjectKind>> = {
    person: subjectKind(
      people,
      ({ person }) => [person.givenName, person.familyName].filter((n) => n !== null).join(' '),
      (trx, ids, actor) => people.loadMany(trx, ids, actor),
    ),
    location: subjectKind(locations, locationTitle),
  }

  const subjectDecision = (actor: Actor, kind: TaskSubjectKind, subject: object | undefined): Decision => {
    const reach = subjects[kind]
    return subject === undefined || reach === undefined
      ? missingRecord()
      : reach.records.decide(actor, 'read', subject)
  }

  const taskRecords: RecordKind<TaskRecord> = {
    type: 'task',
    load: async (trx, id, actor, { lock }) => {
      const row = await tasks.find(trx, id, { forUpdate: lock })
      if (row === undefined) return undefined
      const reach = subjects[row.subjectKind]
      const subject =
        reach === undefined
          ? undefined
          : await reach.records.load(trx, row.subjectId, actor, { lock: false, details: false })
      return { row, subject }
    },
    decide: (actor: Actor, action: RecordAction, { row, subject }: TaskRecord) =>
      decideTask(actor, action, factsOf(row), subjectDecision(actor, row.subjectKind, subject)),
  }

  const mayReassign = (actor: Actor, { row, subject }: TaskRecord) =>
    decideTaskReassign(actor, factsOf(row), subjectDecision(actor, row.subjectKind, subject), undefined)

  function view(actor: Actor, record: TaskRecord, now: Date): TaskView {
    const { row, subject } = record
    const reach = subjects[row.subjectKind]
    const iso = (at: Date | null) => at?.toISOString() ?? null
    return {
      ...pick(row),
      kindLabel: taskKind(row.kind)?.label ?? row.kind,
      subjectTitle: subject === undefined || reach === undefined ? '' : reach.title(subject),
      dueAt: row.dueAt.toISOString(),
      overdue: row.status === 'open' && row.dueAt.getTime() < now.getTime(),
      closedAt: iso(row.closedAt),
      escalatedAt: iso(row.escalatedAt),
      canReassign: row.status === 'open' && mayReassign(actor, record).allowed,
    }
  }

  /** Open tasks of a scope with their subjects, each decided; only those the actor may see. */
  async function visible(trx: Transaction<DB>, actor: Actor, scope: TaskScope['list'], limit: number) {
    const rows = await tasks.open(
      trx,
      actor.partnershipId,
      { list: scope, userId: actor.userId, teamIds: actor.teamIds, managedTeamIds: actor.managedTeamIds },
      limit,
    )
    const found = new Map<string, object>()
    for (const [kind, reach] of Object.entries(subjects) as Array<[TaskSubjectKind, SubjectKind]>) {
      const wanted = [...new Set(rows.filter((r) => r.subjectKind === kind).map((r) => r.subjectId))]
      if (wanted.length === 0) continue
      if (reach.loadMany !== undefined) {
        for (const [id, row] of await reach.loadMany(trx, wanted, actor)) found.set(`${kind}:${id}`, row)
        continue
      }
      for (const id of wanted) {
        const row = await reach.records.load(trx, id, actor, { lock: false, details: false })
        if (row !== undefined) found.set(`${kind}:${id}`, row)
      }
    }
    return rows
      .map((row) => ({ row, subject: found.get(`${row.subjectKind}:${row.subjectId}`) }))
      .filter((record) => taskRecords.decide(actor, 'read', record).allowed)
  }

  /** Shows these records: each an audited read of its subject. */
  async function shown(
    trx: Transaction<DB>,
    actor: Actor,
    records: TaskRecord[],
    ctx: RequestContext,
    via: string,
  ): Promise<TaskView[]> {
    const now = options.now()
    const reached = await access.shown(trx, actor, taskRecords, records, (r) => r.row.id, ctx, {
      via,
      records: ({ row }) => [{ type: row.subjectKind, id: row.subjectId }],
    })
    return reached.map(({ row }) => view(actor, row, now))
  }

  /**
   * Runs a change (`apply`: false when the row moved on) on a task the actor may change (`decide`), audits it as
   * `change` and answers the task as it is after it: NotFoundError if the actor may not, ConflictError if stale.
   */
  function change(
    actor: Actor,
    id: string,
    version: number,
    ctx: RequestContext,
    spec: { change: string; via: string; decide: (a: Actor, record: TaskRecord) => Decision },
    apply: (trx: Transaction<DB>, record: TaskRecord) => Promise<boolean>,
  ): Promise<TaskView> {
    return access.write(
      actor,
      taskRecords,
      id,
      ctx,
      { decide: spec.decide },
      async (trx, { row: record, decision }) => {
        if (record.row.status !== 'open' || record.row.version !== version) throw new ConflictError()
        if (!(await apply(trx, record))) throw new ConflictError()
        await access.changed(trx, actor, ctx, { type: 'task', id }, decision, {
          action: 'record.update',
          details: { via: spec.via, change: spec.change, kind: record.row.kind },
        })
        const after = await tasks.find(trx, id)
        if (after === undefined) throw new Error(`task ${spec.change} but not found`)
        return view(actor, { row: after, subject: record.subject }, options.now())
      },
    )
  }

  /** Escalates the partnership's overdue tasks in `trx`, each escalation audited as a system change. */
  async function escalateIn(trx: Transaction<DB>, partnershipId: string): Promise<number> {
    const delays = (Object.values(TASK_KINDS) as TaskKind[]).flatMap((k) =>
      k.escalateAfterHours === null ? [] : [{ kind: k.code, hours: k.escalateAfterHours }],
    )
    const done = await tasks.escalate(trx, partnershipId, options.now(), delays)
    for (const task of done) {
      await audit.write(trx, {
        action: 'record.update',
        outcome: 'succeeded',
        partnershipId,
        record: { type: 'task', id: task.id },
        details: { change: 'escalate', kind: task.kind, toTeam: task.teamId !== null },
      })
    }
    return done.length
  }

  return {
    kinds: TASK_KINDS,

    /**
     * Raises a task in the caller's transaction (the one that records its trigger), unless an open task with the
     * same de-duplication key exists: then that one stands (idempotent, also under concurrent calls). The
     * caller has reached the subject; `actor` is who triggered it (null: the system, in `partnershipId`).
     */
    async raise(
      trx: Transaction<DB>,
      by: { actor: Actor; ctx: RequestContext } | { partnershipId: string },
      input: RaiseTask,
    ): Promise<{ id: string; created: boolean }> {
      const kind: TaskKind = TASK_KINDS[input.kind]
      if (!(kind.subjectKinds as readonly string[]).includes(input.subject.kind)) {
        throw new Error(`a ${kind.code} task is not about a ${input.subject.kind}`)
      }
      const userId = input.assignee.userId ?? null
      const teamId =
        input.assignee.teamId ??
        (userId !== null && kind.assignee === 'user-and-team'
          ? ((await tasks.teamOf(trx, userId)) ?? null)
          : null)
      const assignedUserId = kind.assignee === 'team' && teamId !== null ? null : userId
      if (assignedUserId === null && teamId === null)
        throw new Error(`a ${kind.code} task has nobody to go to`)
      const partnershipId = 'actor' in by ? by.actor.partnershipId : by.partnershipId
      const raised = await tasks.raise(trx, {
        partnershipId,
        kind: kind.code,
        subjectKind: input.subject.kind,
        subjectId: input.subject.id,
        assignedUserId,
        assignedTeamId: teamId,
        reason: input.reason.trim().slice(0, 1000),
        dueAt: input.dueAt ?? new Date(options.now().getTime() + kind.dueAfterHours * 3_600_000),
        dedupKey: input.dedupKey,
        sourceKind: input.source?.kind ?? null,
        sourceId: input.source?.id ?? null,
        createdBy: 'actor' in by ? by.actor.userId : null,
        ...(input.isDemo === undefined ? {} : { isDemo: input.isDemo }),
      })
      if (raised.created) {
        const event = {
          action: 'record.create' as const,
          outcome: 'succeeded' as const,
          record: { type: 'task', id: raised.id },
          details: {
            kind: kind.code,
            subjectKind: input.subject.kind,
            sourceKind: input.source?.kind ?? null,
          },
        }
        await audit.write(
          trx,
          'actor' in by ? actorEvent(by.actor, by.ctx, event) : { ...event, partnershipId },
        )
      }
      return raised
    },

    /** Closes the open task with this key (done or cancelled), in the caller's transaction; false if none. */
    async closeByKey(
      trx: Transaction<DB>,
      by: { actor: Actor; ctx: RequestContext },
      dedupKey: string,
      status: 'done' | 'cancelled',
      outcome: string,
    ): Promise<boolean> {
      const open = await tasks.openByKey(trx, by.actor.partnershipId, dedupKey)
      if (open === undefined) return false
      if (!(await tasks.close(trx, open.id, open.version, { status, outcome, by: by.actor.userId })))
        return false
      await audit.write(
        trx,
        actorEvent(by.actor, by.ctx, {
          action: 'record.update',
          outcome: 'succeeded',
          record: { type: 'task', id: open.id },
          details: { change: status, kind: open.kind },
        }),
      )
      return true
    },

    /** "My tasks" (assigned to me, or escalated to a team I manage) or "my team's tasks": earliest due first. */
    async list(
      actor: Actor,
      scope: TaskScope['list'],
      ctx: RequestContext,
      via: string,
    ): Promise<TaskView[]> {
      return access.within(actor, undefined, async (trx) =>
        shown(trx, actor, await visible(trx, actor, scope, LIST_LIMIT), ctx, via),
      )
    },

    /**
     * A home page's work: my open tasks counted (overdue, due within a week) and the first few, each by its kind,
     * reason and due time only. Every task is decided with its subject as on the lists (a task about a child the
     * reader may not see is not counted), but no record is shown here (the list names the subjects, audited), so
     * nothing is read.
     */
    async summary(actor: Actor, first = 5): Promise<TaskSummary> {
      return access.within(actor, undefined, async (trx) => {
        const records = await visible(trx, actor, 'mine', 500)
        const now = options.now()
        const due = (r: TaskRecord) => r.row.dueAt.getTime() - now.getTime()
        return {
          overdue: records.filter((r) => due(r) < 0).length,
          dueSoon: records.filter((r) => due(r) >= 0 && due(r) < SOON_MS).length,
          open: records.length,
          first: records.slice(0, first).map(({ row }) => ({
            id: row.id,
            kindLabel: taskKind(row.kind)?.label ?? row.kind,
            reason: row.reason,
            dueAt: row.dueAt.toISOString(),
            overdue: due({ row, subject: undefined }) < 0,
            escalated: row.escalatedAt !== null,
          })),
        }
      })
    },

    /** One task, for its pages and the API (`action` 'write': to complete it): an audited read. */
    async read(actor: Actor, id: string, ctx: RequestContext, action: RecordAction, via: string) {
      return access.read(
        actor,
        taskRecords,
        id,
        ctx,
        { via, decide: (a: Actor, r: TaskRecord) => taskRecords.decide(a, action, r) },
        async (_trx, { row }) => view(actor, row, options.now()),
      )
    },

    /** A task to reassign, with the people of its team: the manager's page (404 for anyone else). */
    async forReassign(actor: Actor, id: string, ctx: RequestContext, via: string) {
      return access.read(actor, taskRecords, id, ctx, { via, decide: mayReassign }, async (trx, { row }) => {
        const team = row.row.assignedTeamId ?? row.row.escalatedToTeamId
        return {
          task: view(actor, row, options.now()),
          members: team === null ? [] : await tasks.teamMembers(trx, team),
        }
      })
    },

    /** Completes an open task with its outcome; ConflictError when stale or already closed. */
    async complete(
      actor: Actor,
      id: string,
      version: number,
      outcomeRaw: string | undefined,
      ctx: RequestContext,
      via = 'page',
    ): Promise<TaskView> {
      const outcome = checkOutcome(outcomeRaw, 'outcome', 'Enter what was done')
      const decide = (a: Actor, r: TaskRecord) => taskRecords.decide(a, 'write', r)
      return change(actor, id, version, ctx, { change: 'done', via, decide }, (trx) =>
        tasks.close(trx, id, version, { status: 'done', outcome, by: actor.userId }),
      )
    },

    /**
     * Gives an open task to someone else in its team (the team's manager only: 404 for anyone else). Someone
     * outside the team: ValidationError on `assignee`, nothing written.
     */
    async reassign(
      actor: Actor,
      id: string,
      version: number,
      toUserId: string | undefined,
      ctx: RequestContext,
      via = 'page',
    ): Promise<TaskView> {
      const to = (toUserId ?? '').trim()
      if (!UUID.test(to))
        throw new ValidationError([{ field: 'assignee', message: 'Choose who to give the task to' }])
      const spec = { change: 'reassign', via, decide: mayReassign }
      return change(actor, id, version, ctx, spec, async (trx, record) => {
        const toTeam = await tasks.teamOf(trx, to)
        const subject = subjectDecision(actor, record.row.subjectKind, record.subject)
        if (!decideTaskReassign(actor, factsOf(record.row), subject, toTeam ?? null).allowed) {
          throw new ValidationError([
            { field: 'assignee', message: 'Choose someone in the team the task belongs to' },
          ])
        }
        return tasks.reassign(trx, id, version, to, actor.userId)
      })
    },

    /**
     * The escalation sweep: in each partnership, every open task past its kind's escalation time goes to the
     * manager of its team, once, each escalation audited as a system change. Safe to run in several instances at
     * once (each task is escalated once); the jobs module runs it once per interval across instances.
     */
    async escalateOverdue(): Promise<number> {
      const partnerships = await withTransaction(database, {}, (trx) => tasks.partnershipsToSweep(trx))
      let escalated = 0
      for (const partnershipId of partnerships) {
        escalated += await withTransaction(database, { partnershipId }, (trx) =>
          escalateIn(trx, partnershipId),
        )
      }
      return escalated
    },

    /** The sweep over one partnership, in the caller's transaction (the demo seed's). */
    escalateWithin: escalateIn,
  }
}

export type TaskService = ReturnType<typeof taskService>
