import type { FastifyRequest } from 'fastify'
import { Type, type Static, type TObject, type TSchema } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError } from '../../platform/errors.ts'
import { paths, type PathEntry } from '../../platform/paths.ts'
import {
  apiFields,
  apiRoute,
  changeProblems,
  IdParams,
  nullable,
  readProblems,
} from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { formText, formVersion, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import type { TaskView } from './task-service.ts'
import { taskRow } from './task-view.ts'

const VIEWS = {
  list: 'features/tasks/views/task-list.njk',
  complete: 'features/tasks/views/task-complete.njk',
  reassign: 'features/tasks/views/task-reassign.njk',
}
const STALE = 'Someone else changed this task while you were looking at it. Check it and try again.'

const uuid = Type.String({ format: 'uuid' })
const dateTime = Type.String({ format: 'date-time' })
/** Fields that are null until something happens (assigned to a person, closed, escalated, caused by a record). */
const orNull = (fields: Record<string, TSchema>) =>
  Object.fromEntries(Object.entries(fields).map(([name, schema]) => [name, nullable(schema)]))
const TaskSchema = Type.Object(
  {
    id: uuid,
    kind: Type.String(),
    kindLabel: Type.String(),
    subjectKind: Type.String({ enum: ['person', 'location', 'object', 'referral'] }),
    subjectId: uuid,
    subjectTitle: Type.String(),
    reason: Type.String(),
    dueAt: dateTime,
    overdue: Type.Boolean(),
    status: Type.String({ enum: ['open', 'done', 'cancelled'] }),
    version: Type.Integer(),
    canReassign: Type.Boolean(),
    ...orNull({ assignedUserId: uuid, assignedUserName: Type.String(), assignedTeamName: Type.String() }),
    ...orNull({ outcome: Type.String(), closedAt: dateTime, closedByName: Type.String() }),
    ...orNull({ escalatedAt: dateTime, escalatedToTeamName: Type.String() }),
    ...orNull({ escalationReason: Type.String({ description: 'Why it was escalated to the team manager' }) }),
    ...orNull({ sourceKind: Type.String({ description: 'What caused it (flag, …)' }), sourceId: uuid }),
  },
  { additionalProperties: false },
)
const TaskList = Type.Object({ tasks: Type.Array(TaskSchema) }, { additionalProperties: false })
const TaskResponse = Type.Object({ task: TaskSchema }, { additionalProperties: false })
const ApiComplete = Type.Object(
  { outcome: Type.String({ maxLength: 2000 }), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
const ApiReassign = Type.Object(
  {
    assigneeId: Type.String({ maxLength: 60, description: 'A user in the team the task belongs to' }),
    version: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
)
const CompleteBody = { outcome: formText(2000), ...formVersion }
const ReassignBody = { assignee: formText(60), ...formVersion }

/** A change from a task's page: a stale form's message as the page words it. */
async function fromPage<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw error instanceof ConflictError ? new ConflictError(STALE) : error
  }
}

const listPage = (tasks: TaskView[], list: 'mine' | 'team') => ({
  list,
  tasks: tasks.map(taskRow),
  overdue: tasks.filter((t) => t.overdue).length,
})

export function taskRoutes(services: Services): FeatureRoutes {
  const tasks = services.tasks
  const versionPosted = (body: { version?: string }) => versionOf(body.version) ?? 0

  return {
    pages: async (app) => {
      for (const list of ['mine', 'team'] as const) {
        app.get(
          list === 'mine' ? paths.work.mine : paths.work.team,
          { config: { access: { capability: 'person:read' } } },
          async function taskListGet(request, reply) {
            const shown = await tasks.list(
              signedInActor(request),
              list,
              requestContext(request),
              `tasks-${list}`,
            )
            return reply.view(VIEWS.list, listPage(shown, list))
          },
        )
      }

      const taskPage = async (request: FastifyRequest, id: string) => ({
        task: taskRow(
          await tasks.read(signedInActor(request), id, requestContext(request), 'write', 'task-form'),
        ),
      })

      formPage(app, {
        path: paths.work.complete,
        access: { capability: 'person:read' },
        view: VIEWS.complete,
        body: CompleteBody,
        load: (request, { id = '' }) => taskPage(request, id),
        values: ({ task }) => ({ version: String(task.version) }),
        conflictField: 'outcome',
        submit: async (request, body, { id = '' }) => {
          const [actor, ctx] = [signedInActor(request), requestContext(request)]
          await fromPage(() => tasks.complete(actor, id, versionPosted(body), body.outcome, ctx))
          return paths.work.mine
        },
      })

      formPage(app, {
        path: paths.work.reassign,
        access: { capability: 'person:read' },
        view: VIEWS.reassign,
        body: ReassignBody,
        load: async (request, { id = '' }) => {
          const found = await tasks.forReassign(
            signedInActor(request),
            id,
            requestContext(request),
            'task-form',
          )
          return { task: taskRow(found.task), members: found.members }
        },
        values: ({ task }) => ({ version: String(task.version), assignee: task.assignedUserId ?? '' }),
        conflictField: 'assignee',
        submit: async (request, body, { id = '' }) => {
          const [actor, ctx] = [signedInActor(request), requestContext(request)]
          await fromPage(() => tasks.reassign(actor, id, versionPosted(body), body.assignee, ctx))
          return paths.work.team
        },
      })
    },

    api: async (app) => {
      for (const list of ['mine', 'team'] as const) {
        app.get(
          (list === 'mine' ? paths.work.api.mine : paths.work.api.team).pattern,
          apiRoute('person:read', 'tasks', {
            operationId: list === 'mine' ? 'tasksMineApiGet' : 'tasksTeamApiGet',
            summary:
              list === 'mine'
                ? 'My open tasks (and those escalated to a team I manage), overdue first, then due soonest'
                : 'My team’s open tasks, overdue first, then due soonest',
            response: { 200: TaskList, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
          }),
          async function taskListApiGet(request) {
            return { tasks: await tasks.list(apiActor(request), list, requestContext(request), 'api') }
          },
        )
      }

      app.get(
        paths.work.api.task.pattern,
        apiRoute('person:read', 'tasks', {
          summary: 'One task; 404 unless the caller may see it and its subject',
          params: IdParams,
          response: { 200: TaskResponse, ...readProblems },
        }),
        async function taskApiGet(request) {
          const ctx = requestContext(request)
          return { task: await tasks.read(apiActor(request), request.params.id, ctx, 'read', 'api') }
        },
      )

      /** A change of a task on its own API route: the task as it is after it (field errors named in the body). */
      const change = <Body extends TObject>(
        path: PathEntry<`/${string}/:id/${string}`>,
        summary: string,
        body: Body,
        apply: (actor: Actor, id: string, body: Static<Body>, ctx: RequestContext) => Promise<TaskView>,
        names: Record<string, string> = {},
      ) =>
        app.post(
          path.pattern,
          apiRoute('person:read', 'tasks', {
            summary,
            params: IdParams,
            body,
            response: { 200: TaskResponse, ...changeProblems },
          }),
          async function taskChangeApiPost(request) {
            const work = () =>
              apply(
                apiActor(request),
                request.params.id,
                request.body as Static<Body>,
                requestContext(request),
              )
            return { task: await apiFields(work, names) }
          },
        )
      change(
        paths.work.api.complete,
        'Complete an open task with its outcome; 409 when `version` is stale or it is closed',
        ApiComplete,
        (actor, id, { outcome, version }, ctx) => tasks.complete(actor, id, version, outcome, ctx, 'api'),
      )
      change(
        paths.work.api.reassign,
        'Give an open task to someone else in its team (the team manager only); 400 for someone outside the team',
        ApiReassign,
        (actor, id, { assigneeId, version }, ctx) =>
          tasks.reassign(actor, id, version, assigneeId, ctx, 'api'),
        { assignee: '/body/assigneeId' },
      )
    },
  }
}
