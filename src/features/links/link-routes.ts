import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import type { LinkFromHere, LinkView } from './link-service.ts'
import { INTELLIGENCE_ASSESSMENTS, SOURCE_EVALUATIONS, UUID } from './link-validation.ts'

const hidden = { hide: true } as const
const VIEWS = {
  create: 'features/links/views/new-link.njk',
  show: 'features/links/views/link.njk',
  notFound: 'features/people/views/not-found.njk',
}
const STALE = 'Someone else changed this link while you were ending it. Check the link below and try again.'
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))

const DATE_PARTS = ['day', 'month', 'year'] as const
const dateFields = (prefix: string) =>
  Object.fromEntries(DATE_PARTS.map((part) => [`${prefix}-${part}`, text(10)])) as Record<
    `${string}-${(typeof DATE_PARTS)[number]}`,
    ReturnType<typeof text>
  >

const NewLinkBody = Type.Object(
  {
    linkType: text(60),
    to: text(200),
    ...dateFields('fromDate'),
    ...dateFields('toDate'),
    source: text(2000),
    sourceType: text(20),
    sourceAgencyId: text(64),
    sourceEvaluation: text(4),
    intelligenceAssessment: text(4),
    confidence: text(20),
    _csrf: text(200),
  },
  { additionalProperties: false },
)
type NewLinkForm = Record<string, string | undefined>

const EndBody = Type.Object(
  {
    version: text(12),
    endReason: text(2000),
    ...dateFields('endedOn'),
    _csrf: text(200),
  },
  { additionalProperties: false },
)

const dateFrom = (body: NewLinkForm, prefix: string) => ({
  day: body[`${prefix}-day`] ?? '',
  month: body[`${prefix}-month`] ?? '',
  year: body[`${prefix}-year`] ?? '',
})

/** The form's fields as the service takes them (absent fields are empty; grades only for intelligence). */
function linkInput(body: NewLinkForm) {
  const intelligence = body.sourceType === 'intelligence'
  return {
    linkType: body.linkType ?? '',
    to: body.to ?? '',
    fromDate: dateFrom(body, 'fromDate'),
    toDate: dateFrom(body, 'toDate'),
    source: body.source ?? '',
    sourceType: body.sourceType ?? '',
    sourceAgencyId: body.sourceAgencyId ?? '',
    sourceEvaluation: intelligence ? (body.sourceEvaluation ?? '') : '',
    intelligenceAssessment: intelligence ? (body.intelligenceAssessment ?? '') : '',
    confidence: body.confidence ?? '',
  }
}

const gradeOptions = {
  evaluations: Object.entries(SOURCE_EVALUATIONS).map(([value, label]) => ({
    value,
    text: `${value}: ${label}`,
  })),
  assessments: Object.entries(INTELLIGENCE_ASSESSMENTS).map(([value, label]) => ({
    value,
    text: `${value}: ${label}`,
  })),
}

