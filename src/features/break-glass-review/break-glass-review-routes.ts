import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'

const hidden = { hide: true } as const
const VIEWS = {
  queue: 'features/break-glass-review/views/queue.njk',
  review: 'features/break-glass-review/views/review.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const review = { access: { capability: 'break-glass:review' as const } }
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const ReviewBody = Type.Object(
  {
    outcome: Type.Optional(Type.String({ maxLength: 40 })),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
    version: Type.Optional(Type.String({ maxLength: 12 })),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

export function breakGlassReviewRoutes(services: Services): FeatureRoutes {
  const form = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    if (!UUID.test(id)) throw new NotFoundError()
    const grant = await services.breakGlassReview.find(signedInActor(request), id)
    return reply.code(status).view(VIEWS.review, { grant, csrfToken: reply.csrfToken(), ...extra })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.audit.breakGlass,
        { config: review, schema: hidden },
        async function queueGet(request, reply) {
          return reply.view(VIEWS.queue, await services.breakGlassReview.queue(signedInActor(request)))
        },
      )

      app.get(
        paths.audit.breakGlassReview.pattern,
        { config: review, schema: { ...hidden, params: Params } },
        async function reviewGet(request, reply) {
          return form(request, reply, request.params.id)
        },
      )

      app.post(
        paths.audit.breakGlassReview.pattern,
        { config: review, schema: { ...hidden, params: Params, body: ReviewBody } },
        async function reviewPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const input = { outcome: request.body.outcome ?? '', note: request.body.note ?? '' }
          const version = Number(request.body.version)
          try {
            if (!Number.isInteger(version)) throw new ConflictError()
            await services.breakGlassReview.review(
              signedInActor(request),
              id,
              { ...input, version },
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return form(request, reply, id, { values: input, ...formErrors(error.fieldErrors) }, 400)
            }
            if (error instanceof ConflictError) {
              return form(request, reply, id, { values: input, conflict: error.message }, 409)
            }
            throw error
          }
          return reply.redirect(paths.audit.breakGlass, 303)
        },
      )
    },
  }
}
