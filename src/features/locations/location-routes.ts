import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { LOCATION_KINDS, LOCATION_KIND_LABELS, type LocationForm } from './location-validation.ts'

const hidden = { hide: true } as const
const VIEWS = {
  show: 'features/locations/views/location.njk',
  form: 'features/locations/views/location-form.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const STALE = 'Someone else changed this record while you were editing it. Check your changes and save again.'
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const FORM_FIELDS = {
  kind: text(40),
  name: text(1000),
  addressLine1: text(1000),
  addressLine2: text(1000),
  town: text(1000),
  postcode: text(100),
  latitude: text(100),
  longitude: text(100),
  description: text(10_000),
}
const FormBody = Type.Object(
  { ...FORM_FIELDS, version: text(20), _csrf: text(200) },
  { additionalProperties: false },
)

const coordinate = Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 100 }), Type.Null()]))
const ApiFields = {
  kind: Type.String({ enum: [...LOCATION_KINDS], description: 'address, premises or public-place' }),
  name: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  addressLine1: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  addressLine2: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  town: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
  postcode: Type.Optional(
    Type.Union([
      Type.String({ maxLength: 100, description: 'UK postcode; stored as "NS1 4AB"' }),
      Type.Null(),
    ]),
  ),
  latitude: coordinate,
  longitude: coordinate,
  description: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
}
const ApiCreate = Type.Object(ApiFields, { additionalProperties: false })
const ApiUpdate = Type.Object(
  { ...ApiFields, version: Type.Integer({ minimum: 1, description: 'The version you last read' }) },
  { additionalProperties: false },
)
const nullableString = Type.Union([Type.String(), Type.Null()])
const LocationSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String(),
    kindLabel: Type.String(),
    title: Type.String(),
    name: nullableString,
    addressLine1: nullableString,
    addressLine2: nullableString,
    town: nullableString,
    postcode: nullableString,
    latitude: nullableString,
    longitude: nullableString,
    description: nullableString,
    createdAt: Type.String({ format: 'date-time' }),
    createdByName: nullableString,
    updatedAt: Type.String({ format: 'date-time' }),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const LocationResponse = Type.Object({ location: LocationSchema }, { additionalProperties: false })
const problems = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } }

/** The location's fields from the page's form (not the CSRF token or version). */
const formOf = (body: Partial<Record<keyof typeof FORM_FIELDS, string>>): LocationForm => ({
  kind: body.kind,
  name: body.name,
  addressLine1: body.addressLine1,
  addressLine2: body.addressLine2,
  town: body.town,
  postcode: body.postcode,
  latitude: body.latitude,
  longitude: body.longitude,
  description: body.description,
})

type ApiBody = Partial<Record<keyof typeof ApiFields, string | number | null | undefined>>

/** The API's JSON as the form the validation reads (numbers for coordinates become their decimal text). */
function apiForm(body: ApiBody): LocationForm {
  const str = (value: string | number | null | undefined) =>
    value === null || value === undefined ? undefined : String(value)
  return {
    kind: str(body.kind),
    name: str(body.name),
    addressLine1: str(body.addressLine1),
    addressLine2: str(body.addressLine2),
    town: str(body.town),
    postcode: str(body.postcode),
    latitude: str(body.latitude),
    longitude: str(body.longitude),
    description: str(body.description),
  }
}

const kindItems = (chosen: string | undefined) =>
  LOCATION_KINDS.map((kind) => ({ value: kind, text: LOCATION_KIND_LABELS[kind], checked: kind === chosen }))

