import type { FastifySchema } from 'fastify'
import { type TProperties, Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import {
  apiRoute,
  changeProblems,
  IdParams,
  nullable,
  problemsOf,
  readProblems,
} from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { apiRecordCall } from '../../platform/tokens/api-call.ts'
import { formText, formVersion, UUID, versionOf } from '../../platform/views/form-fields.ts'
import { formPage, type FormPageSpec } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import { QUEUE_SIZE } from './suggestion-service.ts'

const VIEWS = {
  queue: 'features/suggestions/views/queue.njk',
  show: 'features/suggestions/views/suggestion.njk',
}

const KINDS = ['person', 'location', 'object']
const EndSchema = Type.Object(
  {
    kind: Type.String({ enum: KINDS }),
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    description: Type.String(),
    href: Type.String(),
    source: nullable(Type.String()),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const SuggestionSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    kind: Type.String({ enum: KINDS }),
    proposal: Type.String(),
    score: Type.Number(),
    explanation: Type.Array(
      Type.Object(
        {
          field: Type.String(),
          agrees: Type.Boolean(),
          weight: Type.Number(),
          words: Type.String(),
          text: Type.String({ description: 'The contribution in words, e.g. "same phone number +6.9"' }),
        },
        { additionalProperties: false },
      ),
    ),
    ends: Type.Array(EndSchema, { minItems: 2, maxItems: 2 }),
    status: Type.String({ enum: ['pending', 'accepted', 'rejected', 'superseded'] }),
    rejectReason: nullable(Type.String()),
    linkId: nullable(Type.String({ format: 'uuid' })),
    createdAt: Type.String({ format: 'date-time' }),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const SuggestionResponse = Type.Object({ suggestion: SuggestionSchema }, { additionalProperties: false })
const QueueResponse = Type.Object(
  { suggestions: Type.Array(SuggestionSchema), page: Type.Integer({ minimum: 1 }), more: Type.Boolean() },
  { additionalProperties: false },
)
const PageQuery = Type.Object({ page: Type.Optional(formText(6)) }, { additionalProperties: false })
const ApiPageQuery = Type.Object(
  { page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })) },
  { additionalProperties: false },
)
const AcceptBody = Type.Object({ version: Type.Integer({ minimum: 1 }) }, { additionalProperties: false })
const RejectBody = Type.Object(
  { version: Type.Integer({ minimum: 1 }), reason: Type.String({ maxLength: 2000 }) },
  { additionalProperties: false },
)

/** An API route about one suggestion (`:id`; tag `suggestions`, needing link:review): its summary, then its schema. */
const oneSuggestion = <const S extends FastifySchema>(summary: string, schema: S) =>
  apiRoute('link:review', 'suggestions', { summary, params: IdParams, ...schema })

/** A suggestion as its page shows it (and its accept and reject forms). */
type SuggestionRead = Awaited<ReturnType<Services['suggestions']['read']>>

const AcceptForm = { ...formVersion }
const RejectForm = { ...formVersion, reason: formText(2000) }

/**
 * Suggested links (issue 12): the reviewer's queue and one suggestion with its explanation, accepted (the link is
 * recorded) or rejected with a reason on its page; the same under /api/v1/suggestions.
 */
