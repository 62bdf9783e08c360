import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import {
  isObjectKind,
  OBJECT_KINDS,
  OBJECT_KIND_LABELS,
  type ObjectForm,
  type ObjectKind,
} from './object-validation.ts'
import { displayValue } from './object-validation.ts'

const hidden = { hide: true } as const
const VIEWS = {
  show: 'features/objects/views/object.njk',
  form: 'features/objects/views/object-form.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const STALE = 'Someone else changed this record while you were editing it. Check your changes and save again.'
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
/** The page's form: one input per kind (revealed under its radio), so each keeps its own value and message. */
const FormBody = Type.Object(
  {
    kind: text(40),
    phone: text(100),
    registration: text(100),
    handle: text(1000),
    platform: text(1000),
    otherValue: text(1000),
    description: text(10_000),
    version: text(20),
    _csrf: text(200),
  },
  { additionalProperties: false },
)
type PageForm = Partial<
  Record<'kind' | 'phone' | 'registration' | 'handle' | 'platform' | 'otherValue' | 'description', string>
>

const pageOf = (body: PageForm): PageForm => ({
  kind: body.kind,
  phone: body.phone,
  registration: body.registration,
  handle: body.handle,
  platform: body.platform,
  otherValue: body.otherValue,
  description: body.description,
})

/** The input on the page that holds the value of each kind. */
const VALUE_FIELD: Readonly<Record<ObjectKind, keyof PageForm>> = {
  phone: 'phone',
  vehicle: 'registration',
  'online-handle': 'handle',
  other: 'otherValue',
}

function fromPage(body: PageForm, kind: string | undefined): ObjectForm {
  const valueField = kind !== undefined && isObjectKind(kind) ? VALUE_FIELD[kind] : undefined
  return {
    kind,
    value: valueField === undefined ? undefined : body[valueField],
    platform: body.platform,
    description: body.description,
  }
}

/** The service's "value" message belongs on the kind's own input. */
const onPage = (errors: FieldError[], kind: string | undefined): FieldError[] =>
  errors.map((e) =>
    e.field === 'value' && kind !== undefined && isObjectKind(kind) ? { ...e, field: VALUE_FIELD[kind] } : e,
  )

const ApiCreate = Type.Object(
  {
    kind: Type.String({ enum: [...OBJECT_KINDS] }),
    value: Type.String({
      maxLength: 1000,
      description: 'The phone number (stored in E.164), the registration, the handle, or what it is (other)',
    }),
    platform: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
  },
  { additionalProperties: false },
)
const ApiUpdate = Type.Object(
  {
    value: Type.String({ maxLength: 1000 }),
    platform: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 10_000 }), Type.Null()])),
    version: Type.Integer({ minimum: 1, description: 'The version you last read' }),
  },
  { additionalProperties: false },
)
const nullableString = Type.Union([Type.String(), Type.Null()])
const ObjectSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String(),
    kindLabel: Type.String(),
    value: Type.String(),
    displayValue: Type.String(),
    platform: nullableString,
    description: nullableString,
    createdAt: Type.String({ format: 'date-time' }),
    createdByName: nullableString,
    updatedAt: Type.String({ format: 'date-time' }),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const ObjectResponse = Type.Object({ object: ObjectSchema }, { additionalProperties: false })
const problems = { 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } }

export function objectRoutes(services: Services): FeatureRoutes {
  const objects = services.objects

  const form = (
    reply: FastifyReply,
    values: PageForm,
    extra: { id?: string; version?: string | number; errors?: FieldError[] } = {},
    status = 200,
  ) =>
    reply.code(status).view(VIEWS.form, {
      id: extra.id,
      version: extra.version,
      values,
      // One question per page: first what it is, then the input for that kind (no conditional reveals).
      chosen: values.kind !== undefined && isObjectKind(values.kind),
      kindLabel:
        values.kind !== undefined && isObjectKind(values.kind) ? OBJECT_KIND_LABELS[values.kind] : '',
      kinds: OBJECT_KINDS.map((kind) => ({ value: kind, text: OBJECT_KIND_LABELS[kind] })),
      csrfToken: reply.csrfToken(),
      ...(extra.errors === undefined ? {} : formErrors(onPage(extra.errors, values.kind))),
    })

  return {
    pages: async (app) => {
      app.get(
        paths.objects.new,
        {
          config: { access: { capability: 'link:write' } },
          schema: { ...hidden, querystring: Type.Object({ kind: text(40) }) },
        },
        async function objectNewGet(request, reply) {
          const kind = request.query.kind
          return form(reply, { kind: kind !== undefined && isObjectKind(kind) ? kind : undefined })
        },
      )

      app.post(
        paths.objects.new,
        { config: { access: { capability: 'link:write' } }, schema: { ...hidden, body: FormBody } },
        async function objectNewPost(request, reply) {
          const values = pageOf(request.body)
          try {
            const created = await objects.create(
              signedInActor(request),
              fromPage(values, values.kind),
              requestContext(request),
            )
            return await reply.redirect(paths.objects.show(created.id), 303)
          } catch (error) {
            if (error instanceof ValidationError)
              return form(reply, values, { errors: error.fieldErrors }, 400)
            throw error
          }
        },
      )

      app.get(
        paths.objects.show.pattern,
        { config: { access: { capability: 'person:read' } }, schema: { ...hidden, params: Params } },
        async function objectGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const actor = signedInActor(request)
          const read = await objects.read(actor, id, requestContext(request))
          const entityLinks = await services.links.forThing(actor, 'object', id, requestContext(request))
          return reply.view(VIEWS.show, {
            object: read.object,
            entityLinks,
            canEdit: can(actor, 'link:write'),
          })
        },
      )

      app.get(
        paths.objects.edit.pattern,
        { config: { access: { capability: 'link:write' } }, schema: { ...hidden, params: Params } },
        async function objectEditGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const { object } = await objects.read(signedInActor(request), id, requestContext(request), 'edit')
          const kind = object.kind as ObjectKind
          const values: PageForm = {
            kind,
            [VALUE_FIELD[kind]]:
              kind === 'other' ? object.value : displayValue(kind, object.value).replace(/^@/, ''),
            platform: object.platform ?? '',
            description: object.description ?? '',
          }
          return form(reply, values, { id, version: object.version })
        },
      )

      app.post(
        paths.objects.edit.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: { ...hidden, params: Params, body: FormBody },
        },
        async function objectEditPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const values = pageOf(request.body)
          const version = request.body.version
          try {
            const parsed = Number(version)
            if (!Number.isInteger(parsed)) throw new ConflictError()
            // The kind of an object does not change; the form says which it is so the right input is read.
            await objects.update(
              signedInActor(request),
              id,
              parsed,
              fromPage(values, values.kind),
              requestContext(request),
            )
            return await reply.redirect(paths.objects.show(id), 303)
          } catch (error) {
            if (error instanceof ValidationError) {
              return form(reply, values, { id, version, errors: error.fieldErrors }, 400)
            }
            if (error instanceof ConflictError) {
              const field =
                values.kind !== undefined && isObjectKind(values.kind) ? VALUE_FIELD[values.kind] : 'kind'
              // The input is kept and the form now carries the current version (see locations).
              const current = await objects.read(signedInActor(request), id, requestContext(request), 'edit')
              const errors = [{ field, message: STALE }]
              return form(reply, values, { id, version: current.object.version, errors }, 409)
            }
            throw error
          }
        },
      )
    },
    api: async (app) => {
      app.post(
        paths.api.objects.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: {
            tags: ['objects'],
            summary:
              'Record a phone (normalised to E.164), vehicle (registration), online handle or other object',
            description:
              'An identifier already recorded (same phone, registration, or handle on the platform) is a 400 with a field error.',
            security: [{ bearer: [] }],
            body: ApiCreate,
            response: { 201: ObjectResponse, 400: { $ref: 'Problem#' }, ...problems },
          },
        },
        async function objectApiPost(request, reply) {
          const body = request.body
          const object = await objects.create(
            apiActor(request),
            {
              kind: body.kind,
              value: body.value,
              platform: body.platform ?? undefined,
              description: body.description ?? undefined,
            },
            requestContext(request),
            'api',
          )
          return reply.code(201).send({ object })
        },
      )

      app.get(
        paths.api.object.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['objects'],
            summary: 'One object (the read is audited)',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            response: { 200: ObjectResponse, ...problems },
          },
        },
        async function objectApiGet(request) {
          const read = await objects.read(
            apiActor(request),
            request.params.id,
            requestContext(request),
            'api',
          )
          return { object: read.object }
        },
      )

      app.put(
        paths.api.object.pattern,
        {
          config: { access: { capability: 'link:write' } },
          schema: {
            tags: ['objects'],
            summary: 'Change an object (its kind stays); 409 when `version` is not the current one',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            body: ApiUpdate,
            response: {
              200: ObjectResponse,
              400: { $ref: 'Problem#' },
              409: { $ref: 'Problem#' },
              ...problems,
            },
          },
        },
        async function objectApiPut(request) {
          const { version, ...body } = request.body
          const object = await objects.update(
            apiActor(request),
            request.params.id,
            version,
            {
              value: body.value,
              platform: body.platform ?? undefined,
              description: body.description ?? undefined,
            },
            requestContext(request),
            'api',
          )
          return { object }
        },
      )
    },
  }
}