export function locationRoutes(services: Services): FeatureRoutes {
  const locations = services.locations

  const form = (
    reply: FastifyReply,
    values: LocationForm,
    extra: { id?: string; version?: string | number; errors?: ValidationError['fieldErrors'] } = {},
    status = 200,
  ) =>
    reply.code(status).view(VIEWS.form, {
      id: extra.id,
      version: extra.version,
      values,
      kindItems: kindItems(values.kind),
      csrfToken: reply.csrfToken(),
      ...(extra.errors === undefined ? {} : formErrors(extra.errors)),
    })

  return {
    pages: async (app) => {
      app.get(
        paths.locations.new,
        { config: { access: { capability: 'link:write' } }, schema: hidden },
        async function locationNewGet(_request, reply) {
          return form(reply, {})
        },
      )

      app.post(
        paths.locations.new,
        { config: { access: { capability: 'link:write' } }, schema: { ...hidden, body: FormBody } },
        async function locationNewPost(request, reply) {
          const values = formOf(request.body)
          try {
            const created = await locations.create(signedInActor(request), values, requestContext(request))
            return await reply.redirect(paths.locations.show(created.id), 303)
          } catch (error) {
            if (error instanceof ValidationError)
              return form(reply, values, { errors: error.fieldErrors }, 400)
            throw error
          }
        },
      )

      app.get(
        paths.locations.show.pattern,
        { config: { access: { capability: 'person:read' } }, schema: { ...hidden, params: Params } },
        async function locationGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const actor = signedInActor(request)
          const read = await locations.read(actor, id, requestContext(request))
          const flags = await services.flags.onSubject(actor, 'location', id, read.decision)
          const entityLinks = await services.links.forThing(actor, 'location', id, requestContext(request))
          return reply.view(VIEWS.show, {
            location: read.location,
            flags,
            entityLinks,
            canEdit: can(actor, 'link:write'),
            canWriteFlags: can(actor, 'flag:write'),
          })
        },
      )

      app.get(
        paths.locations.edit.pattern,
        { config: { access: { capability: 'link:write' } }, schema: { ...hidden, params: Params } },
        async function locationEditGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const { location } = await locations.read(
            signedInActor(request),
            id,
            requestContext(request),
            'edit',
          )
          const values: LocationForm = {
            kind: location.kind,
            name: location.name ?? '',
            addressLine1: location.addressLine1 ?? '',
            addressLine2: location.addressLine2 ?? '',
            town: location.town ?? '',
            postcode: location.postcode ?? '',
            latitude: location.latitude ?? '',
            longitude: location.longitude ?? '',
            description: location.description ?? '',
          }
          return form(reply, values, { id, version: location.version })
        },
      )

      app.post(
        paths.locations.edit.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: { ...hidden, params: Params, body: FormBody },
        },
        async function locationEditPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const values = formOf(request.body)
          const version = request.body.version
          try {
            const parsed = Number(version)
            if (!Number.isInteger(parsed)) throw new ConflictError()
            await locations.update(signedInActor(request), id, parsed, values, requestContext(request))
            return await reply.redirect(paths.locations.show(id), 303)
          } catch (error) {
            if (error instanceof ValidationError) {
              return form(reply, values, { id, version, errors: error.fieldErrors }, 400)
            }
            if (error instanceof ConflictError) {
              // The input is kept and the form now carries the current version: saving again, after the
              // message, is the user's decision.
              const current = await locations.read(
                signedInActor(request),
                id,
                requestContext(request),
                'edit',
              )
              const errors = [{ field: 'kind', message: STALE }]
              return form(reply, values, { id, version: current.location.version, errors }, 409)
            }
            throw error
          }
        },
      )
    },
    api: async (app) => {
      // API: the same service, the caller's actor narrowed by the token's scopes.
      app.post(
        paths.api.locations.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: {
            tags: ['locations'],
            summary: 'Record a location (address, premises or public place); the postcode is validated',
            security: [{ bearer: [] }],
            body: ApiCreate,
            response: { 201: LocationResponse, 400: { $ref: 'Problem#' }, ...problems },
          },
        },
        async function locationApiPost(request, reply) {
          const location = await locations.create(
            apiActor(request),
            apiForm(request.body),
            requestContext(request),
            'api',
          )
          return reply.code(201).send({ location })
        },
      )

      app.get(
        paths.api.location.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['locations'],
            summary: 'One location (the read is audited)',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            response: { 200: LocationResponse, ...problems },
          },
        },
        async function locationApiGet(request) {
          const read = await locations.read(
            apiActor(request),
            request.params.id,
            requestContext(request),
            'api',
          )
          return { location: read.location }
        },
      )

      app.put(
        paths.api.location.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: {
            tags: ['locations'],
            summary: 'Change a location; 409 when `version` is not the current one',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            body: ApiUpdate,
            response: {
              200: LocationResponse,
              400: { $ref: 'Problem#' },
              409: { $ref: 'Problem#' },
              ...problems,
            },
          },
        },
        async function locationApiPut(request) {
          const { version, ...body } = request.body
          const location = await locations.update(
            apiActor(request),
            request.params.id,
            version,
            apiForm(body),
            requestContext(request),
            'api',
          )
          return { location }
        },
      )
    },
  }
}
