import type { FastifyReply, FastifyRequest } from 'fastify'
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
import type { Moved } from './merge-repository.ts'

const VIEWS = {
  duplicates: 'features/duplicates/views/duplicates.njk',
  merge: 'features/duplicates/views/merge.njk',
  merges: 'features/duplicates/views/merges.njk',
}
const hidden = { hide: true } as const
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
const ApiParams = Type.Object({ id: Type.String({ format: 'uuid' }) })
const text = (max: number) => Type.Optional(Type.String({ maxLength: max }))

const MergeBody = Type.Object(
  {
    mergedId: text(64),
    reason: text(5000),
    survivorVersion: text(12),
    mergedVersion: text(12),
    _csrf: text(200),
  },
  { additionalProperties: false },
)
const UnmergeBody = Type.Object(
  { mergeId: text(64), reason: text(5000), version: text(12), _csrf: text(200) },
  { additionalProperties: false },
)

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const CandidateSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.Optional(Type.String()),
    kindLabel: Type.Optional(Type.String()),
    givenName: Type.Optional(Type.String()),
    familyName: Type.Optional(nullable(Type.String())),
    dateOfBirth: Type.Optional(nullable(Type.String({ format: 'date' }))),
    version: Type.Optional(Type.Integer()),
    score: Type.Integer({ minimum: 0, maximum: 100 }),
    reasons: Type.Array(Type.String()),
  },
  {
    additionalProperties: false,
    description: 'A possible duplicate the caller may see, with why it was suggested',
  },
)
const Candidates = Type.Object({ candidates: Type.Array(CandidateSchema) }, { additionalProperties: false })
const WouldBe = Type.Object(
  {
    givenName: Type.Optional(Type.String({ maxLength: 200 })),
    familyName: Type.Optional(Type.String({ maxLength: 200 })),
    dateOfBirth: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD' })),
    nhsNumber: Type.Optional(Type.String({ maxLength: 20 })),
    upn: Type.Optional(Type.String({ maxLength: 20 })),
    laChildId: Type.Optional(Type.String({ maxLength: 100 })),
    policeId: Type.Optional(Type.String({ maxLength: 100 })),
    locationIds: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 10 })),
  },
  { additionalProperties: false },
)
const MovedSchema = Type.Object({
  aliases: Type.Array(Type.String()),
  statuses: Type.Array(Type.String()),
  linksFrom: Type.Array(Type.String()),
  linksTo: Type.Array(Type.String()),
  flags: Type.Array(Type.String()),
  agencies: Type.Array(Type.String()),
  identifiers: Type.Array(Type.String()),
  addedAliases: Type.Array(Type.String()),
})
const MergeSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  survivorId: Type.String({ format: 'uuid' }),
  mergedId: Type.String({ format: 'uuid' }),
  reason: Type.String(),
  moved: MovedSchema,
  mergedAt: Type.String({ format: 'date-time' }),
  mergedByName: nullable(Type.String()),
  unmergedAt: nullable(Type.String({ format: 'date-time' })),
  version: Type.Integer(),
})
const problems = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
}
const version = (value: string | undefined) => (/^\d{1,9}$/.test(value ?? '') ? Number(value) : -1)

