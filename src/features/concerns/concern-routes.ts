import type { FastifyReply, FastifyRequest } from 'fastify'
import { Type, type Static } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { can } from '../../platform/access/policy.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors.ts'
import { paths } from '../../platform/paths.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import type { Services } from '../../services.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import type { DuplicateCandidate } from '../duplicates/duplicate-service.ts'
import type { Guide } from '../screening/screening-repository.ts'
import { formErrors } from '../../platform/views/form-errors.ts'
import type { ConcernView, Referrer, StartInput } from './concern-service.ts'
import {
  BASES,
  CONSENTS,
  FAMILY_AWARE,
  RECENCIES,
  UUID,
  type DetailsInput,
  type TickInput,
} from './concern-validation.ts'

const hidden = { hide: true } as const
const VIEWS = {
  start: 'features/concerns/views/concern-start.njk',
  details: 'features/concerns/views/concern-details.njk',
  check: 'features/concerns/views/concern-check.njk',
  danger: 'features/concerns/views/concern-danger.njk',
  show: 'features/concerns/views/concern.njk',
  notFound: 'features/people/views/not-found.njk',
}
const Params = Type.Object({ id: Type.String({ maxLength: 64 }) })
/** A form: named fields (checkboxes may repeat), each bounded. */
const FormBody = Type.Record(
  Type.String({ maxLength: 100 }),
  Type.Union([
    Type.String({ maxLength: 20000 }),
    Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100 }),
  ]),
)
type Form = Static<typeof FormBody>
const field = (body: Form, name: string): string => {
  const v = body[name]
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '')
}
const list = (body: Form, name: string): string[] => {
  const v = body[name]
  return v === undefined ? [] : Array.isArray(v) ? v : [v]
}
const dateParts = (body: Form, prefix: string) => ({
  day: field(body, `${prefix}-day`),
  month: field(body, `${prefix}-month`),
  year: field(body, `${prefix}-year`),
})

function startInput(body: Form): StartInput {
  return {
    immediateDanger: field(body, 'immediateDanger'),
    policeCalled: field(body, 'policeCalled'),
    policeCalledOn: dateParts(body, 'policeCalledOn'),
    policeCalledTime: field(body, 'policeCalledTime'),
    policeReference: field(body, 'policeReference'),
    child: field(body, 'child'),
    newChild: {
      givenName: field(body, 'givenName'),
      familyName: field(body, 'familyName'),
      dateOfBirth: dateParts(body, 'dateOfBirth'),
      estimatedAge: field(body, 'estimatedAge'),
      schoolId: field(body, 'schoolId'),
      addressLine1: field(body, 'addressLine1'),
      postcode: field(body, 'postcode'),
    },
  }
}

function detailsInput(body: Form): DetailsInput {
  return {
    narrative: field(body, 'narrative'),
    happenedOn: dateParts(body, 'happenedOn'),
    happenedAt: field(body, 'happenedAt'),
    noticedBy: field(body, 'noticedBy'),
    childWords: field(body, 'childWords'),
    consent: field(body, 'consent'),
    consentNote: field(body, 'consentNote'),
    familyAware: field(body, 'familyAware'),
    learningDisability: field(body, 'learningDisability'),
    ticks: list(body, 'tick').map((code): TickInput => ({
      itemCode: code,
      evidence: field(body, `evidence-${code}`),
      recency: field(body, `recency-${code}`),
      basis: field(body, `basis-${code}`),
    })),
  }
}

/** Page 2's form values from a saved draft (to show it again). */
function detailsValues(concern: ConcernView): Record<string, unknown> {
  const [year, month, day] = (concern.happenedOn ?? '').split('-')
  const values: Record<string, unknown> = {
    narrative: concern.narrative,
    'happenedOn-day': day === undefined ? '' : String(Number(day)),
    'happenedOn-month': month === undefined ? '' : String(Number(month)),
    'happenedOn-year': year ?? '',
    happenedAt: concern.happenedAt,
    noticedBy: concern.noticedBy,
    childWords: concern.childWords,
    consent: concern.consent,
    consentNote: concern.consentNote,
    familyAware: concern.familyAware,
    learningDisability:
      concern.learningDisability === null ? undefined : concern.learningDisability ? 'yes' : 'no',
    tick: concern.indicators.map((i) => i.itemCode),
  }
  for (const i of concern.indicators) {
    values[`evidence-${i.itemCode}`] = i.evidence
    values[`recency-${i.itemCode}`] = i.recency
    values[`basis-${i.itemCode}`] = i.basis
  }
  return values
}

