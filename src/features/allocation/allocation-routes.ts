import { signedInActor } from '../../platform/access/actor.ts'
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

/** Allocation (issue 13): the team manager's queue, one allocation with its history, and allocating a worker. */
export function allocationRoutes(services: Services): FeatureRoutes {
  const allocations = services.allocations

  return {
    pages: async (app) => {
      app.get(
        paths.allocations.queue,
        { config: { access: { capability: 'allocation:manage' } } },
        async function allocationQueueGet(request, reply) {
          const queue = await allocations.queue(signedInActor(request), requestContext(request))
          return reply.view(VIEWS.queue, queue)
        },
      )

      app.get(
        paths.allocations.show.pattern,
        { config: { access: { capability: 'person:read' } } },
        async function allocationGet(request, reply) {
          const { id } = request.params as { id: string }
          if (!UUID.test(id)) throw new NotFoundError()
          const read = await allocations.read(signedInActor(request), id, requestContext(request))
          return reply.view(VIEWS.show, read)
        },
      )

      // Allocating a waiting child, or re-allocating an allocated one (with a reason): one form.
      formPage(app, {
        path: paths.allocations.allocate,
        access: { capability: 'allocation:manage' },
        view: VIEWS.allocate,
        body: { workerId: formText(100), reason: formText(10_000), ...formVersion },
        load: (request, { id = '' }) =>
          allocations.forAllocate(signedInActor(request), id, requestContext(request)),
        values: (loaded) => ({ version: String(loaded.allocation.version) }),
        conflictField: 'workerId',
        submit: async (request, body, { id = '' }) => {
          const input = { workerId: body.workerId, reason: body.reason, version: versionOf(body.version) }
          await allocations.allocate(signedInActor(request), id, input, requestContext(request))
          return paths.allocations.show(id)
        },
      })
    },
    api: async (app) => {
      app.get(
        paths.api.allocations.pattern,
        apiRoute('allocation:manage', 'allocation', {
          summary:
            'The allocation queues of the teams you manage: children waiting for a worker, immediate danger first, then the oldest',
          security: [{ bearer: [] }],
          response: { 200: ListResponse, ...problems },
        }),
        async function allocationsApiGet(request) {
          return allocations.queue(apiActor(request), requestContext(request))
        },
      )

      app.get(
        paths.api.allocationsMine.pattern,
        apiRoute('person:read', 'allocation', {
          summary: 'The children allocated to you, latest first',
          security: [{ bearer: [] }],
          response: { 200: ListResponse, ...problems },
        }),
        async function allocationsMineApiGet(request) {
          const mine = await allocations.allocatedTo(apiActor(request), requestContext(request))
          return { allocations: mine, total: mine.length }
        },
      )

      app.get(
        paths.api.allocation.pattern,
        apiRoute('person:read', 'allocation', {
          summary: 'An allocation with its history: for its team’s manager and the worker it is allocated to',
          security: [{ bearer: [] }],
          params: apiParams,
          response: { 200: ReadResponse, ...problems },
        }),
        async function allocationApiGet(request) {
          const read = await allocations.read(apiActor(request), request.params.id, requestContext(request))
          return { allocation: read.allocation, history: read.history }
        },
      )

      app.post(
        paths.api.allocationAllocate.pattern,
        apiRoute('allocation:manage', 'allocation', {
          summary:
            'Allocate a waiting child to a worker of the team, or re-allocate (a reason required); 400 for someone outside the team, 409 when stale',
          security: [{ bearer: [] }],
          params: apiParams,
          body: ApiAllocate,
          response: { 200: AllocationResponse, ...changeProblems },
        }),
        async function allocationAllocateApiPost(request) {
          const allocation = await allocations.allocate(
            apiActor(request),
            request.params.id,
            request.body,
            requestContext(request),
          )
          return { allocation }
        },
      )
    },
  }
}
