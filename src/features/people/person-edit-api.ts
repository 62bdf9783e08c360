import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyReply, FastifySchema } from 'fastify'
import type { Static, TSchema } from 'typebox'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import {
  AliasAddBody,
  AliasParams,
  changeProblems,
  Created,
  CreateBody,
  PatchBody,
  PersonParams,
  StatusAddBody,
  StatusEndBody,
  StatusParams,
  Versioned,
  VersionOnly,
} from './person-schema.ts'
import { personFromForm } from './person-forms.ts'
import type { DateInput, PersonInput } from './person-validation.ts'

/** Creating and changing people's records through the API (tag `people`): the edit service, as the pages use it. */

/** A change route: who may make it (person:write), its tag and summary, then its own schema. */
const write = <const S extends FastifySchema>(summary: string, schema: S) =>
  apiRoute('person:write', 'people', { summary, ...schema })

type PatchFields = Omit<Static<typeof PatchBody>, 'version'>
const str = (value: string | number | null | undefined) =>
  value === null || value === undefined ? '' : String(value)

/** Nothing given: what an empty form says. */
const EMPTY: PersonInput = personFromForm({})

/** An API body as the form's input: null or absent means "not given" (for PATCH, "leave as it is" when absent). */
function personFromApi(body: Partial<PatchFields>, current: PersonInput = EMPTY): PersonInput {
  const pick = (key: keyof PatchFields, currentValue: DateInput | string): DateInput | string =>
    key in body ? str(body[key]) : currentValue
  const s = (key: keyof PatchFields & keyof PersonInput) => pick(key, current[key]) as string
  return {
    kind: s('kind'),
    givenName: s('givenName'),
    familyName: s('familyName'),
    dateOfBirth: pick('dateOfBirth', current.dateOfBirth),
    estimatedAge: s('estimatedAge'),
    estimatedAgeOn: pick('estimatedAgeOn', current.estimatedAgeOn),
    gender: s('gender'),
    ethnicity: s('ethnicity'),
    language: s('language'),
    disability: s('disability'),
    nhsNumber: s('nhsNumber'),
    upn: s('upn'),
    laChildId: s('laChildId'),
    policeId: s('policeId'),
    schoolId: pick('schoolId', current.schoolId) as string,
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

/** A change to a record, its details or a name or status of it: answered with the record's version now. */
const change = <const S extends FastifySchema>(summary: string, schema: S) =>
  write(summary, { ...schema, response: { 200: VersionOnly, ...changeProblems } })

/** Adding a name or status to a record: its summary and body; answered 201 with what was added. */
const addition = <const B extends TSchema>(summary: string, body: B) =>
  write(summary, { params: PersonParams, body, response: { 201: Created, ...changeProblems } })

/** The 201 of a name or status added: its id and the record's version now. */
async function added(
  reply: FastifyReply,
  work: () => Promise<{ result?: string | undefined; version: number }>,
) {
  const change = await asApi(work)
  return reply.code(201).send({ id: change.result ?? '', version: change.version })
}

export function personEditApi(services: Services): FastifyPluginAsyncTypebox {
  const edit = services.personEdit
  return async (app) => {
    app.post(
      paths.api.people.pattern,
      write(
        'Create a person’s record (with aliases and statutory statuses); allocated to the caller’s team, or the caller',
        {
          body: CreateBody,
          response: { 201: Created, ...changeProblems },
        },
      ),
      async function personApiPost(request, reply) {
        const { aliases = [], statuses = [], ...person } = request.body
        const input = {
          person: personFromApi(person),
          aliases,
          statuses: statuses.map((s) => ({ status: s.status, fromDate: s.fromDate, toDate: s.toDate ?? '' })),
        }
        const actor = apiActor(request)
        const ctx = requestContext(request)
        const id = await asApi(() => edit.create(actor, input, ctx, { via: 'api' }), 'create')
        return reply.code(201).send({ id, version: 1 })
      },
    )

    app.patch(
      paths.api.person.pattern,
      change('Change a person’s details: only the fields sent change (null clears); 409 on a stale version', {
        params: PersonParams,
        body: PatchBody,
      }),
      async function personApiPatch(request) {
        const { version, ...fields } = request.body
        const ctx = requestContext(request)
        const input = (current: PersonInput) => personFromApi(fields, current)
        return asApi(() => edit.update(apiActor(request), request.params.id, version, input, ctx, 'api'))
      },
    )

    app.post(
      paths.api.personAliases.pattern,
      addition('Add an alias, street name or previous name', AliasAddBody),
      async function personAliasApiPost(request, reply) {
        const { version, kind, name } = request.body
        const ctx = requestContext(request)
        return added(reply, () =>
          edit.addAliases(apiActor(request), request.params.id, version, [{ kind, name }], ctx, 'api'),
        )
      },
    )

    app.delete(
      paths.api.personAlias.pattern,
      change('Remove an alias (kept in the record’s history)', {
        params: AliasParams,
        querystring: Versioned,
      }),
      async function personAliasApiDelete(request) {
        const { id, aliasId } = request.params
        const ctx = requestContext(request)
        return edit.removeAlias(apiActor(request), id, request.query.version, aliasId, ctx, 'api')
      },
    )

    app.post(
      paths.api.personStatuses.pattern,
      addition('Record a statutory status with its dates', StatusAddBody),
      async function personStatusApiPost(request, reply) {
        const { version, status, fromDate, toDate } = request.body
        const input = { status, fromDate, toDate: toDate ?? '' }
        const ctx = requestContext(request)
        return added(reply, () =>
          edit.addStatus(apiActor(request), request.params.id, version, input, ctx, 'api'),
        )
      },
    )

    app.patch(
      paths.api.personStatus.pattern,
      change('Set or clear the end date of a statutory status', {
        params: StatusParams,
        body: StatusEndBody,
      }),
      async function personStatusApiPatch(request) {
        const { id, statusId } = request.params
        const { version, toDate } = request.body
        const ctx = requestContext(request)
        return asApi(() => edit.endStatus(apiActor(request), id, version, statusId, toDate ?? '', ctx, 'api'))
      },
    )
  }
}
