import type { FastifyRequest } from 'fastify'
import { Type, type Static, type TObject, type TProperties } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import type { Actor } from '../../platform/access/policy.ts'
import type { RequestContext } from '../../platform/auth/auth-service.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError } from '../../platform/errors.ts'
import { paths, type PathEntry } from '../../platform/paths.ts'
import { apiRoute, changeProblems, IdParams, readProblems } from '../../platform/route-kit.ts'
import type { FeatureRoutes, SurfaceApp } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import { apiRecordCall } from '../../platform/tokens/api-call.ts'
import { dateOf, formDate, formText, formVersion, versionOf } from '../../platform/views/form-fields.ts'
import { formPage, type FormPageSpec } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import type { FlagSubjectKind } from './flag-repository.ts'
import { partsOf } from './flag-validation.ts'

const VIEWS = {
  new: 'features/flags/views/flag-new.njk',
  review: 'features/flags/views/flag-review.njk',
  remove: 'features/flags/views/flag-remove.njk',
  tasks: 'features/flags/views/tasks.njk',
}
const STALE = 'Someone else changed this flag while you were looking at it. Check it and try again.'
const NewBody = {
  flagType: formText(60),
  reason: formText(10_000),
  ...formDate('reviewDate'),
  intelligenceId: formText(64),
}
const ReviewBody = { ...formDate('reviewDate'), ...formVersion }
const RemoveBody = { reason: formText(10_000), ...formVersion }

