import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { duplicatesBeforeCreate } from '../duplicates/duplicate-check.ts'
import { personInputOf } from './person-edit-service.ts'
import {
  ALIAS_KINDS,
  type AliasInput,
  type DateInput,
  type PersonInput,
  type StatusInput,
} from './person-validation.ts'

/**
 * Adding and changing a person's record: pages (details, other names, statutory statuses) and the API (tag
 * `people`). Handlers parse and render; the rules, the policy's decision and the audit are in the edit service.
 */

const hidden = { hide: true } as const
const VIEWS = {
  new: 'features/people/views/new-person.njk',
  edit: 'features/people/views/edit-person.njk',
  names: 'features/people/views/person-names.njk',
  statuses: 'features/people/views/person-statuses.njk',
  statusEnd: 'features/people/views/person-status-end.njk',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const write = { access: { capability: 'person:write' as const } }
const STALE = 'Someone else changed this record while you were editing it. Check the record and save again.'

const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))
const dateParts = (prefix: string) => ({
  [`${prefix}-day`]: text(10),
  [`${prefix}-month`]: text(10),
  [`${prefix}-year`]: text(10),
})
const DETAILS_FORM = {
  kind: text(40),
  givenName: text(1000),
  familyName: text(1000),
  ...dateParts('dateOfBirth'),
  estimatedAge: text(10),
  ...dateParts('estimatedAgeOn'),
  gender: text(1000),
  ethnicity: text(10),
  language: text(1000),
  disability: text(5000),
  nhsNumber: text(100),
  upn: text(100),
  laChildId: text(1000),
  policeId: text(1000),
  school: text(64),
  _csrf: text(200),
}
const ALIAS_FORM = {
  alias0Kind: text(40),
  alias0Name: text(1000),
  alias1Kind: text(40),
  alias1Name: text(1000),
}
const STATUS_FORM = { statutoryStatus: text(40), ...dateParts('statusFrom'), ...dateParts('statusTo') }
const NewForm = Type.Object(
  // duplicatesChecked: the user has seen the possible duplicates and chose to create a new record anyway.
  { ...DETAILS_FORM, ...ALIAS_FORM, ...STATUS_FORM, duplicatesChecked: text(10) },
  { additionalProperties: false },
)
const EditForm = Type.Object({ ...DETAILS_FORM, version: text(12) }, { additionalProperties: false })
const NamesForm = Type.Object(
  { ...ALIAS_FORM, version: text(12), _csrf: text(200) },
  { additionalProperties: false },
)
const StatusForm = Type.Object(
  { ...STATUS_FORM, version: text(12), _csrf: text(200) },
  { additionalProperties: false },
)
const StatusEndForm = Type.Object(
  { ...dateParts('statusTo'), version: text(12), _csrf: text(200) },
  { additionalProperties: false },
)
const VersionForm = Type.Object({ version: text(12), _csrf: text(200) }, { additionalProperties: false })
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const AliasParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  aliasId: Type.String({ maxLength: 64 }),
})
const StatusParams = Type.Object({
  id: Type.String({ maxLength: 64 }),
  statusId: Type.String({ maxLength: 64 }),
})

type Form = Record<string, string | undefined>
const field = (body: Form, name: string) => body[name] ?? ''
const dateOf = (body: Form, prefix: string): DateInput => ({
  day: field(body, `${prefix}-day`),
  month: field(body, `${prefix}-month`),
  year: field(body, `${prefix}-year`),
})

/** The details form as the service takes it. */
function personFromForm(body: Form): PersonInput {
  return {
    kind: field(body, 'kind'),
    givenName: field(body, 'givenName'),
    familyName: field(body, 'familyName'),
    dateOfBirth: dateOf(body, 'dateOfBirth'),
    estimatedAge: field(body, 'estimatedAge'),
    estimatedAgeOn: dateOf(body, 'estimatedAgeOn'),
    gender: field(body, 'gender'),
    ethnicity: field(body, 'ethnicity'),
    language: field(body, 'language'),
    disability: field(body, 'disability'),
    nhsNumber: field(body, 'nhsNumber'),
    upn: field(body, 'upn'),
    laChildId: field(body, 'laChildId'),
    policeId: field(body, 'policeId'),
    schoolId: field(body, 'school'),
  }
}

