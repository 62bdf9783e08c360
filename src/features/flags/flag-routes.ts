import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import type { FeatureRoutes, SurfaceApp } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import type { FlagSubjectKind } from './flag-repository.ts'
import { partsOf, type DateParts } from './flag-validation.ts'

const hidden = { hide: true } as const
const VIEWS = {
  new: 'features/flags/views/flag-new.njk',
  review: 'features/flags/views/flag-review.njk',
  remove: 'features/flags/views/flag-remove.njk',
  tasks: 'features/flags/views/tasks.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const STALE = 'Someone else changed this flag while you were looking at it. Check it and try again.'
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const dateFields = {
  'reviewDate-day': text(10),
  'reviewDate-month': text(10),
  'reviewDate-year': text(10),
}
const NewBody = Type.Object(
  { flagType: text(60), reason: text(10_000), ...dateFields, _csrf: text(200) },
  { additionalProperties: false },
)
const ReviewBody = Type.Object(
  { ...dateFields, version: text(20), _csrf: text(200) },
  { additionalProperties: false },
)
const RemoveBody = Type.Object(
  { reason: text(10_000), version: text(20), _csrf: text(200) },
  { additionalProperties: false },
)
type DateBody = Partial<Record<keyof typeof dateFields, string>>
const partsFrom = (body: DateBody): DateParts => ({
  day: body['reviewDate-day'],
  month: body['reviewDate-month'],
  year: body['reviewDate-year'],
})

const nullableString = Type.Union([Type.String(), Type.Null()])
const FlagSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    flagType: Type.String(),
    flagTypeLabel: Type.String(),
    subjectKind: Type.String({ enum: ['person', 'location'] }),
    subjectId: Type.String({ format: 'uuid' }),
    reason: Type.String(),
    setByName: nullableString,
    setByTeamName: nullableString,
    setAt: Type.String({ format: 'date-time' }),
    reviewDate: Type.String({ format: 'date' }),
    reviewOverdue: Type.Boolean(),
    current: Type.Boolean(),
    removedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    removedByName: nullableString,
    removedReason: nullableString,
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const FlagTypeSchema = Type.Object({ code: Type.String(), label: Type.String(), definition: Type.String() })
const SubjectFlags = Type.Object(
  { flags: Type.Array(FlagSchema), types: Type.Array(FlagTypeSchema) },
  { additionalProperties: false },
)
const FlagResponse = Type.Object({ flag: FlagSchema }, { additionalProperties: false })
const ApiNew = Type.Object(
  {
    flagType: Type.String({
      maxLength: 60,
      description: 'A code from the flag types that apply to the subject',
    }),
    reason: Type.String({ maxLength: 10_000 }),
    reviewDate: Type.String({ maxLength: 20, description: 'YYYY-MM-DD, after today' }),
  },
  { additionalProperties: false },
)
const ApiReview = Type.Object(
  {
    reviewDate: Type.String({ maxLength: 20, description: 'YYYY-MM-DD, after today' }),
    version: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
)
const ApiRemove = Type.Object(
  { reason: Type.String({ maxLength: 10_000 }), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
const DueSchema = Type.Object(
  {
    reviews: Type.Array(
      Type.Object({ flag: FlagSchema, subjectTitle: Type.String() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
)
const problems = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } }
const apiParams = Type.Object({ id: Type.String({ format: 'uuid' }) })

/** Where a subject's page is. */
export const subjectHref = (kind: FlagSubjectKind, id: string) =>
  kind === 'person' ? paths.people.show(id) : paths.locations.show(id)

export function flagRoutes(services: Services): FeatureRoutes {
  const flags = services.flags

  // Setting a flag, on a person or a location: the same pages under each subject.
  const subjectPages = (app: SurfaceApp, kind: FlagSubjectKind) => {
    const formUrl = kind === 'person' ? paths.flags.newOnPerson : paths.flags.newOnLocation

    const newForm = async (
      request: FastifyRequest,
      reply: FastifyReply,
      id: string,
      values: { flagType?: string; reason?: string; reviewDate?: DateParts } = {},
      errors?: FieldError[],
    ) => {
      const subject = await flags.forSubject(
        signedInActor(request),
        kind,
        id,
        requestContext(request),
        'write',
        'flag-form',
      )
      return reply.code(errors === undefined ? 200 : 400).view(VIEWS.new, {
        action: formUrl(id),
        subjectKind: kind,
        subjectTitle: subject.subjectTitle,
        subjectHref: subjectHref(kind, id),
        types: subject.types,
        values,
        csrfToken: reply.csrfToken(),
        ...(errors === undefined ? {} : formErrors(errors)),
      })
    }

    app.get(
      formUrl.pattern,
      { config: { access: { capability: 'flag:write' } }, schema: { ...hidden, params: Params } },
      async function flagNewGet(request, reply) {
        const { id } = request.params
        if (!UUID.test(id)) throw new NotFoundError()
        return newForm(request, reply, id)
      },
    )

    app.post(
      formUrl.pattern,
      {
        config: { access: { capability: 'flag:write' } },
        schema: { ...hidden, params: Params, body: NewBody },
      },
      async function flagNewPost(request, reply) {
        const { id } = request.params
        if (!UUID.test(id)) throw new NotFoundError()
        const body = request.body
        const values = { flagType: body.flagType, reason: body.reason, reviewDate: partsFrom(body) }
        try {
          await flags.set(signedInActor(request), kind, id, values, requestContext(request))
        } catch (error) {
          if (error instanceof ValidationError) return newForm(request, reply, id, values, error.fieldErrors)
          throw error
        }
        return reply.redirect(subjectHref(kind, id), 303)
      },
    )
  }

  const subjectApi = (app: SurfaceApp, kind: FlagSubjectKind) => {
    const route = kind === 'person' ? paths.api.personFlags : paths.api.locationFlags
    app.get(
      route.pattern,
      {
        config: { access: { capability: 'person:read' } },
        schema: {
          tags: ['flags'],
          summary: `The flags on a ${kind} (current and removed), and the flag types that apply`,
          security: [{ bearer: [] }],
          params: apiParams,
          response: { 200: SubjectFlags, ...problems },
        },
      },
      async function subjectFlagsApiGet(request) {
        const result = await flags.forSubject(
          apiActor(request),
          kind,
          request.params.id,
          requestContext(request),
          'read',
          'api',
        )
        return { flags: result.flags, types: result.types }
      },
    )

    app.post(
      route.pattern,
      {
        config: { access: { capability: 'flag:write' } },
        schema: {
          tags: ['flags'],
          summary: `Set a flag on a ${kind}: a type on its policy definition, a reason and a review date in the future`,
          security: [{ bearer: [] }],
          params: apiParams,
          body: ApiNew,
          response: { 201: FlagResponse, 400: { $ref: 'Problem#' }, ...problems },
        },
      },
      async function subjectFlagsApiPost(request, reply) {
        const actor = apiActor(request)
        const ctx = requestContext(request)
        const body = request.body
        const flag = await flags.set(
          actor,
          kind,
          request.params.id,
          { flagType: body.flagType, reason: body.reason, reviewDate: partsOf(body.reviewDate) },
          ctx,
          'api',
        )
        return reply.code(201).send({ flag })
      },
    )
  }

  const flagPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    view: string,
    id: string,
    extra: Record<string, unknown> = {},
    errors?: FieldError[],
    status = 200,
  ) => {
    const { flag, subjectTitle } = await flags.read(
      signedInActor(request),
      id,
      requestContext(request),
      'write',
      'flag-form',
    )
    return reply.code(status).view(view, {
      flag,
      subjectTitle,
      subjectHref: subjectHref(flag.subjectKind, flag.subjectId),
      version: flag.version,
      csrfToken: reply.csrfToken(),
      ...extra,
      ...(errors === undefined ? {} : formErrors(errors)),
    })
  }

  return {
    pages: async (app) => {
      for (const kind of ['person', 'location'] as const) subjectPages(app, kind)

      app.get(
        paths.flags.review.pattern,
        { config: { access: { capability: 'flag:write' } }, schema: { ...hidden, params: Params } },
        async function flagReviewGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return flagPage(request, reply, VIEWS.review, id)
        },
      )

      app.post(
        paths.flags.review.pattern,
        {
          config: { access: { capability: 'flag:write' } },
          schema: { ...hidden, params: Params, body: ReviewBody },
        },
        async function flagReviewPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const reviewDate = partsFrom(request.body)
          const version = Number(request.body.version)
          try {
            if (!Number.isInteger(version)) throw new ConflictError()
            const actor = signedInActor(request)
            const subject = await flags.review(actor, id, version, reviewDate, requestContext(request))
            return await reply.redirect(subjectHref(subject.subjectKind, subject.subjectId), 303)
          } catch (error) {
            if (error instanceof ValidationError) {
              const kept = { reviewDate, version: request.body.version }
              return flagPage(request, reply, VIEWS.review, id, kept, error.fieldErrors, 400)
            }
            if (error instanceof ConflictError) {
              // The input is kept and the form now carries the current version: saving again is a decision
              // made after seeing the message.
              return flagPage(
                request,
                reply,
                VIEWS.review,
                id,
                { reviewDate },
                [{ field: 'reviewDate', message: STALE }],
                409,
              )
            }
            throw error
          }
        },
      )

      app.get(
        paths.flags.remove.pattern,
        { config: { access: { capability: 'flag:write' } }, schema: { ...hidden, params: Params } },
        async function flagRemoveGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return flagPage(request, reply, VIEWS.remove, id)
        },
      )

      app.post(
        paths.flags.remove.pattern,
        {
          config: { access: { capability: 'flag:write' } },
          schema: { ...hidden, params: Params, body: RemoveBody },
        },
        async function flagRemovePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const version = Number(request.body.version)
          const reason = request.body.reason
          try {
            if (!Number.isInteger(version)) throw new ConflictError()
            const actor = signedInActor(request)
            const subject = await flags.remove(actor, id, version, reason, requestContext(request))
            return await reply.redirect(subjectHref(subject.subjectKind, subject.subjectId), 303)
          } catch (error) {
            if (error instanceof ValidationError) {
              const kept = { reason, version: request.body.version }
              return flagPage(request, reply, VIEWS.remove, id, kept, error.fieldErrors, 400)
            }
            if (error instanceof ConflictError) {
              return flagPage(
                request,
                reply,
                VIEWS.remove,
                id,
                { reason },
                [{ field: 'reason', message: STALE }],
                409,
              )
            }
            throw error
          }
        },
      )

      // The task list: flag reviews that are due, for the setter and their team.
      app.get(
        paths.tasks,
        { config: { access: { capability: 'person:read' } }, schema: hidden },
        async function tasksGet(request, reply) {
          const reviews = await flags.reviewsDue(signedInActor(request), requestContext(request), 'tasks')
          return reply.view(VIEWS.tasks, {
            reviews: reviews.map((r) => ({
              ...r,
              subjectHref: subjectHref(r.flag.subjectKind, r.flag.subjectId),
            })),
          })
        },
      )
    },
    api: async (app) => {
      for (const kind of ['person', 'location'] as const) subjectApi(app, kind)

      app.get(
        paths.api.flag.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['flags'],
            summary: 'One flag (current or removed); 404 unless the caller may see its subject',
            security: [{ bearer: [] }],
            params: apiParams,
            response: { 200: FlagResponse, ...problems },
          },
        },
        async function flagApiGet(request) {
          const read = await flags.read(
            apiActor(request),
            request.params.id,
            requestContext(request),
            'read',
            'api',
          )
          return { flag: read.flag }
        },
      )

      app.post(
        paths.api.flagReview.pattern,
        {
          config: { access: { capability: 'flag:write' } },
          schema: {
            tags: ['flags'],
            summary:
              'Review a flag: a new review date in the future; 409 when `version` is stale or it was removed',
            security: [{ bearer: [] }],
            params: apiParams,
            body: ApiReview,
            response: {
              200: FlagResponse,
              400: { $ref: 'Problem#' },
              409: { $ref: 'Problem#' },
              ...problems,
            },
          },
        },
        async function flagReviewApiPost(request) {
          const actor = apiActor(request)
          const ctx = requestContext(request)
          const { id } = request.params
          await flags.review(actor, id, request.body.version, partsOf(request.body.reviewDate), ctx, 'api')
          return { flag: (await flags.read(actor, id, ctx, 'read', 'api')).flag }
        },
      )

      app.post(
        paths.api.flagRemove.pattern,
        {
          config: { access: { capability: 'flag:write' } },
          schema: {
            tags: ['flags'],
            summary: 'Remove a flag, with a reason: it stays in the history; 409 when `version` is stale',
            security: [{ bearer: [] }],
            params: apiParams,
            body: ApiRemove,
            response: {
              200: FlagResponse,
              400: { $ref: 'Problem#' },
              409: { $ref: 'Problem#' },
              ...problems,
            },
          },
        },
        async function flagRemoveApiPost(request) {
          const actor = apiActor(request)
          const ctx = requestContext(request)
          const { id } = request.params
          await flags.remove(actor, id, request.body.version, request.body.reason, ctx, 'api')
          return { flag: (await flags.read(actor, id, ctx, 'read', 'api')).flag }
        },
      )

      app.get(
        paths.api.flagReviewsDue.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['flags'],
            summary:
              'Flag reviews that are due: current flags past their review date, set by the caller or their team, on subjects the caller may see',
            security: [{ bearer: [] }],
            response: { 200: DueSchema, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
          },
        },
        async function flagReviewsDueApiGet(request) {
          return { reviews: await flags.reviewsDue(apiActor(request), requestContext(request), 'api') }
        },
      )
    },
  }
}
