import type { FastifyReply } from 'fastify'
import { Type } from 'typebox'
import { personFields, problemsOf } from '../../platform/route-kit.ts'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { RATE_LIMITS } from '../../platform/rate-limits.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import { dateOf, formDate, formText } from '../../platform/views/form-fields.ts'
import type { Services } from '../../services.ts'
import { PERSON_KINDS, SEARCH_LIMIT_MAX, type SearchInput } from './search-input.ts'

const VIEW = 'features/search/views/search.njk'
const access = { capability: 'person:search' } as const

// Page: the search is POSTed (with CSRF), so names, dates of birth and identifiers stay out of URLs and logs
// (ASVS 14.2.1); the next page is a POST of the same form with the cursor.
const SearchBody = Type.Object(
  {
    name: formText(400),
    // The GOV.UK date input's parts (namePrefix "dob").
    ...formDate('dob'),
    identifier: formText(200),
    phone: formText(100),
    vehicle: formText(100),
    postcode: formText(100),
    kind: formText(40),
    after: formText(200),
    _csrf: formText(200),
  },
  { additionalProperties: false },
)

const SearchQuery = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 400, description: 'Fuzzy, over names and aliases' })),
    dateOfBirth: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD' })),
    identifier: Type.Optional(
      Type.String({ maxLength: 200, description: 'NHS number, UPN, local authority ID or police ID' }),
    ),
    phone: Type.Optional(Type.String({ maxLength: 100 })),
    vehicle: Type.Optional(Type.String({ maxLength: 100, description: 'Registration mark' })),
    postcode: Type.Optional(Type.String({ maxLength: 100 })),
    kind: Type.Optional(Type.Union(PERSON_KINDS.map((k) => Type.Literal(k)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: SEARCH_LIMIT_MAX, default: 20 })),
    after: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` of the previous page' })),
  },
  { additionalProperties: false },
)

const SearchResultSchema = Type.Object(
  {
    ...personFields,
    age: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
    matchedOn: Type.Array(Type.String()),
  },
  { additionalProperties: false, description: 'Only the fields the access policy lets the caller see' },
)
const problems = problemsOf(400, 401, 403, 429)

export function searchRoutes(services: Services): FeatureRoutes {
  const page = (reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) =>
    reply.code(status).view(VIEW, { csrfToken: reply.csrfToken(), kinds: PERSON_KINDS, ...extra })

  return {
    pages: async (app) => {
      app.get(paths.search.page, { config: { access } }, async function searchGet(_request, reply) {
        return page(reply, { input: {} })
      })

      app.post(
        paths.search.page,
        // Each search reads many records: limited per user (RATE_LIMITS.search), like the API's.
        { config: { access, rateLimit: RATE_LIMITS.search }, schema: { body: SearchBody } },
        async function searchPost(request, reply) {
          const body = request.body
          const dob = dateOf(body, 'dob')
          const input: SearchInput = {
            name: body.name,
            dobDay: dob.day,
            dobMonth: dob.month,
            dobYear: dob.year,
            identifier: body.identifier,
            phone: body.phone,
            vehicle: body.vehicle,
            postcode: body.postcode,
            kind: body.kind,
            after: body.after,
          }
          try {
            const result = await services.search.search(
              signedInActor(request),
              input,
              requestContext(request),
            )
            return await page(reply, { input, result, searched: true })
          } catch (error) {
            if (error instanceof ValidationError) {
              return page(reply, { input, ...formErrors(error.fieldErrors) }, 400)
            }
            throw error
          }
        },
      )
    },
    api: async (app) => {
      app.get(
        paths.api.search.pattern,
        {
          config: { access, rateLimit: RATE_LIMITS.search },
          schema: {
            tags: ['people'],
            summary:
              'Search people by fuzzy name or alias, date of birth, identifier, phone, vehicle or postcode: only those the caller may see, best match first',
            description:
              'Every criterion given must match. At most `limit` (1 to 50) results a page; pass `next` as `after` for the following page. Each result shown is audited as a read.',
            querystring: SearchQuery,
            response: {
              200: Type.Object({
                results: Type.Array(SearchResultSchema),
                next: Type.Union([Type.String(), Type.Null()]),
                knownToPartnership: Type.Union([Type.String(), Type.Null()], {
                  description:
                    'A phone, vehicle or postcode the partnership holds as a place or thing the caller may not see: "Known to the partnership — ask the police intelligence unit", and nothing of the record; null otherwise',
                }),
              }),
              ...problems,
            },
          },
        },
        async function searchApiGet(request) {
          const { results, next, knownToPartnership } = await services.search.search(
            apiActor(request),
            request.query,
            requestContext(request),
          )
          return { results, next, knownToPartnership }
        },
      )
    },
  }
}
