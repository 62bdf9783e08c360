import { Type, type Static } from 'typebox'
import { signedInActor } from '../../platform/access/actor.ts'
import { requestContext } from '../../platform/auth/request-context.ts'
import { NotFoundError } from '../../platform/errors.ts'
import { UUID } from '../../platform/identifiers/uuid.ts'
import {
  HANDLING_CODES,
  INTELLIGENCE_ASSESSMENTS,
  SOURCE_EVALUATIONS,
} from '../../platform/intelligence-grading.ts'
import { paths } from '../../platform/paths.ts'
import { apiRoute, IdParams, inputProblems, nullable, readProblems } from '../../platform/route-kit.ts'
import type { FeatureRoutes } from '../../platform/surfaces.ts'
import { apiActor } from '../../platform/tokens/api-auth.ts'
import {
  dateOf,
  formDate,
  formMany,
  formText,
  listOf,
  type PostedForm,
} from '../../platform/views/form-fields.ts'
import { formPage } from '../../platform/views/form-page.ts'
import type { Services } from '../../services.ts'
import type { IntelligenceView } from './intelligence-service.ts'
import { entryTerms } from './intelligence-terms.ts'
import type { ConditionInput, IntelligenceInput } from './intelligence-validation.ts'

const VIEWS = {
  list: 'features/intelligence/views/intelligence-list.njk',
  new: 'features/intelligence/views/intelligence-new.njk',
  show: 'features/intelligence/views/intelligence-show.njk',
}

/** The handlers' list; one entry is open to anyone who reads records (the policy decides who sees what). */
const list = { capability: 'intelligence:read' } as const
const read = { capability: 'person:read' } as const
const write = { capability: 'intelligence:write' } as const

/** The page's form. Subjects are record references (`person:<id>`), ticked, plus one typed as a record's address. */
const FORM_FIELDS = {
  ...formDate('reportedOn'),
  reportingAgencyId: formText(64),
  sanitisedText: formText(10_000),
  fullText: formText(40_000),
  sourceReference: formText(1000),
  sourceEvaluation: formText(4),
  intelligenceAssessment: formText(4),
  handlingCode: formText(4),
  restriction: formText(4000),
  allowAgency: formMany(50, 64),
  allowType: formMany(20, 60),
  denyAgency: formMany(50, 64),
  denyType: formMany(20, 60),
  subject: formMany(20, 60),
  otherSubject: formText(400),
}

const KIND_OF_PATH: Readonly<Record<string, string>> = {
  people: 'person',
  locations: 'location',
  objects: 'object',
}

/** A subject typed as a record's address ("/people/<id>", a full URL) or as "person:<id>"; undefined if neither. */
export function subjectReference(text: string): { kind: string; id: string } | undefined {
  const trimmed = text.trim()
  const typed = /^(person|location|object):([0-9a-f-]{36})$/i.exec(trimmed)
  if (typed !== null) return { kind: (typed[1] ?? '').toLowerCase(), id: typed[2] ?? '' }
  const address = /\/(people|locations|objects)\/([0-9a-f-]{36})(?:[/?#]|$)/i.exec(trimmed)
  if (address !== null)
    return { kind: KIND_OF_PATH[(address[1] ?? '').toLowerCase()] ?? '', id: address[2] ?? '' }
  return undefined
}

const conditionsOf = (ids: string[], types: string[], effect: 'allow' | 'deny'): ConditionInput[] => [
  ...ids.map((agencyId) => ({ effect, agencyId })),
  ...types.map((agencyType) => ({ effect, agencyType })),
]

/** The form's fields as the service takes them (absent fields are empty). */
function formInput(body: PostedForm): IntelligenceInput {
  const text = (name: string) => {
    const value = body[name]
    return typeof value === 'string' ? value : ''
  }
  const subjects = listOf(body.subject).map((s) => subjectReference(s) ?? { kind: '', id: s })
  const other = text('otherSubject')
  if (other.trim() !== '') subjects.push(subjectReference(other) ?? { kind: '', id: other })
  return {
    reportedOn: dateOf(body, 'reportedOn'),
    reportingAgencyId: text('reportingAgencyId'),
    sanitisedText: text('sanitisedText'),
    fullText: text('fullText'),
    sourceReference: text('sourceReference'),
    sourceEvaluation: text('sourceEvaluation'),
    intelligenceAssessment: text('intelligenceAssessment'),
    handlingCode: text('handlingCode'),
    restriction: text('restriction'),
    conditions: [
      ...conditionsOf(listOf(body.allowAgency), listOf(body.allowType), 'allow'),
      ...conditionsOf(listOf(body.denyAgency), listOf(body.denyType), 'deny'),
    ],
    subjects,
  }
}

const options = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, text: `${value}: ${label}` }))
const GRADES = {
  evaluations: options(SOURCE_EVALUATIONS),
  assessments: options(INTELLIGENCE_ASSESSMENTS),
  handlingCodes: options(HANDLING_CODES),
}