const aliasesFromForm = (body: Form): AliasInput[] =>
  [0, 1].map((i) => ({
    kind: field(body, `alias${String(i)}Kind`),
    name: field(body, `alias${String(i)}Name`),
  }))

const statusFromForm = (body: Form): StatusInput => ({
  status: field(body, 'statutoryStatus'),
  fromDate: dateOf(body, 'statusFrom'),
  toDate: dateOf(body, 'statusTo'),
})

/** What a form shows for a stored date ('YYYY-MM-DD' → its three parts). */
function datePartsOf(prefix: string, value: string): Form {
  const [year = '', month = '', day = ''] = value === '' ? [] : value.split('-')
  return {
    [`${prefix}-day`]: day.replace(/^0/, ''),
    [`${prefix}-month`]: month.replace(/^0/, ''),
    [`${prefix}-year`]: year,
  }
}

/** The details form's values for a stored person. */
function formOf(input: PersonInput): Form {
  const { dateOfBirth, estimatedAgeOn, schoolId, ...rest } = input
  return {
    ...rest,
    school: schoolId,
    ...datePartsOf('dateOfBirth', typeof dateOfBirth === 'string' ? dateOfBirth : ''),
    ...datePartsOf('estimatedAgeOn', typeof estimatedAgeOn === 'string' ? estimatedAgeOn : ''),
  }
}

const DATE_FIELDS = new Set(['dateOfBirth', 'estimatedAgeOn', 'statusFrom', 'statusTo'])

/** GOV.UK error summary and field messages; a date's summary link goes to its day input. */
function pageErrors(errors: readonly FieldError[]) {
  const fieldErrors: Record<string, { text: string }> = {}
  for (const e of errors) fieldErrors[e.field] ??= { text: e.message }
  return {
    errorSummary: errors.map((e) => ({
      text: e.message,
      href: `#${e.field}${DATE_FIELDS.has(e.field) ? '-day' : ''}`,
    })),
    fieldErrors,
  }
}

// API -------------------------------------------------------------------------------------------------------

const optionalText = (max: number) =>
  Type.Optional(Type.Union([Type.String({ maxLength: max }), Type.Null()]))
const apiDate = () =>
  Type.Optional(Type.Union([Type.String({ maxLength: 20, description: 'YYYY-MM-DD' }), Type.Null()]))
const PERSON_API_FIELDS = {
  kind: Type.String({ maxLength: 40, description: 'child, adult-of-concern, parent-carer or associate' }),
  givenName: Type.String({ maxLength: 1000 }),
  familyName: optionalText(1000),
  dateOfBirth: apiDate(),
  estimatedAge: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 200 }), Type.Null()])),
  estimatedAgeOn: apiDate(),
  gender: optionalText(1000),
  ethnicity: optionalText(10),
  language: optionalText(1000),
  disability: optionalText(5000),
  nhsNumber: optionalText(100),
  upn: optionalText(100),
  laChildId: optionalText(1000),
  policeId: optionalText(1000),
  schoolId: Type.Optional(
    Type.Union([Type.String({ maxLength: 64, description: 'An education agency' }), Type.Null()]),
  ),
}
const AliasBody = Type.Object(
  {
    kind: Type.Union([Type.Literal('alias'), Type.Literal('street-name'), Type.Literal('previous-name')]),
    name: Type.String({ maxLength: 1000 }),
  },
  { additionalProperties: false },
)
const StatusBody = Type.Object(
  {
    status: Type.String({ maxLength: 40, description: 'A statutory status code (DOMAIN.md)' }),
    fromDate: Type.String({ maxLength: 20, description: 'YYYY-MM-DD' }),
    toDate: apiDate(),
  },
  { additionalProperties: false },
)
const CreateBody = Type.Object(
  {
    ...PERSON_API_FIELDS,
    aliases: Type.Optional(Type.Array(AliasBody, { maxItems: 50 })),
    statuses: Type.Optional(Type.Array(StatusBody, { maxItems: 20 })),
  },
  { additionalProperties: false },
)
const PatchBody = Type.Object(
  {
    version: Type.Integer({
      description: 'The version the change is based on; 409 when it is no longer current',
    }),
    kind: Type.Optional(PERSON_API_FIELDS.kind),
    givenName: Type.Optional(PERSON_API_FIELDS.givenName),
    familyName: PERSON_API_FIELDS.familyName,
    dateOfBirth: PERSON_API_FIELDS.dateOfBirth,
    estimatedAge: PERSON_API_FIELDS.estimatedAge,
    estimatedAgeOn: PERSON_API_FIELDS.estimatedAgeOn,
    gender: PERSON_API_FIELDS.gender,
    ethnicity: PERSON_API_FIELDS.ethnicity,
    language: PERSON_API_FIELDS.language,
    disability: PERSON_API_FIELDS.disability,
    nhsNumber: PERSON_API_FIELDS.nhsNumber,
    upn: PERSON_API_FIELDS.upn,
    laChildId: PERSON_API_FIELDS.laChildId,
    policeId: PERSON_API_FIELDS.policeId,
    schoolId: PERSON_API_FIELDS.schoolId,
  },
  { additionalProperties: false },
)
const Versioned = Type.Object({ version: Type.Integer() }, { additionalProperties: false })
const Created = Type.Object({ id: Type.String({ format: 'uuid' }), version: Type.Integer() })
const VersionOnly = Type.Object({ version: Type.Integer() })
const problems = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
  409: { $ref: 'Problem#' },
}
const apiSchema = (summary: string) => ({ tags: ['people'], summary, security: [{ bearer: [] }] })