// API schemas ----------------------------------------------------------------------------------------------------

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const Kind = Type.Union([Type.Literal('person'), Type.Literal('location'), Type.Literal('object')])
const EndSchema = Type.Object(
  {
    kind: Kind,
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    href: nullable(Type.String()),
  },
  { additionalProperties: false },
)
const LinkSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    linkType: Type.String(),
    label: Type.String(),
    inverseLabel: Type.String(),
    from: EndSchema,
    to: EndSchema,
    fromDate: nullable(Type.String({ format: 'date' })),
    toDate: nullable(Type.String({ format: 'date' })),
    source: Type.String(),
    sourceType: Type.Union([Type.Literal('record'), Type.Literal('intelligence')]),
    sourceAgencyName: nullable(Type.String()),
    sourceEvaluation: nullable(Type.String()),
    sourceEvaluationLabel: nullable(Type.String()),
    intelligenceAssessment: nullable(Type.String()),
    intelligenceAssessmentLabel: nullable(Type.String()),
    confidence: Type.Union([Type.Literal('confirmed'), Type.Literal('suspected')]),
    current: Type.Boolean(),
    endedAt: nullable(Type.String({ format: 'date-time' })),
    endedByName: nullable(Type.String()),
    endReason: nullable(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    createdByName: nullable(Type.String()),
    version: Type.Integer(),
  },
  {
    additionalProperties: false,
    description: 'A link with its provenance; only links whose both ends are visible',
  },
)
const PersonLinkSchema = Type.Object(
  {
    ...LinkSchema.properties,
    relation: Type.String({ description: 'How the link reads from this person' }),
    other: EndSchema,
  },
  { additionalProperties: false },
)
const CreateLinkBody = Type.Object(
  {
    linkType: Type.String({ maxLength: 60, description: 'A link type code (reference data)' }),
    from: Type.Object({ kind: Kind, id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
    to: Type.Object(
      {
        kind: Type.Optional(Kind),
        id: Type.String({
          maxLength: 200,
          description:
            'A record id, or an exact identifier (NHS number, police id, phone, registration, postcode)',
        }),
      },
      { additionalProperties: false },
    ),
    fromDate: Type.Optional(nullable(Type.String({ maxLength: 10 }))),
    toDate: Type.Optional(nullable(Type.String({ maxLength: 10 }))),
    source: Type.String({ maxLength: 2000 }),
    sourceType: Type.Optional(Type.Union([Type.Literal('record'), Type.Literal('intelligence')])),
    sourceAgencyId: Type.Optional(nullable(Type.String({ maxLength: 64 }))),
    sourceEvaluation: Type.Optional(nullable(Type.String({ maxLength: 1 }))),
    intelligenceAssessment: Type.Optional(nullable(Type.String({ maxLength: 1 }))),
    confidence: Type.String({ maxLength: 20 }),
  },
  { additionalProperties: false },
)
const EndLinkBody = Type.Object(
  {
    version: Type.Integer(),
    reason: Type.String({ maxLength: 2000 }),
    endedOn: Type.Optional(nullable(Type.String({ maxLength: 10 }))),
  },
  { additionalProperties: false },
)
const problems = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
}

const api = (link: LinkView) => ({
  ...link,
  endedAt: link.endedAt?.toISOString() ?? null,
  createdAt: link.createdAt.toISOString(),
})
const apiFromHere = (link: LinkFromHere) => ({ ...api(link), relation: link.relation, other: link.other })

/** API field errors name the JSON fields. */
const API_FIELDS: Record<string, string> = {
  fromId: '/body/from/id',
  to: '/body/to/id',
  fromDate: '/body/fromDate',
  toDate: '/body/toDate',
  endReason: '/body/reason',
  endedOn: '/body/endedOn',
}
function apiErrors(error: ValidationError): ValidationError {
  return new ValidationError(
    error.fieldErrors.map((e) => ({ field: API_FIELDS[e.field] ?? `/body/${e.field}`, message: e.message })),
  )
}

export function linkRoutes(services: Services): FeatureRoutes {
  const links = services.links

  const newForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    personId: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const form = await links.form(signedInActor(request), personId, requestContext(request))
    return reply.code(status).view(VIEWS.create, {
      ...form,
      ...gradeOptions,
      values: {},
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  const notFoundPage = (reply: FastifyReply) => reply.code(404).view(VIEWS.notFound, { breakGlassHref: null })

  const linkPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const actor = signedInActor(request)
    const link = await links.read(actor, id, requestContext(request), 'page')
    return reply.code(status).view(VIEWS.show, {
      link,
      canEnd: link.current && can(actor, 'link:write'),
      values: {},
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.links.newForPerson.pattern,
        { config: { access: { capability: 'link:write' } }, schema: { ...hidden, params: Params } },
        async function newLinkGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) return notFoundPage(reply)
          try {
            return await newForm(request, reply, id)
          } catch (error) {
            if (error instanceof NotFoundError) return notFoundPage(reply)
            throw error
          }
        },
      )

      app.post(
        paths.links.newForPerson.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: { ...hidden, params: Params, body: NewLinkBody },
        },
        async function newLinkPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) return notFoundPage(reply)
          const body = request.body as NewLinkForm
          try {
            const linkId = await links.createForPerson(
              signedInActor(request),
              id,
              linkInput(body),
              requestContext(request),
            )
            return await reply.redirect(paths.links.show(linkId), 303)
          } catch (error) {
            if (error instanceof NotFoundError) return notFoundPage(reply)
            if (error instanceof ValidationError) {
              // The user's input is kept; the person is read again (and audited) to show the form.
              return newForm(request, reply, id, { values: body, ...formErrors(error.fieldErrors) }, 400)
            }
            throw error
          }
        },
      )

      app.get(
        paths.links.show.pattern,
        { config: { access: { capability: 'person:read' } }, schema: { ...hidden, params: Params } },
        async function linkGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) return notFoundPage(reply)
          try {
            return await linkPage(request, reply, id)
          } catch (error) {
            if (error instanceof NotFoundError) return notFoundPage(reply)
            throw error
          }
        },
      )

      app.post(
        paths.links.end.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: { ...hidden, params: Params, body: EndBody },
        },
        async function linkEndPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) return notFoundPage(reply)
          const body = request.body as Record<string, string | undefined>
          const version = Number(body.version)
          try {
            if (!Number.isInteger(version)) throw new ConflictError()
            await links.end(
              signedInActor(request),
              id,
              { version, reason: body.endReason ?? '', endedOn: dateFrom(body, 'endedOn') },
              requestContext(request),
            )
            return await reply.redirect(paths.links.show(id), 303)
          } catch (error) {
            try {
              if (error instanceof NotFoundError) return await notFoundPage(reply)
              if (error instanceof ValidationError) {
                return await linkPage(
                  request,
                  reply,
                  id,
                  { values: body, ...formErrors(error.fieldErrors) },
                  400,
                )
              }
              if (error instanceof ConflictError) {
                const message = error.message.includes('already ended') ? error.message : STALE
                return await linkPage(
                  request,
                  reply,
                  id,
                  { values: body, ...formErrors([{ field: 'endReason', message }]) },
                  409,
                )
              }
            } catch (again) {
              if (again instanceof NotFoundError) return notFoundPage(reply)
              throw again
            }
            throw error
          }
        },
      )
    },
    api: async (app) => {
      app.post(
        paths.api.links.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: {
            tags: ['links'],
            summary:
              'Record a typed, dated link between two entities with its source, reliability and confidence; an end the caller may not see is a field error, never a hint that it exists',
            security: [{ bearer: [] }],
            body: CreateLinkBody,
            response: { 201: Type.Object({ link: LinkSchema }), ...problems },
          },
        },
        async function linkApiPost(request, reply) {
          const body: Static<typeof CreateLinkBody> = request.body
          const actor = apiActor(request)
          const ctx = requestContext(request)
          try {
            const id = await links.create(
              actor,
              {
                linkType: body.linkType,
                fromKind: body.from.kind,
                fromId: body.from.id,
                to: body.to.id,
                toKind: body.to.kind ?? '',
                fromDate: body.fromDate ?? '',
                toDate: body.toDate ?? '',
                source: body.source,
                sourceType: body.sourceType ?? 'record',
                sourceAgencyId: body.sourceAgencyId ?? '',
                sourceEvaluation: body.sourceEvaluation ?? '',
                intelligenceAssessment: body.intelligenceAssessment ?? '',
                confidence: body.confidence,
              },
              ctx,
            )
            const link = await links.read(actor, id, ctx, 'api')
            return await reply
              .code(201)
              .header('location', paths.api.link(id))
              .send({ link: api(link) })
          } catch (error) {
            if (error instanceof ValidationError) throw apiErrors(error)
            throw error
          }
        },
      )

      app.get(
        paths.api.link.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['links'],
            summary: 'One link with its provenance; 404 when it does not exist or either end is not visible',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            response: { 200: Type.Object({ link: LinkSchema }), ...problems },
          },
        },
        async function linkApiGet(request) {
          const link = await links.read(apiActor(request), request.params.id, requestContext(request), 'api')
          return { link: api(link) }
        },
      )

      app.get(
        paths.api.personLinks.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['links'],
            summary: 'The links of a person, current and ended, whose other end the caller may see',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            response: { 200: Type.Object({ links: Type.Array(PersonLinkSchema) }), ...problems },
          },
        },
        async function personLinksApiGet(request) {
          const found = await links.forPerson(apiActor(request), request.params.id, requestContext(request), {
            auditSubject: true,
          })
          return { links: found.map(apiFromHere) }
        },
      )

      app.post(
        paths.api.linkEnd.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: {
            tags: ['links'],
            summary:
              'End a current link, keeping its history (when, who, why); 409 when the version is stale or it has already ended',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            body: EndLinkBody,
            response: { 200: Type.Object({ link: LinkSchema }), 409: { $ref: 'Problem#' }, ...problems },
          },
        },
        async function linkEndApiPost(request) {
          const body: Static<typeof EndLinkBody> = request.body
          try {
            const link = await links.end(
              apiActor(request),
              request.params.id,
              { version: body.version, reason: body.reason, endedOn: body.endedOn ?? '' },
              requestContext(request),
            )
            return { link: api(link) }
          } catch (error) {
            if (error instanceof ValidationError) throw apiErrors(error)
            throw error
          }
        },
      )
    },
  }
}