// API --------------------------------------------------------------------------------------------------------

const Grade = {
  sourceEvaluation: Type.Union([Type.Literal('1'), Type.Literal('2'), Type.Literal('3')]),
  intelligenceAssessment: Type.Union(['A', 'B', 'C', 'D', 'E'].map((g) => Type.Literal(g))),
  handlingCode: Type.Union([Type.Literal('P'), Type.Literal('C')]),
}
const Kind = Type.Union([Type.Literal('person'), Type.Literal('location'), Type.Literal('object')])
const Condition = Type.Object(
  {
    effect: Type.Union([Type.Literal('allow'), Type.Literal('deny')]),
    agencyId: Type.Optional(Type.String({ format: 'uuid' })),
    agencyType: Type.Optional(Type.String({ maxLength: 60 })),
  },
  { additionalProperties: false },
)
const CreateBody = Type.Object(
  {
    reportedOn: Type.String({ format: 'date', description: 'YYYY-MM-DD, today or before' }),
    reportingAgencyId: Type.String({ format: 'uuid' }),
    sanitisedText: Type.String({
      maxLength: 10_000,
      description: 'Shareable at MACE: no source-identifying detail',
    }),
    fullText: Type.String({ maxLength: 40_000, description: 'For handlers only' }),
    sourceReference: Type.Optional(
      Type.String({ maxLength: 1000, description: 'Never shown outside handlers' }),
    ),
    ...Grade,
    restriction: Type.Optional(Type.String({ maxLength: 4000 })),
    conditions: Type.Optional(Type.Array(Condition, { maxItems: 50 })),
    subjects: Type.Array(
      Type.Object({ kind: Kind, id: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
      {
        minItems: 1,
        maxItems: 20,
      },
    ),
  },
  { additionalProperties: false },
)
const ConditionSchema = Type.Object({
  effect: Type.String(),
  agencyId: nullable(Type.String()),
  agencyType: nullable(Type.String()),
  agencyName: nullable(Type.String()),
  agencyTypeLabel: nullable(Type.String()),
})
const EntrySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  reportedOn: Type.String({ format: 'date' }),
  reportingAgencyName: Type.String(),
  sanitisedText: Type.String(),
  sourceEvaluation: Type.String(),
  intelligenceAssessment: Type.String(),
  handlingCode: Type.String(),
  grading: Type.String({ description: '3x5x2 in short, e.g. 2/B/P' }),
  full: Type.Boolean({ description: 'false: the sanitised form only (a MACE member)' }),
  fullText: nullable(Type.String()),
  sourceReference: nullable(Type.String()),
  restriction: nullable(Type.String()),
  conditions: Type.Array(ConditionSchema),
  recordedByName: nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  version: Type.Integer(),
})
const Subject = Type.Object({ kind: Type.String(), id: Type.String({ format: 'uuid' }) })
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