export function duplicateRoutes(services: Services): FeatureRoutes {
  const { duplicates, merges } = services

  const mergeForm = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    mergedId: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const pair = await merges.preview(signedInActor(request), id, mergedId, requestContext(request))
    return reply.code(status).view(VIEWS.merge, { ...pair, csrfToken: reply.csrfToken(), ...extra })
  }

  const mergesPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const result = await merges.mergesInto(signedInActor(request), id, requestContext(request))
    return reply.code(status).view(VIEWS.merges, { ...result, csrfToken: reply.csrfToken(), ...extra })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.people.duplicates.pattern,
        { config: { access: { capability: 'person:read' } }, schema: { ...hidden, params: Params } },
        async function duplicatesGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const actor = signedInActor(request)
          const result = await duplicates.forPerson(actor, id, requestContext(request))
          return reply.view(VIEWS.duplicates, { ...result, canMerge: can(actor, 'person:merge') })
        },
      )

      app.get(
        paths.people.merge.pattern,
        {
          config: { access: { capability: 'person:merge' } },
          schema: { ...hidden, params: Params, querystring: Type.Object({ with: text(64) }) },
        },
        async function mergeGet(request, reply) {
          const { id } = request.params
          const mergedId = request.query.with ?? ''
          if (!UUID.test(id)) throw new NotFoundError()
          if (!UUID.test(mergedId)) return reply.redirect(paths.people.duplicates(id), 303)
          if (mergedId === id) {
            throw new ValidationError([
              {
                field: 'mergedId',
                message: 'Choose a different record: a record cannot be merged into itself',
              },
            ])
          }
          return mergeForm(request, reply, id, mergedId)
        },
      )

      app.post(
        paths.people.merge.pattern,
        {
          config: { access: { capability: 'person:merge' } },
          schema: { ...hidden, params: Params, body: MergeBody },
        },
        async function mergePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const body = request.body
          const input = {
            mergedId: body.mergedId ?? '',
            reason: body.reason ?? '',
            survivorVersion: version(body.survivorVersion),
            mergedVersion: version(body.mergedVersion),
          }
          try {
            await merges.merge(signedInActor(request), id, input, requestContext(request))
          } catch (error) {
            // The form again, with what was typed: the field messages, or the 409 about someone else's change.
            const kept = { reason: input.reason, versions: body }
            if (error instanceof ValidationError) {
              if (input.mergedId === id || !UUID.test(input.mergedId)) {
                return reply.code(400).view(VIEWS.merge, {
                  invalidPair: true,
                  csrfToken: reply.csrfToken(),
                  backHref: paths.people.duplicates(id),
                  ...formErrors(error.fieldErrors),
                })
              }
              return mergeForm(
                request,
                reply,
                id,
                input.mergedId,
                { ...kept, ...formErrors(error.fieldErrors) },
                400,
              )
            }
            if (error instanceof ConflictError) {
              return mergeForm(
                request,
                reply,
                id,
                input.mergedId,
                {
                  reason: input.reason,
                  ...formErrors([
                    { field: 'reason', message: `${error.message}. Check both records again, then merge.` },
                  ]),
                },
                409,
              )
            }
            throw error
          }
          return reply.redirect(paths.people.merges(id), 303)
        },
      )

      app.get(
        paths.people.merges.pattern,
        { config: { access: { capability: 'person:merge' } }, schema: { ...hidden, params: Params } },
        async function mergesGet(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          return mergesPage(request, reply, id)
        },
      )

      app.post(
        paths.people.unmerge.pattern,
        {
          config: { access: { capability: 'person:merge' } },
          schema: { ...hidden, params: Params, body: UnmergeBody },
        },
        async function unmergePost(request, reply) {
          const { id } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const input = {
            mergeId: request.body.mergeId ?? '',
            reason: request.body.reason ?? '',
            version: version(request.body.version),
          }
          try {
            await merges.unmerge(signedInActor(request), id, input, requestContext(request))
          } catch (error) {
            if (error instanceof ValidationError || error instanceof ConflictError) {
              const fieldErrors =
                error instanceof ValidationError
                  ? error.fieldErrors
                  : [{ field: 'reason', message: error.message }]
              return mergesPage(
                request,
                reply,
                id,
                { failedMergeId: input.mergeId, reason: input.reason, ...formErrors(fieldErrors) },
                error.status,
              )
            }
            throw error
          }
          return reply.redirect(paths.people.merges(id), 303)
        },
      )
    },
    api: async (app) => {
      app.get(
        paths.api.personDuplicates.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: {
            tags: ['people'],
            summary:
              'Possible duplicates of a person, scored with the reasons; only records the caller may see',
            security: [{ bearer: [] }],
            params: ApiParams,
            response: { 200: Candidates, ...problems },
          },
        },
        async function duplicatesApiGet(request) {
          const { candidates } = await duplicates.forPerson(
            apiActor(request),
            request.params.id,
            requestContext(request),
          )
          return { candidates }
        },
      )

      app.post(
        paths.api.duplicateCandidates.pattern,
        {
          config: { access: { capability: 'person:write' } },
          schema: {
            tags: ['people'],
            summary:
              'Before creating a person: possible duplicates of the would-be record among those the caller may see',
            security: [{ bearer: [] }],
            body: WouldBe,
            response: { 200: Candidates, ...problems },
          },
        },
        async function duplicatesNewApiPost(request) {
          return {
            candidates: await duplicates.forNew(apiActor(request), request.body, requestContext(request)),
          }
        },
      )

      app.post(
        paths.api.personMerge.pattern,
        {
          config: { access: { capability: 'person:merge' } },
          schema: {
            tags: ['people'],
            summary:
              'Merge another record (mergedId) into this one; both versions must be current (409 otherwise)',
            security: [{ bearer: [] }],
            params: ApiParams,
            body: Type.Object(
              {
                mergedId: Type.String({ maxLength: 64 }),
                reason: Type.String({ maxLength: 5000 }),
                survivorVersion: Type.Integer(),
                mergedVersion: Type.Integer(),
              },
              { additionalProperties: false },
            ),
            response: {
              200: Type.Object({ mergeId: Type.String({ format: 'uuid' }), moved: MovedSchema }),
              ...problems,
              409: { $ref: 'Problem#' },
            },
          },
        },
        async function mergeApiPost(request) {
          const result: { mergeId: string; moved: Moved } = await merges.merge(
            apiActor(request),
            request.params.id,
            request.body,
            requestContext(request),
          )
          return result
        },
      )

      app.get(
        paths.api.personMerges.pattern,
        {
          config: { access: { capability: 'person:merge' } },
          schema: {
            tags: ['people'],
            summary: 'Merges into this person (with what moved), newest first, including reversed ones',
            security: [{ bearer: [] }],
            params: ApiParams,
            response: { 200: Type.Object({ merges: Type.Array(MergeSchema) }), ...problems },
          },
        },
        async function mergesApiGet(request) {
          const result = await merges.mergesInto(
            apiActor(request),
            request.params.id,
            requestContext(request),
          )
          return {
            merges: result.merges.map((m) => ({
              ...m,
              mergedAt: m.mergedAt.toISOString(),
              unmergedAt: m.unmergedAt?.toISOString() ?? null,
            })),
          }
        },
      )

      app.post(
        paths.api.personUnmerge.pattern,
        {
          config: { access: { capability: 'person:merge' } },
          schema: {
            tags: ['people'],
            summary:
              'Reverse a merge into this person: exactly what moved goes back; the merge version must be current',
            security: [{ bearer: [] }],
            params: ApiParams,
            body: Type.Object(
              {
                mergeId: Type.String({ maxLength: 64 }),
                reason: Type.String({ maxLength: 5000 }),
                version: Type.Integer(),
              },
              { additionalProperties: false },
            ),
            response: {
              200: Type.Object({ mergedId: Type.String({ format: 'uuid' }) }),
              ...problems,
              409: { $ref: 'Problem#' },
            },
          },
        },
        async function unmergeApiPost(request) {
          return merges.unmerge(apiActor(request), request.params.id, request.body, requestContext(request))
        },
      )
    },
  }
}