type PatchFields = Omit<Static<typeof PatchBody>, 'version'>
const str = (value: string | number | null | undefined) =>
  value === null || value === undefined ? '' : String(value)

/** An API body as the form's input: null or absent means "not given" (for PATCH, "leave as it is" when absent). */
function personFromApi(body: Partial<PatchFields>, current?: PersonInput): PersonInput {
  const pick = (key: keyof PatchFields, currentValue: DateInput | string): DateInput | string =>
    key in body ? str(body[key]) : currentValue
  const base: PersonInput = current ?? personFromForm({})
  const s = (key: keyof PatchFields & keyof PersonInput) => pick(key, base[key]) as string
  return {
    kind: s('kind'),
    givenName: s('givenName'),
    familyName: s('familyName'),
    dateOfBirth: pick('dateOfBirth', base.dateOfBirth),
    estimatedAge: s('estimatedAge'),
    estimatedAgeOn: pick('estimatedAgeOn', base.estimatedAgeOn),
    gender: s('gender'),
    ethnicity: s('ethnicity'),
    language: s('language'),
    disability: s('disability'),
    nhsNumber: s('nhsNumber'),
    upn: s('upn'),
    laChildId: s('laChildId'),
    policeId: s('policeId'),
    schoolId: pick('schoolId', base.schoolId) as string,
  }
}

/** Form field names as JSON pointers into the API body. */
const API_FIELDS: Readonly<Record<string, string>> = {
  school: 'schoolId',
  statutoryStatus: 'status',
  statusFrom: 'fromDate',
  statusTo: 'toDate',
}
/**
 * The service's field names as JSON pointers into the API body: in a create body, other names and statuses are
 * lists (/body/aliases/0/name); in a body about one alias or status they are its own fields (/body/name).
 */
function apiErrors(error: ValidationError, body: 'create' | 'one'): ValidationError {
  return new ValidationError(
    error.fieldErrors.map((e) => {
      const alias = /^alias(\d+)(Kind|Name)$/.exec(e.field)
      const status = /^(statutoryStatus|statusFrom|statusTo)(\d*)$/.exec(e.field)
      let field = `/body/${API_FIELDS[e.field] ?? e.field}`
      if (alias) {
        const part = alias[2] === 'Kind' ? 'kind' : 'name'
        field = body === 'create' ? `/body/aliases/${alias[1] ?? '0'}/${part}` : `/body/${part}`
      } else if (status) {
        const part = API_FIELDS[status[1] ?? ''] ?? ''
        field = body === 'create' ? `/body/statuses/${status[2] || '0'}/${part}` : `/body/${part}`
      }
      return { ...e, field }
    }),
  )
}
const asApi = async <T>(work: () => Promise<T>, body: 'create' | 'one' = 'one'): Promise<T> => {
  try {
    return await work()
  } catch (error) {
    if (error instanceof ValidationError) throw apiErrors(error, body)
    throw error
  }
}