/** The guide's items grouped as the checklist shows them. */
function checklist(guide: Guide) {
  const groups = [
    { kind: 'vulnerability', title: 'Vulnerabilities', hint: 'Factors that make the child more vulnerable' },
    { kind: 'moderate', title: 'Risk indicators', hint: 'Signs the child may be being exploited' },
    { kind: 'significant', title: 'Significant risk indicators', hint: 'Strong signs of exploitation' },
  ]
  return groups.map((g) => ({ ...g, items: guide.items.filter((i) => i.kind === g.kind) }))
}

const options = { recencies: RECENCIES, bases: BASES, consents: CONSENTS, familyAware: FAMILY_AWARE }

// API schemas ----------------------------------------------------------------------------------------------------

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()])
const RecencySchema = Type.Union(RECENCIES.map((r) => Type.Literal(r.value)))
const TickSchema = Type.Object(
  {
    itemCode: Type.String({ maxLength: 60 }),
    evidence: Type.String({ maxLength: 5000 }),
    recency: Type.String({ maxLength: 30 }),
    basis: Type.String({ maxLength: 30, description: 'evidenced | concern' }),
  },
  { additionalProperties: false },
)
const CreateConcernBody = Type.Object(
  {
    personId: Type.Optional(Type.String({ format: 'uuid', description: 'A child the caller may see' })),
    child: Type.Optional(
      Type.Object(
        {
          givenName: Type.String({ maxLength: 100 }),
          familyName: Type.Optional(Type.String({ maxLength: 100 })),
          dateOfBirth: Type.Optional(Type.String({ maxLength: 10 })),
          estimatedAge: Type.Optional(Type.Integer({ minimum: 0, maximum: 25 })),
          schoolId: Type.Optional(Type.String({ maxLength: 64 })),
          addressLine1: Type.Optional(Type.String({ maxLength: 200 })),
          postcode: Type.Optional(Type.String({ maxLength: 10 })),
        },
        { additionalProperties: false, description: 'A new child (when personId is not given)' },
      ),
    ),
    immediateDanger: Type.Boolean(),
    policeCalled: Type.Optional(Type.Boolean()),
    policeCalledAt: Type.Optional(Type.String({ format: 'date-time' })),
    policeReference: Type.Optional(Type.String({ maxLength: 50 })),
    narrative: Type.String({ maxLength: 20000 }),
    happenedOn: Type.String({ maxLength: 10 }),
    happenedAt: Type.Optional(Type.String({ maxLength: 500 })),
    noticedBy: Type.Optional(Type.String({ maxLength: 500 })),
    childWords: Type.Optional(Type.String({ maxLength: 10000 })),
    consent: Type.String({ maxLength: 20, description: 'given | refused | not-asked' }),
    consentNote: Type.Optional(Type.String({ maxLength: 2000 })),
    familyAware: Type.String({ maxLength: 20, description: 'yes | no | not-safe' }),
    learningDisability: Type.Optional(Type.Boolean()),
    indicators: Type.Array(TickSchema, { maxItems: 100 }),
    judgedLevel: Type.String({ maxLength: 20 }),
    judgementReason: Type.String({ maxLength: 5000 }),
  },
  { additionalProperties: false },
)
const SuggestionSchema = Type.Object(
  {
    level: Type.String(),
    levelLabel: Type.String(),
    score: Type.Integer(),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
)
const ConcernSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    status: Type.Union([Type.Literal('draft'), Type.Literal('recorded')]),
    child: Type.Object({
      id: Type.String({ format: 'uuid' }),
      name: Type.String(),
      dateOfBirth: nullable(Type.String({ format: 'date' })),
      age: Type.Union([Type.Integer(), Type.Null()]),
    }),
    recordedByName: nullable(Type.String()),
    recordedByAgencyName: nullable(Type.String()),
    immediateDanger: Type.Boolean(),
    policeCalled: Type.Union([Type.Boolean(), Type.Null()]),
    policeCalledAt: nullable(Type.String({ format: 'date-time' })),
    policeReference: nullable(Type.String()),
    narrative: nullable(Type.String()),
    happenedOn: nullable(Type.String({ format: 'date' })),
    happenedAt: nullable(Type.String()),
    noticedBy: nullable(Type.String()),
    childWords: nullable(Type.String()),
    consent: nullable(Type.String()),
    consentNote: nullable(Type.String()),
    familyAware: nullable(Type.String()),
    learningDisability: Type.Union([Type.Boolean(), Type.Null()]),
    indicators: Type.Array(TickSchema),
    suggestion: Type.Union([SuggestionSchema, Type.Null()]),
    judgedLevel: nullable(Type.String()),
    judgementReason: nullable(Type.String()),
    streetTerms: Type.Array(
      Type.Object({
        code: Type.String(),
        term: Type.String(),
        meaning: Type.String(),
        indicators: Type.Array(Type.String()),
        found: Type.Array(Type.String()),
      }),
    ),
    recordedAt: nullable(Type.String({ format: 'date-time' })),
    version: Type.Integer(),
  },
  { additionalProperties: false },
)
const GuideSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  version: Type.Integer(),
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      kind: Type.String(),
      label: Type.String(),
      hint: nullable(Type.String()),
    }),
  ),
  levels: Type.Array(
    Type.Object({
      code: Type.String(),
      label: Type.String(),
      minScore: Type.Union([Type.Integer(), Type.Null()]),
    }),
  ),
  streetTerms: Type.Array(
    Type.Object({
      code: Type.String(),
      term: Type.String(),
      meaning: Type.String(),
      indicatorCodes: Type.Array(Type.String()),
    }),
  ),
})
const SuggestBody = Type.Object(
  {
    ticks: Type.Array(
      Type.Object(
        { itemCode: Type.String({ maxLength: 60 }), recency: RecencySchema },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
    child: Type.Object(
      {
        ageYears: Type.Union([Type.Integer({ minimum: 0, maximum: 30 }), Type.Null()]),
        learningDisability: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
)
const problems = {
  400: { $ref: 'Problem#' },
  401: { $ref: 'Problem#' },
  403: { $ref: 'Problem#' },
  404: { $ref: 'Problem#' },
}

const apiConcern = (c: ConcernView) => ({
  id: c.id,
  status: c.status,
  child: { id: c.child.id, name: c.child.name, dateOfBirth: c.child.dateOfBirth, age: c.child.age },
  recordedByName: c.recordedByName,
  recordedByAgencyName: c.recordedByAgencyName,
  immediateDanger: c.immediateDanger,
  policeCalled: c.policeCalled,
  policeCalledAt: c.policeCalledAt?.toISOString() ?? null,
  policeReference: c.policeReference,
  narrative: c.narrative,
  happenedOn: c.happenedOn,
  happenedAt: c.happenedAt,
  noticedBy: c.noticedBy,
  childWords: c.childWords,
  consent: c.consent,
  consentNote: c.consentNote,
  familyAware: c.familyAware,
  learningDisability: c.learningDisability,
  indicators: c.indicators,
  suggestion: c.suggestion,
  judgedLevel: c.judgedLevel,
  judgementReason: c.judgementReason,
  streetTerms: c.streetTerms,
  recordedAt: c.recordedAt?.toISOString() ?? null,
  version: c.version,
})

/** API field errors name the JSON fields. */
const API_FIELDS: Record<string, string> = {
  child: '/body/personId',
  givenName: '/body/child/givenName',
  familyName: '/body/child/familyName',
  dateOfBirth: '/body/child/dateOfBirth',
  estimatedAge: '/body/child/estimatedAge',
  schoolId: '/body/child/schoolId',
  addressLine1: '/body/child/addressLine1',
  postcode: '/body/child/postcode',
  policeCalledOn: '/body/policeCalledAt',
}
function apiErrors(error: ValidationError, ticks: readonly { itemCode: string }[]): ValidationError {
  const at = (code: string) => ticks.findIndex((t) => t.itemCode === code)
  return new ValidationError(
    error.fieldErrors.map((e) => {
      const tick = /^(evidence|recency|basis)-(.+)$/.exec(e.field)
      if (tick !== null)
        return { field: `/body/indicators/${String(at(tick[2] ?? ''))}/${tick[1] ?? ''}`, message: e.message }
      return { field: API_FIELDS[e.field] ?? `/body/${e.field}`, message: e.message }
    }),
  )
}

export function concernRoutes(services: Services): FeatureRoutes {
  const concerns = services.concerns

  /** The referral service: recording a concern refers it in the same transaction. */
  const referrer = (): Referrer => services.referrals

  const notFound = (reply: FastifyReply) => reply.code(404).view(VIEWS.notFound, { breakGlassHref: null })

  const guarded = async (reply: FastifyReply, fn: () => Promise<unknown>) => {
    try {
      return await fn()
    } catch (error) {
      if (error instanceof NotFoundError) return notFound(reply)
      throw error
    }
  }

  async function possibleMatches(request: FastifyRequest, body: Form): Promise<DuplicateCandidate[]> {
    if (field(body, 'child') !== 'new' || field(body, 'matchesChecked') === 'yes') return []
    const dob = dateParts(body, 'dateOfBirth')
    const iso =
      /^\d{4}$/.test(dob.year) && /^\d{1,2}$/.test(dob.month) && /^\d{1,2}$/.test(dob.day)
        ? `${dob.year}-${dob.month.padStart(2, '0')}-${dob.day.padStart(2, '0')}`
        : ''
    try {
      // Only records the actor may read are offered (and each one shown is audited as a read).
      return await services.duplicates.forNew(
        signedInActor(request),
        {
          givenName: field(body, 'givenName'),
          familyName: field(body, 'familyName'),
          ...(iso === '' ? {} : { dateOfBirth: iso }),
        },
        requestContext(request),
      )
    } catch (error) {
      if (error instanceof ValidationError) return []
      throw error
    }
  }

  const startPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const query = request.query as { child?: string }
    const childId = typeof query.child === 'string' && UUID.test(query.child) ? query.child : undefined
    const form = await concerns.startForm(signedInActor(request), requestContext(request), childId)
    return reply.code(status).view(VIEWS.start, {
      ...form,
      values: childId === undefined ? {} : { child: childId },
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  const detailsPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const { concern, guide } = await concerns.draft(signedInActor(request), id, requestContext(request))
    if (concern.status !== 'draft') return reply.redirect(paths.concerns.show(id), 303)
    return reply.code(status).view(VIEWS.details, {
      concern,
      groups: checklist(guide),
      ...options,
      values: detailsValues(concern),
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  // Changing page 1's danger answers from check answers ----------------------------------------------------------
  const dangerPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const { concern } = await concerns.draft(signedInActor(request), id, requestContext(request))
    if (concern.status !== 'draft') return reply.redirect(paths.concerns.show(id), 303)
    const at = concern.policeCalledAt
    const london = at === null ? null : new Date(at.toLocaleString('en-US', { timeZone: 'Europe/London' }))
    const pad = (n: number) => String(n).padStart(2, '0')
    return reply.code(status).view(VIEWS.danger, {
      concern,
      values: {
        immediateDanger: concern.immediateDanger ? 'yes' : 'no',
        policeCalled: concern.policeCalled === null ? undefined : concern.policeCalled ? 'yes' : 'no',
        'policeCalledOn-day': london === null ? '' : String(london.getDate()),
        'policeCalledOn-month': london === null ? '' : String(london.getMonth() + 1),
        'policeCalledOn-year': london === null ? '' : String(london.getFullYear()),
        policeCalledTime: london === null ? '' : `${pad(london.getHours())}:${pad(london.getMinutes())}`,
        policeReference: concern.policeReference,
      },
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  const checkPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: Record<string, unknown> = {},
    status = 200,
  ) => {
    const { concern, guide } = await concerns.draft(signedInActor(request), id, requestContext(request))
    if (concern.status !== 'draft') return reply.redirect(paths.concerns.show(id), 303)
    if (concern.narrative === null) return reply.redirect(paths.concerns.details(id), 303)
    const labels = Object.fromEntries(guide.items.map((i) => [i.code, i.label]))
    return reply.code(status).view(VIEWS.check, {
      concern,
      labels,
      levels: guide.levels,
      ...options,
      canRefer: can(signedInActor(request), 'referral:create'),
      values: {},
      csrfToken: reply.csrfToken(),
      ...extra,
    })
  }

  return {
    pages: async (app) => {
      app.get(
        paths.concerns.new,
        {
          config: { access: { capability: 'concern:create' } },
          schema: {
            ...hidden,
            querystring: Type.Object({ child: Type.Optional(Type.String({ maxLength: 64 })) }),
          },
        },
        async function concernNewGet(request, reply) {
          return guarded(reply, () => startPage(request, reply))
        },
      )

      app.post(
        paths.concerns.new,
        { config: { access: { capability: 'concern:create' } }, schema: { ...hidden, body: FormBody } },
        async function concernNewPost(request, reply) {
          const body = request.body
          return guarded(reply, async () => {
            try {
              const matches = await possibleMatches(request, body)
              if (matches.length > 0) {
                return await startPage(request, reply, { values: body, matches })
              }
              const id = await concerns.start(
                signedInActor(request),
                startInput(body),
                requestContext(request),
              )
              return await reply.redirect(paths.concerns.details(id), 303)
            } catch (error) {
              if (error instanceof ValidationError) {
                return startPage(request, reply, { values: body, ...formErrors(error.fieldErrors) }, 400)
              }
              throw error
            }
          })
        },
      )

      app.get(
        paths.concerns.details.pattern,
        { config: { access: { capability: 'concern:create' } }, schema: { ...hidden, params: Params } },
        async function concernDetailsGet(request, reply) {
          return guarded(reply, () => detailsPage(request, reply, request.params.id))
        },
      )

      app.post(
        paths.concerns.details.pattern,
        {
          config: { access: { capability: 'concern:create' } },
          schema: { ...hidden, params: Params, body: FormBody },
        },
        async function concernDetailsPost(request, reply) {
          const { id } = request.params
          const body = request.body
          const values = { ...body, tick: list(body, 'tick') }
          return guarded(reply, async () => {
            try {
              await concerns.saveDetails(
                signedInActor(request),
                id,
                Number(field(body, 'version')),
                detailsInput(body),
                requestContext(request),
              )
              return await reply.redirect(paths.concerns.check(id), 303)
            } catch (error) {
              if (error instanceof ValidationError) {
                return detailsPage(request, reply, id, { values, ...formErrors(error.fieldErrors) }, 400)
              }
              if (error instanceof ConflictError) {
                return detailsPage(
                  request,
                  reply,
                  id,
                  { values, ...formErrors([{ field: 'narrative', message: error.message }]) },
                  409,
                )
              }
              throw error
            }
          })
        },
      )

      app.get(
        paths.concerns.danger.pattern,
        { config: { access: { capability: 'concern:create' } }, schema: { ...hidden, params: Params } },
        async function concernDangerGet(request, reply) {
          return guarded(reply, () => dangerPage(request, reply, request.params.id))
        },
      )

      app.post(
        paths.concerns.danger.pattern,
        {
          config: { access: { capability: 'concern:create' } },
          schema: { ...hidden, params: Params, body: FormBody },
        },
        async function concernDangerPost(request, reply) {
          const { id } = request.params
          const body = request.body
          return guarded(reply, async () => {
            try {
              await concerns.changeDanger(
                signedInActor(request),
                id,
                Number(field(body, 'version')),
                startInput(body),
                requestContext(request),
              )
              return await reply.redirect(paths.concerns.check(id), 303)
            } catch (error) {
              if (error instanceof ValidationError) {
                return dangerPage(request, reply, id, { values: body, ...formErrors(error.fieldErrors) }, 400)
              }
              if (error instanceof ConflictError) {
                return dangerPage(
                  request,
                  reply,
                  id,
                  { values: body, ...formErrors([{ field: 'immediateDanger', message: error.message }]) },
                  409,
                )
              }
              throw error
            }
          })
        },
      )

      app.get(
        paths.concerns.check.pattern,
        { config: { access: { capability: 'concern:create' } }, schema: { ...hidden, params: Params } },
        async function concernCheckGet(request, reply) {
          return guarded(reply, () => checkPage(request, reply, request.params.id))
        },
      )

      app.post(
        paths.concerns.check.pattern,
        {
          config: { access: { capability: 'concern:create' } },
          schema: { ...hidden, params: Params, body: FormBody },
        },
        async function concernCheckPost(request, reply) {
          const { id } = request.params
          const body = request.body
          return guarded(reply, async () => {
            try {
              const { referralId } = await concerns.record(
                signedInActor(request),
                id,
                Number(field(body, 'version')),
                {
                  judgedLevel: field(body, 'judgedLevel'),
                  judgementReason: field(body, 'judgementReason'),
                  discussedWith: field(body, 'discussedWith'),
                  discussionNote: field(body, 'discussionNote'),
                },
                requestContext(request),
                referrer(),
              )
              return await reply.redirect(
                `${paths.concerns.show(id)}?${referralId === null ? 'recorded' : 'referred'}=1`,
                303,
              )
            } catch (error) {
              if (error instanceof ValidationError) {
                return checkPage(request, reply, id, { values: body, ...formErrors(error.fieldErrors) }, 400)
              }
              if (error instanceof ConflictError) {
                return checkPage(
                  request,
                  reply,
                  id,
                  { values: body, ...formErrors([{ field: 'judgedLevel', message: error.message }]) },
                  409,
                )
              }
              throw error
            }
          })
        },
      )

      app.get(
        paths.concerns.show.pattern,
        {
          config: { access: { capability: 'concern:create' } },
          schema: {
            ...hidden,
            params: Params,
            querystring: Type.Object({
              referred: Type.Optional(Type.String({ maxLength: 2 })),
              recorded: Type.Optional(Type.String({ maxLength: 2 })),
            }),
          },
        },
        async function concernGet(request, reply) {
          const { id } = request.params
          return guarded(reply, async () => {
            const concern = await concerns.read(signedInActor(request), id, requestContext(request), 'page')
            if (concern.status === 'draft') return reply.redirect(paths.concerns.details(id), 303)
            const q = request.query
            return reply.view(VIEWS.show, {
              concern,
              ...options,
              justReferred: q.referred === '1',
              justRecorded: q.recorded === '1',
            })
          })
        },
      )
    },
    api: async (app) => {
      app.post(
        paths.api.concerns.pattern,
        {
          config: { access: { capability: 'concern:create' } },
          schema: {
            tags: ['concerns'],
            summary:
              'Record a whole concern in one body (the child, immediate danger, what was seen or heard, the screening ticks and the practitioner’s judgement); answers the suggested level with its reasons. Nothing is written on bad input',
            security: [{ bearer: [] }],
            body: CreateConcernBody,
            response: { 201: Type.Object({ concern: ConcernSchema }), ...problems },
          },
        },
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
        {
          config: { access: { capability: 'concern:create' } },
          schema: {
            tags: ['concerns'],
            summary:
              'One concern: for the practitioner who recorded it, and for those who may read the child; 404 otherwise',
            security: [{ bearer: [] }],
            params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
            response: { 200: Type.Object({ concern: ConcernSchema }), ...problems },
          },
        },
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
        {
          config: { access: { capability: 'concern:create' } },
          schema: {
            tags: ['screening'],
            summary: 'The screening guide in force: its items, the risk levels and the street terms',
            security: [{ bearer: [] }],
            response: { 200: Type.Object({ guide: GuideSchema }), ...problems },
          },
        },
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
        {
          config: { access: { capability: 'concern:create' } },
          schema: {
            tags: ['screening'],
            summary:
              'The suggested level and its reasons for these ticks and facts about the child; nothing is stored',
            security: [{ bearer: [] }],
            body: SuggestBody,
            response: { 200: Type.Object({ suggestion: SuggestionSchema }), ...problems },
          },
        },
        async function screeningSuggestPost(request) {
          const body: Static<typeof SuggestBody> = request.body
          const suggestion = await concerns.suggest(apiActor(request), body.ticks, body.child)
          return { suggestion }
        },
      )
    },
  }
}
