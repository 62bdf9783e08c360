import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute } from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { apiRecordCall } from '../../platform/tokens/api-call.ts'
import {
  dateOf,
  formDate,
  formText,
  formVersion,
  UUID,
  versionOf,
  type PostedForm,
} from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import {
  apiFields,
  apiFromHere,
  apiLink,
  apiParams,
  CreateLinkBody,
  EndLinkBody,
  LinkSchema,
  PersonLinkSchema,
  problems,
} from './link-schema.ts'
import { INTELLIGENCE_ASSESSMENTS, SOURCE_EVALUATIONS } from './link-validation.ts'

const VIEWS = {
  create: 'features/links/views/new-link.njk',
  show: 'features/links/views/link.njk',
}
const STALE = 'Someone else changed this link while you were ending it. Check the link below and try again.'

const NewLinkBody = {
  linkType: formText(60),
  to: formText(200),
  ...formDate('fromDate'),
  ...formDate('toDate'),
  source: formText(2000),
  sourceType: formText(20),
  sourceAgencyId: formText(64),
  sourceEvaluation: formText(4),
  intelligenceAssessment: formText(4),
  confidence: formText(20),
}

const EndBody = { ...formVersion, endReason: formText(2000), ...formDate('endedOn') }

/** The form's fields as the service takes them (absent fields are empty; grades only for intelligence). */
function linkInput(body: PostedForm) {
  const text = (name: string) => {
    const value = body[name]
    return typeof value === 'string' ? value : ''
  }
  const intelligence = body.sourceType === 'intelligence'
  return {
    linkType: text('linkType'),
    to: text('to'),
    fromDate: dateOf(body, 'fromDate'),
    toDate: dateOf(body, 'toDate'),
    source: text('source'),
    sourceType: text('sourceType'),
    sourceAgencyId: text('sourceAgencyId'),
    sourceEvaluation: intelligence ? text('sourceEvaluation') : '',
    intelligenceAssessment: intelligence ? text('intelligenceAssessment') : '',
    confidence: text('confidence'),
  }
}

const grade = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, text: `${value}: ${label}` }))
const gradeOptions = { evaluations: grade(SOURCE_EVALUATIONS), assessments: grade(INTELLIGENCE_ASSESSMENTS) }

export function linkRoutes(services: Services): FeatureRoutes {
  const links = services.links

  return {
    pages: async (app) => {
      formPage(app, {
        path: paths.links.newForPerson,
        access: { capability: 'link:write' },
        view: VIEWS.create,
        body: NewLinkBody,
        // The person is read (and audited) each time the form is shown: 404 when the user may not see them.
        load: async (request, { id = '' }) => ({
          ...(await links.form(signedInActor(request), id, requestContext(request))),
          ...gradeOptions,
        }),
        conflictField: 'linkType',
        dateFields: ['fromDate', 'toDate'],
        submit: async (request, body, { id = '' }) => {
          const actor = signedInActor(request)
          const linkId = await links.createForPerson(actor, id, linkInput(body), requestContext(request))
          return paths.links.show(linkId)
        },
      })

      app.get(
        paths.links.show.pattern,
        {
          config: { access: { capability: 'person:read' } },
          schema: { params: Type.Object({ id: formText(64) }) },
        },
        async function linkGet(request, reply) {
          const { id = '' } = request.params
          if (!UUID.test(id)) throw new NotFoundError()
          const read = await links.read(signedInActor(request), id, requestContext(request), 'page')
          return reply.view(VIEWS.show, { ...read, values: {}, csrfToken: reply.csrfToken() })
        },
      )

      // Ending a link is a form on the link's page: a refusal is shown there, with the input kept.
      formPage(app, {
        path: paths.links.end,
        postOnly: true,
        access: { capability: 'link:write' },
        view: VIEWS.show,
        body: EndBody,
        load: (request, { id = '' }) =>
          links.read(signedInActor(request), id, requestContext(request), 'page'),
        values: (loaded) => ({ version: String(loaded.link.version) }),
        conflictField: 'endReason',
        dateFields: ['endedOn'],
        submit: async (request, body, { id = '' }) => {
          const input = {
            version: versionOf(body.version) ?? 0,
            reason: body.endReason ?? '',
            endedOn: dateOf(body, 'endedOn'),
          }
          try {
            await links.end(signedInActor(request), id, input, requestContext(request))
          } catch (error) {
            if (error instanceof ConflictError && !error.message.includes('already ended')) {
              throw new ConflictError(STALE)
            }
            throw error
          }
          return paths.links.show(id)
        },
      })
    },

    api: async (app) => {
      app.post(
        paths.api.links.pattern,
        apiRoute('link:write', 'links', {
          summary:
            'Record a typed, dated link between two entities with its source, reliability and confidence; an end the caller may not see is a field error, never a hint that it exists',
          body: CreateLinkBody,
          response: { 201: Type.Object({ link: LinkSchema }), ...problems },
        }),
        async function linkApiPost(request, reply) {
          const body = request.body
          const actor = apiActor(request)
          const ctx = requestContext(request)
          const id = await apiFields(() =>
            links.create(
              actor,
              {
                linkType: body.linkType,
                fromKind: body.from.kind,
                fromId: body.from.id,
                to: body.to.id,
                toKind: body.to.kind ?? '',
                fromDate: body.fromDate ?? '',
                toDate: body.toDate ?? '',
                source: body.source,
                sourceType: body.sourceType ?? 'record',
                sourceAgencyId: body.sourceAgencyId ?? '',
                sourceEvaluation: body.sourceEvaluation ?? '',
                intelligenceAssessment: body.intelligenceAssessment ?? '',
                confidence: body.confidence,
              },
              ctx,
            ),
          )
          const { link } = await links.read(actor, id, ctx, 'api')
          return reply
            .code(201)
            .header('location', paths.api.link(id))
            .send({ link: apiLink(link) })
        },
      )

      app.get(
        paths.api.link.pattern,
        apiRoute('person:read', 'links', {
          summary: 'One link with its provenance; 404 when it does not exist or either end is not visible',
          params: apiParams,
          response: { 200: Type.Object({ link: LinkSchema }), ...problems },
        }),
        async function linkApiGet(request) {
          const { actor, id, ctx } = apiRecordCall(request)
          const { link } = await links.read(actor, id, ctx, 'api')
          return { link: apiLink(link) }
        },
      )

      app.get(
        paths.api.personLinks.pattern,
        apiRoute('person:read', 'links', {
          summary: 'The links of a person, current and ended, whose other end the caller may see',
          params: apiParams,
          response: { 200: Type.Object({ links: Type.Array(PersonLinkSchema) }), ...problems },
        }),
        async function personLinksApiGet(request) {
          const found = await links.forPerson(apiActor(request), request.params.id, requestContext(request), {
            via: 'api-links',
          })
          return { links: found.map(apiFromHere) }
        },
      )

      app.post(
        paths.api.linkEnd.pattern,
        apiRoute('link:write', 'links', {
          summary:
            'End a current link, keeping its history (when, who, why); 409 when the version is stale or it has already ended',
          params: apiParams,
          body: EndLinkBody,
          response: { 200: Type.Object({ link: LinkSchema }), 409: { $ref: 'Problem#' }, ...problems },
        }),
        async function linkEndApiPost(request) {
          const body = request.body
          const { actor, id, ctx } = apiRecordCall(request)
          const link = await apiFields(() =>
            links.end(
              actor,
              id,
              { version: body.version, reason: body.reason, endedOn: body.endedOn ?? '' },
              ctx,
            ),
          )
          return { link: apiLink(link) }
        },
      )
    },
  }
}
