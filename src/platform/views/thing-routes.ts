import type { FastifyRequest } from 'fastify'
import { Type, type Static, type TObject, type TProperties, type TSchema } from 'typebox'
import { signedInActor } from '../access/actor.ts'
import type { Actor } from '../access/policy.ts'
import type { ThingChannel, ThingRead } from '../access/pole-records.ts'
import type { RequestContext } from '../auth/auth-service.ts'
import { requestContext } from '../auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../errors.ts'
import type { PathEntry } from '../paths.ts'
import { apiRoute, IdParams, readProblems } from '../route-kit.ts'
import type { FeatureRoutes } from '../surfaces.ts'
import { apiActor } from '../tokens/api-auth.ts'
import { apiRecordCall } from '../tokens/api-call.ts'
import { formText, formVersion, UUID, versionOf } from './form-fields.ts'
import { formPage, type FormValues } from './form-page.ts'

/**
 * The routes of a place or thing (a location, an object), the same for each kind: its page, the pages that record
 * and change it (on formPage), and the API's create, read and change. The kind says what differs: its fields, how
 * its form maps onto the service's input, what its page shows besides the record, and its API schemas.
 */

/** What the routes need of a place or thing service (src/platform/access/pole-records.ts). */
export interface ThingRoutesService<View, Form> {
  read(actor: Actor, id: string, ctx: RequestContext, via?: ThingChannel): Promise<ThingRead<View>>
  create(actor: Actor, form: Form, ctx: RequestContext, via?: 'page' | 'api'): Promise<View>
  update(
    actor: Actor,
    id: string,
    version: number,
    form: Form,
    ctx: RequestContext,
    via?: 'page' | 'api',
  ): Promise<View>
}

type IdPath = PathEntry<`/${string}/:id`>
type IdEditPath = PathEntry<`/${string}/:id/edit`>

export interface ThingRoutesSpec<
  Name extends string,
  View extends { id: string; version: number },
  Form,
  Body extends TProperties,
  Create extends TObject,
  Update extends TObject,
> {
  /** What the pages and the API call one ('location', 'object'): the view's variable and the API's key. */
  name: Name
  service: ThingRoutesService<View, Form>
  paths: { new: string; show: IdPath; edit: IdEditPath; api: PathEntry<`/${string}`>; apiItem: IdPath }
  views: { show: string; form: string }
  page: {
    /** The page form's fields (the version is added). */
    body: Body
    /** The posted form as the service takes it. */
    form: (body: Static<TObject<Body>>) => Form
    /** The edit form's values for a stored one. */
    values: (view: View) => FormValues
    /** The new form's values on a fresh GET (e.g. the kind chosen on the page before). */
    fresh?: (request: FastifyRequest) => FormValues
    /** What the form shows besides its values (its choices). */
    extras?: Record<string, unknown>
    /** The input a service's field error belongs on (e.g. the kind's own input for its value). */
    field?: (field: string, body: Static<TObject<Body>>) => string
    /** The input a conflict's message belongs on. */
    conflictField: string | ((body: Static<TObject<Body>>) => string)
    /** What the record's page shows besides the record (its links, its flags), for this reader. */
    show: (request: FastifyRequest, id: string, actor: Actor) => Promise<Record<string, unknown>>
  }
  api: {
    tag: string
    record: TSchema
    create: Create
    update: Update
    createForm: (body: Static<Create>) => Form
    updateForm: (body: Static<Update>) => { version: number; form: Form }
    summaries: { create: string; read: string; update: string }
    createDescription?: string
  }
}

const nullableString = Type.Union([Type.String(), Type.Null()])

/** The message of a stale form (409) for every place or thing, shown with the input kept. */
const STALE = 'Someone else changed this record while you were editing it. Check your changes and save again.'

/** The API's schema of a place or thing: the fields every one has (ThingShown), and its kind's own. */
export function thingSchema<P extends TProperties>(own: P) {
  return Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      kind: Type.String(),
      kindLabel: Type.String(),
      ...own,
      description: nullableString,
      createdAt: Type.String({ format: 'date-time' }),
      createdByName: nullableString,
      updatedAt: Type.String({ format: 'date-time' }),
      version: Type.Integer(),
      // i12d: its description written from an intelligence entry, where the caller may see the entry.
      intelligenceDescription: Type.Optional(
        Type.Union([
          Type.Object(
            {
              text: Type.String({
                description: 'As written for handlers; the entry’s sanitised text otherwise',
              }),
              intelligenceId: Type.String({ format: 'uuid' }),
              grading: Type.String(),
              full: Type.Boolean(),
            },
            { additionalProperties: false },
          ),
          Type.Null(),
        ]),
      ),
    },
    { additionalProperties: false },
  )
}