export function personEditRoutes(services: Services): FeatureRoutes {
  const edit = services.personEdit

  const optionsFor = async (request: FastifyRequest) => {
    const options = await edit.options(signedInActor(request))
    return { ...options, aliasKinds: ALIAS_KINDS }
  }

  // Add a person --------------------------------------------------------------------------------------------
  const renderNew = async (
    request: FastifyRequest,
    reply: FastifyReply,
    values: Form,
    extra: Record<string, unknown> = {},
    status = 200,
  ) =>
    reply.code(status).view(VIEWS.new, {
      values,
      options: await optionsFor(request),
      csrfToken: reply.csrfToken(),
      ...extra,
    })

  // Change details ------------------------------------------------------------------------------------------
  /** Renders one of a record's edit pages; the form's values are the user's input when given. */
  const renderEdit = async (
    request: FastifyRequest,
    reply: FastifyReply,
    view: string,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    if (!UUID.test(id)) throw new NotFoundError()
    const record = await edit.forEdit(signedInActor(request), id, requestContext(request))
    return reply.code(status).view(view, {
      person: record.person,
      aliases: record.aliases,
      statuses: record.statuses,
      values: formOf(personInputOf(record.person)),
      version: String(record.person.version),
      options: await optionsFor(request),
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  /** A failed change: field errors (400) or a stale version (409), the user's input kept. */
  const failed = (
    request: FastifyRequest,
    reply: FastifyReply,
    view: string,
    id: string,
    error: unknown,
    kept: Record<string, unknown>,
    staleField: string,
  ) => {
    if (error instanceof ValidationError) {
      return renderEdit(request, reply, view, id, { ...pageErrors(error.fieldErrors), ...kept }, 400)
    }
    if (error instanceof ConflictError) {
      // The new version is shown so that saving again applies the user's input over the other change.
      return renderEdit(
        request,
        reply,
        view,
        id,
        { ...pageErrors([{ field: staleField, message: STALE }]), ...kept, stale: true },
        409,
      )
    }
    throw error
  }

  const renderStatusEnd = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    statusId: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    if (!UUID.test(id)) throw new NotFoundError()
    const record = await edit.forEdit(signedInActor(request), id, requestContext(request))
    const found = record.statuses.find((s) => s.id === statusId)
    if (found === undefined) throw new NotFoundError()
    return reply.code(status).view(VIEWS.statusEnd, {
      person: record.person,
      status: found,
      version: String(record.person.version),
      values: datePartsOf('statusTo', found.toDate ?? ''),
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.people.new,
        { config: write, schema: hidden },
        async function personNewGet(request, reply) {
          return renderNew(request, reply, { kind: 'child' })
        },
      )

      app.post(
        paths.people.new,
        { config: write, schema: { ...hidden, body: NewForm } },
        async function personNewPost(request, reply) {
          const body = request.body as Form
          // Before saving: possible duplicates the user may see, with "this is the same person" (their record)
          // or "create a new record anyway" (the same form again, now marked as checked).
          if (body.duplicatesChecked !== 'yes') {
            const duplicates = await duplicatesBeforeCreate(
              services.duplicates,
              signedInActor(request),
              body,
              requestContext(request),
            )
            if (duplicates.length > 0) return renderNew(request, reply, body, { duplicates })
          }
          const input = {
            person: personFromForm(body),
            aliases: aliasesFromForm(body),
            statuses: [statusFromForm(body)],
          }
          try {
            const id = await edit.create(signedInActor(request), input, requestContext(request))
            return await reply.redirect(paths.people.show(id), 303)
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error
            return renderNew(request, reply, body, pageErrors(error.fieldErrors), 400)
          }
        },
      )

      app.get(
        paths.people.edit.pattern,
        { config: write, schema: { ...hidden, params: Params } },
        async function personEditGet(request, reply) {
          return renderEdit(request, reply, VIEWS.edit, request.params.id)
        },
      )

      app.post(
        paths.people.edit.pattern,
        { config: write, schema: { ...hidden, params: Params, body: EditForm } },
        async function personEditPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body as Form
          try {
            await edit.update(
              signedInActor(request),
              id,
              Number(body.version ?? ''),
              personFromForm(body),
              requestContext(request),
            )
          } catch (error) {
            return failed(request, reply, VIEWS.edit, id, error, { values: body }, 'givenName')
          }
          return reply.redirect(paths.people.show(id), 303)
        },
      )

      // Other names ---------------------------------------------------------------------------------------------
      app.get(
        paths.people.names.pattern,
        { config: write, schema: { ...hidden, params: Params } },
        async function personNamesGet(request, reply) {
          return renderEdit(request, reply, VIEWS.names, request.params.id, { names: {} })
        },
      )

      app.post(
        paths.people.names.pattern,
        { config: write, schema: { ...hidden, params: Params, body: NamesForm } },
        async function personNamesPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body as Form
          try {
            await edit.addAliases(
              signedInActor(request),
              id,
              Number(body.version ?? ''),
              aliasesFromForm(body),
              requestContext(request),
            )
          } catch (error) {
            return failed(request, reply, VIEWS.names, id, error, { names: body }, 'alias0Name')
          }
          return reply.redirect(paths.people.names(id), 303)
        },
      )

      app.post(
        paths.people.nameRemove.pattern,
        { config: write, schema: { ...hidden, params: AliasParams, body: VersionForm } },
        async function personNameRemovePost(request, reply) {
          const { id, aliasId } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          try {
            await edit.removeAlias(
              signedInActor(request),
              id,
              Number(request.body.version ?? ''),
              aliasId,
              requestContext(request),
            )
          } catch (error) {
            return failed(request, reply, VIEWS.names, id, error, { names: {} }, 'alias0Name')
          }
          return reply.redirect(paths.people.names(id), 303)
        },
      )

      // Statutory statuses --------------------------------------------------------------------------------------
      app.get(
        paths.people.statuses.pattern,
        { config: write, schema: { ...hidden, params: Params } },
        async function personStatusesGet(request, reply) {
          return renderEdit(request, reply, VIEWS.statuses, request.params.id, { status: {} })
        },
      )

      app.post(
        paths.people.statuses.pattern,
        { config: write, schema: { ...hidden, params: Params, body: StatusForm } },
        async function personStatusesPost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body as Form
          try {
            await edit.addStatus(
              signedInActor(request),
              id,
              Number(body.version ?? ''),
              statusFromForm(body),
              requestContext(request),
            )
          } catch (error) {
            return failed(request, reply, VIEWS.statuses, id, error, { status: body }, 'statutoryStatus')
          }
          return reply.redirect(paths.people.statuses(id), 303)
        },
      )

      app.get(
        paths.people.statusEnd.pattern,
        { config: write, schema: { ...hidden, params: StatusParams } },
        async function personStatusEndGet(request, reply) {
          return renderStatusEnd(request, reply, request.params.id, request.params.statusId)
        },
      )

      app.post(
        paths.people.statusEnd.pattern,
        { config: write, schema: { ...hidden, params: StatusParams, body: StatusEndForm } },
        async function personStatusEndPost(request, reply) {
          const { id, statusId } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body as Form
          try {
            await edit.endStatus(
              signedInActor(request),
              id,
              Number(body.version ?? ''),
              statusId,
              dateOf(body, 'statusTo'),
              requestContext(request),
            )
          } catch (error) {
            if (error instanceof ValidationError) {
              return renderStatusEnd(
                request,
                reply,
                id,
                statusId,
                { ...pageErrors(error.fieldErrors), values: body },
                400,
              )
            }
            if (error instanceof ConflictError) {
              const stale = pageErrors([{ field: 'statusTo', message: STALE }])
              return renderStatusEnd(request, reply, id, statusId, { ...stale, values: body }, 409)
            }
            throw error
          }
          return reply.redirect(paths.people.statuses(id), 303)
        },
      )
    },
    api: async (app) => {
      app.post(
        paths.api.people.pattern,
        {
          config: write,
          schema: {
            ...apiSchema(
              'Create a person’s record (with aliases and statutory statuses); allocated to the caller’s team, or the caller',
            ),
            body: CreateBody,
            response: { 201: Created, ...problems },
          },
        },
        async function personApiPost(request, reply) {
          const { aliases = [], statuses = [], ...person } = request.body
          const input = {
            person: personFromApi(person),
            aliases,
            statuses: statuses.map((s) => ({
              status: s.status,
              fromDate: s.fromDate,
              toDate: s.toDate ?? '',
            })),
          }
          const id = await asApi(
            () => edit.create(apiActor(request), input, requestContext(request), 'api'),
            'create',
          )
          return reply.code(201).send({ id, version: 1 })
        },
      )

      app.patch(
        paths.api.person.pattern,
        {
          config: write,
          schema: {
            ...apiSchema(
              'Change a person’s details: only the fields sent change (null clears); 409 on a stale version',
            ),
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            body: PatchBody,
            response: { 200: VersionOnly, ...problems },
          },
        },
        async function personApiPatch(request) {
          const { version, ...fields } = request.body
          return asApi(() =>
            edit.update(
              apiActor(request),
              request.params.id,
              version,
              (current) => personFromApi(fields, current),
              requestContext(request),
              'api',
            ),
          )
        },
      )

      app.post(
        paths.api.personAliases.pattern,
        {
          config: write,
          schema: {
            ...apiSchema('Add an alias, street name or previous name'),
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            body: Type.Object(
              { version: Type.Integer(), ...AliasBody.properties },
              { additionalProperties: false },
            ),
            response: { 201: Created, ...problems },
          },
        },
        async function personAliasApiPost(request, reply) {
          const { version, kind, name } = request.body
          const result = await asApi(() =>
            edit.addAliases(
              apiActor(request),
              request.params.id,
              version,
              [{ kind, name }],
              requestContext(request),
              'api',
            ),
          )
          return reply.code(201).send({ id: result.result ?? '', version: result.version })
        },
      )

      app.delete(
        paths.api.personAlias.pattern,
        {
          config: write,
          schema: {
            ...apiSchema('Remove an alias (kept in the record’s history)'),
            params: Type.Object({
              id: Type.String({ format: 'uuid' }),
              aliasId: Type.String({ maxLength: 64 }),
            }),
            querystring: Versioned,
            response: { 200: VersionOnly, ...problems },
          },
        },
        async function personAliasApiDelete(request) {
          const { id, aliasId } = request.params
          return edit.removeAlias(
            apiActor(request),
            id,
            request.query.version,
            aliasId,
            requestContext(request),
            'api',
          )
        },
      )

      app.post(
        paths.api.personStatuses.pattern,
        {
          config: write,
          schema: {
            ...apiSchema('Record a statutory status with its dates'),
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            body: Type.Object(
              { version: Type.Integer(), ...StatusBody.properties },
              { additionalProperties: false },
            ),
            response: { 201: Created, ...problems },
          },
        },
        async function personStatusApiPost(request, reply) {
          const { version, status, fromDate, toDate } = request.body
          const result = await asApi(() =>
            edit.addStatus(
              apiActor(request),
              request.params.id,
              version,
              { status, fromDate, toDate: toDate ?? '' },
              requestContext(request),
              'api',
            ),
          )
          return reply.code(201).send({ id: result.result ?? '', version: result.version })
        },
      )

      app.patch(
        paths.api.personStatus.pattern,
        {
          config: write,
          schema: {
            ...apiSchema('Set or clear the end date of a statutory status'),
            params: Type.Object({
              id: Type.String({ format: 'uuid' }),
              statusId: Type.String({ maxLength: 64 }),
            }),
            body: Type.Object(
              { version: Type.Integer(), toDate: apiDate() },
              { additionalProperties: false },
            ),
            response: { 200: VersionOnly, ...problems },
          },
        },
        async function personStatusApiPatch(request) {
          const { id, statusId } = request.params
          return asApi(() =>
            edit.endStatus(
              apiActor(request),
              id,
              request.body.version,
              statusId,
              request.body.toDate ?? '',
              requestContext(request),
              'api',
            ),
          )
        },
      )
    },
  }
}