const apiEntry = (entry: IntelligenceView) => ({
  id: entry.id,
  reportedOn: entry.reportedOn,
  reportingAgencyName: entry.reportingAgencyName,
  sanitisedText: entry.sanitisedText,
  sourceEvaluation: entry.sourceEvaluation,
  intelligenceAssessment: entry.intelligenceAssessment,
  handlingCode: entry.handlingCode,
  grading: entry.grading,
  full: entry.full,
  fullText: entry.fullText,
  sourceReference: entry.sourceReference,
  restriction: entry.restriction,
  conditions: entry.conditions,
  recordedByName: entry.recordedByName,
  createdAt: entry.createdAt.toISOString(),
  version: entry.version,
})

function apiInput(body: Static<typeof CreateBody>): IntelligenceInput {
  return {
    reportedOn: body.reportedOn,
    reportingAgencyId: body.reportingAgencyId,
    sanitisedText: body.sanitisedText,
    fullText: body.fullText,
    sourceReference: body.sourceReference ?? '',
    sourceEvaluation: body.sourceEvaluation,
    intelligenceAssessment: body.intelligenceAssessment,
    handlingCode: body.handlingCode,
    restriction: body.restriction ?? '',
    conditions: body.conditions ?? [],
    subjects: body.subjects,
  }
}

/**
 * Intelligence entries: the handlers' list, a new entry (opened from a record's page with `?subject=person:<id>`),
 * one entry as the reader may see it; and the same through the API (tag `intelligence`).
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
        keep: (body) => ({
          ...body,
          reportedOn: dateOf(body, 'reportedOn'),
          allowAgency: listOf(body.allowAgency),
          allowType: listOf(body.allowType),
          denyAgency: listOf(body.denyAgency),
          denyType: listOf(body.denyType),
          subject: listOf(body.subject),
        }),
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
          const { entry, subjects } = await intelligence.read(actor, id, requestContext(request))
          const streetTerms = await entryTerms(services.streetTerms, actor, entry)
          return reply.view(VIEWS.show, { entry, subjects, streetTerms })
        },
      )
    },

    api: async (app) => {
      app.get(
        paths.api.intelligence.pattern,
        apiRoute(list.capability, 'intelligence', {
          summary: 'The newest intelligence entries the caller may see (each audited as read)',
          response: { 200: Type.Object({ entries: Type.Array(EntrySchema) }), ...readProblems },
        }),
        async function intelligenceApiList(request) {
          const entries = await intelligence.list(apiActor(request), requestContext(request), 'api')
          return { entries: entries.map(apiEntry) }
        },
      )

      app.post(
        paths.api.intelligence.pattern,
        apiRoute(write.capability, 'intelligence', {
          summary:
            'Record an intelligence entry with its 3x5x2 grading, handling conditions (required for C) and the records it concerns; nothing is written on bad input',
          body: CreateBody,
          response: { 201: Type.Object({ entry: EntrySchema }), ...inputProblems },
        }),
        async function intelligenceApiPost(request, reply) {
          const actor = apiActor(request)
          const ctx = requestContext(request)
          const id = await intelligence.record(actor, apiInput(request.body), ctx, 'api')
          const { entry } = await intelligence.read(actor, id, ctx, 'api')
          return reply
            .code(201)
            .header('location', paths.api.intelligenceEntry(id))
            .send({ entry: apiEntry(entry) })
        },
      )

      app.get(
        paths.api.intelligenceEntry.pattern,
        apiRoute(read.capability, 'intelligence', {
          summary:
            'One intelligence entry: in full for its handlers, sanitised for a MACE member; 404 otherwise',
          params: IdParams,
          response: {
            200: Type.Object({
              entry: EntrySchema,
              subjects: Type.Array(Subject),
              streetTerms: Type.Array(EntryTermSchema),
            }),
            ...readProblems,
          },
        }),
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
    },
  }
}
