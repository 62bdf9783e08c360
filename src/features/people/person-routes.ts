import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import type { PersonView } from './person-service.ts'

const hidden = { hide: true } as const
const VIEWS = {
  list: 'features/people/views/people.njk',
  show: 'features/people/views/person.njk',
  notFound: 'features/people/views/not-found.njk',
  breakGlass: 'features/people/views/break-glass.njk',
  views: 'features/people/views/record-views.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const BreakGlassBody = Type.Object(
  {
    reason: Type.Optional(Type.String({ maxLength: 5000 })),
    password: Type.Optional(Type.String({ maxLength: 1000 })),
    _csrf: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
/** A person as the API returns it: fields the caller may not see are absent, not null. */
const PersonSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Optional(Type.String()),
    kindLabel: Type.Optional(Type.String()),
    givenName: Type.Optional(Type.String()),
    familyName: Type.Optional(nullable(Type.String())),
    dateOfBirth: Type.Optional(nullable(Type.String({ format: 'date' }))),
    age: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    ageIsEstimate: Type.Optional(Type.Boolean()),
    gender: Type.Optional(nullable(Type.String())),
    nhsNumber: Type.Optional(nullable(Type.String())),
    ethnicityLabel: Type.Optional(nullable(Type.String())),
    language: Type.Optional(nullable(Type.String())),
    disability: Type.Optional(nullable(Type.String())),
    upn: Type.Optional(nullable(Type.String())),
    laChildId: Type.Optional(nullable(Type.String())),
    policeId: Type.Optional(nullable(Type.String())),
    schoolName: Type.Optional(nullable(Type.String())),
    aliases: Type.Optional(Type.Array(Type.Object({ kind: Type.String(), name: Type.String() }))),
    statuses: Type.Optional(
      Type.Array(
        Type.Object({
          status: Type.String(),
          label: Type.String(),
          fromDate: Type.String({ format: 'date' }),
          toDate: nullable(Type.String({ format: 'date' })),
        }),
      ),
    ),
    allocatedWorkerName: Type.Optional(nullable(Type.String())),
    allocatedTeamName: Type.Optional(nullable(Type.String())),
    version: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false, description: 'Only the fields the access policy lets the caller see' },
)
const PersonRead = Type.Object(
  {
    person: PersonSchema,
    access: Type.Object({
      relationships: Type.Array(Type.String()),
      breakGlassUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    }),
  },
  { additionalProperties: false },
)
const problems = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } }

export function personRoutes(services: Services): FeatureRoutes {
  const people = services.people

  /** The not-found page for a person id, offering break-glass to roles that may ask (for any id). */
  const notFound = (request: FastifyRequest, reply: FastifyReply, id: string) =>
    reply.code(404).view(VIEWS.notFound, {
      breakGlassHref:
        UUID.test(id) && people.mayAskForBreakGlass(signedInActor(request))
          ? paths.people.breakGlass(id)
          : null,
    })

  const breakGlassForm = (
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) =>
    reply.code(status).view(VIEWS.breakGlass, {
      id,
      hours: services.breakGlassHours,
      csrfToken: reply.csrfToken(),
      ...extra,
    })

  return {
    pages: async (app) => {
      app.get(
        paths.people.list,
        { config: { access: { capability: 'person:read' } }, schema: hidden },
        async function peopleGet(request, reply) {
          const reads = await people.caseload(signedInActor(request), requestContext(request))
          return reply.view(VIEWS.list, {
            people: reads.map((r) => r.person),
            canAdd: can(signedInActor(request), 'person:write'),
          })
        },
      )

      app.get(
        paths.people.show.pattern,
        { config: { access: { capability: 'person:read' } }, schema: { ...hidden, params: Params } },
        async function personGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) return notFound(request, reply, id)
          try {
            const actor = signedInActor(request)
            const ctx = requestContext(request)
            // The record, its links and its flags in one transaction.
            const { read, more } = await people.readWith(
              actor,
              id,
              ctx,
              async (trx, _allowed, found, events) => ({
                personLinks: await services.links.forPerson(actor, id, ctx, { trx, events, person: found }),
                flags: (await services.flags.onSubject(actor, 'person', id, ctx, { trx, row: found })).flags,
              }),
            )
            return await reply.view(VIEWS.show, {
              person: read.person,
              breakGlassUntil: read.breakGlassUntil,
              canSeeViews: can(actor, 'record-views:read'),
              personLinks: more.personLinks,
              canAddLink: can(actor, 'link:write'),
              flags: more.flags,
              canWriteFlags: can(actor, 'flag:write'),
              canEdit: read.mayWrite,
            })
          } catch (error) {
            if (error instanceof NotFoundError) return notFound(request, reply, id)
            throw error
          }
        },
      )

      app.get(
        paths.people.breakGlass.pattern,
        { config: { access: { capability: 'break-glass:use' } }, schema: { ...hidden, params: Params } },
        async function breakGlassGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return breakGlassForm(reply, id)
        },
      )

      app.post(
        paths.people.breakGlass.pattern,
        {
          config: { access: { capability: 'break-glass:use' } },
          schema: { ...hidden, params: Params, body: BreakGlassBody },
        },
        async function breakGlassPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const reason = request.body.reason ?? ''
          try {
            await people.breakGlass(
              signedInActor(request),
              id,
              { reason, password: request.body.password ?? '' },
              requestContext(request),
            )
          } catch (error) {
            // The password is never sent back; the reason is kept.
            if (error instanceof ValidationError) {
              return breakGlassForm(reply, id, { reason, ...formErrors(error.fieldErrors) }, 400)
            }
            throw error
          }
          return reply.redirect(paths.people.show(id), 303)
        },
      )

      app.get(
        paths.people.views.pattern,
        { config: { access: { capability: 'record-views:read' } }, schema: { ...hidden, params: Params } },
        async function recordViewsGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const result = await people.views(signedInActor(request), id, requestContext(request))
          return reply.view(VIEWS.views, result)
        },
      )
    },
    api: async (app) => {
      // API: the same service, the caller's actor narrowed by the token's scopes.
      app.get(
        paths.api.people.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['people'],
            summary: 'The people the caller works with (allocated, team, agency, current MACE, break-glass)',
            security: [{ bearer: [] }],
            response: { 200: Type.Object({ people: Type.Array(PersonSchema) }), ...problems },
          },
        },
        async function peopleApiGet(request) {
          const reads = await people.caseload(apiActor(request), requestContext(request))
          return { people: reads.map((r) => r.person) }
        },
      )

      app.get(
        paths.api.person.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['people'],
            summary: 'One person, with only the fields the caller may see; 404 for a record they may not see',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            response: { 200: PersonRead, ...problems },
          },
        },
        async function personApiGet(request) {
          const read = await people.read(apiActor(request), request.params.id, requestContext(request), 'api')
          return {
            person: read.person satisfies PersonView,
            access: {
              relationships: read.decision.relationships,
              breakGlassUntil: read.breakGlassUntil?.toISOString() ?? null,
            },
          }
        },
      )
    },
  }
}