export function thingRoutes<
  Name extends string,
  View extends { id: string; version: number },
  Form,
  Body extends TProperties,
  Create extends TObject,
  Update extends TObject,
>(spec: ThingRoutesSpec<Name, View, Form, Body, Create, Update>): FeatureRoutes {
  const { service, name } = spec
  const Response = Type.Object({ [name]: spec.api.record }, { additionalProperties: false })
  type Posted = Static<TObject<Body>>

  /** A service's field errors on the page's own inputs, and a stale form's message as the page words it. */
  const onPage = async <T>(posted: Posted, work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      if (error instanceof ValidationError && spec.page.field !== undefined) {
        const field = spec.page.field
        throw new ValidationError(
          error.fieldErrors.map((e): FieldError => ({ ...e, field: field(e.field, posted) })),
        )
      }
      if (error instanceof ConflictError) throw new ConflictError(STALE)
      throw error
    }
  }

  return {
    pages: async (app) => {
      formPage(app, {
        path: spec.paths.new,
        access: { capability: 'link:write' },
        view: spec.views.form,
        body: { ...spec.page.body, ...formVersion },
        load: async (request) => ({ ...spec.page.extras, fresh: spec.page.fresh?.(request) ?? {} }),
        values: (loaded) => loaded.fresh,
        conflictField: spec.page.conflictField,
        submit: async (request, posted) => {
          const created = await onPage(posted, () =>
            service.create(signedInActor(request), spec.page.form(posted), requestContext(request)),
          )
          return spec.paths.show(created.id)
        },
      })

      app.get(
        spec.paths.show.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: { params: Type.Object({ id: formText(64) }) },
        },
        async function thingGet(request, reply) {
          const { id = '' } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const actor = signedInActor(request)
          const read = await service.read(actor, id, requestContext(request))
          return reply.view(spec.views.show, {
            [name]: read.record,
            canEdit: read.canEdit,
            ...(await spec.page.show(request, id, actor)),
          })
        },
      )

      formPage(app, {
        path: spec.paths.edit,
        access: { capability: 'link:write' },
        view: spec.views.form,
        body: { ...spec.page.body, ...formVersion },
        load: async (request, { id = '' }) => {
          const read = await service.read(signedInActor(request), id, requestContext(request), 'edit')
          return { ...spec.page.extras, id, record: read.record }
        },
        values: (loaded) => ({ ...spec.page.values(loaded.record), version: String(loaded.record.version) }),
        conflictField: spec.page.conflictField,
        submit: async (request, posted, { id = '' }) => {
          const version = versionOf((posted as { version?: string }).version) ?? 0
          await onPage(posted, () =>
            service.update(
              signedInActor(request),
              id,
              version,
              spec.page.form(posted),
              requestContext(request),
            ),
          )
          return spec.paths.show(id)
        },
      })
    },

    api: async (app) => {
      app.post(
        spec.paths.api.pattern,
        apiRoute('link:write', spec.api.tag, {
          operationId: `${name}ApiPost`,
          summary: spec.api.summaries.create,
          ...(spec.api.createDescription === undefined ? {} : { description: spec.api.createDescription }),
          body: spec.api.create,
          response: { 201: Response, 400: { $ref: 'Problem#' }, ...readProblems },
        }),
        async function thingApiPost(request, reply) {
          const created = await service.create(
            apiActor(request),
            spec.api.createForm(request.body as Static<Create>),
            requestContext(request),
            'api',
          )
          return reply.code(201).send({ [name]: created })
        },
      )

      app.get(
        spec.paths.apiItem.pattern,
        apiRoute('person:read', spec.api.tag, {
          operationId: `${name}ApiGet`,
          summary: spec.api.summaries.read,
          params: IdParams,
          response: { 200: Response, ...readProblems },
        }),
        async function thingApiGet(request) {
          const { actor, id, ctx } = apiRecordCall(request)
          const read = await service.read(actor, id, ctx, 'api')
          return { [name]: read.record }
        },
      )

      app.put(
        spec.paths.apiItem.pattern,
        apiRoute('link:write', spec.api.tag, {
          operationId: `${name}ApiPut`,
          summary: spec.api.summaries.update,
          params: IdParams,
          body: spec.api.update,
          response: { 200: Response, 400: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' }, ...readProblems },
        }),
        async function thingApiPut(request) {
          const { version, form } = spec.api.updateForm(request.body as Static<Update>)
          const { actor, id, ctx } = apiRecordCall(request)
          const updated = await service.update(actor, id, version, form, ctx, 'api')
          return { [name]: updated }
        },
      )
    },
  }
}