const nullableString = Type.Union([Type.String(), Type.Null()])
const FlagSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    flagType: Type.String(),
    flagTypeLabel: Type.String(),
    subjectKind: Type.String({ enum: ['person', 'location'] }),
    subjectId: Type.String({ format: 'uuid' }),
    reason: Type.Union([Type.String(), Type.Null()], {
      description: 'Null when another agency wrote it and the access policy hides it from the caller',
    }),
    setByName: nullableString,
    setByTeamName: nullableString,
    setAt: Type.String({ format: 'date-time' }),
    reviewDate: Type.String({ format: 'date' }),
    reviewOverdue: Type.Boolean(),
    current: Type.Boolean(),
    removedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    removedByName: nullableString,
    removedReason: nullableString,
    version: Type.Integer(),
    intelligenceId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description:
        'The intelligence entry it is based on: the flag is shown only to those who may see the entry',
    }),
    intelligenceGrading: nullableString,
  },
  { additionalProperties: false },
)
const FlagTypeSchema = Type.Object({ code: Type.String(), label: Type.String(), definition: Type.String() })
const SubjectFlags = Type.Object(
  { flags: Type.Array(FlagSchema), types: Type.Array(FlagTypeSchema) },
  { additionalProperties: false },
)
const FlagResponse = Type.Object({ flag: FlagSchema }, { additionalProperties: false })
const ApiNew = Type.Object(
  {
    flagType: Type.String({
      maxLength: 60,
      description: 'A code from the flag types that apply to the subject',
    }),
    reason: Type.Optional(
      Type.String({ maxLength: 10_000, description: 'Required unless the flag is based on an entry' }),
    ),
    reviewDate: Type.String({ maxLength: 20, description: 'YYYY-MM-DD, after today' }),
    intelligenceId: Type.Optional(
      Type.String({
        maxLength: 64,
        description:
          'An intelligence entry about the subject that the caller reads in full: the reason is then the entry’s',
      }),
    ),
  },
  { additionalProperties: false },
)
const ApiReview = Type.Object(
  {
    reviewDate: Type.String({ maxLength: 20, description: 'YYYY-MM-DD, after today' }),
    version: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
)
const ApiRemove = Type.Object(
  { reason: Type.String({ maxLength: 10_000 }), version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
)
const DueSchema = Type.Object(
  {
    reviews: Type.Array(
      Type.Object({ flag: FlagSchema, subjectTitle: Type.String() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
)

/** Where a subject's page is. */
export const subjectHref = (kind: FlagSubjectKind, id: string) =>
  kind === 'person' ? paths.people.show(id) : paths.locations.show(id)

export function flagRoutes(services: Services): FeatureRoutes {
  const flags = services.flags

  /** Runs a change from a flag's page, a stale form's message as the page words it. */
  const fromPage = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (error) {
      throw error instanceof ConflictError ? new ConflictError(STALE) : error
    }
  }

  /** A flag's review or remove page: the flag and its subject, for a reader who may change it. */
  const flagPage = async (request: FastifyRequest, id: string) => {
    const read = await flags.read(signedInActor(request), id, requestContext(request), 'write', 'flag-form')
    return { ...read, subjectHref: subjectHref(read.flag.subjectKind, read.flag.subjectId) }
  }
  type FlagPage = Awaited<ReturnType<typeof flagPage>>

  // Setting a flag, on a person or a location: the same page under each subject.
  const subjectPage = (app: SurfaceApp, kind: FlagSubjectKind) => {
    const formUrl = kind === 'person' ? paths.flags.newOnPerson : paths.flags.newOnLocation
    formPage(app, {
      path: formUrl,
      access: { capability: 'flag:write' },
      view: VIEWS.new,
      body: NewBody,
      // The subject is read (and audited) each time the form is shown: 404 unless the reader may flag it.
      load: async (request, { id = '' }) => {
        const actor = signedInActor(request)
        const ctx = requestContext(request)
        const subject = await flags.forSubject(actor, kind, id, ctx, 'write', 'flag-form')
        // Raised from an intelligence entry's page: the entry it is based on (404 unless the reader may see it).
        const basedOn = (request.query as { intelligence?: unknown }).intelligence
        const basis =
          typeof basedOn === 'string' && basedOn !== ''
            ? (await services.intelligence.read(actor, basedOn, ctx)).entry
            : undefined
        return {
          basis,
          action: basis === undefined ? formUrl(id) : `${formUrl(id)}?intelligence=${basis.id}`,
          subjectKind: kind,
          subjectTitle: subject.subjectTitle,
          subjectHref: subjectHref(kind, id),
          types: subject.types,
        }
      },
      keep: (body) => ({
        flagType: body.flagType,
        reason: body.reason,
        reviewDate: dateOf(body, 'reviewDate'),
      }),
      conflictField: 'flagType',
      submit: async (request, body, { id = '' }) => {
        const values = {
          flagType: body.flagType,
          reason: body.reason,
          reviewDate: dateOf(body, 'reviewDate'),
          intelligenceId: body.intelligenceId,
        }
        await flags.set(signedInActor(request), kind, id, values, requestContext(request))
        return subjectHref(kind, id)
      },
    })
  }

  const subjectApi = (app: SurfaceApp, kind: FlagSubjectKind) => {
    const route = kind === 'person' ? paths.api.personFlags : paths.api.locationFlags
    app.get(
      route.pattern,
      apiRoute('person:read', 'flags', {
        summary: `The flags on a ${kind} (current and removed), and the flag types that apply`,
        params: IdParams,
        response: { 200: SubjectFlags, ...readProblems },
      }),
      async function subjectFlagsApiGet(request) {
        const result = await flags.forSubject(
          apiActor(request),
          kind,
          request.params.id,
          requestContext(request),
          'read',
          'api',
        )
        return { flags: result.flags, types: result.types }
      },
    )

    app.post(
      route.pattern,
      apiRoute('flag:write', 'flags', {
        summary: `Set a flag on a ${kind}: a type on its policy definition, a reason and a review date in the future`,
        params: IdParams,
        body: ApiNew,
        response: { 201: FlagResponse, 400: { $ref: 'Problem#' }, ...readProblems },
      }),
      async function subjectFlagsApiPost(request, reply) {
        const actor = apiActor(request)
        const ctx = requestContext(request)
        const body = request.body
        const flag = await flags.set(
          actor,
          kind,
          request.params.id,
          {
            flagType: body.flagType,
            reason: body.reason,
            reviewDate: partsOf(body.reviewDate),
            intelligenceId: body.intelligenceId,
          },
          ctx,
          'api',
        )
        return reply.code(201).send({ flag })
      },
    )
  }

  return {
    pages: async (app) => {
      for (const kind of ['person', 'location'] as const) subjectPage(app, kind)

      /** A change to a flag (review, remove): a form on the flag at its version, then back to its subject. */
      const flagChange = <Body extends TProperties & typeof formVersion>(
        spec: Pick<FormPageSpec<Body, FlagPage>, 'path' | 'view' | 'body' | 'keep' | 'conflictField'> & {
          change: (
            actor: Actor,
            id: string,
            version: number,
            body: Static<TObject<Body>>,
            ctx: RequestContext,
          ) => Promise<{ subjectKind: FlagSubjectKind; subjectId: string }>
        },
      ) => {
        const { change, ...form } = spec
        formPage(app, {
          ...form,
          access: { capability: 'flag:write' },
          load: (request, { id = '' }) => flagPage(request, id),
          values: (loaded) => ({ version: String(loaded.flag.version) }),
          submit: async (request, body, { id = '' }) => {
            // Every flag form posts the version it was shown at (formVersion).
            const posted: { version?: string } = body
            const version = versionOf(posted.version) ?? 0
            const subject = await fromPage(() =>
              change(signedInActor(request), id, version, body, requestContext(request)),
            )
            return subjectHref(subject.subjectKind, subject.subjectId)
          },
        })
      }

      flagChange({
        path: paths.flags.review,
        view: VIEWS.review,
        body: ReviewBody,
        keep: (body) => ({ reviewDate: dateOf(body, 'reviewDate'), version: body.version }),
        conflictField: 'reviewDate',
        change: (actor, id, version, body, ctx) =>
          flags.review(actor, id, version, dateOf(body, 'reviewDate'), ctx),
      })
      flagChange({
        path: paths.flags.remove,
        view: VIEWS.remove,
        body: RemoveBody,
        conflictField: 'reason',
        change: (actor, id, version, body, ctx) => flags.remove(actor, id, version, body.reason, ctx),
      })

      // The task list: flag reviews that are due, for the setter and their team.
      app.get(
        paths.tasks,
        { config: { access: { capability: 'person:read' } } },
        async function tasksGet(request, reply) {
          const reviews = await flags.reviewsDue(signedInActor(request), requestContext(request), 'tasks')
          return reply.view(VIEWS.tasks, {
            reviews: reviews.map((r) => ({
              ...r,
              subjectHref: subjectHref(r.flag.subjectKind, r.flag.subjectId),
            })),
          })
        },
      )
    },
    api: async (app) => {
      for (const kind of ['person', 'location'] as const) subjectApi(app, kind)

      app.get(
        paths.api.flag.pattern,
        apiRoute('person:read', 'flags', {
          summary: 'One flag (current or removed); 404 unless the caller may see its subject',
          params: IdParams,
          response: { 200: FlagResponse, ...readProblems },
        }),
        async function flagApiGet(request) {
          const { actor, id, ctx } = apiRecordCall(request)
          const read = await flags.read(actor, id, ctx, 'read', 'api')
          return { flag: read.flag }
        },
      )

      /** A change of a flag on its own API route: the change, then the flag as it is after it (one registration). */
      const change = <Body extends TObject>(spec: {
        path: PathEntry<`/${string}/:id/${string}`>
        operationId: string
        summary: string
        body: Body
        apply: (actor: Actor, id: string, body: Static<Body>, ctx: RequestContext) => Promise<unknown>
      }) =>
        app.post(
          spec.path.pattern,
          apiRoute('flag:write', 'flags', {
            operationId: spec.operationId,
            summary: spec.summary,
            params: IdParams,
            body: spec.body,
            response: { 200: FlagResponse, ...changeProblems },
          }),
          async function flagChangeApiPost(request) {
            const actor = apiActor(request)
            const ctx = requestContext(request)
            const { id } = request.params
            await spec.apply(actor, id, request.body as Static<Body>, ctx)
            return { flag: (await flags.read(actor, id, ctx, 'read', 'api')).flag }
          },
        )

      change({
        path: paths.api.flagReview,
        operationId: 'flagReviewApiPost',
        summary:
          'Review a flag: a new review date in the future; 409 when `version` is stale or it was removed',
        body: ApiReview,
        apply: (actor, id, body, ctx) =>
          flags.review(actor, id, body.version, partsOf(body.reviewDate), ctx, 'api'),
      })
      change({
        path: paths.api.flagRemove,
        operationId: 'flagRemoveApiPost',
        summary: 'Remove a flag, with a reason: it stays in the history; 409 when `version` is stale',
        body: ApiRemove,
        apply: (actor, id, body, ctx) => flags.remove(actor, id, body.version, body.reason, ctx, 'api'),
      })

      app.get(
        paths.api.flagReviewsDue.pattern,
        apiRoute('person:read', 'flags', {
          summary:
            'Flag reviews that are due: current flags past their review date, set by the caller or their team, on subjects the caller may see',
          response: { 200: DueSchema, 401: { $ref: 'Problem#' }, 403: { $ref: 'Problem#' } },
        }),
        async function flagReviewsDueApiGet(request) {
          return { reviews: await flags.reviewsDue(apiActor(request), requestContext(request), 'api') }
        },
      )
    },
  }
}
