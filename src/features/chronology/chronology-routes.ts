import { Type } from 'typebox'
import { apiRoute, IdParams, inputProblems, nullable } from '../../platform/route-kit.ts'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError, ValidationError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'

const VIEWS = {
  show: 'features/chronology/views/chronology.njk',
  notFound: 'features/people/views/not-found.njk',
}
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const Values = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50 })
const Query = Type.Object(
  {
    type: Type.Optional(Values),
    agency: Type.Optional(Values),
  },
  { additionalProperties: false },
)

const EventSchema = Type.Object(
  {
    id: Type.String({ description: 'Unique within the chronology, stable between reads' }),
    type: Type.String({ description: 'The event type, as the `type` filter takes it' }),
    typeLabel: Type.String(),
    action: Type.String({ description: 'What happened: created, started, ended, recorded, set, …' }),
    occurredAt: Type.String({
      description: 'An ISO 8601 date-time, or a calendar date (YYYY-MM-DD) when dateOnly',
    }),
    dateOnly: Type.Boolean(),
    title: Type.String(),
    description: Type.String(),
    agency: Type.Union([
      Type.Object({ id: Type.String({ format: 'uuid' }), name: Type.String() }),
      Type.Null(),
    ]),
    recordedBy: nullable(Type.String()),
    source: Type.Object({
      type: Type.String(),
      id: Type.String({ format: 'uuid' }),
      href: nullable(Type.String()),
    }),
  },
  { additionalProperties: false },
)
const ChronologyResponse = Type.Object(
  {
    person: Type.Object({ id: Type.String({ format: 'uuid' }) }),
    events: Type.Array(EventSchema),
    truncated: Type.Boolean({
      description: 'More events exist than were returned (the newest are returned)',
    }),
  },
  { additionalProperties: false },
)
const problems = inputProblems

/** The selected values of a multi-value query field, for keeping the user's choices on the form. */
const chosen = (value: string[] | undefined) => value ?? []

export function chronologyRoutes(services: Services): FeatureRoutes {
  const chronology = services.chronology

  return {
    pages: async (app) => {
      app.get(
        paths.people.chronology.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: { params: Params, querystring: Query },
        },
        async function chronologyGet(request, reply) {
          const actor = signedInActor(request)
          const { id } = request.params
          const notFound = () =>
            reply.code(404).view(VIEWS.notFound, {
              breakGlassHref:
                UUID.test(id) && services.people.mayAskForBreakGlass(actor)
                  ? paths.people.breakGlass(id)
                  : null,
            })
          if (!UUID.test(id)) return notFound()
          const values = { type: chosen(request.query.type), agency: chosen(request.query.agency) }
          const form = { id, types: chronology.types(), agencies: await chronology.agencies(actor), values }
          let filter
          try {
            filter = await chronology.parseFilter(actor, request.query)
          } catch (error) {
            if (error instanceof ValidationError) {
              return reply.code(400).view(VIEWS.show, { ...form, ...formErrors(error.fieldErrors) })
            }
            throw error
          }
          try {
            const ctx = requestContext(request)
            // The record's identity bar and sections, with its current flags, in the chronology's transaction.
            const result = await chronology.read(
              actor,
              id,
              filter,
              ctx,
              'chronology',
              async (trx, reached) => {
                const flags = await services.flags.onSubject(actor, 'person', id, ctx, {
                  trx,
                  row: reached.row,
                })
                return services.people.hub(actor, reached, 'chronology', flags.flags)
              },
            )
            return await reply.view(VIEWS.show, {
              ...form,
              ...result,
              filtered: filter.types.length > 0 || filter.agencyIds.length > 0,
            })
          } catch (error) {
            if (error instanceof NotFoundError) return notFound()
            throw error
          }
        },
      )
    },
    api: async (app) => {
      app.get(
        paths.api.chronology.pattern,
        apiRoute('person:read', 'chronology', {
          summary: 'A child’s chronology, newest first: the same events as the chronology page',
          description:
            'Filter with repeated `type` (record, statutory-status, alias, link, flag, merge, …) and `agency` (agency ids). A read of the child’s record: audited, and 404 for a record the caller may not see.',
          params: IdParams,
          querystring: Query,
          response: { 200: ChronologyResponse, ...problems },
        }),
        async function chronologyApiGet(request) {
          const actor = apiActor(request)
          const filter = await chronology.parseFilter(actor, request.query)
          const result = await chronology.read(
            actor,
            request.params.id,
            filter,
            requestContext(request),
            'chronology-api',
          )
          return { person: { id: result.person.id }, events: result.events, truncated: result.truncated }
        },
      )
    },
  }
}
