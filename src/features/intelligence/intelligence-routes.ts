import { Type } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import { paths } from '../../platform/paths.ts'
import { IdParams, inputProblems, readProblems } from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { listOf } from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import { entryRecorded, intelligenceRoute } from './intelligence-api-kit.ts'
import { derivedApi, derivedPages } from './intelligence-derived-routes.ts'
import {
  apiEntry,
  apiInput,
  CreateBody,
  EntrySchema,
  FORM_FIELDS,
  formInput,
  GRADES,
  keptEntryForm,
  Subject,
  subjectReference,
} from './intelligence-forms.ts'

export { subjectReference } from './intelligence-forms.ts'
import { entryTerms } from './intelligence-terms.ts'

const VIEWS = {
  list: 'features/intelligence/views/intelligence-list.njk',
  new: 'features/intelligence/views/intelligence-new.njk',
  show: 'features/intelligence/views/intelligence-show.njk',
}

/** The handlers' list; one entry is open to anyone who reads records (the policy decides who sees what). */
const list = { capability: 'intelligence:read' } as const
const read = { capability: 'person:read' } as const
const write = { capability: 'intelligence:write' } as const

// i12s: street terms found in the entry's text as the caller sees it (the sanitised text only, unless in full).
const EntryTermSchema = Type.Object(
  {
    code: Type.String(),
    term: Type.String(),
    meaning: Type.String(),
    found: Type.Array(Type.String()),
    in: Type.Array(Type.String({ enum: ['sanitised', 'full'] })),
  },
  { additionalProperties: false },
)

/**
 * Intelligence entries: the handlers' list, a new entry (opened from a record's page with `?subject=person:<id>`),
 * one entry as the reader may see it; and the same through the API (tag `intelligence`). An entry's new versions,
 * and the flags and descriptions based on it, are intelligence-derived-routes.ts's.
 */
export function intelligenceRoutes(services: Services): FeatureRoutes {
  const intelligence = services.intelligence
  return {
    pages: async (app) => {
      app.get(
        paths.intelligence.list,
        { config: { access: list } },
        async function intelligenceList(request, reply) {
          const entries = await intelligence.list(signedInActor(request), requestContext(request))
          return reply.view(VIEWS.list, { entries })
        },
      )

      formPage(app, {
        path: paths.intelligence.new,
        access: write,
        view: VIEWS.new,
        body: FORM_FIELDS,
        load: async (request) => {
          const choices = await intelligence.newForm(signedInActor(request))
          const query = request.query as { subject?: string | string[] }
          const offered = listOf(query.subject)
            .map((s) => subjectReference(s))
            .filter((s) => s !== undefined && UUID.test(s.id))
          return { ...choices, offered, grades: GRADES }
        },
        values: (loaded) => ({ subject: loaded.offered.map((s) => `${s?.kind}:${s?.id}`) }),
        keep: keptEntryForm,
        conflictField: 'sanitisedText',
        dateFields: ['reportedOn'],
        submit: async (request, body) => {
          const id = await intelligence.record(
            signedInActor(request),
            formInput(body),
            requestContext(request),
          )
          return paths.intelligence.show(id)
        },
      })

      app.get(
        paths.intelligence.show.pattern,
        { config: { access: read } },
        async function intelligenceShow(request, reply) {
          const { id } = request.params as { id: string }
          if (!UUID.test(id)) throw new NotFoundError()
          const actor = signedInActor(request)
          const { entry, subjects, canBuild } = await intelligence.read(actor, id, requestContext(request))
          const streetTerms = await entryTerms(services.streetTerms, actor, entry)
          return reply.view(VIEWS.show, { entry, subjects, canBuild, streetTerms })
        },
      )

      // i12d: an entry's new version, and descriptions of places and things from it.
      derivedPages(app, services)
    },

    api: async (app) => {
      app.get(
        paths.api.intelligence.pattern,
        intelligenceRoute(list, 'The newest intelligence entries the caller may see (each audited as read)', {
          response: { 200: Type.Object({ entries: Type.Array(EntrySchema) }), ...readProblems },
        }),
        async function intelligenceApiList(request) {
          const entries = await intelligence.list(apiActor(request), requestContext(request), 'api')
          return { entries: entries.map(apiEntry) }
        },
      )

      app.post(
        paths.api.intelligence.pattern,
        intelligenceRoute(
          write,
          'Record an intelligence entry with its 3x5x2 grading, handling conditions (required for C) and the records it concerns; nothing is written on bad input',
          { body: CreateBody, response: { 201: Type.Object({ entry: EntrySchema }), ...inputProblems } },
        ),
        async function intelligenceApiPost(request, reply) {
          const actor = apiActor(request)
          const ctx = requestContext(request)
          return entryRecorded(intelligence, reply, actor, ctx, () =>
            intelligence.record(actor, apiInput(request.body), ctx, 'api'),
          )
        },
      )

      app.get(
        paths.api.intelligenceEntry.pattern,
        intelligenceRoute(
          read,
          'One intelligence entry: in full for its handlers, sanitised for a MACE member; 404 otherwise',
          {
            params: IdParams,
            response: {
              200: Type.Object({
                entry: EntrySchema,
                subjects: Type.Array(Subject),
                streetTerms: Type.Array(EntryTermSchema),
              }),
              ...readProblems,
            },
          },
        ),
        async function intelligenceApiGet(request) {
          const actor = apiActor(request)
          const { entry, subjects } = await intelligence.read(
            actor,
            request.params.id,
            requestContext(request),
            'api',
          )
          const streetTerms = await entryTerms(services.streetTerms, actor, entry)
          return { entry: apiEntry(entry), subjects, streetTerms }
        },
      )

      // i12d: new versions, and descriptions from an entry.
      derivedApi(app, services)
    },
  }
}
