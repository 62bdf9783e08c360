import type { Static } from 'typebox'
import { Type } from 'typebox'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute, IdParams } from '../../platform/route-kit.ts'
import type { SurfaceApp } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import {
  apiConcern,
  apiErrors,
  ConcernSchema,
  CreateConcernBody,
  GuideSchema,
  problems,
  SuggestBody,
  SuggestionSchema,
} from './concern-schema.ts'

/** The concern API: a whole concern in one body, one concern, and the screening guide and its suggestion. */
export function concernApi(services: Services) {
  const concerns = services.concerns
  return async (app: SurfaceApp) => {
    app.post(
      paths.api.concerns.pattern,
      apiRoute('concern:create', 'concerns', {
        summary:
          'Record a whole concern in one body (the child, immediate danger, what was seen or heard, the screening ticks and the practitioner’s judgement); answers the suggested level with its reasons. Nothing is written on bad input',
        body: CreateConcernBody,
        response: { 201: Type.Object({ concern: ConcernSchema }), ...problems },
      }),
      async function concernApiPost(request, reply) {
        const body: Static<typeof CreateConcernBody> = request.body
        const actor = apiActor(request)
        const ctx = requestContext(request)
        try {
          const id = await concerns.create(
            actor,
            {
              start: {
                immediateDanger: body.immediateDanger,
                ...(body.policeCalled === undefined ? {} : { policeCalled: body.policeCalled }),
                policeCalledOn: body.policeCalledAt ?? '',
                policeReference: body.policeReference ?? '',
                child: body.personId ?? (body.child === undefined ? '' : 'new'),
                newChild: body.child ?? {},
              },
              details: {
                narrative: body.narrative,
                happenedOn: body.happenedOn,
                happenedAt: body.happenedAt ?? '',
                noticedBy: body.noticedBy ?? '',
                childWords: body.childWords ?? '',
                consent: body.consent,
                consentNote: body.consentNote ?? '',
                familyAware: body.familyAware,
                ...(body.learningDisability === undefined
                  ? {}
                  : { learningDisability: body.learningDisability }),
                ticks: body.indicators,
              },
              judgement: { judgedLevel: body.judgedLevel, judgementReason: body.judgementReason },
            },
            ctx,
          )
          const concern = await concerns.read(actor, id, ctx, 'api')
          return await reply
            .code(201)
            .header('location', paths.api.concern(id))
            .send({ concern: apiConcern(concern) })
        } catch (error) {
          if (error instanceof ValidationError) throw apiErrors(error, body.indicators)
          throw error
        }
      },
    )

    app.get(
      paths.api.concern.pattern,
      apiRoute('concern:create', 'concerns', {
        summary:
          'One concern: for the practitioner who recorded it, and for those who may read the child; 404 otherwise',
        params: IdParams,
        response: { 200: Type.Object({ concern: ConcernSchema }), ...problems },
      }),
      async function concernApiGet(request) {
        const concern = await concerns.read(
          apiActor(request),
          request.params.id,
          requestContext(request),
          'api',
        )
        return { concern: apiConcern(concern) }
      },
    )

    app.get(
      paths.api.screeningGuide.pattern,
      apiRoute('concern:create', 'screening', {
        summary: 'The screening guide in force: its items, the risk levels and the street terms',
        response: { 200: Type.Object({ guide: GuideSchema }), ...problems },
      }),
      async function screeningGuideGet(request) {
        const guide = await concerns.guide(apiActor(request))
        return {
          guide: {
            id: guide.id,
            title: guide.title,
            version: guide.version,
            items: guide.items.map((i) => ({ code: i.code, kind: i.kind, label: i.label, hint: i.hint })),
            levels: guide.levels.map((l) => ({ code: l.code, label: l.label, minScore: l.minScore })),
            streetTerms: guide.streetTerms.map((t) => ({
              code: t.code,
              term: t.term,
              meaning: t.meaning,
              indicatorCodes: [...t.indicatorCodes],
            })),
          },
        }
      },
    )

    app.post(
      paths.api.screeningSuggest.pattern,
      apiRoute('concern:create', 'screening', {
        summary:
          'The suggested level and its reasons for these ticks and facts about the child; nothing is stored',
        body: SuggestBody,
        response: { 200: Type.Object({ suggestion: SuggestionSchema }), ...problems },
      }),
      async function screeningSuggestPost(request) {
        const body: Static<typeof SuggestBody> = request.body
        const suggestion = await concerns.suggest(apiActor(request), body.ticks, body.child)
        return { suggestion }
      },
    )
  }
}
