import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { paths } from '../../platform/paths.ts'
import { apiFields, apiRoute, changeProblems, IdParams, problemsOf } from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { formText, formVersion, versionOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import {
  apiStreetTerm,
  CreateStreetTermBody,
  StreetTermSchema,
  UpdateStreetTermBody,
} from './street-term-schema.ts'
import { MEANING_MAX, TERM_MAX, type StreetTermRow } from './street-term-service.ts'

const VIEWS = {
  list: 'features/street-terms/views/street-terms.njk',
  form: 'features/street-terms/views/street-term.njk',
}
const access = { capability: 'reference:manage' } as const

/** The form's fields: words as typed (the service tidies and checks them), variants one a line. */
const TermBody = {
  term: formText(1000),
  variants: formText(10000),
  meaning: formText(5000),
}
const limits = { termMax: TERM_MAX, meaningMax: MEANING_MAX }

const formValues = (row: StreetTermRow) => ({
  term: row.term,
  variants: row.variants.join('\n'),
  meaning: row.meaning,
  status: row.retiredAt === null ? 'current' : 'retired',
  version: String(row.version),
})

/** Whether the form says the term is retired: "current" or "retired"; anything else is not said (a field error). */
const retiredOf = (status: string | undefined): boolean | undefined =>
  status === 'retired' ? true : status === 'current' ? false : undefined

/**
 * The partnership administrator's street-terms glossary (issue 12): the list, "Add a street term" and a term's
 * page (change it, retire or reinstate it), and the same in the API (tag `street-terms`).
 */
export function streetTermRoutes(services: Services): FeatureRoutes {
  const terms = services.streetTerms

  return {
    pages: async (app) => {
      app.get(paths.admin.streetTerms, { config: { access } }, async function streetTermsGet(request, reply) {
        return reply.view(VIEWS.list, { terms: await terms.list(signedInActor(request)) })
      })

      formPage(app, {
        path: paths.admin.streetTermNew,
        access,
        view: VIEWS.form,
        body: TermBody,
        load: async () => ({ isNew: true, ...limits }),
        conflictField: 'term',
        submit: async (request, body) => {
          const created = await terms.create(
            signedInActor(request),
            { term: body.term ?? '', variants: body.variants ?? '', meaning: body.meaning ?? '' },
            requestContext(request),
          )
          return `${paths.admin.streetTerms}#${created.code}`
        },
      })

      formPage(app, {
        path: paths.admin.streetTerm,
        access,
        view: VIEWS.form,
        body: { ...TermBody, status: formText(20), ...formVersion },
        load: async (request, { id = '' }) => ({
          isNew: false,
          streetTerm: await terms.find(signedInActor(request), id),
          ...limits,
        }),
        values: ({ streetTerm }) => formValues(streetTerm),
        conflictField: 'term',
        submit: async (request, body, { id = '' }) => {
          const retired = retiredOf(body.status)
          const changed = await terms.update(
            signedInActor(request),
            id,
            versionOf(body.version) ?? 0,
            { term: body.term ?? '', variants: body.variants ?? '', meaning: body.meaning ?? '', retired },
            requestContext(request),
          )
          return `${paths.admin.streetTerms}#${changed.code}`
        },
      })
    },

    api: async (app) => {
      app.get(
        paths.api.streetTerms.pattern,
        apiRoute('reference:manage', 'street-terms', {
          summary: 'The partnership’s street terms, current first, then retired ones',
          response: {
            200: Type.Object({ streetTerms: Type.Array(StreetTermSchema) }),
            ...problemsOf(401, 403),
          },
        }),
        async function streetTermsApiGet(request) {
          return { streetTerms: (await terms.list(apiActor(request))).map(apiStreetTerm) }
        },
      )

      app.post(
        paths.api.streetTerms.pattern,
        apiRoute('reference:manage', 'street-terms', {
          summary:
            'Add a street term with its variants and meaning; a term or variant another current term has is refused',
          body: CreateStreetTermBody,
          response: { 201: Type.Object({ streetTerm: StreetTermSchema }), ...problemsOf(400, 401, 403) },
        }),
        async function streetTermApiPost(request, reply) {
          const body = request.body
          const created = await apiFields(() =>
            terms.create(
              apiActor(request),
              { term: body.term, variants: body.variants ?? [], meaning: body.meaning },
              requestContext(request),
            ),
          )
          return reply
            .code(201)
            .header('location', paths.api.streetTerm(created.id))
            .send({ streetTerm: apiStreetTerm(created) })
        },
      )

      app.patch(
        paths.api.streetTerm.pattern,
        apiRoute('reference:manage', 'street-terms', {
          summary:
            'Change a street term at its `version` (only the fields sent change), or retire (`retired: true`) or reinstate it; 409 when stale',
          params: IdParams,
          body: UpdateStreetTermBody,
          response: { 200: Type.Object({ streetTerm: StreetTermSchema }), ...changeProblems },
        }),
        async function streetTermApiPatch(request) {
          const actor = apiActor(request)
          const ctx = requestContext(request)
          const body = request.body
          const current = await terms.find(actor, request.params.id)
          const changed = await apiFields(() =>
            terms.update(
              actor,
              request.params.id,
              body.version,
              {
                term: body.term ?? current.term,
                variants: body.variants ?? current.variants,
                meaning: body.meaning ?? current.meaning,
                retired: body.retired ?? current.retiredAt !== null,
              },
              ctx,
            ),
          )
          return { streetTerm: apiStreetTerm(changed) }
        },
      )
    },
  }
}