export function suggestionRoutes(services: Services): FeatureRoutes {
  const suggestions = services.suggestions
  const access = { capability: 'link:review' } as const

  return {
    pages: async (app) => {
      app.get(
        paths.suggestions.queue,
        { config: { access }, schema: { querystring: PageQuery } },
        async function suggestionQueueGet(request, reply) {
          // As the front door's queue: a page that is not a whole number from 1 is the first.
          const asked = Number(request.query.page ?? '1')
          const page = Number.isInteger(asked) && asked >= 1 ? asked : 1
          const queue = await suggestions.queuePage(
            signedInActor(request),
            requestContext(request),
            'page',
            page,
          )
          const href = (n: number) => `${paths.suggestions.queue}?page=${String(n)}`
          return reply.view(VIEWS.queue, {
            ...queue,
            pagination: {
              ...(page > 1 ? { previous: { href: href(page - 1) } } : {}),
              ...(queue.more ? { next: { href: href(page + 1) } } : {}),
            },
          })
        },
      )

      app.get(
        paths.suggestions.show.pattern,
        { config: { access }, schema: { params: Type.Object({ id: formText(64) }) } },
        async function suggestionGet(request, reply) {
          const { id = '' } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const read = await suggestions.read(signedInActor(request), id, requestContext(request), 'page')
          return reply.view(VIEWS.show, { ...read, values: {}, csrfToken: reply.csrfToken() })
        },
      )

      // Accepting and rejecting are forms on the suggestion's page: a refusal is shown there, the input kept.
      const decisionPage = <Body extends TProperties>(
        spec: Pick<FormPageSpec<Body, SuggestionRead>, 'path' | 'body' | 'conflictField' | 'submit'>,
      ) =>
        formPage(app, {
          ...spec,
          postOnly: true,
          access,
          view: VIEWS.show,
          load: (request, { id = '' }) =>
            suggestions.read(signedInActor(request), id, requestContext(request), 'form'),
          values: (loaded) => ({ version: String(loaded.suggestion.version) }),
        })
      decisionPage({
        path: paths.suggestions.accept,
        body: AcceptForm,
        conflictField: 'accept',
        submit: async (request, body, { id = '' }) => {
          const accepted = await suggestions.accept(
            signedInActor(request),
            id,
            versionOf(body.version) ?? 0,
            requestContext(request),
          )
          return accepted.linkId === null ? paths.suggestions.queue : paths.links.show(accepted.linkId)
        },
      })
      decisionPage({
        path: paths.suggestions.reject,
        body: RejectForm,
        conflictField: 'reason',
        submit: async (request, body, { id = '' }) => {
          await suggestions.reject(
            signedInActor(request),
            id,
            versionOf(body.version) ?? 0,
            body.reason ?? '',
            requestContext(request),
          )
          return paths.suggestions.queue
        },
      })
    },

    api: async (app) => {
      app.get(
        paths.api.suggestions.pattern,
        apiRoute('link:review', 'suggestions', {
          summary: `Pending suggested links, best first, ${String(QUEUE_SIZE)} a page: only those between two records the caller may see (so a page may hold fewer), each with its explained score; \`more\` says whether a later page has any`,
          querystring: ApiPageQuery,
          response: { 200: QueueResponse, ...problemsOf(400, 401, 403) },
        }),
        async function suggestionsApiGet(request) {
          return suggestions.queuePage(
            apiActor(request),
            requestContext(request),
            'api',
            request.query.page ?? 1,
          )
        },
      )

      app.get(
        paths.api.suggestion.pattern,
        oneSuggestion('One suggested link with its explanation; 404 unless the caller may see both records', {
          response: { 200: SuggestionResponse, ...readProblems },
        }),
        async function suggestionApiGet(request) {
          const { actor, id, ctx } = apiRecordCall(request)
          const read = await suggestions.read(actor, id, ctx, 'api')
          return { suggestion: read.suggestion }
        },
      )

      app.post(
        paths.api.suggestionAccept.pattern,
        oneSuggestion(
          'Accept a suggested link: the link is recorded with provenance naming both records; 409 when decided already, `version` is stale or either record changed since',
          { body: AcceptBody, response: { 200: SuggestionResponse, ...changeProblems } },
        ),
        async function suggestionAcceptApiPost(request) {
          const { actor, id, ctx } = apiRecordCall(request)
          const suggestion = await suggestions.accept(actor, id, request.body.version, ctx)
          return { suggestion }
        },
      )

      app.post(
        paths.api.suggestionReject.pattern,
        oneSuggestion(
          'Reject a suggested link with a reason: never proposed again on the same evidence; 409 when decided already or `version` is stale',
          { body: RejectBody, response: { 200: SuggestionResponse, ...changeProblems } },
        ),
        async function suggestionRejectApiPost(request) {
          const { actor, id, ctx } = apiRecordCall(request)
          const { version, reason } = request.body
          const suggestion = await suggestions.reject(actor, id, version, reason, ctx)
          return { suggestion }
        },
      )
    },
  }
}
