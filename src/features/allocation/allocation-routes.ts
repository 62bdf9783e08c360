import { signedInActor } from '../../platform/access/actor.ts'
import type { Capability } from '../../platform/access/roles.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { formText, formVersion, UUID, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import {
  AllocationResponse,
  ApiAllocate,
  apiParams,
  changeProblems,
  ListResponse,
  problems,
  ReadResponse,
} from './allocation-schema.ts'

const VIEWS = {
  queue: 'features/allocation/views/queue.njk',
  show: 'features/allocation/views/allocation.njk',
  allocate: 'features/allocation/views/allocate.njk',
}

/** An API route of the `allocation` tag, for a bearer token with `capability`. */
const bearerRoute = <const S extends object>(capability: Capability, summary: string, schema: S) =>
  apiRoute(capability, 'allocation', { summary, security: [{ bearer: [] }], ...schema })

/** Allocation (issue 13): the team manager's queue, one allocation with its history, and allocating a worker. */
export function allocationRoutes(services: Services): FeatureRoutes {
  const allocations = services.allocations
  const manage = { access: { capability: 'allocation:manage' as const } }

  return {
    pages: async (app) => {
      app.get(paths.allocations.queue, { config: manage }, async function allocationQueueGet(request, reply) {
        return reply.view(
          VIEWS.queue,
          await allocations.queue(signedInActor(request), requestContext(request)),
        )
      })

      app.get(
        paths.allocations.show.pattern,
        { config: { access: { capability: 'person:read' } } },
        async function allocationGet(request, reply) {
          const id = (request.params as { id: string }).id
          if (!UUID.test(id)) throw new NotFoundError()
          return reply.view(
            VIEWS.show,
            await allocations.read(signedInActor(request), id, requestContext(request)),
          )
        },
      )

      // Allocating a waiting child, or re-allocating an allocated one (with a reason): one form.
      formPage(app, {
        path: paths.allocations.allocate,
        access: manage.access,
        view: VIEWS.allocate,
        body: { workerId: formText(100), reason: formText(10_000), ...formVersion },
        load: (request, { id = '' }) =>
          allocations.forAllocate(signedInActor(request), id, requestContext(request)),
        values: ({ allocation }) => ({ version: String(allocation.version) }),
        conflictField: 'workerId',
        submit: async (request, { workerId, reason, version }, { id = '' }) => {
          const input = { workerId, reason, version: versionOf(version) }
          await allocations.allocate(signedInActor(request), id, input, requestContext(request))
          return paths.allocations.show(id)
        },
      })
    },
    api: async (app) => {
      const queueSummary =
        'The allocation queues of the teams you manage: children waiting for a worker, immediate danger first, then the oldest'
      const listSchema = { response: { 200: ListResponse, ...problems } }
      app.get(
        paths.api.allocations.pattern,
        bearerRoute('allocation:manage', queueSummary, listSchema),
        async function allocationsApiGet(request) {
          return allocations.queue(apiActor(request), requestContext(request))
        },
      )
      app.get(
        paths.api.allocationsMine.pattern,
        bearerRoute('person:read', 'The children allocated to you, latest first', listSchema),
        async function allocationsMineApiGet(request) {
          const mine = await allocations.allocatedTo(apiActor(request), requestContext(request))
          return { allocations: mine, total: mine.length }
        },
      )
      app.get(
        paths.api.allocation.pattern,
        bearerRoute(
          'person:read',
          'An allocation with its history: for its team’s manager and the worker it is allocated to',
          { params: apiParams, response: { 200: ReadResponse, ...problems } },
        ),
        async function allocationApiGet(request) {
          const { allocation, history } = await allocations.read(
            apiActor(request),
            request.params.id,
            requestContext(request),
          )
          return { allocation, history }
        },
      )
      app.post(
        paths.api.allocationAllocate.pattern,
        bearerRoute(
          'allocation:manage',
          'Allocate a waiting child to a worker of the team, or re-allocate (a reason required); 400 for someone outside the team, 409 when stale',
          { params: apiParams, body: ApiAllocate, response: { 200: AllocationResponse, ...changeProblems } },
        ),
        async function allocationAllocateApiPost(request) {
          const ctx = requestContext(request)
          return {
            allocation: await allocations.allocate(apiActor(request), request.params.id, request.body, ctx),
          }
        },
      )
    },
  }
}
